#include "hw/compute/dataflow.h"

#include <algorithm>

#include "hw/compute/scalesim.h"
#include "sw/include/spiketlm/accel_regs.h"

namespace spiketlm {

namespace {
uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
}  // namespace

Dataflow::Dataflow(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      m_ceil(param_string("output_size", "floor",
                          {"output size the fold counts use: floor (the layer's, as computed) or ceil (SCALE-Sim's "
                           "ceil((H + 2 pad - k) / stride) + 1); timing only, never the result",
                           "", -1e300, 1e300, {"floor", "ceil"}}) == "ceil") {}

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

uint32_t Dataflow::register_code() const { return DATAFLOW_NONE; }

uint64_t Dataflow::timing_pixels(const ConvGeom& g) const {
  if (!m_ceil) return g.npx();
  auto out = [](int in, int k, int s, int pad) {
    return scalesim::out_size_no_pad(uint64_t(in + 2 * pad), uint64_t(k), uint64_t(s));
  };
  return out(g.in_h, g.kh, g.stride, g.pad) * out(g.in_w, g.kw, g.stride, g.pad);
}

// ---- output-stationary: pixels on rows, filters on columns, W streamed; R + C + W_T - 2 ----

FoldCount os_folds(const FoldShape& s, uint64_t p0, uint64_t p1, const uint32_t* nnz, bool skip_zero, bool first_t,
                   bool tick) {
  FoldCount f;
  const uint64_t n = p1 - p0;
  f.folds = ceil_div(n, s.R);
  for (uint64_t q0 = 0; q0 < n; q0 += s.R) {
    const uint64_t rv = std::min(s.R, n - q0);
    uint64_t wt = s.W, nz = rv * s.W;
    if (nnz) {
      nz = 0;
      for (uint64_t p = q0; p < q0 + rv; ++p) nz += nnz[p];
      if (skip_zero) {
        wt = 0;
        for (uint64_t p = q0; p < q0 + rv; ++p) wt = std::max<uint64_t>(wt, nnz[p]);
      }
    }
    f.cycles += s.R + s.C + wt - 2;
    const uint64_t steps = rv * s.kvalid * wt;  // element-steps of the valid PEs
    f.spad_writes += steps;                     // spike scratchpad: in
    f.spad_reads += 2 * steps;                  //   and out to the neighbour; weight read
    if (tick) {
      if (first_t) f.spad_writes += rv * s.kvalid * s.W;  // weights written once for all timesteps
      f.spad_reads += 2 * nz * s.kvalid;                  // psum[t] read-modify-write (16 bit)
      f.spad_writes += 2 * nz * s.kvalid;
    } else {
      f.spad_writes += steps;  // weight scratchpad: written every timestep
    }
    f.spad_reads += 2 * rv * s.kvalid;  // drain the 16-bit partial sums
  }
  return f;
}

namespace {

BandTraffic os_traffic(const FoldShape& s, uint64_t band_px) {
  BandTraffic t;
  t.weight_bytes = s.W * s.kvalid * ceil_div(band_px, s.R);  // a weight block per pixel tile
  return t;
}

// Partial sums of every W fold spill to the ofmap GLB and come back (16 bit), at the tile's end.
void spill_psums(const FoldShape& s, bool last_band, BandTraffic& t) {
  if (!last_band) return;
  const uint64_t fr = ceil_div(s.W, s.R);
  t.psum_write = s.npx * s.kvalid * fr * 2;
  t.psum_read = s.npx * s.kvalid * (fr - 1) * 2;
}
}  // namespace

uint32_t OutputStationary::register_code() const { return DATAFLOW_OS; }

FoldCount OutputStationary::folds(const FoldShape& s, uint64_t p0, uint64_t p1, const uint32_t* nnz, bool skip_zero,
                                  bool first_t) const {
  return os_folds(s, p0, p1, nnz, skip_zero, first_t, false);
}

BandTraffic OutputStationary::traffic(const FoldShape& s, uint64_t band_px, bool, bool) const {
  return os_traffic(s, band_px);
}

// ---- tick-batch: output-stationary folds, each weight tile read once for all timesteps ----

uint32_t TickBatch::register_code() const { return DATAFLOW_TICK_BATCH; }

FoldCount TickBatch::folds(const FoldShape& s, uint64_t p0, uint64_t p1, const uint32_t* nnz, bool skip_zero,
                           bool first_t) const {
  return os_folds(s, p0, p1, nnz, skip_zero, first_t, true);
}

BandTraffic TickBatch::traffic(const FoldShape& s, uint64_t band_px, bool, bool first_t) const {
  BandTraffic t = os_traffic(s, band_px);
  if (!first_t) t.weight_bytes = 0;
  return t;
}

// ---- weight-stationary: W on rows, filters on columns, pixels streamed; 2R + C + Npx - 2 ----

uint32_t WeightStationary::register_code() const { return DATAFLOW_WS; }

FoldCount WeightStationary::folds(const FoldShape& s, uint64_t, uint64_t, const uint32_t*, bool, bool) const {
  FoldCount f;
  f.folds = ceil_div(s.W, s.R);
  f.cycles = f.folds * (2 * s.R + s.C + s.npx - 2);
  const uint64_t steps = s.W * s.kvalid * s.npx;  // over the folds' valid rows
  f.spad_writes = s.W * s.kvalid + steps;         // weights once per fold (stationary); spikes in
  f.spad_reads = 2 * steps;                       // weight read per streamed pixel; spike out
  return f;
}

BandTraffic WeightStationary::traffic(const FoldShape& s, uint64_t, bool last_band, bool) const {
  BandTraffic t;
  t.weight_bytes = last_band ? s.W * s.kvalid : 0;  // each weight once per tile and timestep
  spill_psums(s, last_band, t);
  return t;
}

// ---- input-stationary: W on rows, pixels on columns, filters streamed; 2R + C + K - 2 ----
// The engine walks filter tiles outermost (the functional order); the layer's IS folds are
// shared over its tiles in proportion to their filters (the shares add up to the closed form).

uint32_t InputStationary::register_code() const { return DATAFLOW_IS; }

FoldCount InputStationary::folds(const FoldShape& s, uint64_t, uint64_t, const uint32_t*, bool, bool) const {
  FoldCount f;
  const uint64_t fr = ceil_div(s.W, s.R), layer_folds = fr * ceil_div(s.npx, s.C);
  const uint64_t total = layer_folds * (2 * s.R + s.C + s.K - 2);
  f.cycles = total * (s.k0 + s.kvalid) / s.K - total * s.k0 / s.K;
  f.folds = s.k0 == 0 ? layer_folds : 0;
  const uint64_t steps = s.W * s.npx * s.kvalid;  // each streamed filter element past each input
  f.spad_writes = (s.k0 == 0 ? s.W * s.npx : 0) + steps;    // inputs once per fold; filters in
  f.spad_reads = 2 * steps + fr * 2 * s.npx * s.kvalid;     // input read, filter out; drain psums
  return f;
}

BandTraffic InputStationary::traffic(const FoldShape& s, uint64_t band_px, bool last_band, bool) const {
  BandTraffic t;
  t.ifmap = s.k0 == 0;                                        // inputs read once (stationary)
  t.weight_bytes = s.W * s.kvalid * ceil_div(band_px, s.C);  // the filters once per pixel fold
  spill_psums(s, last_band, t);
  return t;
}

SPIKETLM_REGISTER_KIND(OutputStationary, "dataflow.os", "dataflow",
                       "standard output-stationary: every layer once per timestep, weights refetched each time");
SPIKETLM_REGISTER_KIND(WeightStationary, "dataflow.ws", "dataflow",
                       "weight-stationary (SCALE-Sim WS mapping), every layer once per timestep");
SPIKETLM_REGISTER_KIND(InputStationary, "dataflow.is", "dataflow",
                       "input-stationary (SCALE-Sim IS mapping), every layer once per timestep");
SPIKETLM_REGISTER_KIND(TickBatch, "dataflow.tick_batch", "dataflow",
                       "SNN-tailored tick-batch: each weight tile read once for all timesteps");

}  // namespace spiketlm
