// spiketlm: SRAM global buffer (kind "sram"). See sram.md.
//
// Capacity, banks interleaved by block (one block = one bank port access), a clock, read
// and write latency in cycles; energy per block access and leakage from the tech table
// (CACTI figures per 32-B access for SATA's buffers). Bank conflicts serialise; distinct
// banks work in parallel. Occupancy = bytes of distinct blocks written and not released.
#pragma once
#include "hw/memory/memory_target.h"

namespace spiketlm {

class Sram : public MemoryTarget {
 public:
  Sram(sc_core::sc_module_name name, Context& ctx);

  // The buffer region [offset, offset+len) no longer holds live data (for occupancy).
  void release(uint64_t offset, uint64_t len);
  uint64_t occupancy_bytes() const { return m_occupancy; }
  uint64_t peak_occupancy_bytes() const { return m_peak; }
  uint64_t bank_of(uint64_t offset) const { return (offset / m_block) % m_busy.size(); }
  uint64_t block_bytes() const { return m_block; }
  uint64_t banks() const { return m_busy.size(); }
  sc_core::sc_time cycle() const { return m_cycle; }

 protected:
  sc_core::sc_time access(bool write, uint64_t offset, uint64_t len, const sc_core::sc_time& arrival,
                          const tlm::tlm_generic_payload& p) override;

 private:
  uint64_t m_block;
  Divisor m_block_div, m_bank_div;
  sc_core::sc_time m_cycle, m_read_time, m_write_time;
  std::vector<sc_core::sc_time> m_busy;   // per bank: busy until
  // m_read_time / m_write_time x n for small n, computed once by the same expression
  // (simulation speed: sc_time x double is a rounding double product).
  std::vector<sc_core::sc_time> m_per_n[2];
  sc_core::sc_time per_blocks(bool write, uint64_t n) const {
    return n < m_per_n[write].size() ? m_per_n[write][n] : (write ? m_write_time : m_read_time) * double(n);
  }
  // Marks blocks [first, last] live (or not); returns how many changed.
  uint64_t set_live(uint64_t first, uint64_t last, bool live);

  std::vector<uint64_t> m_live;           // bit per block: written and not released
  uint64_t m_occupancy = 0;
  ActionId m_e_rd, m_e_wr;
  uint64_t &m_accesses, &m_conflicts, &m_peak;
  uint64_t& m_stall_ns;  // kernel ticks (time_stat)
};

}  // namespace spiketlm
