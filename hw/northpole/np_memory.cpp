#include "hw/northpole/np_memory.h"

namespace spiketlm {

NpMemory::NpMemory(sc_core::sc_module_name nm, Context& ctx)
    : MemoryTarget(nm, ctx, "northpole.memory"),
      m_words_read(counter("words_read", "", "words read")),
      m_words_written(counter("words_written", "", "words written")) {
  m_banks = int(param_int("banks", 256, {"banks (the core memories: one per core; FACTS.md s7: 256 cores)", "", 1, 65536}));
  m_bank_bytes = uint64_t(param_int("bank_kb", 768, {"bytes per bank (FACTS.md s7: 768 KB per core, 32 MB frame buffer)", "KB", 1, 1 << 22})) * 1024;
  m_word = uint64_t(param_int("word_bytes", 8, {"bytes per access (Horowitz's 64-bit SRAM access, FACTS.md s6)", "B", 1, 4096}));
  m_words_per_cycle = uint64_t(param_int("words_per_cycle", 32, {"words a bank moves per cycle (assumption: 256 B/cycle, no public figure)", "", 1, 1 << 20}));
  const double mhz = param_double("clock_mhz", 400, {"clock (FACTS.md s7: about 400 MHz)", "MHz", 1, 1e4});
  m_tech = param_string("tech", "np_core_memory", {"tech-table component (actions read, write per word; leakage and area per KB)"});
  m_cycle = sc_core::sc_time(1e3 / mhz, sc_core::SC_NS);
  m_rd = action(m_tech, "read");
  m_wr = action(m_tech, "write");
  set_capacity(uint64_t(m_banks) * m_bank_bytes);
}

sc_core::sc_time NpMemory::access(bool write, uint64_t offset, uint64_t len, const sc_core::sc_time& arrival,
                                  const tlm::tlm_generic_payload&) {
  // Words touched (a partial word is a whole access); an access within one bank streams at
  // words_per_cycle; one spanning banks runs on them in parallel.
  const uint64_t words = (offset + len + m_word - 1) / m_word - offset / m_word;
  count(write ? m_wr : m_rd, words);
  (write ? m_words_written : m_words_read) += words;
  const uint64_t first = offset / m_bank_bytes, last = (offset + len - 1) / m_bank_bytes;
  const uint64_t per_bank = (words + (last - first)) / (last - first + 1);
  return arrival + cycles(m_cycle, (per_bank + m_words_per_cycle - 1) / m_words_per_cycle);
}

void NpMemory::declare_area() {
  const double kb = double(m_banks) * double(m_bank_bytes) / 1024.0;
  leakage(m_tech, kb);
  area(m_tech, kb);
}

SPIKETLM_REGISTER_KIND(NpMemory, "northpole.memory", "memory",
                       "NorthPole SRAM: core memories (one bank per core) or the frame buffer; energy per word");

}  // namespace spiketlm
