#include "hw/cpu/cpu.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "sw/include/spiketlm/accel_regs.h"
#include "tlm/output.h"

namespace spiketlm {

Cpu::Cpu(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      out("out"),
      m_reads(counter("bus_reads", "", "firmware bus reads")),
      m_writes(counter("bus_writes", "", "firmware bus writes")),
      m_irqs(counter("irq_waits", "", "firmware waits for the interrupt")) {
  SC_THREAD(thread);
  m_qk.reset();
}

void Cpu::program(std::function<void()> fn, const sc_core::sc_event* irq) {
  m_program = std::move(fn);
  m_irq = irq;
}

void Cpu::set_txlog(const std::string& path, uint64_t csr_base) {
  OutputSet::process().claim(path, "--txlog");
  m_txlog_path = path;
  m_csr_base = csr_base;
  m_txlog.str("");
  m_txlog << "# spiketlm register-level transaction log\n"
          << "# time_ns initiator op address register/buffer value|bytes\n"
          << "# op: W/R timed bus write/read, HW/HR host backdoor (untimed), IRQ interrupt wait/taken\n";
}

void Cpu::thread() {
  if (m_program) m_program();
  m_qk.sync();
  m_done = true;
  if (!m_txlog_path.empty()) OutputSet::process().write(m_txlog_path, m_txlog.str());
}

void Cpu::log(const char* op, uint64_t addr, const uint8_t* data, uint64_t len, double ns) {
  if (m_txlog_path.empty()) return;
  char buf[256];
  if (ns < 0) ns = (sc_core::sc_time_stamp() + m_qk.get_local_time()).to_seconds() * 1e9;
  if (addr >= m_csr_base && addr + len <= m_csr_base + 4u * REG_COUNT && len % 4 == 0 && addr % 4 == 0) {
    for (uint64_t o = 0; o < len; o += 4) {
      uint32_t v;
      std::memcpy(&v, data + o, 4);
      const char* reg = spiketlm_reg_name(int((addr + o - m_csr_base) / 4));
      std::snprintf(buf, sizeof buf, "%.3f %s %s 0x%08" PRIx64 " %s 0x%08" PRIx32 "\n", ns, name(), op,
                    addr + o, reg ? reg : "?", v);
      m_txlog << buf;
    }
    return;
  }
  std::snprintf(buf, sizeof buf, "%.3f %s %s 0x%08" PRIx64 " buf %" PRIu64 "B\n", ns, name(), op, addr, len);
  m_txlog << buf;
}

void Cpu::log_irq(const char* what) {
  if (m_txlog_path.empty()) return;
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.3f %s IRQ %s\n", sc_core::sc_time_stamp().to_seconds() * 1e9, name(), what);
  m_txlog << buf;
}

void Cpu::access(bool write, uint64_t addr, uint8_t* data, uint64_t len) {
  const double issued = (sc_core::sc_time_stamp() + m_qk.get_local_time()).to_seconds() * 1e9;
  if (write) log("W", addr, data, len, issued);
  // Bus transactions of at most 4 KB.
  for (uint64_t o = 0; o < len; o += 4096) {
    const unsigned n = unsigned(std::min<uint64_t>(4096, len - o));
    tlm::tlm_generic_payload p;
    p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_address(addr + o);
    p.set_data_ptr(data + o);
    p.set_data_length(n);
    p.set_streaming_width(n);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time d = m_qk.get_local_time();
    out->b_transport(p, d);
    m_qk.set(d);
    if (p.is_response_error()) {
      std::ostringstream os;
      os << path() << ": firmware " << (write ? "write" : "read") << " of " << n << " B at 0x" << std::hex
         << addr + o << " failed: " << p.get_response_string();
      fail("cpu", os.str());
    }
    if (m_qk.need_sync()) m_qk.sync();
  }
  ++(write ? m_writes : m_reads);
  if (!write) log("R", addr, data, len, issued);  // at the time it was issued, with the value read
}

void Cpu::write(uint64_t addr, const void* data, uint64_t len) {
  access(true, addr, static_cast<uint8_t*>(const_cast<void*>(data)), len);
}
void Cpu::read(uint64_t addr, void* data, uint64_t len) { access(false, addr, static_cast<uint8_t*>(data), len); }

// Host backdoor: the debug interface in pieces of at most 1 MB.
void Cpu::debug(bool write, uint64_t addr, uint8_t* data, uint64_t len) {
  for (uint64_t o = 0; o < len; o += 1 << 20) {
    const unsigned n = unsigned(std::min<uint64_t>(1 << 20, len - o));
    tlm::tlm_generic_payload p;
    p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_address(addr + o);
    p.set_data_ptr(data + o);
    p.set_data_length(n);
    p.set_streaming_width(n);
    if (out->transport_dbg(p) != n) {
      std::ostringstream os;
      os << path() << ": host " << (write ? "write" : "read") << " of " << n << " B at 0x" << std::hex << addr + o
         << " reached no memory";
      fail("cpu", os.str());
    }
  }
}

void Cpu::host_write(uint64_t addr, const void* data, uint64_t len) {
  log("HW", addr, static_cast<const uint8_t*>(data), len);
  debug(true, addr, static_cast<uint8_t*>(const_cast<void*>(data)), len);
}

void Cpu::host_read(uint64_t addr, void* data, uint64_t len) {
  debug(false, addr, static_cast<uint8_t*>(data), len);
  log("HR", addr, static_cast<const uint8_t*>(data), len);
}

void Cpu::wait_irq() {
  m_qk.sync();
  if (!m_irq) fail("cpu", path() + ": wait_irq() with no interrupt line connected");
  ++m_irqs;
  log_irq("wait");
  if (!(m_level && m_level())) sc_core::wait(*m_irq);
  log_irq("taken");
}

void Cpu::delay_ns(double ns) {
  if (ns <= 0) return;
  m_qk.inc(sc_core::sc_time(ns, sc_core::SC_NS));
  if (m_qk.need_sync()) m_qk.sync();
}

double Cpu::now_seconds() const { return (sc_core::sc_time_stamp() + m_qk.get_local_time()).to_seconds(); }

sc_core::sc_time Cpu::local_now() const { return sc_core::sc_time_stamp() + m_qk.get_local_time(); }

void Cpu::delay_until(const sc_core::sc_time& t) {
  const sc_core::sc_time now = local_now();
  if (t <= now) return;
  m_qk.inc(t - now);
  if (m_qk.need_sync()) m_qk.sync();
}

uint64_t Cpu::now_ps() const {
  // Exact: kernel ticks times the resolution (1 ps by default).
  const sc_core::sc_time t = sc_core::sc_time_stamp() + m_qk.get_local_time();
  const uint64_t res_ps = uint64_t(sc_core::sc_get_time_resolution().to_seconds() * 1e12 + 0.5);
  return res_ps ? t.value() * res_ps : uint64_t(t.to_seconds() * 1e12 + 0.5);
}

SPIKETLM_REGISTER_KIND(Cpu, "cpu", "cpu", "CPU running a firmware model against the HAL (timed bus accesses)");

}  // namespace spiketlm
