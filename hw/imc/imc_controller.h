// spiketlm: the controller of the IMC chip (kind "controller.imc"). See imc_controller.md.
//
// The SATA programming model (sw/include/spiketlm/accel_regs.h) on SpikeFlow: waits for
// CTRL.START, fetches and decodes the layer descriptors (decode_layer, shared with the
// sequencer), makes the IMC executor's (layer, timestep) calls (imc_executor.h: crossbar
// mapping plan, NoC schedule, layer pipeline, datapath), lets the exit unit decide after each
// timestep (DT-SNN), runs the argmax (PREDICTION), writes the counter registers (CYCLES at the
// PE clock, from the executor's latency) and raises the IRQ. The module holds the IMC
// parameters; the protocol loop becomes the one controller's (hw/ctrl) once it lands.
#pragma once
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <memory>

#include "hw/ctrl/csr.h"
#include "hw/ctrl/controller.h"
#include "hw/ctrl/layer_cmd.h"
#include "hw/exit/exit_unit.h"
#include "hw/imc/imc_executor.h"

namespace spiketlm {

class ImcController : public Module {
 public:
  tlm_utils::simple_initiator_socket<ImcController> out;

  SC_HAS_PROCESS(ImcController);
  ImcController(sc_core::sc_module_name name, Context& ctx);

  struct Wiring {
    Csr* csr = nullptr;
    Dma* dma = nullptr;
    ImcTile* tile = nullptr;
    Noc* noc = nullptr;
    MemoryTarget* glb = nullptr;
    ExitUnit* exit = nullptr;  // DT-SNN exit unit (null: no early exit)
  };
  void connect(const Wiring& w);
  // The mapping configuration from the controller's and the tile's parameters (after connect).
  const imc::MapConfig& map_config() const { return m_cfg.map; }
  bool dense_spikesim() const { return m_cfg.dp.dense; }
  // The executor: statistics, mapping, latencies, BN and add observation (after connect).
  ImcExecutor& executor() { return *m_ex; }
  const ImcExecutor& executor() const { return *m_ex; }

 private:
  struct Run;  // one run's state (imc_controller.cpp)
  void thread();
  void execute();
  std::vector<LayerCmd> fetch(Run& r);
  void call(Run& r, const imc::LayerCall& c);
  bool exit_check(Run& r, int t);
  void predict(Run& r);
  void complete(Run& r, const imc::RunEnd& end);
  void bus_read(uint64_t addr, void* dst, uint64_t len, sc_core::sc_time& t);

  Csr* m_csr = nullptr;
  ExitUnit* m_exit = nullptr;
  ImcExecutor::Config m_cfg;
  std::unique_ptr<ImcExecutor> m_ex;
  uint32_t m_busy = 0, m_layer_now = 0, m_t_now = 0;
  uint64_t &m_cycles, &m_refused, &m_desc_bytes, &m_runs, &m_accumulates;
};

}  // namespace spiketlm
