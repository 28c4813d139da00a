// spiketlm: the search for good mappings (exhaustive when the space is small, seeded simulated
// annealing when it is not) and the Pareto set of what it saw. See map.md.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sw/map/cost_model.h"

namespace spiketlm::map {

enum class Objective { energy, latency, edp, offchip };
Objective objective_of(const std::string& name);  // throws naming the expected values
const char* objective_name(Objective o);
double score(const Cost& c, Objective o, double clock_hz);

struct SearchOptions {
  Objective objective = Objective::energy;
  uint64_t seed = 1;
  uint64_t exhaustive_limit = 200000;  // mappings: exhaustive up to this many
  uint64_t iterations = 20000;         // annealing steps otherwise
  bool state_removal = false;          // explore state: none (changes the function)
  bool allow_fuse = true;
  bool allow_glb = true;               // state: glb (on-chip state between batches)
};

struct Candidate {
  Mapping mapping;
  Cost cost;
};

struct SearchResult {
  std::string method;        // "exhaustive" or "annealing"
  double space = 0;          // mappings in the space (a double: it can be huge)
  uint64_t evaluated = 0;    // mappings evaluated (feasible or not)
  uint64_t feasible = 0;
  double seconds = 0;        // search time
  Candidate best;            // by the objective
  std::vector<Candidate> pareto;  // energy, latency, off-chip bytes: none dominates another
};

// The time batches a group may use: 1..T where the array can hold them.
std::vector<int> time_batches(const Network& n, const Hierarchy& h);
double space_size(const Network& n, const Hierarchy& h, const SearchOptions& o);
SearchResult search(const CostModel& model, const SearchOptions& o);

}  // namespace spiketlm::map
