// spiketlm example plugin: a dataflow of one's own (kind "dataflow.example_ws_batch"), built as
// a shared library (hw/README.md, "Writing a dataflow").
//
// Weight-stationary with the timesteps batched: each layer runs once for all timesteps (as
// tick-batch), and a W fold's weights, written into the PE scratchpads once, serve every
// timestep's pixel stream. Fold cycles are weight-stationary's (2R + C + Npx - 2 per fold);
// the weights leave the weight GLB once per filter tile instead of once per timestep; the
// membranes stay in the PE array between timesteps; partial sums still spill per fold.
#include "hw/compute/dataflow.h"

namespace spiketlm {

class WsBatch : public WeightStationary {
 public:
  using WeightStationary::WeightStationary;
  bool timestep_outer() const override { return false; }        // for layer: all timesteps
  uint32_t register_code() const override { return Dataflow::register_code(); }  // not in the register map
  bool membranes_in_array() const override { return true; }

  FoldCount folds(const FoldShape& s, uint64_t p0, uint64_t p1, const uint32_t* nnz, bool skip_zero,
                  bool first_t) const override {
    FoldCount f = WeightStationary::folds(s, p0, p1, nnz, skip_zero, first_t);
    if (!first_t) f.spad_writes -= s.W * s.kvalid;  // the stationary weights are there already
    return f;
  }
  BandTraffic traffic(const FoldShape& s, uint64_t band_px, bool last_band, bool first_t) const override {
    BandTraffic t = WeightStationary::traffic(s, band_px, last_band, first_t);
    if (!first_t) t.weight_bytes = 0;  // read from the weight GLB at the first timestep only
    return t;
  }
};

}  // namespace spiketlm

SPIKETLM_REGISTER_KIND(spiketlm::WsBatch, "dataflow.example_ws_batch", "dataflow",
                       "example plugin: weight-stationary with all timesteps per weight fold");
