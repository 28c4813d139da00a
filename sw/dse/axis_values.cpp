#include "sw/dse/axis_values.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "tlm/error.h"

namespace spiketlm::dse {

namespace {
constexpr int64_t kMaxAxisValues = 1000000;
}

std::string number_text(double v, bool integer, int digits) {
  if (integer) return std::to_string(std::llround(v));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

bool is_integer_text(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

std::string absolute_from(const std::string& dir, const std::string& p) {
  std::filesystem::path q(p);
  if (q.is_relative()) q = std::filesystem::path(dir) / q;
  return q.lexically_normal().string();
}

AxisKey range_values(const RangeSpec& r, const std::string& where) {
  AxisKey a;
  a.from = r.from;
  a.to = r.to;
  a.log_scale = r.log_scale;
  a.integer = r.integer;
  if (!r.log_scale && r.step > 0) {
    const double n = std::floor((r.to - r.from) / r.step + 1e-9) + 1;
    if (n > double(kMaxAxisValues)) fail("sweep", where + ": expected at most 1000000 values, got " + number_text(n, true));
    for (int64_t i = 0; i < int64_t(n); ++i) a.values.push_back(number_text(r.from + double(i) * r.step, r.integer));
  } else if (r.log_scale && r.points > 0) {
    if (r.points > kMaxAxisValues) fail("sweep", where + ".points: expected at most 1000000, got " + std::to_string(r.points));
    std::set<std::string> seen;
    for (int64_t i = 0; i < r.points; ++i) {
      const double f = r.points == 1 ? 0.0 : double(i) / double(r.points - 1);
      const std::string v = number_text(r.from * std::pow(r.to / r.from, f), r.integer);
      if (!seen.insert(v).second)
        fail("sweep", where + ": " + std::to_string(r.points) + " integer points from " + number_text(r.from, true) +
                          " to " + number_text(r.to, true) + " repeat the value " + v +
                          ", expected fewer points or non-integer bounds");
      a.values.push_back(v);
    }
  } else {
    a.continuous = true;
  }
  return a;
}

}  // namespace spiketlm::dse
