// spiketlm: dataflows of the systolic executor, as policies registered by kind like any unit
// ("dataflow.os", "dataflow.ws", "dataflow.is", "dataflow.tick_batch", or a plugin). See
// dataflow.md.
//
// A dataflow decides, and the layer engine (engine.h) asks it:
//   the order of the (layer, timesteps) calls    schedule(), timestep_outer()
//   where neuron state lives                      membranes_in_array(), psums_per_timestep()
//   how a filter tile folds onto the array        pixels_on_rows(), folds(): fold cycles
//                                                 (SCALE-Sim v2 closed forms) and scratchpad use
//   the GLB -> PE traffic of a band               traffic(): ifmap stream, weights, psum spills
// It never changes what is computed: spikes, membranes and outputs are the same under every
// dataflow; time, traffic and energy are not. Parameter output_size (floor | ceil) sets the
// output size the fold counts use (SCALE-Sim: ceil((H - k) / s) + 1); the functional output
// keeps floor.
#pragma once
#include <cstdint>
#include <vector>

#include "hw/compute/buffer_plan.h"
#include "hw/compute/conv_geom.h"
#include "hw/ctrl/executor.h"
#include "tlm/module.h"

namespace spiketlm {

// One filter tile of a layer as a dataflow maps it on an R x C array (SCALE-Sim's terms: W =
// kh kw Cin elements per output, times the bit planes a bit-serial array streams).
struct FoldShape {
  uint64_t R = 0, C = 0;
  uint64_t W = 0;
  uint64_t npx = 0;             // output pixels of the layer (output_size applied)
  uint64_t K = 0;               // filters of the layer
  uint64_t k0 = 0, kvalid = 0;  // the tile: filters [k0, k0 + kvalid)
  uint64_t timesteps = 0;       // timesteps of the call (0: not known)
};

// Folds run, their cycles (without SCALE-Sim's final -1, taken once per layer and timestep)
// and the PE scratchpad bytes read and written.
struct FoldCount {
  uint64_t folds = 0, cycles = 0, spad_reads = 0, spad_writes = 0;
};

// GLB -> PE traffic of one band of a filter tile at one timestep.
struct BandTraffic {
  bool ifmap = true;                       // the band's receptive fields stream from the ifmap GLB
  uint64_t weight_bytes = 0;               // from the weight GLB
  uint64_t psum_write = 0, psum_read = 0;  // partial sums spilled to the ofmap GLB and read back
};

// Output-stationary folds of pixels [p0, p1) of a filter tile (R per fold; SCALE-Sim v2's
// R + C + W_T - 2 cycles); tick: tick-batch's scratchpads (weights written once for all
// timesteps, a 2-byte partial sum per timestep read-modified-written per non-zero input).
FoldCount os_folds(const FoldShape& s, uint64_t p0, uint64_t p1, const uint32_t* nnz, bool skip_zero, bool first_t,
                   bool tick);

class Dataflow : public Module {
 public:
  Dataflow(sc_core::sc_module_name name, Context& ctx);

  // ---- order ----
  // true: every layer once per timestep, timesteps outermost (a run may stop after any t).
  virtual bool timestep_outer() const = 0;
  // The calls: timestep-outer, or each layer once for all timesteps.
  virtual std::vector<LayerCall> schedule(int layers, int timesteps) const;
  // The DATAFLOW register value (DATAFLOW_NONE for a kind the register map does not name).
  virtual uint32_t register_code() const;

  // ---- neuron state ----
  // Membranes stay in the PE array over the timesteps of a call (never to DRAM); the call then
  // runs all timesteps of a band before the next band (no C#n sharing across groups).
  virtual bool membranes_in_array() const { return false; }
  // Each PE keeps a 2-byte partial sum per timestep of the call.
  virtual bool psums_per_timestep() const { return false; }
  // false: layer `layer`'s membranes do not carry over between timesteps (state removal, a
  // mapping's `state: none`): every timestep starts at rest and nothing is stored.
  virtual bool keeps_state(uint32_t layer) const { (void)layer; return true; }
  // Where membranes wait between calls when they stay in the ofmap GLB (a mapping's `state:
  // glb`): per layer of the run (descriptor index); empty: in DRAM (every dataflow but
  // dataflow.mapped). Called once per run with its layers and the LIF units' membrane bytes.
  virtual std::vector<RegionSlot> place_states(const std::vector<LayerCmd>& layers, int timesteps, int membrane_bytes) const {
    (void)layers, (void)timesteps, (void)membrane_bytes;
    return {};
  }
  // Where a fused group (a mapping's `fuse: true`) keeps the maps its layers pass to each other:
  // per layer, its output map's place (one batch of timesteps) in its group's region of the
  // ifmap GLB; empty: every map in DRAM (every dataflow but dataflow.mapped).
  virtual std::vector<RegionSlot> place_maps(const std::vector<LayerCmd>& layers, int timesteps) const {
    (void)layers, (void)timesteps;
    return {};
  }
  // Where a fused group that runs in several batches keeps its layers' weights across them: per
  // layer, its weight tiles' place (tiles x W x cols bytes) in its group's region of the weight
  // GLB; the engine keeps them only when the whole region fits. Empty: reloaded every call.
  virtual std::vector<RegionSlot> place_weights(const std::vector<LayerCmd>& layers, int timesteps, int cols) const {
    (void)layers, (void)timesteps, (void)cols;
    return {};
  }
  // The layer whose output map layer `layer`'s input stands for when the bundle generated that
  // input (a workload: FORMAT.md input_rate), so a fused group keeps it on chip; -1: none.
  virtual int stands_for(uint32_t layer) const {
    (void)layer;
    return -1;
  }

  // ---- timing and scratchpads ----
  // true: output pixels on the array's rows, R per fold (output-stationary): a band is charged
  // the folds that end in it, folds() gets their pixels (and, with skip_zero_cycles, a fold
  // streams only its busiest row's non-zero elements). false: folds() gets the whole tile and
  // its cycles are charged over the bands in proportion to their pixels.
  virtual bool pixels_on_rows() const = 0;
  // The folds of a filter tile over pixels [p0, p1); nnz[p - p0]: non-zero elements seen by
  // pixel p (null: every element); first_t: the call's first timestep.
  virtual FoldCount folds(const FoldShape& s, uint64_t p0, uint64_t p1, const uint32_t* nnz, bool skip_zero,
                          bool first_t) const = 0;
  // The GLB -> PE traffic of a band of band_px pixels of a filter tile.
  virtual BandTraffic traffic(const FoldShape& s, uint64_t band_px, bool last_band, bool first_t) const = 0;

  // ---- output size (timing only) ----
  // Output pixels the fold counts use: g's (floor) or SCALE-Sim's ceil((H + 2p - k) / s) + 1.
  uint64_t timing_pixels(const ConvGeom& g) const;

 private:
  bool m_ceil;
};

// The classic dataflows, for plugins that refine one (hw/plugins/dataflow_example).
class OutputStationary : public Dataflow {
 public:
  using Dataflow::Dataflow;
  bool timestep_outer() const override { return true; }
  uint32_t register_code() const override;
  bool pixels_on_rows() const override { return true; }
  FoldCount folds(const FoldShape& s, uint64_t p0, uint64_t p1, const uint32_t* nnz, bool skip_zero,
                  bool first_t) const override;
  BandTraffic traffic(const FoldShape& s, uint64_t band_px, bool last_band, bool first_t) const override;
};

class WeightStationary : public Dataflow {
 public:
  using Dataflow::Dataflow;
  bool timestep_outer() const override { return true; }
  uint32_t register_code() const override;
  bool pixels_on_rows() const override { return false; }
  FoldCount folds(const FoldShape& s, uint64_t p0, uint64_t p1, const uint32_t* nnz, bool skip_zero,
                  bool first_t) const override;
  BandTraffic traffic(const FoldShape& s, uint64_t band_px, bool last_band, bool first_t) const override;
};

class InputStationary : public Dataflow {
 public:
  using Dataflow::Dataflow;
  bool timestep_outer() const override { return true; }
  uint32_t register_code() const override;
  bool pixels_on_rows() const override { return false; }
  FoldCount folds(const FoldShape& s, uint64_t p0, uint64_t p1, const uint32_t* nnz, bool skip_zero,
                  bool first_t) const override;
  BandTraffic traffic(const FoldShape& s, uint64_t band_px, bool last_band, bool first_t) const override;
};

class TickBatch : public OutputStationary {
 public:
  using OutputStationary::OutputStationary;
  bool timestep_outer() const override { return false; }
  uint32_t register_code() const override;
  bool membranes_in_array() const override { return true; }
  bool psums_per_timestep() const override { return true; }
  FoldCount folds(const FoldShape& s, uint64_t p0, uint64_t p1, const uint32_t* nnz, bool skip_zero,
                  bool first_t) const override;
  BandTraffic traffic(const FoldShape& s, uint64_t band_px, bool last_band, bool first_t) const override;
};

}  // namespace spiketlm
