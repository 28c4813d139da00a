#include "sw/dse/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace spiketlm::dse {

std::string duration_text(double s) {
  const int64_t t = int64_t(std::llround(std::max(0.0, s)));
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", (long long)(t / 3600), (long long)(t % 3600 / 60));
  else if (t >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", (long long)(t / 60), (long long)(t % 60));
  else std::snprintf(buf, sizeof buf, "%llds", (long long)t);
  return buf;
}

Progress::Progress(std::string label, bool enabled)
    : m_label(std::move(label)), m_enabled(enabled), m_start(std::chrono::steady_clock::now()), m_last(m_start) {}

std::string Progress::line(const std::string& label, const std::map<std::string, int64_t>& c, int64_t total,
                           double elapsed_s, int64_t finished_here) {
  auto n = [&](const char* k) {
    auto it = c.find(k);
    return it == c.end() ? int64_t(0) : it->second;
  };
  std::string s = label + ": " + std::to_string(n("done")) + "/" + std::to_string(total) + " done";
  if (n("failed")) s += ", " + std::to_string(n("failed")) + " failed";
  if (n("running")) s += ", " + std::to_string(n("running")) + " running";
  if (n("queued")) s += ", " + std::to_string(n("queued")) + " queued";
  if (n("pending")) s += ", " + std::to_string(n("pending")) + " pending";
  const int64_t left = n("running") + n("queued") + n("pending");
  if (finished_here > 0 && left > 0) {
    // Throughput so far (points finished per second, with every worker) over the points left.
    s += ", ETA " + duration_text(elapsed_s / double(finished_here) * double(left));
  }
  return s;
}

void Progress::update(const std::map<std::string, int64_t>& c, int64_t total, bool force) {
  if (!m_enabled) return;
  const auto now = std::chrono::steady_clock::now();
  auto get = [&](const char* k) {
    auto it = c.find(k);
    return it == c.end() ? int64_t(0) : it->second;
  };
  const int64_t finished = get("done") + get("failed");
  if (m_finished_at_start < 0) m_finished_at_start = finished;
  if (!force && m_drawn && now - m_last < std::chrono::milliseconds(200)) return;
  m_last = now;
  const double el = std::chrono::duration<double>(now - m_start).count();
  std::cerr << "\r\033[K" << line(m_label, c, total, el, finished - m_finished_at_start) << std::flush;
  m_drawn = true;
}

void Progress::finish() {
  if (m_enabled && m_drawn) std::cerr << "\n" << std::flush;
  m_drawn = false;
}

}  // namespace spiketlm::dse

