#include "sw/dse/plot.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "sw/dse/folder.h"
#include "sw/dse/plot_script.h"
#include "sw/dse/subprocess.h"

namespace spiketlm::dse {

namespace {

std::string label(const Report& r, const std::string& metric) {
  const std::string u = r.has("metric_units", metric) ? r.get("metric_units", metric).text() : "";
  return u.empty() || u == "-" ? metric : metric + " (" + u + ")";
}

// Whether the front is over the plot's two axes alone (then it is a line in the plot).
bool join(const SweepSpec& s) {
  if (s.objectives.size() != 2) return false;
  const auto& a = s.objectives[0].metric;
  const auto& b = s.objectives[1].metric;
  return (a == s.plot_x && b == s.plot_y) || (a == s.plot_y && b == s.plot_x);
}

}  // namespace

std::string plot_sweep(const SweepFolder& f, const SweepSpec& s, const Report& results) {
  write_file_atomic(f.path("plot.py"), kPlotScript);
  const std::string py = python_interpreter();
  if (py.empty()) return "no python3 (set SPIKETLM_PYTHON)";
  const std::string png = f.path("pareto.png");
  const std::string tmp = png + ".tmp.png";
  std::vector<std::string> argv = {py, f.path("plot.py"), f.path("results.csv"), tmp, "--x", s.plot_x, "--y", s.plot_y,
                                   "--color", s.plot_color, "--xlabel", label(results, s.plot_x), "--ylabel",
                                   label(results, s.plot_y), "--clabel", label(results, s.plot_color), "--title",
                                   "spiketlm sweep " + s.name};
  if (join(s)) argv.push_back("--join");
  const ProcResult r = run_capture(argv);
  std::error_code ec;
  if (r.code != 0) {
    std::filesystem::remove(tmp, ec);
    const auto nl = r.err.find_last_not_of('\n');
    const std::string err = nl == std::string::npos ? "" : r.err.substr(0, nl + 1);
    return py + " plot.py: " + err.substr(err.find_last_of('\n') + 1);
  }
  std::filesystem::rename(tmp, png, ec);
  return ec ? png + ": " + ec.message() : "";
}

}  // namespace spiketlm::dse
