#include "sw/dse/spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>

#include "sw/dse/axis_values.h"
#include "tlm/error.h"
#include "tlm/params.h"
#include "tlm/printable.h"
#include "tlm/input.h"

namespace spiketlm::dse {

namespace fs = std::filesystem;

namespace {

// Reads one sweep file; every error names the file, the line and the field.
class Reader {
 public:
  explicit Reader(std::string file) : m_file(std::move(file)) {}

  [[noreturn]] void bad(const YAML::Node& n, const std::string& field, const std::string& expected) const {
    std::string got;
    if (n.IsScalar()) got = ", got '" + printable(n.Scalar(), 80) + "'";
    else if (n.IsSequence()) got = n.size() == 0 ? ", got an empty list" : ", got a list";
    else if (n.IsMap()) got = ", got a mapping";
    else if (n.IsNull() || !n.IsDefined()) got = ", got nothing";
    fail("sweep", printable(where(n) + field + ": expected " + expected + got, 1000));
  }
  // An error whose text says what was found itself.
  [[noreturn]] void error(const YAML::Node& n, const std::string& field, const std::string& msg) const {
    fail("sweep", printable(where(n) + field + ": " + msg, 1000));
  }
  std::string where(const YAML::Node& n) const {
    const int line = n.IsDefined() ? n.Mark().line : -1;
    return m_file + (line >= 0 ? ":" + std::to_string(line + 1) : "") + ": ";
  }
  std::string scalar(const YAML::Node& n, const std::string& field) const {
    if (!n.IsScalar() || n.Scalar().empty()) bad(n, field, "a value");
    return n.Scalar();
  }
  int64_t integer(const YAML::Node& n, const std::string& field, int64_t min) const {
    int64_t v = 0;
    if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, v) || v < min)
      bad(n, field, "an integer >= " + std::to_string(min));
    return v;
  }
  double number(const YAML::Node& n, const std::string& field) const {
    double v = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v)) bad(n, field, "a number");
    return v;
  }
  // Every key of mapping `n` must be one of `allowed`.
  void keys_of(const YAML::Node& n, const std::string& field, const std::vector<std::string>& allowed) const {
    if (!n.IsMap()) bad(n, field, "a mapping");
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      const std::string hint = nearest(k, allowed);
      std::string all;
      for (const auto& a : allowed) all += (all.empty() ? "" : ", ") + a;
      fail("sweep", where(it->first) + (field.empty() ? "" : printable(field) + ".") + printable(k, 80) + ": unknown field, expected one of " +
                        all + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
  }
  const std::string& file() const { return m_file; }

 private:
  std::string m_file;
};

// A `-c` value from a YAML node: a scalar as written, a list of scalars in flow style.
std::string value_text(const Reader& r, const YAML::Node& n, const std::string& field) {
  if (n.IsScalar()) return r.scalar(n, field);
  if (!n.IsSequence()) r.bad(n, field, "a scalar or a list of scalars");
  std::string s = "[";
  for (size_t i = 0; i < n.size(); ++i) s += (i ? ", " : "") + r.scalar(n[i], field + "[" + std::to_string(i) + "]");
  return s + "]";
}

void check_key(const Reader& r, const YAML::Node& n, const std::string& field) {
  const std::string k = r.scalar(n, field);
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
      r.bad(n, field, "a parameter key (letters, digits, '_', '-' and '.')");
}

AxisKey read_range(const Reader& r, const YAML::Node& n, const std::string& field, bool grid) {
  r.keys_of(n, field, {"from", "to", "step"});
  RangeSpec s{r.number(n["from"], field + ".from"), r.number(n["to"], field + ".to"), 0, 0, false, false};
  s.integer = is_integer_text(r.scalar(n["from"], field + ".from")) && is_integer_text(r.scalar(n["to"], field + ".to"));
  if (n["step"]) {
    s.step = r.number(n["step"], field + ".step");
    s.integer = s.integer && is_integer_text(r.scalar(n["step"], field + ".step"));
    if (!(s.step > 0)) r.bad(n["step"], field + ".step", "a number > 0");
  } else if (grid) {
    r.error(n, field + ".step", "expected a step (a grid needs a finite number of values; random/lhs sample an interval)");
  }
  if (!(s.to >= s.from)) r.bad(n["to"], field + ".to", "a number >= from");
  return range_values(s, r.where(n) + field);
}

AxisKey read_log(const Reader& r, const YAML::Node& n, const std::string& field, bool grid) {
  r.keys_of(n, field, {"from", "to", "points"});
  RangeSpec s{r.number(n["from"], field + ".from"), r.number(n["to"], field + ".to"), 0, 0, true, false};
  s.integer = is_integer_text(r.scalar(n["from"], field + ".from")) && is_integer_text(r.scalar(n["to"], field + ".to"));
  if (!(s.from > 0)) r.bad(n["from"], field + ".from", "a number > 0 (log scale)");
  if (!(s.to >= s.from)) r.bad(n["to"], field + ".to", "a number >= from");
  if (n["points"]) s.points = r.integer(n["points"], field + ".points", 1);
  else if (grid) r.error(n, field + ".points", "expected a number of points (a grid needs a finite number of values)");
  return range_values(s, r.where(n) + field);
}

AxisKey read_axis_key(const Reader& r, const YAML::Node& n, const std::string& field, bool grid) {
  r.keys_of(n, field, {"key", "values", "range", "log"});
  if (!n["key"]) r.error(n, field + ".key", "expected the parameter key the axis varies, got none");
  check_key(r, n["key"], field + ".key");
  const int given = int(bool(n["values"])) + int(bool(n["range"])) + int(bool(n["log"]));
  if (given != 1) r.error(n, field, "expected exactly one of values, range or log, got " + std::to_string(given) + " of them");
  AxisKey a;
  if (n["values"]) {
    const YAML::Node v = n["values"];
    if (!v.IsSequence() || v.size() == 0) r.bad(v, field + ".values", "a non-empty list of values");
    for (size_t i = 0; i < v.size(); ++i) a.values.push_back(value_text(r, v[i], field + ".values[" + std::to_string(i) + "]"));
  } else if (n["range"]) {
    a = read_range(r, n["range"], field + ".range", grid);
  } else {
    a = read_log(r, n["log"], field + ".log", grid);
  }
  a.key = n["key"].Scalar();
  a.line = n.Mark().line + 1;
  return a;
}

Axis read_axis(const Reader& r, const YAML::Node& n, const std::string& field, bool grid) {
  Axis ax;
  ax.line = n.Mark().line + 1;
  if (!n.IsMap() || !n["zip"]) {
    ax.keys.push_back(read_axis_key(r, n, field, grid));
    return ax;
  }
  r.keys_of(n, field, {"zip"});
  const YAML::Node z = n["zip"];
  if (!z.IsSequence() || z.size() < 2) r.bad(z, field + ".zip", "a list of at least two axes varied together");
  for (size_t i = 0; i < z.size(); ++i) {
    const std::string f = field + ".zip[" + std::to_string(i) + "]";
    ax.keys.push_back(read_axis_key(r, z[i], f, grid));
    if (ax.keys.back().continuous) r.error(z[i], f, "expected a fixed number of values (a zipped axis cannot be an interval)");
    if (ax.keys.back().values.size() != ax.keys.front().values.size())
      r.error(z[i], f, "expected " + std::to_string(ax.keys.front().values.size()) + " values like zip[0], got " +
                           std::to_string(ax.keys.back().values.size()) + " (zipped axes vary together)");
  }
  return ax;
}

void read_axes(const Reader& r, const YAML::Node& n, SweepSpec& s) {
  if (!n) return;
  if (!n.IsSequence()) r.bad(n, "axes", "a list of axes");
  const bool grid = s.method == "grid";
  std::set<std::string> seen;
  for (size_t i = 0; i < n.size(); ++i) {
    s.axes.push_back(read_axis(r, n[i], "axes[" + std::to_string(i) + "]", grid));
    for (const auto& k : s.axes.back().keys)
      if (!seen.insert(k.key).second)
        fail("sweep", r.file() + ":" + std::to_string(k.line) + ": axes[" + std::to_string(i) + "]: key " + k.key +
                          " is already varied by another axis, expected each key on one axis (zip keys that vary together)");
  }
}

void read_base(const Reader& r, const YAML::Node& n, SweepSpec& s) {
  if (!n) fail("sweep", r.file() + ": base: expected the base configuration (config: platform YAML), got none");
  r.keys_of(n, "base", {"config", "trace", "samples", "set"});
  if (!n["config"]) r.error(n, "base.config", "expected the platform YAML every point runs, got none");
  s.config = absolute_from(s.dir, r.scalar(n["config"], "base.config"));
  if (!fs::is_regular_file(s.config)) r.error(n["config"], "base.config", "expected an existing platform YAML, got " + s.config);
  if (n["trace"]) {
    s.trace = absolute_from(s.dir, r.scalar(n["trace"], "base.trace"));
    if (!fs::is_directory(s.trace)) r.error(n["trace"], "base.trace", "expected an existing trace bundle directory, got " + s.trace);
  }
  if (n["samples"]) s.samples = r.integer(n["samples"], "base.samples", 1);
  if (const YAML::Node set = n["set"]) {
    if (!set.IsMap()) r.bad(set, "base.set", "a mapping of parameter keys to values");
    for (auto it = set.begin(); it != set.end(); ++it) {
      const std::string f = "base.set." + it->first.as<std::string>();
      check_key(r, it->first, f);
      s.set.emplace_back(it->first.Scalar(), value_text(r, it->second, f));
    }
  }
}

void read_sample(const Reader& r, const YAML::Node& n, SweepSpec& s) {
  if (!n) return;
  r.keys_of(n, "sample", {"method", "points", "seed"});
  if (n["method"]) s.method = r.scalar(n["method"], "sample.method");
  if (s.method != "grid" && s.method != "random" && s.method != "lhs")
    r.bad(n["method"], "sample.method", "grid, random or lhs");
  if (s.method != "grid") {
    if (!n["points"]) r.error(n, "sample.points", "expected the number of points to draw (" + s.method + "), got none");
    s.points = r.integer(n["points"], "sample.points", 1);
  } else if (n["points"]) {
    r.bad(n["points"], "sample.points", "no points for a grid (its size is the product of the axes)");
  }
  if (n["seed"]) s.seed = uint64_t(r.integer(n["seed"], "sample.seed", 0));
}

void read_objectives(const Reader& r, const YAML::Node& n, SweepSpec& s) {
  if (!n) {
    s.objectives = {{"energy_uj", false}, {"latency_us", false}};
    return;
  }
  if (!n.IsMap() || n.size() == 0) r.bad(n, "objectives", "a mapping of report metrics to min or max");
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string m = r.scalar(it->first, "objectives");
    const std::string dir = r.scalar(it->second, "objectives." + m);
    if (dir != "min" && dir != "max") r.bad(it->second, "objectives." + m, "min or max");
    s.objectives.push_back({m, dir == "max"});
  }
}

void read_slurm(const Reader& r, const YAML::Node& n, SlurmOptions& o) {
  if (!n) return;
  r.keys_of(n, "slurm", {"time", "mem", "partition", "throttle", "cpus", "poll_s", "sbatch_args"});
  if (n["time"]) o.time = r.scalar(n["time"], "slurm.time");
  if (n["mem"]) o.mem = r.scalar(n["mem"], "slurm.mem");
  if (n["partition"]) o.partition = r.scalar(n["partition"], "slurm.partition");
  if (n["throttle"]) o.throttle = int(r.integer(n["throttle"], "slurm.throttle", 0));
  if (n["cpus"]) o.cpus = int(r.integer(n["cpus"], "slurm.cpus", 1));
  if (n["poll_s"]) {
    o.poll_s = r.number(n["poll_s"], "slurm.poll_s");
    if (!(o.poll_s > 0)) r.bad(n["poll_s"], "slurm.poll_s", "a number of seconds > 0");
  }
  if (const YAML::Node a = n["sbatch_args"]) {
    if (!a.IsSequence()) r.bad(a, "slurm.sbatch_args", "a list of sbatch options");
    for (size_t i = 0; i < a.size(); ++i) o.sbatch_args.push_back(r.scalar(a[i], "slurm.sbatch_args"));
  }
}

void read_rest(const Reader& r, const YAML::Node& root, SweepSpec& s) {
  if (root["name"]) s.name = r.scalar(root["name"], "name");
  for (char c : s.name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      r.bad(root["name"], "name", "a name of letters, digits, '_', '-' and '.'");
  if (root["max_points"]) s.max_points = r.integer(root["max_points"], "max_points", 1);
  if (root["shards"]) {
    s.shards = r.integer(root["shards"], "shards", 1);
  }
  if (root["out"]) s.out = absolute_from(s.dir, r.scalar(root["out"], "out"));
  if (const YAML::Node p = root["plot"]) {
    r.keys_of(p, "plot", {"x", "y", "color"});
    if (p["x"]) s.plot_x = r.scalar(p["x"], "plot.x");
    if (p["y"]) s.plot_y = r.scalar(p["y"], "plot.y");
    if (p["color"]) s.plot_color = r.scalar(p["color"], "plot.color");
  }
  read_objectives(r, root["objectives"], s);
  read_slurm(r, root["slurm"], s.slurm);
}

}  // namespace

SweepSpec load_sweep(const std::string& path) {
  SweepSpec s;
  s.file = path;
  s.dir = fs::absolute(fs::path(path)).parent_path().lexically_normal().string();
  s.name = fs::path(path).stem().string();
  const Reader r(path);
  YAML::Node root;
  const std::string text = read_input_file(path, {"sweep", "file", "a sweep file (YAML)"});
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail("sweep", path + ":" + std::to_string(e.mark.line + 1) + ": expected YAML, got a syntax error: " + printable(e.msg));
  }
  if (!root.IsMap()) r.bad(root, "(top level)", "a mapping (base, axes, sample, objectives, ...)");
  r.keys_of(root, "", {"name", "base", "axes", "sample", "objectives", "plot", "max_points", "shards", "out", "slurm"});
  read_sample(r, root["sample"], s);
  read_base(r, root["base"], s);
  read_axes(r, root["axes"], s);
  read_rest(r, root, s);
  if (s.out.empty()) s.out = (fs::path(s.dir) / (s.name + ".sweep")).string();
  return s;
}

}  // namespace spiketlm::dse
