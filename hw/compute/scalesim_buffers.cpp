#include "hw/compute/scalesim_buffers.h"

#include <algorithm>
#include <stdexcept>

namespace spiketlm::scalesim {

namespace {
uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
}  // namespace

ReadBuffer::ReadBuffer(const std::vector<int32_t>& order, uint64_t size_bytes, uint64_t bw) {
  if (size_bytes < 2 || bw < 1) throw std::invalid_argument("scalesim: a read buffer needs 2 bytes and 1 word/cycle");
  const uint64_t per_set = cdiv(size_bytes, 100);   // elements per set of the hashed buffer
  const uint64_t active = cdiv(size_bytes, 2);      // active half (fraction 0.5, rounded up)
  const uint64_t prefetch = size_bytes - active;
  m_lines = order.size() / per_set + 1;             // the last set may be empty, as there
  m_active_lines = std::min(m_lines, cdiv(active, per_set));
  m_prefetch_lines = std::min(m_lines - m_active_lines, cdiv(prefetch, per_set));
  m_fill_cycles = cdiv(prefetch, bw) + 1;           // one prefetch: its lines, then the port's latency
  // Per address, the sets holding it (ascending, once each): counting sort.
  int32_t top = -1;
  for (int32_t a : order) top = std::max(top, a);
  const size_t n = size_t(top + 1);
  std::vector<uint32_t> last(n, UINT32_MAX);
  m_first.assign(n + 1, 0);
  for (size_t q = 0; q < order.size(); ++q) {
    const uint32_t s = uint32_t(q / per_set);
    if (last[size_t(order[q])] != s) last[size_t(order[q])] = s, ++m_first[size_t(order[q]) + 1];
  }
  for (size_t a = 0; a < n; ++a) m_first[a + 1] += m_first[a];
  m_sets.resize(m_first[n]);
  std::vector<uint32_t> at(m_first.begin(), m_first.end() - 1);
  std::fill(last.begin(), last.end(), UINT32_MAX);
  for (size_t q = 0; q < order.size(); ++q) {
    const uint32_t s = uint32_t(q / per_set);
    if (last[size_t(order[q])] != s) last[size_t(order[q])] = s, m_sets[at[size_t(order[q])]++] = s;
  }
}

bool ReadBuffer::hit(int32_t addr) const {
  if (size_t(addr) + 1 >= m_first.size() || m_first[size_t(addr)] == m_first[size_t(addr) + 1])
    throw std::logic_error("scalesim: a demanded address is not in the operand's prefetch order");
  const uint32_t* b = m_sets.data() + m_first[size_t(addr)];
  const uint32_t* e = m_sets.data() + m_first[size_t(addr) + 1];
  if (m_active_lines >= m_lines) return true;
  const uint64_t end = m_start + m_active_lines;  // the window [start, end), modulo the sets
  const uint32_t* p = std::lower_bound(b, e, uint32_t(m_start));
  if (end <= m_lines) return p != e && *p < end;
  return p != e || *b < end - m_lines;
}

int64_t ReadBuffer::serve(const int32_t* row, uint64_t n, int64_t cycle) {
  if (!m_started) {  // the active half is filled before the first request: done at cycle - 1
    m_started = true;
    m_last = cycle - 1;
  }
  int64_t offset = 1;  // hit latency
  for (uint64_t i = 0; i < n; ++i) {
    if (row[i] < 0) continue;
    for (uint64_t guard = 0; !hit(row[i]); ++guard) {
      if (guard > m_lines) throw std::logic_error("scalesim: read buffer window never reaches an address");
      // Miss: the prefetched sets become active and the next prefetch is issued after the
      // previous one; the row waits for it.
      m_start = (m_start + m_prefetch_lines) % m_lines;
      m_last += int64_t(m_fill_cycles);
      offset = std::max(offset, m_last - cycle);
    }
  }
  return cycle + offset;
}

WriteBuffer::WriteBuffer(uint64_t size_bytes, uint64_t bw)
    : m_active(int64_t(cdiv(size_bytes, 2))),
      m_drain(int64_t(size_bytes) - int64_t(cdiv(size_bytes, 2))),
      m_bw(int64_t(bw)),
      m_free(int64_t(size_bytes)) {
  if (size_bytes < 2 || bw < 1) throw std::invalid_argument("scalesim: a write buffer needs 2 bytes and 1 word/cycle");
}

// Drain the next lines (the drain half, rounded up to whole lines) from `start`, one line per
// cycle; the elements of the last line drained are freed, every other line counts as full.
int64_t WriteBuffer::drain(int64_t start) {
  const uint64_t n = std::min<uint64_t>(cdiv(uint64_t(m_drain), uint64_t(m_bw)), m_lines.size() - m_drained);
  if (n == 0) throw std::logic_error("scalesim: write buffer drain with nothing written");
  m_free += int64_t(n) * m_bw - (m_bw - int64_t(m_lines[m_drained + n - 1]));
  m_drained += n;
  return start + int64_t(n) - 1;
}

int64_t WriteBuffer::serve(const uint8_t* o, uint64_t n, int64_t cycle) {
  int64_t cur = cycle;
  for (uint64_t i = 0; i < n; ++i) {
    if (!o[i]) continue;
    --m_free;
    if (++m_fill == uint64_t(m_bw)) m_lines.push_back(uint32_t(m_fill)), m_fill = 0;
    if (cur < m_drain_end) {
      if (m_free <= 0) cur = m_drain_end;  // full while draining: wait for the drain
    } else if (m_free < m_active) {        // more than the drain half held: flush and drain
      if (m_fill) m_lines.push_back(uint32_t(m_fill)), m_fill = 0;
      m_drain_end = drain(cur);
    }
  }
  return cur;
}

}  // namespace spiketlm::scalesim
