#include "hw/arith/fixed_point.h"

#include <cmath>

namespace spiketlm::arith {

std::int64_t round_half_away(double x) {
  double r = std::trunc(x);
  const double f = x - r;  // exact
  if (f >= 0.5)
    r += 1.0;
  else if (f <= -0.5)
    r -= 1.0;
  return static_cast<std::int64_t>(r);
}

}  // namespace spiketlm::arith
