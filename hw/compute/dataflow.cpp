#include "hw/compute/dataflow.h"

namespace spiketlm {

std::vector<LayerCall> Dataflow::schedule(int layers, int timesteps) const {
  std::vector<LayerCall> calls;
  if (timestep_outer()) {
    for (int t = 0; t < timesteps; ++t)
      for (int l = 0; l < layers; ++l) calls.push_back({l, {t}});
  } else {
    std::vector<int> all;
    for (int t = 0; t < timesteps; ++t) all.push_back(t);
    for (int l = 0; l < layers; ++l) calls.push_back({l, all});
  }
  return calls;
}

namespace {

struct OutputStationary : Dataflow {
  using Dataflow::Dataflow;
  SpadUse spad_use() const override { return SpadUse::output_stationary; }
  uint32_t register_code() const override { return DATAFLOW_OS; }
  bool timestep_outer() const override { return true; }
};
struct WeightStationary : Dataflow {
  using Dataflow::Dataflow;
  SpadUse spad_use() const override { return SpadUse::weight_stationary; }
  uint32_t register_code() const override { return DATAFLOW_WS; }
  bool timestep_outer() const override { return true; }
};
struct TickBatch : Dataflow {
  using Dataflow::Dataflow;
  SpadUse spad_use() const override { return SpadUse::tick_batch; }
  uint32_t register_code() const override { return DATAFLOW_TICK_BATCH; }
  bool timestep_outer() const override { return false; }
};

}  // namespace

SPIKETLM_REGISTER_KIND(OutputStationary, "dataflow.os", "dataflow",
                       "standard output-stationary: every layer once per timestep, weights refetched each time");
SPIKETLM_REGISTER_KIND(WeightStationary, "dataflow.ws", "dataflow",
                       "weight-stationary (SCALE-Sim WS mapping), every layer once per timestep");
SPIKETLM_REGISTER_KIND(TickBatch, "dataflow.tick_batch", "dataflow",
                       "SNN-tailored tick-batch: each weight tile read once for all timesteps");

}  // namespace spiketlm
