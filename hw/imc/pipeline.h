// spiketlm: the timing of an IMC run: SpikeSim's layer pipeline. Plain C++, no SystemC; tested
// in ImcPipeline.*. See imc_controller.md, "Timing".
//
// Every compute layer and residual add is a stage with `units` work units per timestep
// (physical mode: PE cycles, OH OW x input planes x ADC passes; dense mode: SpikeSim's outputs,
// OH OW Cout; an add has none). Over Tm timesteps a stage takes units x Tm PE cycles plus its
// per-timestep extra time (NoC latency of its output traffic, C#n LIF stalls); the next stage
// starts floor(fraction x units) x Tm PE cycles after it (plus the extra time accumulated so
// far). Physical mode: a stage ends at least one PE cycle after the one before it, then drains
// its last pixel's LIF chain; the pipeline ends at the latest end. Dense mode: at the last
// stage's end (SpikeSim's halt), nothing added.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "hw/imc/noc_schedule.h"

namespace spiketlm::imc {

struct Stage {
  uint32_t layer = 0;     // descriptor index
  uint64_t units = 0;     // PE cycles (or SpikeSim outputs) per timestep
  double extra_ns = 0;    // per timestep: NoC time of the stage's output traffic + LIF stalls (C#n)
  double drain_ns = 0;    // once at the stage's end: the last pixel's LIF chain beyond one update (C#n)
};

struct StageTime {
  double start_ns = 0, end_ns = 0;  // from the pipeline's start
};

struct PipelineConfig {
  double fraction = 0.75;  // the next stage starts after this share of a stage's units
  double cycle_ns = 0;     // one PE cycle
  bool dense = false;      // SpikeSim's dense mode
};

// The pipeline over Tm timesteps: every stage's start and end (times[i] for stages[i]);
// returns the pipeline's end.
double run_pipeline(const std::vector<Stage>& stages, uint64_t Tm, const PipelineConfig& c, std::vector<StageTime>& times);

struct StageConfig {
  bool dense = false;
  int passes = 1;          // ADC passes per PE cycle
  double cycle_ns = 0;     // one PE cycle
  double clk_ns = 0;       // one clock of the neuron units
  int chain_clocks = 1;    // clocks one LIF circuit needs per pixel (share x update clocks)
  int share = 1;           // channels one LIF circuit serves (C#n)
};

// The stages of a network (compute layers and adds, in order); latency(t): the NoC latency of
// one transfer (ns).
std::vector<Stage> build_stages(const std::vector<NetLayer>& layers, const std::vector<LayerTraffic>& traffic,
                                const StageConfig& c, const std::function<double(const Transfer&)>& latency);

// SpikeSim's dense formulas count one PE cycle per output (compute stage units) and per mapped
// PE and output pixel (energy): the factor they apply for the input planes of layer L.
// SpikeSim models binary (spike) inputs and does not count the direct-coded image's planes, so
// the network's input image (one map from DRAM for all timesteps) counts 1: this keeps the SNN
// figures SpikeSim's. Any other input map is driven bit-serially, one PE cycle per plane: an
// on-chip map (spikes 1, an ANN's activations act_bits, a pooled map its sums' planes) or a
// workload's generated per-timestep map (DESC_INPUT_PER_T: spikes 1, `--ann B` activations B).
// Issue 22: without this, dense `--ann` charged T = 1 single-plane cycles, so its SNN/ANN ratio
// was exactly T.
inline uint64_t dense_planes(const NetLayer& L) {
  return L.src >= 0 || L.input_per_t ? uint64_t(L.in_planes) : 1u;
}

}  // namespace spiketlm::imc
