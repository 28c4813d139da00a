#include "sw/dse/validate.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "sw/dse/command.h"
#include "tlm/error.h"

namespace spiketlm::dse {

namespace {

// The offset of axis `a`'s first key in a point's values.
size_t offset_of(const SweepSpec& s, size_t a) {
  size_t o = 0;
  for (size_t i = 0; i < a; ++i) o += s.axes[i].keys.size();
  return o;
}

// The axis line to blame: the first axis key named in the message, else the first axis.
int blame_line(const SweepSpec& s, const std::string& msg) {
  for (const auto& a : s.axes)
    for (const auto& k : a.keys)
      if (msg.find(k.key + ":") != std::string::npos) return k.line;
  return 0;
}

void elaborate(const SweepSpec& s, const Point& p) {
  Simulation sim;
  sim.ctx().echo_warnings = false;  // each point's run reports its own
  sim.configure(point_request(s, p));
  sim.elaborate();
}

// The driver never simulates, so the processes of a platform it built and deleted are never
// run; their names stay taken, and the next elaboration's processes get renamed with a
// warning (W505) that says nothing about the configuration. Silenced while validating.
class QuietRenames {
 public:
  QuietRenames() : m_old(sc_core::sc_report_handler::set_actions(sc_core::SC_ID_INSTANCE_EXISTS_, sc_core::SC_DO_NOTHING)) {}
  ~QuietRenames() { sc_core::sc_report_handler::set_actions(sc_core::SC_ID_INSTANCE_EXISTS_, m_old); }

 private:
  sc_core::sc_actions m_old;
};

}  // namespace

void type_intervals(SweepSpec& s) {
  bool any = false;
  for (const auto& a : s.axes) any = any || a.continuous();
  if (!any) return;
  QuietRenames quiet;
  std::map<std::string, std::string> types;
  try {
    Simulation sim;
    sim.ctx().echo_warnings = false;
    sim.configure(point_request(s, Point{}));
    sim.elaborate();
    for (const auto& d : sim.ctx().params.declarations()) types[d.key] = d.type;
  } catch (const std::exception&) {
    return;
  }
  for (auto& a : s.axes)
    for (auto& k : a.keys)
      if (k.continuous && types.count(k.key) && (types[k.key] == "int" || types[k.key] == "double"))
        k.integer = types[k.key] == "int";
}

std::vector<size_t> representatives(const SweepSpec& s, const std::vector<Point>& points) {
  std::set<size_t> pick;
  if (!points.empty()) pick.insert(0);
  for (size_t a = 0; a < s.axes.size(); ++a) {
    const size_t o = offset_of(s, a);
    std::map<std::string, size_t> first;  // value -> first point
    size_t lo = 0, hi = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      const std::string& v = points[i].values[o].second;
      first.emplace(v, i);
      if (s.axes[a].continuous()) {
        const double x = std::strtod(v.c_str(), nullptr);
        if (x < std::strtod(points[lo].values[o].second.c_str(), nullptr)) lo = i;
        if (x > std::strtod(points[hi].values[o].second.c_str(), nullptr)) hi = i;
      }
    }
    if (s.axes[a].continuous()) {
      pick.insert(lo);
      pick.insert(hi);
    } else {
      for (const auto& kv : first) pick.insert(kv.second);
    }
  }
  return {pick.begin(), pick.end()};
}

int validate_plan(const SweepSpec& s, const std::vector<Point>& points) {
  const std::vector<size_t> reps = representatives(s, points);
  QuietRenames quiet;
  for (size_t i : reps) {
    try {
      elaborate(s, points[i]);
    } catch (const std::exception& e) {
      const std::string msg = error_text(e);
      std::string vals;
      for (const auto& kv : points[i].values) vals += (vals.empty() ? "" : ", ") + kv.first + "=" + kv.second;
      const int line = blame_line(s, msg);
      fail("sweep", s.file + (line ? ":" + std::to_string(line) : "") + ": " + (line ? "axes" : "base") + ": point " +
                        std::to_string(points[i].index) + (vals.empty() ? "" : " (" + vals + ")") + ": " + msg);
    }
  }
  return int(reps.size());
}

}  // namespace spiketlm::dse
