#include "hw/memory/sram.h"

#include <algorithm>

namespace spiketlm {

Sram::Sram(sc_core::sc_module_name nm, Context& ctx)
    : MemoryTarget(nm, ctx, "sram"),
      m_accesses(counter("block_accesses", "", "bank accesses (one block each)")),
      m_conflicts(counter("bank_conflicts", "", "bank accesses that waited for a busy bank")),
      m_peak(counter("peak_occupancy_bytes", "B", "largest live footprint (distinct written blocks)")),
      m_stall_ns(time_stat("stall_ns", "time accesses waited for busy banks")) {
  const std::string tech = param_string("tech", "glb_144kb", {"tech-table component (actions read, write; leakage)"});
  const int64_t cap_kb = param_int("capacity_kb", 144, {"capacity", "KB", 1, 1 << 22});
  const int64_t banks = param_int("banks", 2, {"banks, interleaved by block", "", 1, 1024});
  m_block = param_int("block_bytes", 32, {"bank port width: bytes per bank access", "B", 1, 4096});
  const double mhz = param_double("clock_mhz", 400, {"clock", "MHz", 1e-3, 1e5});
  const int64_t rc = param_int("read_cycles", 1, {"cycles a bank is busy per block read", "cycles", 1, 1000});
  const int64_t wc = param_int("write_cycles", 1, {"cycles a bank is busy per block write", "cycles", 1, 1000});
  const uint64_t cap = uint64_t(cap_kb) * 1024;
  if (cap % m_block)
    fail("sram", ctx.params.origin(path() + ".block_bytes") + ": " + path() +
                     ".block_bytes: expected a divisor of the capacity " + std::to_string(cap) + " B, got " +
                     std::to_string(m_block));
  set_capacity(cap);
  m_cycle = sc_core::sc_time(1e3 / mhz, sc_core::SC_NS);
  m_read_time = cycles(m_cycle, rc);
  m_write_time = cycles(m_cycle, wc);
  m_busy.resize(banks);
  for (int w = 0; w < 2; ++w)
    for (uint64_t n = 0; n <= 64; ++n) m_per_n[w].push_back((w ? m_write_time : m_read_time) * double(n));
  m_block_div = Divisor(m_block);
  m_bank_div = Divisor(uint64_t(banks));
  m_live.resize((cap / m_block + 63) / 64);
  m_e_rd = action(tech, "read");
  m_e_wr = action(tech, "write");
  const TechComponent& tc = ctx.tech.component(tech, path());
  if (tc.has_leakage) leakage(tech);
  if (tc.has_area) area(tech);
  trace("occupancy_bytes", m_occupancy);
  trace("bank_conflicts", m_conflicts);
}

void Sram::release(uint64_t offset, uint64_t len) {
  if (offset > size_bytes() || len > size_bytes() - offset) past_capacity("release", offset, len);
  if (!len) return;
  // Only blocks wholly inside the region are released.
  const uint64_t first = (offset + m_block - 1) / m_block, end = (offset + len) / m_block;
  if (first < end) m_occupancy -= set_live(first, end - 1, false) * m_block;
}

// (inline: called by every write access; simulation speed)
inline uint64_t Sram::set_live(uint64_t first, uint64_t last, bool live) {
  uint64_t changed = 0;
  for (uint64_t w = first / 64; w <= last / 64; ++w) {
    const uint64_t lo = w == first / 64 ? first % 64 : 0, hi = w == last / 64 ? last % 64 : 63;
    const uint64_t mask = (~uint64_t(0) >> (63 - hi)) & (~uint64_t(0) << lo);
    const uint64_t flip = mask & (live ? ~m_live[w] : m_live[w]);
    changed += uint64_t(__builtin_popcountll(flip));
    m_live[w] ^= flip;
  }
  return changed;
}

sc_core::sc_time Sram::access(bool write, uint64_t off, uint64_t len, const sc_core::sc_time& at,
                              const tlm::tlm_generic_payload&) {
  const sc_core::sc_time arrival = at;  // a copy: the bank times written below cannot alias it
  const uint64_t first = m_block_div.div(off), last = m_block_div.div(off + len - 1);
  const uint64_t nbanks = m_busy.size();
  const uint64_t blocks = last - first + 1;
  sc_core::sc_time done = arrival;
  const uint64_t q = m_bank_div.div(blocks), r = m_bank_div.mod(blocks);
  // Bank k of the access (from the first block's bank on) holds q + 1 blocks for k < r, else q.
  const sc_core::sc_time t_q = per_blocks(write, q), t_q1 = per_blocks(write, q + 1);
  uint64_t conflicts = 0, stall = 0;  // added to the statistics once (they may alias m_busy)
  sc_core::sc_time* const busy_at = m_busy.data();
  const uint64_t nk = std::min(nbanks, blocks);
  for (uint64_t k = 0, bank = m_bank_div.mod(first); k < nk; ++k) {
    sc_core::sc_time& busy = busy_at[bank];
    if (busy > arrival) {
      ++conflicts;
      stall += (busy - arrival).value();
    }
    busy = std::max(busy, arrival) + (k < r ? t_q1 : t_q);
    done = std::max(done, busy);
    if (++bank == nbanks) bank = 0;
  }
  m_conflicts += conflicts;
  m_stall_ns += stall;
  m_accesses += blocks;
  count(write ? m_e_wr : m_e_rd, blocks);
  if (write) {
    m_occupancy += set_live(first, last, true) * m_block;
    m_peak = std::max(m_peak, m_occupancy);
  }
  return done;
}

SPIKETLM_REGISTER_KIND(Sram, "sram", "memory", "SRAM global buffer: banks, bank conflicts, energy per block access, leakage");

}  // namespace spiketlm
