// spiketlm plot REPORT.json [-o DIR] [--html FILE]: figures and an HTML page of a run's report
// (sw/plot/README.md).
#pragma once

namespace spiketlm::cli {

int plot_main(int argc, char** argv);

}  // namespace spiketlm::cli
