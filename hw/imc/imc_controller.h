// spiketlm: the controller of the IMC chip (kind "controller.imc"). See imc_controller.md.
//
// The one controller protocol (hw/ctrl/controller.h: registers, descriptor fetch and decode,
// the executor's calls, the DT-SNN exit check, argmax, counter registers, refusals, IRQ,
// waveform) on SpikeFlow: it holds the IMC parameters and runs the IMC executor
// (imc_executor.h: crossbar mapping plan, NoC schedule, layer pipeline, datapath). Its clock
// is the PE clock, so CYCLES and the exit unit's decision cycles count PE clocks.
#pragma once
#include <memory>

#include "hw/ctrl/controller.h"
#include "hw/ctrl/csr.h"
#include "hw/exit/exit_unit.h"
#include "hw/imc/imc_executor.h"

namespace spiketlm {

class ImcController : public Controller {
 public:
  ImcController(sc_core::sc_module_name name, Context& ctx);

  struct Wiring {
    Csr* csr = nullptr;
    Dma* dma = nullptr;
    ImcTile* tile = nullptr;
    Noc* noc = nullptr;
    AddressTarget* glb = nullptr;  // the global buffer slot (any memory-mapped target)
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
  ImcExecutor::Config m_cfg;
  std::unique_ptr<ImcExecutor> m_ex;
  uint64_t &m_runs, &m_accumulates;
};

}  // namespace spiketlm
