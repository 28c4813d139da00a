#include "hw/memory/scratchpad.h"

#include <algorithm>

namespace spiketlm {

Scratchpad::Scratchpad(sc_core::sc_module_name nm, Context& ctx)
    : MemoryTarget(nm, ctx, "scratchpad"),
      m_word_reads(counter("word_reads", "", "register (word) reads")),
      m_word_writes(counter("word_writes", "", "register (word) writes")),
      m_conflicts(counter("port_conflicts", "", "accesses that waited for the busy port")),
      m_stall_ns(time_stat("stall_ns", "time accesses waited for the port")) {
  const std::string tech = param_string("tech", "spad_reg8", {"tech-table component: one register (actions read, write; leakage, area per register)"});
  const int64_t cap = param_int("capacity_bytes", 9, {"capacity", "B", 1, 1 << 20});
  m_word = param_int("word_bytes", 1, {"register width", "B", 1, 64});
  m_port = param_int("port_bytes", 1, {"bytes moved per cycle through the port", "B", 1, 4096});
  const double mhz = param_double("clock_mhz", 400, {"clock", "MHz", 1e-3, 1e5});
  if (cap % int64_t(m_word))
    fail("scratchpad", ctx.params.origin(path() + ".capacity_bytes") + ": " + path() +
                           ".capacity_bytes: expected a multiple of word_bytes " + std::to_string(m_word) +
                           ", got " + std::to_string(cap));
  if (m_port % m_word)
    fail("scratchpad", ctx.params.origin(path() + ".port_bytes") + ": " + path() +
                           ".port_bytes: expected a multiple of word_bytes " + std::to_string(m_word) + ", got " +
                           std::to_string(m_port));
  set_capacity(uint64_t(cap));
  m_cycle = sc_core::sc_time(1e3 / mhz, sc_core::SC_NS);
  m_regs.emplace(*this, tech);
  m_regs->declare_registers(double(cap / int64_t(m_word)));
  trace("word_reads", m_word_reads);
  trace("word_writes", m_word_writes);
}

sc_core::sc_time Scratchpad::access(bool write, uint64_t off, uint64_t len, const sc_core::sc_time& arrival,
                                    const tlm::tlm_generic_payload&) {
  const uint64_t words = (off + len - 1) / m_word - off / m_word + 1;
  const uint64_t per_cycle = m_port / m_word;
  const uint64_t beats = (words + per_cycle - 1) / per_cycle;
  if (m_busy > arrival) {
    ++m_conflicts;
    m_stall_ns += (m_busy - arrival).value();
  }
  m_busy = std::max(m_busy, arrival) + m_cycle * double(beats);
  if (write)
    m_regs->writes(words);
  else
    m_regs->reads(words);
  (write ? m_word_writes : m_word_reads) += words;
  return m_busy;
}

SPIKETLM_REGISTER_KIND(Scratchpad, "scratchpad", "memory", "PE scratchpad register file: energy per register access, one port");

}  // namespace spiketlm
