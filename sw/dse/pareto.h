// spiketlm sweep: the Pareto front of a set of points over several objectives.
#pragma once
#include <cstddef>
#include <vector>

namespace spiketlm::dse {

// Indexes (ascending) of the rows no other row dominates. Row a dominates row b when a is at
// least as good as b in every objective and strictly better in one (better: lower, or higher
// where maximise[k]). Equal rows do not dominate each other (both stay on the front). A row
// with a NaN objective is never on the front and dominates nothing.
std::vector<size_t> pareto_front(const std::vector<std::vector<double>>& rows, const std::vector<bool>& maximise);

}  // namespace spiketlm::dse
