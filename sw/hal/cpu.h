// spiketlm: the CPU that runs firmware models inside the simulation (kind "cpu").
//
// An initiator on the bus (socket `out`) whose SC_THREAD runs a firmware function against
// the Hal: reads and writes are timed b_transport calls with a quantum keeper (temporal
// decoupling), host_write/host_read go through the debug interface (untimed, uncharged),
// wait_irq() syncs and waits for the accelerator's interrupt (level-sensitive when the
// platform gives the line's level). With a transaction log (run.txlog / --txlog FILE) every
// register access, buffer transfer and interrupt wait is logged with its simulated time; the
// file is written (atomically) when the firmware returns, never by a failed run.
#pragma once
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <functional>
#include <sstream>

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
  // The interrupt line's level (wait_irq returns at once while it is up).
  void set_irq_level(std::function<bool()> level) { m_level = std::move(level); }
  // Log every access to `path`; addresses in [csr, csr + 4 * REG_COUNT) are named registers.
  void set_txlog(const std::string& path, uint64_t csr_base);

  void write(uint64_t addr, const void* data, uint64_t len) override;
  void read(uint64_t addr, void* data, uint64_t len) override;
  void host_write(uint64_t addr, const void* data, uint64_t len) override;
  void host_read(uint64_t addr, void* data, uint64_t len) override;
  void wait_irq() override;
  double now_seconds() const override;
  uint64_t now_ps() const override;
  void delay_ns(double ns) override;
  bool done() const { return m_done; }

 private:
  void thread();
  void access(bool write, uint64_t addr, uint8_t* data, uint64_t len);
  void log(const char* op, uint64_t addr, const uint8_t* data, uint64_t len, double ns = -1);
  std::function<void(Hal&)> m_fw;
  const sc_core::sc_event* m_irq = nullptr;
  std::function<bool()> m_level;
  tlm_utils::tlm_quantumkeeper m_qk;
  bool m_done = false;
  std::string m_txlog_path;
  uint64_t m_csr_base = 0;
  std::ostringstream m_txlog;
  uint64_t &m_reads, &m_writes, &m_irqs;
};

}  // namespace spiketlm
