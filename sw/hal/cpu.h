// spiketlm: the CPU that runs firmware models inside the simulation (kind "cpu").
//
// An initiator on the bus (socket `out`) whose SC_THREAD runs a firmware function against
// the Hal: reads and writes are timed b_transport calls with a quantum keeper (temporal
// decoupling), host_write/host_read go through the debug interface (untimed, uncharged),
// wait_irq() syncs and waits for the accelerator's interrupt.
#pragma once
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <functional>

#include "sw/hal/hal.h"
#include "tlm/module.h"

namespace spiketlm {

class Cpu : public Module, public Hal {
 public:
  tlm_utils::simple_initiator_socket<Cpu> out;

  SC_HAS_PROCESS(Cpu);
  Cpu(sc_core::sc_module_name name, Context& ctx);
  // The firmware and the event that is the interrupt line; set before simulation.
  void program(std::function<void(Hal&)> firmware, const sc_core::sc_event* irq);

  void write(uint64_t addr, const void* data, uint64_t len) override;
  void read(uint64_t addr, void* data, uint64_t len) override;
  void host_write(uint64_t addr, const void* data, uint64_t len) override;
  void host_read(uint64_t addr, void* data, uint64_t len) override;
  void wait_irq() override;
  double now_seconds() const override;
  bool done() const { return m_done; }

 private:
  void thread();
  void access(bool write, uint64_t addr, uint8_t* data, uint64_t len);
  std::function<void(Hal&)> m_fw;
  const sc_core::sc_event* m_irq = nullptr;
  tlm_utils::tlm_quantumkeeper m_qk;
  bool m_done = false;
  uint64_t &m_reads, &m_writes;
};

}  // namespace spiketlm
