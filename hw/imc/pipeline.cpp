#include "hw/imc/pipeline.h"

#include <algorithm>
#include <cmath>

namespace spiketlm::imc {

double run_pipeline(const std::vector<Stage>& stages, uint64_t Tm, const PipelineConfig& c, std::vector<StageTime>& times) {
  times.assign(stages.size(), StageTime{});
  double pipe_end = 0, acc = 0, prev_end = 0;
  uint64_t s = 0;  // start of the current stage, PE cycles
  for (size_t i = 0; i < stages.size(); ++i) {
    const Stage& w = stages[i];
    const uint64_t D = w.units * Tm;
    const double st_ns = double(s) * c.cycle_ns + acc;
    double en_ns = st_ns + double(D) * c.cycle_ns + w.extra_ns * double(Tm);
    if (!c.dense) en_ns = std::max(en_ns, prev_end + c.cycle_ns) + w.drain_ns;
    times[i] = {st_ns, en_ns};
    if (c.dense) pipe_end = en_ns;  // SpikeSim: the last stage's halt
    else pipe_end = std::max(pipe_end, en_ns);
    prev_end = en_ns;
    acc += w.extra_ns * double(Tm);
    s += uint64_t(std::floor(c.fraction * double(w.units))) * Tm;
  }
  return pipe_end;
}

namespace {

// One LIF circuit serves `share` channels per pixel, update_clocks each: the chain runs behind
// the PE cycles (one update fits in a PE cycle, as SpikeSim's neuron); a chain longer than a
// pixel's PE time pe_px stalls every pixel, and the last pixel's chain adds its remaining
// updates at the stage's end.
void lif_stall(const StageConfig& c, uint64_t npx, double pe_px, Stage& w) {
  const int one = c.chain_clocks / c.share;
  if (c.chain_clocks <= one) return;
  w.extra_ns += double(npx) * std::max(0.0, double(c.chain_clocks) * c.clk_ns - pe_px);
  w.drain_ns = double(c.chain_clocks - one) * c.clk_ns;
}

double noc_ns(const LayerTraffic& t, const std::function<double(const Transfer&)>& latency) {
  double ns = 0;
  for (const Transfer& x : t.per_timestep) ns += latency(x);
  return ns;
}

}  // namespace

std::vector<Stage> build_stages(const std::vector<NetLayer>& layers, const std::vector<LayerTraffic>& traffic,
                                const StageConfig& c, const std::function<double(const Transfer&)>& latency) {
  std::vector<Stage> stages;
  for (size_t i = 0; i < layers.size(); ++i) {
    const NetLayer& L = layers[i];
    Stage w;
    w.layer = L.id;
    if (L.kind == NetLayer::Kind::add) {
      // No PE cycles: the neuron units of operand 1's tile integrate the sum pixel by pixel
      // behind the producer's PE cycles.
      if (!c.dense) {
        w.extra_ns = noc_ns(traffic[i], latency);
        const NetLayer& P = layers[size_t(L.src)];
        const double pe_px =
            P.kind == NetLayer::Kind::compute ? double(uint64_t(P.in_planes) * uint64_t(c.passes)) * c.cycle_ns : 0.0;
        lif_stall(c, L.npx, pe_px, w);
      }
    } else if (L.kind == NetLayer::Kind::compute) {
      const uint64_t per_px = uint64_t(L.in_planes) * uint64_t(c.passes);
      w.units = c.dense ? L.out_elems * dense_planes(L) : L.npx * per_px;
      if (!c.dense && L.fires) {
        w.extra_ns = noc_ns(traffic[i], latency);
        lif_stall(c, L.npx, double(per_px) * c.cycle_ns, w);
      }
    } else {
      continue;  // pooling is in the output path: no stage
    }
    stages.push_back(w);
  }
  return stages;
}

}  // namespace spiketlm::imc
