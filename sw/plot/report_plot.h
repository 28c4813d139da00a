// spiketlm plot: figures (PNG) and a self-contained HTML page from one run's JSON report,
// drawn by sw/plot/plot_report.py with Debian's python3-matplotlib (sw/plot/README.md).
#pragma once
#include <string>
#include <vector>

namespace spiketlm::plot {

struct PlotRequest {
  std::string json;      // a run's --json report
  std::string out_dir;   // the figures' directory ("" for none)
  std::string html;      // the page ("" for none)
};

// Checks the report, draws into a temporary directory, then stages the figures and the page
// in the process's OutputSet (the caller commits). One-line errors: a file that is not a run
// report, no Python or matplotlib, the script failing. Returns the figures' file names.
std::vector<std::string> plot_report(const PlotRequest& r);

}  // namespace spiketlm::plot
