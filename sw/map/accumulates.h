// spiketlm: the accumulates the PE array counts for a functional bundle's compute layers (the
// input's set bits x the output positions and filters each one reaches), from the golden
// model's maps of sample 0 (pure, no SystemC). See map.md, "The cost model".
#pragma once
#include "sw/map/network_view.h"

namespace spiketlm::map {

// Sets ops_t and ops of every compute layer of n (functional bundles; workloads keep their
// input-rate estimate).
void count_accumulates(const bundle& b, Network& n);

}  // namespace spiketlm::map
