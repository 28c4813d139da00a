// spiketlm: how one layer call of the systolic executor is cut to fit the buffers (pure: no
// SystemC; unit-tested alone). See engine.md, "Buffer plan".
//
// From the layer's shape, the PE array and the sizes of half of each global buffer (every GLB
// is double-buffered) a plan says: the filter tiles (C filters each), the weight segments
// (whole input channels of a tile's weight block that fit half the weight GLB), whether the
// whole input stays in the ifmap GLB ("resident") or is staged per band, the bands of output
// rows, the input-channel segments (when one output row of all input channels does not fit
// half the ifmap GLB), and what cannot be split and why (a refusal with its code and a
// one-line reason naming the sizes).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hw/compute/conv_geom.h"

namespace spiketlm {

// A layer that cannot be cut to fit: the ERR_* code and the reason.
struct PlanRefusal {
  uint32_t code = 0;  // 0: none
  std::string reason;
  explicit operator bool() const { return code != 0; }
};

// What the plan of a compute (conv / linear) call is made from.
struct ComputeShape {
  ConvGeom g;
  int planes = 1;       // input bit planes
  int out_planes = 1;   // output bit planes (spikes 1, ANN activations act_bits)
  bool fires = true;    // output through neurons (else int32 accumulations)
  bool persist = false; // membranes outlive the call (through the ofmap GLB to DRAM)
  int membrane_bytes = 4;
  int timesteps = 1;    // timesteps of this call
  int rows = 16, cols = 8;  // PE array R x C
  uint64_t weight_half = 0, ifmap_half = 0, ofmap_half = 0;  // half of each GLB, bytes
  // Input channel segments need each segment's compute time when it is staged: refused when
  // the fold cycles depend on spikes not yet staged (skip_zero_cycles with a dataflow whose
  // per-band cycles follow the spikes).
  bool segments_need_static_cycles = false;
  // A dataflow that keeps 2-byte partial sums of every timestep in the PEs (tick-batch: 2 T
  // bytes per PE): the timesteps it needs room for (0: none) and the scratchpad it has.
  int psum_timesteps = 0;
  uint64_t psum_spad_bytes = 0;
};

struct ComputePlan {
  PlanRefusal refusal;
  uint64_t in_pitch = 0, out_pitch = 0;  // bytes per input / output row of one plane and channel
  uint64_t map_bytes = 0;                // the input map of one timestep
  int tiles = 0;                         // filter tiles of C filters
  uint64_t block = 0;                    // a tile's weight block: W x C bytes
  uint64_t chan_bytes = 0;               // one input channel of a block: kh x kw x C
  int seg_c = 0, wsegs = 1;              // weight segments of seg_c input channels
  uint64_t wchunk = 0;                   // bytes of one weight segment (the block if one)
  bool resident = false;                 // the call's whole input stays in the ifmap GLB
  int band_rows = 0, bands = 0;          // bands of output rows
  int in_seg_c = 0, in_segs = 1;         // input-channel segments of in_seg_c channels
  uint64_t out_row_bytes = 0;            // one output row of a tile in the ofmap GLB

  // Input rows [y0, y0 + n) that output rows [r0, r1) read (halo included), n returned.
  int in_rows(const ConvGeom& g, int r0, int r1, int& y0) const;
  // Input bytes of a band of r output rows of c input channels, all planes (the worst band:
  // an inner one, (r - 1) stride + kh input rows).
  uint64_t band_in(const ConvGeom& g, int planes, int r, int c) const;
};

ComputePlan plan_compute(const ComputeShape& s);

// Pooling and residual adds run in groups of channels and, within a group, bands of rows.
struct GroupPlan {
  PlanRefusal refusal;
  int group = 0, groups = 0;       // channels per group, groups
  int band_rows = 0, bands = 0;    // rows per band, bands
};

// Pooling: one output row of a channel needs planes x window rows x ceil(W/8) bytes in and
// out_planes x ceil(W_out/8) out.
GroupPlan plan_pool(const ConvGeom& g, int planes, int out_planes, uint64_t ifmap_half, uint64_t ofmap_half);
// Residual add: per row of a channel, chan_in bytes in (both operands) and chan_out out.
GroupPlan plan_add(int channels, int rows, uint64_t chan_in, uint64_t chan_out, uint64_t ifmap_half,
                   uint64_t ofmap_half);

// Regions a group of layers (dataflow.mapped) holds at the top of a GLB while any of its layers
// runs, so every layer of the group plans with the halves of the rest (engine.md, "On-chip
// state" and "Fused groups"): on-chip neuron state (a mapping's `state: glb`) in the ofmap GLB,
// the maps a fused group's layers pass to each other in the ifmap GLB. Its layers take
// consecutive places in it, in layer order.
struct RegionSlot {
  uint64_t reserved = 0;  // bytes at the top of the GLB the layer's group holds (0: none)
  int64_t offset = -1;    // the layer's place within that region (-1: none)
};
// bytes[l]: what layer l keeps in the region (0: nothing); group[l]: its group.
std::vector<RegionSlot> place_regions(const std::vector<uint64_t>& bytes, const std::vector<int>& group);
// The same with places reused: layer l's bytes are needed until layer last[l] (>= l) has run,
// so a later layer of the group may take them after that (first fit, lowest offset); the
// region is the group's peak. A fused group's maps: from their producer to their last reader.
std::vector<RegionSlot> place_live(const std::vector<uint64_t>& bytes, const std::vector<int>& last,
                                   const std::vector<int>& group);
// Half a GLB of `capacity` bytes beside the region (0 when the region takes it all).
inline uint64_t glb_half(uint64_t capacity, const RegionSlot& s) {
  return capacity > s.reserved ? (capacity - s.reserved) / 2 : 0;
}
// Where channels [k0, k0 + kn) x output rows from r0 keep their membranes in the layer's place
// (from its start; layout per channel group [row][channel][column], so any band of rows is one
// range whatever the bands): npx pixels per channel, w per row, mb bytes per membrane.
inline uint64_t state_offset(int k0, int kn, uint64_t npx, int r0, int w, int mb) {
  return (uint64_t(k0) * npx + uint64_t(r0) * uint64_t(kn) * uint64_t(w)) * uint64_t(mb);
}

}  // namespace spiketlm
