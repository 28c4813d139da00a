#include "sw/hal/cpu.h"

#include <sstream>

namespace spiketlm {

Cpu::Cpu(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      out("out"),
      m_reads(counter("bus_reads", "", "firmware bus reads")),
      m_writes(counter("bus_writes", "", "firmware bus writes")) {
  SC_THREAD(thread);
  m_qk.reset();
}

void Cpu::program(std::function<void(Hal&)> firmware, const sc_core::sc_event* irq) {
  m_fw = std::move(firmware);
  m_irq = irq;
}

void Cpu::thread() {
  if (m_fw) m_fw(*this);
  m_qk.sync();
  m_done = true;
}

void Cpu::access(bool write, uint64_t addr, uint8_t* data, uint64_t len) {
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
}

void Cpu::write(uint64_t addr, const void* data, uint64_t len) {
  access(true, addr, static_cast<uint8_t*>(const_cast<void*>(data)), len);
}
void Cpu::read(uint64_t addr, void* data, uint64_t len) { access(false, addr, static_cast<uint8_t*>(data), len); }

void Cpu::host_write(uint64_t addr, const void* data, uint64_t len) {
  for (uint64_t o = 0; o < len; o += 1 << 20) {
    const unsigned n = unsigned(std::min<uint64_t>(1 << 20, len - o));
    tlm::tlm_generic_payload p;
    p.set_command(tlm::TLM_WRITE_COMMAND);
    p.set_address(addr + o);
    p.set_data_ptr(static_cast<uint8_t*>(const_cast<void*>(data)) + o);
    p.set_data_length(n);
    p.set_streaming_width(n);
    if (out->transport_dbg(p) != n) {
      std::ostringstream os;
      os << path() << ": host write of " << n << " B at 0x" << std::hex << addr + o << " reached no memory";
      fail("cpu", os.str());
    }
  }
}

void Cpu::host_read(uint64_t addr, void* data, uint64_t len) {
  for (uint64_t o = 0; o < len; o += 1 << 20) {
    const unsigned n = unsigned(std::min<uint64_t>(1 << 20, len - o));
    tlm::tlm_generic_payload p;
    p.set_command(tlm::TLM_READ_COMMAND);
    p.set_address(addr + o);
    p.set_data_ptr(static_cast<uint8_t*>(data) + o);
    p.set_data_length(n);
    p.set_streaming_width(n);
    if (out->transport_dbg(p) != n) {
      std::ostringstream os;
      os << path() << ": host read of " << n << " B at 0x" << std::hex << addr + o << " reached no memory";
      fail("cpu", os.str());
    }
  }
}

void Cpu::wait_irq() {
  m_qk.sync();
  if (!m_irq) fail("cpu", path() + ": wait_irq() with no interrupt line connected");
  sc_core::wait(*m_irq);
}

double Cpu::now_seconds() const { return (sc_core::sc_time_stamp() + m_qk.get_local_time()).to_seconds(); }

SPIKETLM_REGISTER_KIND(Cpu, "cpu", "cpu", "CPU running a firmware model against the HAL (timed bus accesses)");

}  // namespace spiketlm
