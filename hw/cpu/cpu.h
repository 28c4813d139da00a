// spiketlm: the CPU that runs firmware inside the simulation (kind "cpu"). See cpu.md.
//
// A hardware initiator on the bus (socket `out`) with an interrupt input, whose SC_THREAD runs
// one program function (set by the run flow in sw/run before the simulation; firmware reaches
// the CPU through the HAL, sw/hal). What a program may do:
//   write/read        timed b_transport calls with a quantum keeper (temporal decoupling), in
//                     bus transactions of at most 4 KB;
//   host_write/_read  the debug interface (untimed, uncharged: the host's own DMA);
//   wait_irq          synchronise and wait for the interrupt (level-sensitive when the
//                     platform gives the line's level);
//   delay_ns, now     CPU work or sleep, and the local time (SystemC time + local offset).
// With a transaction log (set_txlog) every register access, buffer transfer and interrupt wait
// is logged with its simulated time; the file is written (atomically) when the program
// returns, never by a failed run.
#pragma once
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <functional>
#include <sstream>

#include "tlm/module.h"

namespace spiketlm {

class Cpu : public Module {
 public:
  tlm_utils::simple_initiator_socket<Cpu> out;

  SC_HAS_PROCESS(Cpu);
  Cpu(sc_core::sc_module_name name, Context& ctx);
  // The program its thread runs and the event that is the interrupt line; set before simulation.
  void program(std::function<void()> fn, const sc_core::sc_event* irq);
  // The interrupt line's level (wait_irq returns at once while it is up).
  void set_irq_level(std::function<bool()> level) { m_level = std::move(level); }
  // Log every access to `path`; addresses in [csr, csr + 4 * REG_COUNT) are named registers.
  void set_txlog(const std::string& path, uint64_t csr_base);

  void write(uint64_t addr, const void* data, uint64_t len);
  void read(uint64_t addr, void* data, uint64_t len);
  void host_write(uint64_t addr, const void* data, uint64_t len);
  void host_read(uint64_t addr, void* data, uint64_t len);
  void wait_irq();
  double now_seconds() const;
  uint64_t now_ps() const;  // exact: kernel ticks x resolution
  sc_core::sc_time local_now() const;   // SystemC time plus the thread's local offset
  void delay_until(const sc_core::sc_time& t);   // CPU idle until local time t (if later)
  void delay_ns(double ns);
  bool done() const { return m_done; }

 private:
  void thread();
  void access(bool write, uint64_t addr, uint8_t* data, uint64_t len);
  void debug(bool write, uint64_t addr, uint8_t* data, uint64_t len);
  void log(const char* op, uint64_t addr, const uint8_t* data, uint64_t len, double ns = -1);
  void log_irq(const char* what);
  std::function<void()> m_program;
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
