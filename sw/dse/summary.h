// spiketlm sweep: what the sweep prints when it ends.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "sw/dse/spec.h"
#include "tlm/report.h"

namespace spiketlm::dse {

// One line of counts, where the results are, and the Pareto front (point, axis values,
// objective metrics and the plot's colour metric) as a text table.
void print_summary(std::ostream& os, const Report& results, const SweepSpec& s, const std::vector<std::string>& keys,
                   bool plotted);
// One line per failed point: "point N failed: <error> (points/NNNN/stderr.log)". Returns how
// many points failed.
int print_failures(std::ostream& os, const Report& results);

}  // namespace spiketlm::dse
