// spiketlm sweep: the points of a sweep (grid, random or Latin hypercube).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sw/dse/spec.h"

namespace spiketlm::dse {

struct Point {
  int64_t index = 0;
  // The axis keys and their values as `-c` text, in axis order (zipped keys in zip order).
  std::vector<std::pair<std::string, std::string>> values;
};

// How many points the sweep has (a grid's product saturates at INT64_MAX), known before any
// point is made, so that a sweep too large for max_points is refused cheaply.
int64_t plan_size(const SweepSpec& s);

// Every point. Grid: the product of the axes, the last axis varying fastest. random: each
// dimension (an axis, or a zipped group) drawn uniformly and independently per point. lhs:
// Latin hypercube: each dimension split into `points` equal strata, each stratum used by
// exactly one point (a random permutation per dimension, a uniform position inside the
// stratum). A discrete dimension of n values takes value floor(u n); an interval takes
// from + u (to - from) (log: from (to/from)^u), integers floor(from + u (to - from + 1)),
// drawn values rounded to 6 significant digits. The generator is std::mt19937_64 seeded with
// `seed`, with its own uniform and permutation code (the standard library's distributions
// differ between implementations), so a seed gives the same points everywhere.
std::vector<Point> make_plan(const SweepSpec& s);

}  // namespace spiketlm::dse
