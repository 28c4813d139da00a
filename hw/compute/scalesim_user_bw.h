// SCALE-Sim v2's per-layer cycles in its USER bandwidth mode (InterfaceBandwidth: USER):
// the compute cycles, the stall cycles of its double-buffered scratchpad fed at a fixed number
// of words per cycle, and their total, as its COMPUTE_REPORT.csv prints them ("Total Cycles",
// "Stall Cycles"). Pure C++, no SystemC. See timing.md.
#pragma once
#include <cstdint>

#include "hw/compute/scalesim_operands.h"

namespace spiketlm::scalesim {

// SCALE-Sim's [architecture_presets]: ArrayHeight, ArrayWidth, IfmapSramSzkB, FilterSramSzkB,
// OfmapSramSzkB, Bandwidth (words per cycle; word = 1 byte).
struct MemoryConfig {
  uint64_t rows = 0, cols = 0;
  uint64_t ifmap_kb = 0, filter_kb = 0, ofmap_kb = 0;
  uint64_t bandwidth = 0;
};

struct UserBwCycles {
  uint64_t compute = 0;  // demand rows - 1: folds x cycles per fold - 1 (scalesim.h)
  uint64_t stall = 0;    // "Stall Cycles"
  uint64_t total = 0;    // "Total Cycles": the cycle the last output row is written
};

UserBwCycles user_bandwidth_cycles(Mapping m, const Topology& t, const MemoryConfig& c);

}  // namespace spiketlm::scalesim
