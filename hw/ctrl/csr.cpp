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
  m_regs[REG_ID] = SPIKETLM_ID;
  m_regs[REG_VERSION] = SPIKETLM_REGMAP_VERSION;
  SC_METHOD(irq_method);
  sensitive << m_irq_change;
  dont_initialize();
  trace("irq", irq);
  leakage(param_string("tech", "csr_reg32"), REG_COUNT);
  area(param_string("tech", "csr_reg32"), REG_COUNT);
}

bool Csr::writable(int r) const {
  switch (r) {
    case REG_CTRL: case REG_DESC_ADDR_LO: case REG_DESC_ADDR_HI: case REG_NUM_LAYERS: case REG_TIMESTEPS:
    case REG_OUT_ADDR_LO: case REG_OUT_ADDR_HI: case REG_EXIT_THRESHOLD:
      return true;
    default:
      return false;
  }
}

void Csr::write_reg(int r, uint32_t v) {
  if (r == REG_CTRL) {
    if (v & CTRL_IRQ_ACK) {
      m_irq_level = false;
      m_regs[REG_STATUS] &= ~(STATUS_DONE | STATUS_ERROR | STATUS_EXITED_EARLY);
      m_irq_change.notify(sc_core::SC_ZERO_TIME);
    }
    if ((v & CTRL_START) && !(m_regs[REG_STATUS] & STATUS_BUSY)) {
      m_regs[REG_STATUS] = STATUS_BUSY;
      m_start.notify(sc_core::SC_ZERO_TIME);
    }
    return;
  }
  m_regs[size_t(r)] = v;
}

void Csr::raise_irq() {
  m_irq_level = true;
  m_irq_change.notify(sc_core::SC_ZERO_TIME);
  m_irq_ev.notify(sc_core::SC_ZERO_TIME);
}

void Csr::irq_method() { irq.write(m_irq_level); }

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
      write_reg(r, v);
      ++m_writes;
    } else {
      std::memcpy(d + o, &m_regs[size_t(r)], 4);
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
