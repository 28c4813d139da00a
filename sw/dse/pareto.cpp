#include "sw/dse/pareto.h"

#include <cmath>

namespace spiketlm::dse {

namespace {

bool valid(const std::vector<double>& r) {
  for (double v : r)
    if (std::isnan(v)) return false;
  return true;
}

bool dominates(const std::vector<double>& a, const std::vector<double>& b, const std::vector<bool>& maximise) {
  bool better = false;
  for (size_t k = 0; k < a.size(); ++k) {
    const double x = maximise[k] ? -a[k] : a[k], y = maximise[k] ? -b[k] : b[k];
    if (x > y) return false;
    better = better || x < y;
  }
  return better;
}

}  // namespace

std::vector<size_t> pareto_front(const std::vector<std::vector<double>>& rows, const std::vector<bool>& maximise) {
  std::vector<size_t> front;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!valid(rows[i])) continue;
    bool dominated = false;
    for (size_t j = 0; j < rows.size() && !dominated; ++j)
      dominated = j != i && valid(rows[j]) && dominates(rows[j], rows[i], maximise);
    if (!dominated) front.push_back(i);
  }
  return front;
}

}  // namespace spiketlm::dse
