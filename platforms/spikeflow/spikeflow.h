// spiketlm: the SpikeFlow platform (kind "platform.spikeflow"). See README.md beside this file.
//
// SpikeSim's RRAM in-memory-computing SNN accelerator: weights stay in RRAM crossbars; each
// timestep input spikes drive crossbar rows, ADCs digitise the column currents, a digital
// shift-and-add combines the partial sums and the tiles' LIF/IF units fire; tiles talk over
// an H-tree (or mesh) NoC; a global buffer and DRAM hold the inputs and outputs. The CPU runs
// the same runtime firmware as SATA against the same registers; the IMC controller
// (controller.imc) executes the descriptors. Every unit is built by kind from the YAML.
#pragma once
#include <memory>

#include "hw/cpu/cpu.h"
#include "hw/ctrl/csr.h"
#include "hw/exit/exit_unit.h"
#include "hw/imc/imc_controller.h"
#include "hw/imc/tile.h"
#include "hw/memory/dma.h"
#include "hw/memory/memory_target.h"
#include "hw/noc/noc.h"
#include "platforms/energy_categories.h"
#include "platforms/platform.h"
#include "tlm/router.h"
#include "traces/src/trace.h"

namespace spiketlm {

class SpikeFlow : public Platform {
 public:
  SpikeFlow(sc_core::sc_module_name name, Context& ctx);
  void finish(const RunResults& run, Report& r) override;
  PlatformState state() const override;
  void set_state(const PlatformState& s) override;
  const EnergyCategories* energy_categories() const override { return &m_energy; }

 private:
  void calibrate(const RunResults& run, Report& r);  // BN adaptation (run.calibrate_out)
  void assign_energy_categories();
  AreaParts area_parts() const;
  void report_breakdown(Report& r, int inferences, const EnergySplit& e, const AreaParts& area, double program) const;
  void report_mapping(Report& r) const;
  void report_layers(const RunResults& run, Report& r) const;
  Router* m_bus;
  // Buffer slots: any memory-mapped target kind (spiketlm's memories or a standard TLM-2.0 one).
  AddressTarget* m_dram;
  AddressTarget* m_glb;
  Csr* m_csr;
  Dma* m_dma;
  Noc* m_noc;
  ImcTile* m_tile;
  ImcController* m_ctrl;
  Cpu* m_cpu;
  ExitUnit* m_exit;
  std::string m_calibrate_out;
  imc::ChipMap m_map;
  int m_chip_tiles = 0;
  double m_neurons = 0, m_input_neurons = 0;  // membranes (per group with C#n), input neurons
  // The membranes area_by_component counts: all of them (area_rule physical) or those of the
  // first five compute layers (area_rule spikesim, SpikeSim's compute_area).
  double m_area_neurons = 0;
  int64_t m_lif_circuits = 0;
  // The "energy by component" categories, assigned to the units (spikeflow.cpp).
  EnergyCategories m_energy{{"crossbar", "adc", "mux", "shift_add", "temp_buffer", "tile_buffer", "input_fetch", "neuron",
                             "noc", "glb", "dram", "interconnect", "control", "program"}};
};

}  // namespace spiketlm
