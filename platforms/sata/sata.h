// spiketlm: the SATA platform (kind "platform.sata"). See README.md beside this file.
//
// A digital, sparsity-aware systolic SNN accelerator with three memory levels: DRAM, global
// buffers (weight, ifmap, ofmap) and PE scratchpads; a systolic PE array with spike-gated
// accumulation, LIF units, a DMA, a sequencer driven by memory-mapped registers, and a CPU
// running the runtime firmware. Every unit is built by kind from the YAML.
#pragma once
#include <memory>

#include "hw/compute/dataflow.h"
#include "hw/cpu/cpu.h"
#include "hw/ctrl/csr.h"
#include "hw/compute/systolic_executor.h"
#include "hw/compute/timing.h"
#include "hw/ctrl/controller.h"
#include "hw/exit/exit_unit.h"
#include "hw/memory/dram.h"
#include "hw/memory/dma.h"
#include "hw/memory/sram.h"
#include "hw/neuron/lif.h"
#include "platforms/energy_categories.h"
#include "platforms/platform.h"
#include "tlm/router.h"
#include "traces/src/trace.h"

namespace spiketlm {

class Sata : public Platform {
 public:
  Sata(sc_core::sc_module_name name, Context& ctx);
  void finish(const RunResults& run, Report& r) override;
  PlatformState state() const override;
  void set_state(const PlatformState& s) override;
  const EnergyCategories* energy_categories() const override { return &m_energy; }

  Controller& controller() { return *m_seq; }
  SystolicExecutor& executor() { return *m_exec; }

 private:
  Router* m_bus;
  // Buffer slots: any memory-mapped target kind (spiketlm's memories or a standard TLM-2.0 one).
  AddressTarget* m_dram;
  AddressTarget *m_glb_w, *m_glb_i, *m_glb_o;
  Dma* m_dma;
  Csr* m_csr;
  PeArray* m_pe;
  LifUnit* m_lif;
  Dataflow* m_df;
  TimingPolicy* m_timing;
  Controller* m_seq;
  std::unique_ptr<SystolicExecutor> m_exec;
  Cpu* m_cpu;
  ExitUnit* m_exit;
  int m_requantized = 0;
  std::string m_accounting;   // physical, or sata_sim: a second table (sata_sim_accounting.h)
  void report_peer_accounting(const RunResults& run, Report& r) const;
  // The "energy by component" categories, assigned to the units (sata.cpp).
  EnergyCategories m_energy{{"dram", "glb_weight", "glb_ifmap", "glb_ofmap", "scratchpads", "accumulate", "lif",
                             "interconnect", "control"}};
  void assign_energy_categories();
  AreaParts area_parts() const;
  void report_layers(const RunResults& run, Report& r) const;
};

}  // namespace spiketlm
