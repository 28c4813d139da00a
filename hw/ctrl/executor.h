// spiketlm: the interface between the one controller protocol (controller.h) and the hardware
// that runs layers (a platform's executor: systolic array, IMC tiles, ...). See controller.md.
//
// The controller owns the protocol: registers, descriptor fetch and decode, the order of
// calls, the DT-SNN exit check, the argmax, the counter registers, refusals, the interrupt
// and the waveform. Per run it calls an executor:
//   begin_run(run, now)                once, after decoding (e.g. program crossbars, read inputs)
//   schedule(layers, T)                the (layer, timesteps) calls, in order
//   run(L, ts, T, now)                 each call; returns when the next call may start
//   end_run(now, ran, refused)         once, after the last call (or a refusal); returns the completion
// A call's return is when the *next* call may start, not necessarily when this one ends: a
// pipelined executor (SpikeFlow: layer i + 1 starts after a fraction of layer i) returns an
// earlier time and reports the real completion from end_run.
#pragma once
#include <systemc>

#include <cstdint>
#include <vector>

#include "hw/ctrl/layer_cmd.h"

namespace spiketlm {

class Controller;

// What a run leaves in the counter registers (SPIKES, SPIKES_IN, DRAM_BYTES, GLB_BYTES); the
// controller sums what begin_run, every call and end_run add.
struct RunCounts {
  uint64_t spikes_out = 0, spikes_in = 0, dram_bytes = 0, glb_bytes = 0;
};

// One call of the executor: a layer for one or more timesteps.
struct LayerCall {
  int layer;
  std::vector<int> timesteps;
};

// What begin_run is told about the run.
struct RunInfo {
  const std::vector<LayerCmd>* layers = nullptr;
  int timesteps = 0;
  uint64_t desc_addr = 0;  // DESC_ADDR (an executor that programs weights once per network keys on it)
  bool exit_on = false;    // the exit unit may stop the run after a timestep
  sc_core::sc_time start;  // CTRL.START (before the descriptor fetch; SpikeFlow's latency counts from it)
};

// The completion of a run: when the controller raises the interrupt, and the latency it
// reports in CYCLES (negative: at - start of the run).
struct RunEnd {
  sc_core::sc_time at;
  double latency_ns = -1;
};

class LayerExecutor {
 public:
  virtual ~LayerExecutor() = default;

  // The DATAFLOW register value (sw/include/spiketlm/accel_regs.h).
  virtual uint32_t dataflow_code() const = 0;
  // The C#n factor the neuron hardware implements (decode refuses other lif_share values).
  virtual int lif_share() const { return 1; }
  // true: every layer runs once per timestep, timesteps outermost, so a run may stop after
  // the output layer of any timestep (DT-SNN exit).
  virtual bool timestep_outer() const = 0;
  // The calls of a run, in order.
  virtual std::vector<LayerCall> schedule(int layers, int timesteps) const = 0;

  // Once per run, after every descriptor decoded; may refuse (throw LayerRefused). Returns
  // when the first call may start.
  virtual sc_core::sc_time begin_run(const RunInfo& run, sc_core::sc_time now, RunCounts& counts) {
    (void)run, (void)counts;
    return now;
  }
  // One call: layer L for timesteps ts of a run of `timesteps`, starting at `now`. Returns when
  // the next call may start. Throws LayerRefused for what the hardware cannot run.
  virtual sc_core::sc_time run(const LayerCmd& L, const std::vector<int>& ts, int timesteps, sc_core::sc_time now,
                               RunCounts& counts) = 0;
  // The output layer's accumulations of timestep t (classes values) for the exit unit, into z;
  // advances `now` by the time the read takes. false: the controller reads them over its bus
  // from the output layer's out_addr.
  virtual bool logits(int t, int32_t* z, int classes, sc_core::sc_time& now) {
    (void)t, (void)z, (void)classes, (void)now;
    return false;
  }
  // When the exit unit's decision of `cycles` controller cycles, started at `now`, is known.
  virtual sc_core::sc_time exit_decided(sc_core::sc_time now, const sc_core::sc_time& decision) {
    return now + decision;
  }
  // The output layer's accumulations of timesteps [0, ran), [ran][classes], for the argmax;
  // advances `now`. false: the controller reads them over its bus.
  virtual bool outputs(int ran, int classes, std::vector<int32_t>& out, sc_core::sc_time& now) {
    (void)ran, (void)classes, (void)out, (void)now;
    return false;
  }
  // After the last call (ran timesteps), or after a refusal (refused: the run stops here).
  virtual RunEnd end_run(sc_core::sc_time now, int ran, bool refused, RunCounts& counts) {
    (void)ran, (void)refused, (void)counts;
    return {now, -1};
  }
};

}  // namespace spiketlm
