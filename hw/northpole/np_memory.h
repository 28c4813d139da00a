// spiketlm: NorthPole on-chip SRAM as a TLM target (kind "northpole.memory"): the cores'
// memories (banks = cores, one bank per core, bank i at [i x bank_kb KB, (i + 1) x bank_kb KB))
// and the frame buffer (one bank). Real bytes; energy per word access (read, write) from the
// tech table; a bank moves words_per_cycle words per cycle, banks in parallel. See northpole.md.
#pragma once
#include "hw/memory/memory_target.h"

namespace spiketlm {

class NpMemory : public MemoryTarget {
 public:
  NpMemory(sc_core::sc_module_name name, Context& ctx);
  int banks() const { return m_banks; }
  uint64_t bank_bytes() const { return m_bank_bytes; }
  uint64_t word_bytes() const { return m_word; }
  // Leakage and area of the whole memory (the tech component's figures are per KB).
  void declare_area();

 protected:
  sc_core::sc_time access(bool write, uint64_t offset, uint64_t len, const sc_core::sc_time& arrival,
                          const tlm::tlm_generic_payload& p) override;

 private:
  int m_banks;
  uint64_t m_bank_bytes, m_word, m_words_per_cycle;
  std::string m_tech;
  sc_core::sc_time m_cycle;
  ActionId m_rd, m_wr;
  uint64_t &m_words_read, &m_words_written;
};

}  // namespace spiketlm
