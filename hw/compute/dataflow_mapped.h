// spiketlm: a mapping's schedule as a dataflow (kind "dataflow.mapped"; sw/map/map.md writes
// it from a mapping file). See dataflow.md, "dataflow.mapped".
//
// The layers (descriptor indices) run in groups; a group runs each batch of `tb` timesteps of
// every one of its layers before the next batch:  for group: for batch: for layer: that batch.
// Within a call the membranes stay in the PE array (tick-batch's folds and scratchpads, a
// 2-byte partial sum per timestep of the call); between the batches of a layer they go to
// DRAM and come back, or (`onchip_state`) wait in a region of the ofmap GLB that the layer's
// group holds (buffer_plan.h place_regions). A fused group (`fused`) keeps the maps its layers
// pass to each other (one batch of each) in a region of the ifmap GLB instead of DRAM; the DMA
// moves them as it moves maps from and to DRAM. tb = T everywhere is tick-batch; one group with
// tb = 1 is OS's order.
#pragma once
#include <vector>

#include "hw/compute/dataflow.h"

namespace spiketlm {

class MappedDataflow : public TickBatch {
 public:
  MappedDataflow(sc_core::sc_module_name name, Context& ctx);
  bool timestep_outer() const override;
  uint32_t register_code() const override { return Dataflow::register_code(); }  // not in the register map
  std::vector<LayerCall> schedule(int layers, int timesteps) const override;
  bool keeps_state(uint32_t layer) const override;
  // A call of one timestep keeps its partial sum in the PE as output-stationary does (no
  // per-timestep scratchpad read-modify-write); longer calls fold as tick-batch.
  FoldCount folds(const FoldShape& s, uint64_t p0, uint64_t p1, const uint32_t* nnz, bool skip_zero,
                  bool first_t) const override;
  std::vector<RegionSlot> place_states(const std::vector<LayerCmd>& layers, int timesteps, int membrane_bytes) const override;
  std::vector<RegionSlot> place_maps(const std::vector<LayerCmd>& layers, int timesteps) const override;
  int stands_for(uint32_t layer) const override;
  std::vector<RegionSlot> place_weights(const std::vector<LayerCmd>& layers, int timesteps, int cols) const override;

  struct Group {
    int first, last, tb;
    bool fuse = false;  // the maps its layers pass to each other stay in the ifmap GLB
  };
  const std::vector<Group>& groups() const { return m_groups; }

 private:
  std::vector<uint32_t> layer_list(Context& ctx, const std::string& key, const std::string& help,
                                   const char* what = "layer");
  std::vector<int> group_of(size_t layers) const;  // each layer's group (-1: none)
  std::vector<Group> m_groups;
  std::vector<uint32_t> m_stateless;  // layers whose membranes do not carry over
  std::vector<uint32_t> m_onchip;     // layers whose membranes wait in the ofmap GLB between batches
  std::vector<std::pair<uint32_t, uint32_t>> m_stands;  // (layer, producer) of generated inputs
};

}  // namespace spiketlm
