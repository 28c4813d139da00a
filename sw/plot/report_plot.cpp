#include "sw/plot/report_plot.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sw/dse/report_reader.h"
#include "sw/dse/subprocess.h"
#include "sw/plot/plot_script.h"
#include "tlm/error.h"
#include "tlm/output.h"
#include "tlm/printable.h"

namespace spiketlm::plot {

namespace fs = std::filesystem;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "spiketlm_plot_XXXXXX").string();
    if (!mkdtemp(t.data())) fail("plot", t + ": expected a temporary directory, got " + std::strerror(errno));
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last non-empty line of a program's stderr.
std::string last_line(const std::string& err) {
  const auto end = err.find_last_not_of("\n\r ");
  if (end == std::string::npos) return "(no message)";
  const auto nl = err.find_last_of('\n', end);
  return err.substr(nl == std::string::npos ? 0 : nl + 1, end - (nl == std::string::npos ? 0 : nl + 1) + 1);
}

void draw(const PlotRequest& r, const std::string& dir) {
  const std::string py = dse::python_interpreter();
  if (py.empty()) fail("plot", "python3: expected Debian's python3 with python3-matplotlib (or $SPIKETLM_PYTHON), got none");
  const std::string script = dir + "/plot_report.py";
  std::ofstream(script) << kReportPlotScript;
  std::vector<std::string> argv = {py, script, r.json, dir};
  if (!r.html.empty()) argv.insert(argv.end(), {"--html", dir + "/page.html"});
  const dse::ProcResult p = dse::run_capture(argv);
  if (p.code != 0) fail("plot", r.json + ": " + py + " plot_report.py failed: " + printable(last_line(p.err), 200));
}

}  // namespace

std::vector<std::string> plot_report(const PlotRequest& r) {
  dse::read_report_json(r.json);  // a one-line error unless it is a run's JSON report
  OutputSet& outs = OutputSet::process();
  if (!r.out_dir.empty()) outs.claim_dir(r.out_dir, "-o");
  if (!r.html.empty()) outs.claim(r.html, "--html");
  outs.refuse_input(r.json, "the report");
  TempDir tmp;
  draw(r, tmp.path);
  std::vector<std::string> figures;  // what the script drew (plot_report.py's FIGURES it had tables for)
  for (const auto& e : fs::directory_iterator(tmp.path))
    if (e.path().extension() == ".png") figures.push_back(e.path().filename().string());
  std::sort(figures.begin(), figures.end());
  if (!r.out_dir.empty()) {
    const std::string staged = outs.stage_dir(r.out_dir);
    for (const auto& f : figures) fs::copy_file(tmp.path + "/" + f, staged + "/" + f);
  }
  if (!r.html.empty()) outs.write(r.html, slurp(tmp.path + "/page.html"));
  return figures;
}

}  // namespace spiketlm::plot
