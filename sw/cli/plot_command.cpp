#include "sw/cli/plot_command.h"

#include <iostream>
#include <string>

#include "sw/plot/report_plot.h"
#include "tlm/error.h"
#include "tlm/output.h"
#include "tlm/printable.h"

namespace spiketlm::cli {

namespace {

// A usage error: one line, exit code 1 (tlm/error.h, the form every command uses).
[[noreturn]] void usage(const std::string& msg) { usage_error("plot", msg); }

plot::PlotRequest parse(int argc, char** argv) {
  plot::PlotRequest r;
  bool dir_given = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const bool takes_value = a == "-o" || a == "--out" || a == "--html";
    if (takes_value && i + 1 >= argc) usage(a + ": missing value");
    if (a == "-o" || a == "--out") {
      r.out_dir = argv[++i];
      dir_given = true;
    } else if (a == "--html") {
      r.html = argv[++i];
    } else if (!a.empty() && a[0] == '-') {
      usage(printable(a, 80) + ": unknown option");
    } else if (r.json.empty()) {
      r.json = a;
    } else {
      usage(printable(a, 80) + ": unexpected argument, expected one REPORT.json (got " + printable(r.json, 80) + " already)");
    }
  }
  if (r.json.empty()) usage("missing REPORT.json, expected a run's JSON report (spiketlm run ... --json FILE)");
  if (!dir_given && r.html.empty()) {  // default: the figures beside the report
    const std::string stem = r.json.size() > 5 && r.json.compare(r.json.size() - 5, 5, ".json") == 0
                                 ? r.json.substr(0, r.json.size() - 5) : r.json;
    r.out_dir = stem + "_plots";
  }
  return r;
}

}  // namespace

int plot_main(int argc, char** argv) {
  const plot::PlotRequest r = parse(argc, argv);
  OutputSet& outs = OutputSet::process();
  try {
    const auto figures = plot::plot_report(r);
    outs.commit();
    for (const auto& f : figures)
      if (!r.out_dir.empty()) std::cout << "wrote " << r.out_dir << "/" << f << "\n";
    if (!r.html.empty()) std::cout << "wrote " << r.html << "\n";
  } catch (const std::exception& e) {
    outs.discard();
    std::cerr << "spiketlm: error: " << error_text(e) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace spiketlm::cli
