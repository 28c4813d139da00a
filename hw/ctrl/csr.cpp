#include "hw/ctrl/csr.h"

#include <cstring>

namespace spiketlm {

Csr::Csr(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      in("in"),
      irq("irq"),
      m_base(uint64_t(param_int("base", 0xF0000000ll, {"bus address of register 0", "", 0, 9.2e18}))),
      m_latency(param_double("latency_ns", 2.5, {"register access latency", "ns", 0, 1e6}), sc_core::SC_NS),
      m_access(action(param_string("tech", "csr_reg32", {"tech-table component of one register"}), "access")),
      m_reads(counter("reads", "", "register reads")),
      m_writes(counter("writes", "", "register writes")) {
  in.register_b_transport(this, &Csr::b_transport);
  in.register_transport_dbg(this, &Csr::transport_dbg);
  for (int r = 0; r < REG_COUNT; ++r) m_regs[size_t(r)] = m_active[size_t(r)] = spiketlm_reg_reset(r);
  SC_METHOD(irq_method);
  sensitive << m_irq_change;
  dont_initialize();
  m_p_irq = probe("irq", 1);
  m_p_waddr = probe("reg_write_addr", 16);  // byte offset of the last register written
  m_p_wdata = probe("reg_write_data", 32);
  m_p_writes = probe("reg_writes", 32, Probe::level);
  leakage(param_string("tech", "csr_reg32"), REG_COUNT);
  area(param_string("tech", "csr_reg32"), REG_COUNT);
}

bool Csr::writable(int r) const { return spiketlm_reg_access(r) != ACC_RO; }

void Csr::write_reg(int r, uint32_t v, const sc_core::sc_time& at) {
  if (r == REG_CTRL) {
    if (v & CTRL_IRQ_ACK) {
      m_regs[REG_IRQ_CAUSE] = 0;
      m_regs[REG_STATUS] &= ~(STATUS_DONE | STATUS_ERROR | STATUS_EXITED_EARLY);
      update_line(at);
    }
    if ((v & CTRL_START) && !(m_regs[REG_STATUS] & STATUS_BUSY)) {
      for (int i = 0; i < REG_COUNT; ++i)
        if (spiketlm_reg_access(i) == ACC_RWS) m_active[size_t(i)] = m_regs[size_t(i)];
      m_regs[REG_STATUS] = STATUS_BUSY;
      m_refusal.clear();
      m_start_at = at;
      m_start.notify(sc_core::SC_ZERO_TIME);
    }
    return;
  }
  if (r == REG_IRQ_CAUSE) {
    m_regs[REG_IRQ_CAUSE] &= ~v;
    update_line(at);
    return;
  }
  m_regs[size_t(r)] = v;
  if (r == REG_IRQ_ENABLE) update_line(at);
}

void Csr::update_line(const sc_core::sc_time& at) {
  const bool level = (m_regs[REG_IRQ_CAUSE] & m_regs[REG_IRQ_ENABLE] & IRQ_ALL) != 0;
  if (level && !m_irq_level) m_irq_ev.notify(sc_core::SC_ZERO_TIME);
  if (level != m_irq_level) {
    m_irq_level = level;
    m_irq_at = at;
    m_irq_change.notify(sc_core::SC_ZERO_TIME);
  }
}

void Csr::raise_irq(const sc_core::sc_time& at) {
  const uint32_t st = m_regs[REG_STATUS];
  uint32_t cause = 0;
  if (st & STATUS_ERROR) cause |= IRQ_ERROR;
  else if (st & STATUS_DONE) cause |= IRQ_DONE;
  if (st & STATUS_EXITED_EARLY) cause |= IRQ_EXITED_EARLY;
  if (!cause) cause = IRQ_DONE;
  m_regs[REG_IRQ_CAUSE] |= cause;
  update_line(at);
}

void Csr::irq_method() {
  irq.write(m_irq_level);
  m_p_irq.set(m_irq_at, m_irq_level);
}

void Csr::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  const uint64_t a = p.get_address();
  const unsigned len = p.get_data_length();
  if (a % 4 || len % 4 || a + len > size_bytes() || p.get_byte_enable_ptr()) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  uint8_t* d = p.get_data_ptr();
  for (unsigned o = 0; o < len; o += 4) {
    const int r = int((a + o) / 4);
    if (p.is_write()) {
      if (!writable(r)) {
        p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
      }
      uint32_t v;
      std::memcpy(&v, d + o, 4);
      write_reg(r, v, sc_core::sc_time_stamp() + delay);
      ++m_writes;
      m_p_waddr.set(sc_core::sc_time_stamp() + delay, 4.0 * r);
      m_p_wdata.set(sc_core::sc_time_stamp() + delay, v);
      m_p_writes.add(sc_core::sc_time_stamp() + delay, 1);
    } else {
      const uint32_t v = spiketlm_reg_access(r) == ACC_WO ? 0u : m_regs[size_t(r)];
      std::memcpy(d + o, &v, 4);
      ++m_reads;
    }
    count(m_access);
    delay += m_latency;
  }
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned Csr::transport_dbg(tlm::tlm_generic_payload& p) {
  const uint64_t a = p.get_address();
  const unsigned len = p.get_data_length();
  if (a % 4 || len % 4 || a + len > size_bytes()) return 0;
  if (p.is_write()) return 0;
  std::memcpy(p.get_data_ptr(), reinterpret_cast<const uint8_t*>(m_regs.data()) + a, len);
  return len;
}

SPIKETLM_REGISTER_KIND(Csr, "csr", "control", "memory-mapped control/status registers with an interrupt");

}  // namespace spiketlm
