// spiketlm: does a bundle fit the platform's DRAM? Checked at elaboration, before anything of
// the bundle's size is allocated (dram_fit.md).
#pragma once
#include <cstdint>
#include <string>

#include "platforms/run_data.h"
#include "traces/src/trace.h"

namespace spiketlm {

// The DRAM bytes the host firmware (sw/fw/runtime.cpp) lays out for layer `li` of `b` at least
// (no alignment): its generated input maps (workload), weights tiled to t.pe_cols, fixed-point
// table, membranes and output maps for every timestep; layer 0 also the network input.
// Saturates at UINT64_MAX (a trace.yaml may declare 2^20 x 2^20 x 2^20 maps).
uint64_t dram_bytes_of_layer(const bundle& b, size_t li, const FirmwareTarget& t);

// Fails (one line: trace.yaml, the layer and its size fields, what was expected) at the first
// layer where the layers so far need more than t.dram_size; `dram` names the memory.
void check_dram_fit(const bundle& b, const FirmwareTarget& t, const std::string& dram);

}  // namespace spiketlm
