#include "sw/run/progress.h"

#include <cstdio>
#include <cstring>

#include "sw/include/spiketlm/accel_regs.h"

namespace spiketlm {

Progress::Progress(int total, double delay_s, std::ostream& os)
    : m_total(total), m_delay_s(delay_s), m_os(os), m_t0(std::chrono::steady_clock::now()), m_last(m_t0) {}

Progress::~Progress() {
  if (!m_drawn) return;
  draw(true);
  m_os << "\n";   // the last state stays visible above the report
  m_os.flush();
}

void Progress::sample_started() {
  ++m_started;
  draw(false);
}

void Progress::draw(bool force) {
  using namespace std::chrono;
  const auto now = steady_clock::now();
  const double run_s = duration<double>(now - m_t0).count();
  if (!force && (run_s < m_delay_s || (m_drawn && duration<double>(now - m_last).count() < 0.2))) return;
  m_last = now;
  m_drawn = true;
  const int done = force ? m_started : m_started - 1;   // a started sample is done when the next starts
  const double rate = run_s > 0 ? done / run_s : 0;
  char line[160];
  if (force) std::snprintf(line, sizeof line, "\rspiketlm: %d/%d samples in %.1f s (%.1f samples/s)", done, m_total, run_s, rate);
  else if (done == 0) std::snprintf(line, sizeof line, "\rspiketlm: sample %d/%d   ", m_started, m_total);
  else std::snprintf(line, sizeof line, "\rspiketlm: sample %d/%d, %.1f samples/s, ETA %.0f s   ", m_started, m_total, rate,
                     (m_total - done) / rate);
  m_os << line;
  m_os.flush();
}

void ProgressHal::write(uint64_t addr, const void* data, uint64_t len) {
  if (addr == m_csr + 4u * unsigned(REG_CTRL) && len == 4) {
    uint32_t v = 0;
    std::memcpy(&v, data, 4);
    if (v & CTRL_START) m_progress.sample_started();
  }
  m_in.write(addr, data, len);
}

}  // namespace spiketlm
