// spiketlm: the NorthPole mapping plan (pure C++, no SystemC): every layer's weights resident in
// the cores' memories, each layer split over a rectangle of cores, per-core cycles in closed
// form, the layer pipeline across core groups, and the NoC hop counts of a placement. See
// northpole.md ("Mapping").
//
// A layer is split kc x sp x ic ways: kc groups of output channels, sp tiles of output rows,
// ic groups of input channels (whose partial sums are added along a chain of neighbouring
// cores over the partial-sum NoC). A core holds its weight slice, its input tile (with the
// kernel's halo rows), its output tile and (SNN) its membranes. The minimum split that fits
// the core memory is grown, one step at a time, on the layer with the most cycles per core
// while the rectangles still pack the grid (shelf packing, row by row). A network that does
// not fit may be cut into segments that take the chip in turn (plan_time_multiplexed).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace spiketlm::np {

struct CoreSpec {
  int grid_w = 16, grid_h = 16;
  uint64_t mem_bytes = 768 * 1024;
  int ops_8b = 2048, ops_4b = 4096, ops_2b = 8192;  // VMM multiply-accumulates per cycle
  int vec_ops = 256;                                // vector unit operations per cycle
  int ops_requant = 4;    // vector ops per ReLU + requantize output (multiply, add, shift, clamp)
  int ops_lif = 6;        // per LIF output (leak multiply, shift, add, saturate, compare, reset)
  int ops_psum = 1;       // per partial sum added (input-channel split)
  int psum_bytes = 4;     // a partial sum on the partial-sum NoC
  int cores() const { return grid_w * grid_h; }
  // The VMM's precision mode for operands of `bits` (1-bit spikes run in the 2-bit mode).
  static int mode(int bits) { return bits <= 2 ? 2 : bits <= 4 ? 4 : 8; }
  int ops(int bits) const;
};

struct LayerShape {
  std::string name;
  enum class Op { conv, linear, pool, add } op = Op::conv;
  int K = 1, C = 1, kh = 1, kw = 1, stride = 1;   // linear: kh x kw = the input map
  int in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  int in_bits = 8, out_bits = 8, w_bits = 8;      // out_bits 32: int32 accumulations
  bool lif = false;                               // SNN neurons with membranes in core memory
  int membrane_bytes = 4;
  bool computes() const { return op == Op::conv || op == Op::linear; }
  uint64_t out_px() const { return uint64_t(out_h) * uint64_t(out_w); }
  uint64_t macs() const { return computes() ? uint64_t(K) * C * kh * kw * out_px() : 0; }
  uint64_t weight_bytes() const { return computes() ? (uint64_t(K) * C * kh * kw * uint64_t(w_bits) + 7) / 8 : 0; }
  uint64_t in_bytes() const { return (uint64_t(C) * in_h * in_w * uint64_t(in_bits) + 7) / 8; }
  uint64_t out_bytes() const { return (uint64_t(K) * out_px() * uint64_t(out_bits) + 7) / 8; }
};

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
  int cores() const { return w * h; }
};

// One layer on its cores (per core: the largest slice; slices differ by at most one unit).
struct Placement {
  int kc = 1, sp = 1, ic = 1;
  Rect rect;
  uint64_t weight_bytes = 0, in_bytes = 0, out_bytes = 0, state_bytes = 0;  // per core
  uint64_t macs = 0, outputs = 0;                                          // per core
  uint64_t vmm_cycles = 0, vec_cycles = 0, cycles = 0;                     // per core, one frame pass
  int split() const { return kc * sp * ic; }
  uint64_t bytes() const { return weight_bytes + in_bytes + out_bytes + state_bytes; }
};

// Vector-unit operations for `outputs` outputs of L split ic ways over input channels
// (activation per output, pooling window, add, partial sums).
uint64_t vector_ops(const LayerShape& L, const CoreSpec& s, uint64_t outputs, int ic);

// The footprint and cycles of a split (pure closed form).
Placement place(const LayerShape& L, const CoreSpec& s, int kc, int sp, int ic);

struct NetPlan {
  std::vector<Placement> layers;
  int cores_used = 0;   // cores inside the layers' rectangles
  int rows_used = 0;    // grid rows the rectangles span
  // No fit: the layer and the bytes it lacks; error is one line (empty when it fits).
  int bad_layer = -1;
  uint64_t short_bytes = 0;
  std::string error;
  // Time-multiplexing (plan_time_multiplexed): the segment of every layer (consecutive layers
  // that fit the chip together; each segment's rectangles are packed on the whole grid) and
  // the segments' first layers. One segment: every layer resident (plan_network).
  std::vector<int> segment;
  std::vector<size_t> segment_first;
  int segments() const { return int(segment_first.size()); }
};

// Maps the network; grow = false keeps every layer at its minimum split.
NetPlan plan_network(const std::vector<LayerShape>& layers, const CoreSpec& s, bool grow = true);

// Time-multiplexed weights for a network that does not fit: the layers are cut, in order,
// into segments, each as many consecutive layers as fit the chip together (their minimum
// splits pack the grid), and each segment is planned alone (plan_network). A layer that does
// not fit even alone is plan_network's error. A network that fits is one segment.
NetPlan plan_time_multiplexed(const std::vector<LayerShape>& layers, const CoreSpec& s, bool grow = true);

// Shelf packing of rectangles of the given sizes (w x h) on the grid, in order; false if
// they do not fit. Positions go into rects.
bool pack(std::vector<Rect>& rects, const CoreSpec& s, int* rows = nullptr);

// The rectangle for n cores: n wide up to the grid width, as many rows as needed.
Rect rect_for(int n, const CoreSpec& s);

// Core (x, y) of core index i of a rectangle (row major) and the XY-routing hops between two cores.
inline int hops(int x0, int y0, int x1, int y1) { return (x0 > x1 ? x0 - x1 : x1 - x0) + (y0 > y1 ? y0 - y1 : y1 - y0); }

// The activation traffic from a producer rectangle to a consumer's: every consumer core
// receives `bytes_per_consumer` bytes in equal shares from every producer core. Calls
// f(src x, src y, dst x, dst y, bytes) for every pair; returns the byte-hops.
double spread(const Rect& src, int src_cores, const Rect& dst, int dst_cores, double bytes_per_consumer,
              const std::function<void(int, int, int, int, double)>& f = nullptr);

// A linear pipeline of stages (times), P passes (frames x timesteps): the completion of stage
// i of pass p, F(i, p) = max(F(i - 1, p), F(i, p - 1)) + t_i; returns F(last, P - 1).
double pipeline_end(const std::vector<double>& stage, uint64_t passes);

}  // namespace spiketlm::np
