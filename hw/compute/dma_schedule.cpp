#include "hw/compute/dma_schedule.h"

#include <algorithm>

namespace spiketlm {

using sc_core::sc_time;

DmaSchedule::DmaSchedule(Issue issue, sc_time now)
    : m_issue(std::move(issue)), m_free(now), m_in_free{now, now}, m_out_free{now, now} {}

sc_time DmaSchedule::transfer(const DmaCommand& c, sc_time earliest) {
  m_free = m_issue(c, std::max(m_free, earliest));
  if (!m_on_chip || !m_on_chip(c.src) || !m_on_chip(c.dst)) m_bytes += bytes(c);
  return m_free;
}

void DmaSchedule::write_back(const DmaCommand& c, sc_time ready, int slot) { m_queue.push_back({c, ready, slot}); }

void DmaSchedule::flush() {
  for (const Pending& q : m_queue) {
    transfer(q.c, q.ready);
    m_out_free[q.slot] = std::max(m_out_free[q.slot], m_free);
  }
  m_queue.clear();
}

}  // namespace spiketlm
