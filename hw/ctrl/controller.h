// spiketlm: the controller protocol, written once (kind "sequencer"). See controller.md.
//
// Waits for CTRL.START; fetches the layer descriptors and their fixed-point tables from memory
// over the bus (timed, real bytes) and validates them (decode_layer; a descriptor the hardware
// cannot run is refused: STATUS.ERROR with the code, layer and word); makes the executor's
// (layer, timesteps) calls in the executor's order; after the output layer's call of each
// timestep lets the exit unit decide (DT-SNN); runs the argmax unit over the output layer's
// accumulations (PREDICTION); writes the counter registers and raises the interrupt. What
// runs a layer is the platform's LayerExecutor (executor.h): a new platform is a new
// executor, not a new controller.
//
// Time: the controller is a loosely-timed initiator with temporal decoupling; it runs ahead of
// SystemC time by at most one global quantum and synchronises after each call. Waveform
// probes (busy, layer, timestep, spikes) carry its local times.
#pragma once
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "hw/ctrl/csr.h"
#include "hw/ctrl/executor.h"
#include "hw/exit/exit_unit.h"

namespace spiketlm {

// A controller's timed read of `len` bytes over its bus socket, starting at absolute time `t`
// (advanced to the completion). A bus error refuses the run (ERR_BAD_ADDRESS) for `layer`.
void controller_read(tlm::tlm_initiator_socket<>& out, uint64_t addr, void* dst, uint64_t len, sc_core::sc_time& t,
                     uint32_t layer);

class Controller : public Module {
 public:
  tlm_utils::simple_initiator_socket<Controller> out;

  SC_HAS_PROCESS(Controller);
  // The generic controller: parameters clock_mhz and tech (action "layer" per descriptor).
  Controller(sc_core::sc_module_name name, Context& ctx);
  // Wiring, by the platform before simulation; `exit` may be null (no early exit).
  void attach(LayerExecutor& ex, Csr& csr, ExitUnit* exit = nullptr);

  uint64_t runs() const { return m_runs; }
  const sc_core::sc_time& clock() const { return m_clk; }
  // A timed read over the bus for the run (counted as descriptor bytes); refuses the run
  // (ERR_BAD_ADDRESS) on a bus error.
  void bus_read(uint64_t addr, void* dst, uint64_t len, sc_core::sc_time& t);

 protected:
  struct Options {
    sc_core::sc_time clock;
    std::string tech;  // tech-table component with action "layer" (empty: none charged)
  };
  // For a controller kind that reads its own parameters.
  Controller(sc_core::sc_module_name name, Context& ctx, const Options& o);
  void set_clock(const sc_core::sc_time& clk) { m_clk = clk; }

 private:
  struct Run;  // one run's state (controller.cpp)
  void thread();
  void execute();
  std::vector<LayerCmd> fetch(Run& r);
  void call(Run& r, const LayerCall& c);
  bool exit_check(Run& r, int t);
  void predict(Run& r);
  void complete(Run& r, const RunEnd& end);

  LayerExecutor* m_ex = nullptr;
  Csr* m_csr = nullptr;
  ExitUnit* m_exit = nullptr;
  sc_core::sc_time m_clk;
  uint64_t m_runs = 0;
  uint32_t m_layer_now = 0;
  Probe m_p_busy, m_p_layer, m_p_t, m_p_spikes;  // VCD, at the controller's local times
  ActionId m_ctl;
  bool m_has_ctl;
  uint64_t &m_cycles, &m_refused, &m_desc_bytes;
};

}  // namespace spiketlm
