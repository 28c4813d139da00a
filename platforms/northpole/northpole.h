// spiketlm: the NorthPole-style platform (kind "platform.northpole"). See northpole.md.
//
// IBM's NorthPole (Modha et al., Science 2023; FACTS.md s7): a 16 x 16 grid of cores, each a
// VMM unit, a vector unit and 768 KB of memory; four networks on chip; a 32 MB frame buffer;
// all weights and activations on chip during inference. The CPU runs the same runtime
// firmware as SATA and SpikeFlow against the same registers; the NorthPole controller
// (controller.northpole) runs the descriptors with the NorthPole executor.
#pragma once
#include "hw/cpu/cpu.h"
#include "hw/ctrl/csr.h"
#include "hw/exit/exit_unit.h"
#include "hw/northpole/np_controller.h"
#include "hw/northpole/np_memory.h"
#include "platforms/platform.h"
#include "tlm/router.h"

namespace spiketlm {

class NorthPole : public Platform {
 public:
  NorthPole(sc_core::sc_module_name name, Context& ctx);
  void finish(const RunResults& run, Report& r) override;

 private:
  void report_mapping(Report& r) const;
  void report_batches(Report& r, double frame_pj, int n);
  uint64_t core_bank_bytes(Context& ctx) const;
  double report_reloads(Report& r, double per) const;
  Router* m_bus;
  // Memory slots: any AddressTarget kind (a northpole.memory, or any TLM-2.0 target).
  AddressTarget *m_host, *m_frame, *m_core_mem;
  Csr* m_csr;
  NpCore* m_core;
  NpNoc* m_noc[4];
  NpController* m_ctrl;
  Cpu* m_cpu;
  ExitUnit* m_exit;
  int m_batch = 32;
};

}  // namespace spiketlm
