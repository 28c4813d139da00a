// spiketlm: the sequencer (kind "sequencer"). See sequencer.md.
//
// Waits for CTRL.START, fetches the layer descriptors and their fixed-point tables from
// memory over the bus (timed, real bytes), validates them (a descriptor it cannot run is
// refused: STATUS.ERROR with the code, layer and word), walks the (layer, timesteps) calls
// in the order the dataflow dictates through the layer engine, then writes the result and
// performance-counter registers and raises the interrupt. The always-on energy of the PE
// array and LIF units is charged over every cycle the sequencer keeps them running.
#pragma once
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <memory>

#include "hw/compute/dataflow.h"
#include "hw/compute/engine.h"
#include "hw/ctrl/csr.h"
#include "hw/exit/exit_unit.h"

namespace spiketlm {

// Decode and validate one descriptor (shared by every controller that runs LayerDesc tables);
// read_fx(addr, dst, bytes) fetches the fixed-point table; hw_share: the C#n factor the LIF
// hardware implements (a descriptor with lif_share other than 1 or hw_share is refused).
// Throws LayerRefused.
LayerCmd decode_layer(const LayerDesc& d, uint32_t index,
                      const std::function<void(uint64_t, void*, uint64_t)>& read_fx, int hw_share = 1);

// A controller's timed read of `len` bytes over its bus socket, starting at absolute time `t`
// (advanced to the completion). A bus error refuses the run (ERR_BAD_ADDRESS) for `layer`.
void controller_read(tlm::tlm_initiator_socket<>& out, uint64_t addr, void* dst, uint64_t len, sc_core::sc_time& t,
                     uint32_t layer);

class Sequencer : public Module {
 public:
  tlm_utils::simple_initiator_socket<Sequencer> out;

  SC_HAS_PROCESS(Sequencer);
  Sequencer(sc_core::sc_module_name name, Context& ctx);
  // Wiring, by the platform before simulation.
  // `exit` may be null (no early exit).
  void connect(const Datapath& dp, Dataflow* df, Csr* csr, ExitUnit* exit = nullptr);

  // Per-layer statistics summed over every run since construction.
  const std::vector<LayerStats>& layer_stats() const { return m_layers; }
  uint64_t runs() const { return m_runs; }
  const sc_core::sc_time& clock() const { return m_clk; }

 private:
  void thread();
  void execute();
  LayerCmd decode(const LayerDesc& d, uint32_t index, sc_core::sc_time& t);
  void bus_read(uint64_t addr, void* dst, uint64_t len, sc_core::sc_time& t);

  Datapath m_dp;
  Dataflow* m_df = nullptr;
  Csr* m_csr = nullptr;
  ExitUnit* m_exit = nullptr;
  std::unique_ptr<LayerEngine> m_engine;
  sc_core::sc_time m_clk;
  std::vector<LayerStats> m_layers;
  uint64_t m_runs = 0;
  uint32_t m_busy = 0, m_layer_now = 0, m_t_now = 0;
  Probe m_p_busy, m_p_layer, m_p_t, m_p_spikes;  // VCD, at simulated times (tlm/trace.h)
  ActionId m_ctl;
  uint64_t &m_cycles, &m_refused, &m_desc_bytes;
};

}  // namespace spiketlm
