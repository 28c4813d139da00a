// spiketlm: the network as the cycle-level model runs it: network_of (network_view.h) with the
// DRAM addresses the runtime firmware gives every tensor and, for a functional bundle, the
// accumulates of its real spikes (accumulates.h). What the cost model prices. See map.md.
#pragma once
#include "sw/map/network_view.h"

namespace spiketlm::map {

Network network_as_run(const bundle& b, const ArrayShape& a);

}  // namespace spiketlm::map
