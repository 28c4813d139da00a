// spiketlm: SATA's layer executor: the dataflow's calls run on the systolic datapath (layer
// engine: buffer plan, DMA schedule, PE array, LIF units). See engine.md.
#pragma once
#include <memory>
#include <vector>

#include "hw/compute/dataflow.h"
#include "hw/compute/engine.h"
#include "hw/ctrl/controller.h"

namespace spiketlm {

class SystolicExecutor : public LayerExecutor {
 public:
  // dp.port is set to the controller's bus socket; the controller owns the statistics' time base.
  // timing: the timing policy (timing.md); null = physical only.
  SystolicExecutor(Datapath dp, Dataflow& df, Controller& ctrl, TimingPolicy* timing = nullptr);

  uint32_t dataflow_code() const override { return m_df.register_code(); }
  int lif_share() const override { return m_dp.lif->share(); }
  bool timestep_outer() const override { return m_df.timestep_outer(); }
  std::vector<LayerCall> schedule(int layers, int timesteps) const override { return m_df.schedule(layers, timesteps); }
  sc_core::sc_time begin_run(const RunInfo& run, sc_core::sc_time now, RunCounts& counts) override;
  sc_core::sc_time run(const LayerCmd& L, const std::vector<int>& ts, int timesteps, sc_core::sc_time now,
                       RunCounts& counts) override;

  // Per-layer statistics summed over every run since construction.
  const std::vector<LayerStats>& layer_stats() const { return m_layers; }
  void set_layer_stats(std::vector<LayerStats> s) { m_layers = std::move(s); }   // a merge of shards

 private:
  Datapath m_dp;
  Dataflow& m_df;
  Controller& m_ctrl;
  TimingPolicy* m_timing;
  std::unique_ptr<LayerEngine> m_engine;
  std::vector<LayerStats> m_layers;
};

}  // namespace spiketlm
