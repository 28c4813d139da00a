// spiketlm sweep: the live progress line on stderr.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace spiketlm::dse {

// One line, redrawn in place ("\r"), at most a few times a second:
//   sweep demo: 12/40 done, 1 failed, 2 running, 25 pending, ETA 1m20s
// Shown only when enabled (the CLI enables it when stderr is a terminal); finish() ends the
// line. The ETA is the points left over the throughput so far (points finished this session
// per second of this session).
class Progress {
 public:
  Progress(std::string label, bool enabled);
  ~Progress() { finish(); }
  void update(const std::map<std::string, int64_t>& counts, int64_t total, bool force = false);
  void finish();
  bool enabled() const { return m_enabled; }
  // The text of the line (without "\r"), for tests.
  static std::string line(const std::string& label, const std::map<std::string, int64_t>& counts, int64_t total,
                          double elapsed_s, int64_t finished_here);

 private:
  std::string m_label;
  bool m_enabled;
  bool m_drawn = false;
  std::chrono::steady_clock::time_point m_start, m_last;
  int64_t m_finished_at_start = -1;
};

// "1h02m", "3m20s", "45s".
std::string duration_text(double seconds);

}  // namespace spiketlm::dse
