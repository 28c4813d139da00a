// spiketlm: what passes between a platform and the run flow (sw/run), as plain data.
//
// The platform tells firmware about itself (FirmwareTarget: where DRAM and the registers are,
// how weights are tiled); the run flow installs the firmware on the platform's CPU and, after
// the simulation, hands the platform what firmware returned (RunResults) to report from.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sw/include/spiketlm/accel_regs.h"

namespace spiketlm {

// What firmware needs to know of the platform (the runtime's configuration, sw/fw/runtime.h).
struct FirmwareTarget {
  uint64_t dram_base = 0, dram_size = 0;
  uint64_t csr_base = 0;
  int pe_cols = 8;          // weight tiling: [ceil(K/cols)][W][cols]
  int membrane_bytes = 4;   // bytes per stored membrane
  uint32_t exit_threshold = 0;  // EXIT_THRESHOLD written for every run (0: no early exit)
};

// One sample as firmware saw it: the registers it read after the interrupt and the outputs.
struct SampleResult {
  std::vector<int32_t> outputs;   // [timesteps run][classes]
  uint32_t irq_cause = 0, status = 0, err_code = 0, err_layer = 0, err_field = 0;
  uint32_t prediction = 0, exit_timestep = 0;
  uint64_t cycles = 0, dram_bytes = 0, glb_bytes = 0, spikes = 0, spikes_in = 0;
  double seconds = 0;             // START to interrupt
};

// START to interrupt in seconds from the two times in picoseconds (Hal::now_ps): the difference
// first, exact, so a sample's latency does not depend on when in the run it ran.
inline double span_seconds(uint64_t start_ps, uint64_t end_ps) { return double(end_ps - start_ps) * 1e-12; }

// A run's results: one SampleResult per sample, the descriptor table firmware wrote, and the
// trace layer each descriptor runs (index into bundle::layers).
struct RunResults {
  std::vector<SampleResult> samples;
  std::vector<LayerDesc> descriptors;
  std::vector<int> layer_of_desc;
};

// A platform's own accumulated results beside the ledger and the units' statistics (per-layer
// counters, per-sample latencies), for a merge of shards (sw/run/shard.h): `sum` vectors add
// element by element, `last` ones come from the shard with the last samples, `concat` ones
// are concatenated in sample order.
struct PlatformState {
  std::map<std::string, std::vector<uint64_t>> sum;
  std::map<std::string, std::vector<double>> last, concat;
};

}  // namespace spiketlm
