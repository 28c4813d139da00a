#include "sw/cli/plot_command.h"

#include <iostream>
#include <string>

#include "sw/plot/report_plot.h"
#include "tlm/error.h"
#include "tlm/output.h"
#include "tlm/printable.h"

namespace spiketlm::cli {

namespace {

struct UsageError {
  std::string what;
};

plot::PlotRequest parse(int argc, char** argv) {
  plot::PlotRequest r;
  bool dir_given = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if ((a == "-o" || a == "--out") && has_value) {
      r.out_dir = argv[++i];
      dir_given = true;
    } else if (a == "--html" && has_value) {
      r.html = argv[++i];
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{has_value || (a != "-o" && a != "--out" && a != "--html") ? "unknown option " + printable(a, 80)
                                                                                 : a + " needs a value"};
    } else if (r.json.empty()) {
      r.json = a;
    } else {
      throw UsageError{"unexpected argument " + printable(a, 80) + " (one report at a time)"};
    }
  }
  if (r.json.empty()) throw UsageError{"expected a run's JSON report (spiketlm run ... --json FILE)"};
  if (!dir_given && r.html.empty()) {  // default: the figures beside the report
    const std::string stem = r.json.size() > 5 && r.json.compare(r.json.size() - 5, 5, ".json") == 0
                                 ? r.json.substr(0, r.json.size() - 5) : r.json;
    r.out_dir = stem + "_plots";
  }
  return r;
}

}  // namespace

int plot_main(int argc, char** argv) {
  plot::PlotRequest r;
  try {
    r = parse(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "spiketlm: plot: " << e.what << " (see spiketlm plot --help)\n";
    return 1;
  }
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
