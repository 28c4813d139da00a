// spiketlm: the timing policy of the systolic executor, a unit chosen by kind like a dataflow
// (`<platform>.timing.kind`). See timing.md.
//
//   timing.physical  (default) the layer's time is the TLM model's: fold cycles, LIF cycles and
//                    the stalls of the DMA and DRAM models. Reports nothing more.
//   timing.scalesim  the same simulation, plus per compute layer SCALE-Sim v2's figures in its
//                    USER bandwidth mode (compute, stall and total cycles; scalesim_user_bw.h)
//                    from its own parameters (SRAM sizes, words per cycle), for the layer table.
#pragma once
#include <cstdint>
#include <map>

#include "hw/compute/dataflow.h"
#include "hw/compute/scalesim_user_bw.h"
#include "hw/ctrl/layer_cmd.h"
#include "tlm/module.h"

namespace spiketlm {

// A peer simulator's cycles of one layer run (summed over the run's calls).
struct PeerCycles {
  uint64_t compute = 0, stall = 0, total = 0;
  PeerCycles& operator+=(const PeerCycles& o) {
    compute += o.compute, stall += o.stall, total += o.total;
    return *this;
  }
};

class TimingPolicy : public Module {
 public:
  using Module::Module;
  // The peer whose figures layer() gives ("" for none): names the layer table's extra columns.
  virtual const char* peer() const { return ""; }
  // Check that the policy can time this dataflow (before the run); fails with a one-line error.
  virtual void check(const Dataflow& df) const { (void)df; }
  // The peer's cycles of compute layer L for `timesteps` timesteps on an R x C array that
  // streams `planes` bit planes per input element (1 for multi-bit elements).
  virtual PeerCycles layer(const LayerCmd& L, const Dataflow& df, uint64_t R, uint64_t C, uint64_t planes,
                           uint64_t timesteps) {
    (void)L, (void)df, (void)R, (void)C, (void)planes, (void)timesteps;
    return {};
  }
};

class ScaleSimTiming : public TimingPolicy {
 public:
  ScaleSimTiming(sc_core::sc_module_name name, Context& ctx);
  const char* peer() const override { return "scalesim"; }
  void check(const Dataflow& df) const override;
  PeerCycles layer(const LayerCmd& L, const Dataflow& df, uint64_t R, uint64_t C, uint64_t planes,
                   uint64_t timesteps) override;
  // SCALE-Sim's topology row for a layer: the padded input, channels x planes.
  static scalesim::Topology topology(const ConvGeom& g, uint64_t planes);

 private:
  scalesim::MemoryConfig m_cfg;
  std::map<uint32_t, scalesim::UserBwCycles> m_memo;  // per layer id: one timestep
};

// SCALE-Sim's mapping of a dataflow: OS for output-stationary and its descendants (tick-batch,
// mapped), WS, IS; false for a dataflow that is none of them.
bool scalesim_mapping(const Dataflow& df, scalesim::Mapping& m);

}  // namespace spiketlm
