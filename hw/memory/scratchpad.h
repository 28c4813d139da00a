// spiketlm: PE scratchpad (kind "scratchpad"). See scratchpad.md.
//
// A small register-file memory: capacity in bytes made of word_bytes-wide registers, one
// port moving port_bytes per cycle; energy per register read/write and leakage/area per
// register from the tech table (the one register-file model, register_file.h).
#pragma once
#include <optional>

#include "hw/memory/memory_target.h"
#include "hw/memory/register_file.h"

namespace spiketlm {

class Scratchpad : public MemoryTarget {
 public:
  Scratchpad(sc_core::sc_module_name name, Context& ctx);
  sc_core::sc_time cycle() const { return m_cycle; }
  uint64_t word_bytes() const { return m_word; }
  uint64_t port_bytes() const { return m_port; }

 protected:
  sc_core::sc_time access(bool write, uint64_t offset, uint64_t len, const sc_core::sc_time& arrival,
                          const tlm::tlm_generic_payload& p) override;

 private:
  uint64_t m_word, m_port;
  sc_core::sc_time m_cycle, m_busy;
  std::optional<RegisterFile> m_regs;
  uint64_t &m_word_reads, &m_word_writes, &m_conflicts;
  uint64_t& m_stall_ns;  // kernel ticks (time_stat)
};

}  // namespace spiketlm
