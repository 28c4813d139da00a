#include "sw/dse/plan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "sw/dse/axis_values.h"

namespace spiketlm::dse {

namespace {

// Uniform in [0, 1) from the top 53 bits of one draw.
double uniform01(std::mt19937_64& g) { return double(g() >> 11) * 0x1.0p-53; }

// A uniformly random permutation of 0..n-1 (Fisher-Yates).
std::vector<int64_t> permutation(std::mt19937_64& g, int64_t n) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[size_t(i)] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = std::min<int64_t>(i, int64_t(uniform01(g) * double(i + 1)));
    std::swap(p[size_t(i)], p[size_t(j)]);
  }
  return p;
}

// The value of one axis key at position u in [0, 1).
std::string value_at(const AxisKey& k, double u) {
  if (!k.continuous) {
    const size_t n = k.values.size();
    return k.values[std::min(n - 1, size_t(u * double(n)))];
  }
  if (k.integer && !k.log_scale) return number_text(std::min(k.to, std::floor(k.from + u * (k.to - k.from + 1))), true);
  const double v = k.log_scale ? k.from * std::pow(k.to / k.from, u) : k.from + u * (k.to - k.from);
  return k.integer ? number_text(std::min(k.to, std::max(k.from, std::round(v))), true) : number_text(v, false, 6);
}

void add_dimension(Point& p, const Axis& a, double u) {
  for (const auto& k : a.keys) p.values.emplace_back(k.key, value_at(k, u));
}

std::vector<Point> grid(const SweepSpec& s) {
  const int64_t n = plan_size(s);
  std::vector<Point> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    Point& p = out[size_t(i)];
    p.index = i;
    // Mixed-radix digits of i, the last axis least significant.
    std::vector<size_t> digit(s.axes.size());
    int64_t rest = i;
    for (size_t a = s.axes.size(); a-- > 0;) {
      digit[a] = size_t(rest % int64_t(s.axes[a].size()));
      rest /= int64_t(s.axes[a].size());
    }
    for (size_t a = 0; a < s.axes.size(); ++a)
      for (const auto& k : s.axes[a].keys) p.values.emplace_back(k.key, k.values[digit[a]]);
  }
  return out;
}

std::vector<Point> sampled(const SweepSpec& s) {
  std::mt19937_64 g(s.seed);
  const int64_t n = s.points;
  std::vector<std::vector<int64_t>> strata;
  if (s.method == "lhs")
    for (size_t a = 0; a < s.axes.size(); ++a) strata.push_back(permutation(g, n));
  std::vector<Point> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    out[size_t(i)].index = i;
    for (size_t a = 0; a < s.axes.size(); ++a) {
      const double r = uniform01(g);
      const double u = strata.empty() ? r : (double(strata[a][size_t(i)]) + r) / double(n);
      add_dimension(out[size_t(i)], s.axes[a], u);
    }
  }
  return out;
}

}  // namespace

int64_t plan_size(const SweepSpec& s) {
  if (s.method != "grid") return s.points;
  int64_t n = 1;
  for (const auto& a : s.axes) {
    const int64_t k = int64_t(a.size());
    if (k != 0 && n > std::numeric_limits<int64_t>::max() / k) return std::numeric_limits<int64_t>::max();
    n *= k;
  }
  return n;
}

std::vector<Point> make_plan(const SweepSpec& s) { return s.method == "grid" ? grid(s) : sampled(s); }

}  // namespace spiketlm::dse
