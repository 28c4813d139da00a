// spiketlm sweep: the PNG plot of a sweep (energy against latency coloured by accuracy, by
// default), drawn by sw/dse/plot_sweep.py with Debian's python3-matplotlib.
#pragma once
#include <string>

#include "sw/dse/folder.h"
#include "sw/dse/spec.h"
#include "tlm/report.h"

namespace spiketlm::dse {

// Writes <folder>/plot.py and runs it on results.csv into pareto.png. Python: $SPIKETLM_PYTHON,
// else /usr/bin/python3, else python3 on PATH. Returns "" on success, else why there is no
// plot (no Python, no matplotlib): a plot is a convenience, not a result,
// so the caller warns and goes on.
std::string plot_sweep(const SweepFolder& f, const SweepSpec& s, const Report& results);

}  // namespace spiketlm::dse
