// spiketlm: the events of one compute (conv / linear) call, transfer by transfer as ComputeCall
// issues them (hw/compute/compute_call.cpp, compute_call_pe.cpp; C#n sharing not modelled: one
// membrane slot per filter). See visit_events.h.
#include <algorithm>
#include <vector>

#include "sw/map/cost_model.h"
#include "sw/map/visit_events.h"

namespace spiketlm::map {

namespace {

struct Call {
  const MapLayer& L;
  const ComputePlan& p;
  const VisitCall& v;
  const EventCounter& ec;
  Events& e;
  int R, Cc, tplanes, mb, step = 0;
  uint64_t oh = 0, ih = 0;  // half the ofmap (ifmap) GLB beside the visit's state (fused maps') region
  // ComputeCall's schedule (ns from the call's start): the DMA is one resource, transfers in
  // program order; the double-buffer slots; the write-backs queued until the next flush.
  double dma = 0, pe_free = 0, in_free[2] = {0, 0}, out_free[2] = {0, 0}, weights_ready = 0, input_ready = 0;
  struct Pending {
    Xfer x;
    double ready;
    int slot;
  };
  std::vector<Pending> queue;
  std::vector<uint64_t> cursor;  // per timestep of the call: pixel tiles charged so far

  double transfer(const Xfer& x, int g, double earliest) {
    dma = std::max(dma, earliest);
    dma += ec.load(x, g, e, dma);
    return dma;
  }
  void flush() {
    for (const Pending& q : queue) {
      dma = std::max(dma, q.ready);
      dma += ec.write_back(q.x, glb_o, e, dma);
      out_free[q.slot] = std::max(out_free[q.slot], dma);
    }
    queue.clear();
  }

  uint64_t in_addr(int t) const { return L.in_addr + (L.input_per_t ? uint64_t(t) * p.map_bytes : 0); }
  int islot_of(int s) const { return int((uint64_t(step) * uint64_t(p.in_segs) + uint64_t(s)) % 2); }

  // ComputeCall::stage: input channel segment s of timestep t, input rows [y0, y0 + nrows).
  double stage(int s, int t, int y0, int nrows) {
    const ConvGeom& g = L.geom;
    const int planes = L.in_planes, c0 = s * p.in_seg_c, cn = std::min(p.in_seg_c, g.in_c - c0);
    const bool whole = cn == g.in_c, flat = !whole && nrows == g.in_h;
    const uint64_t islot = uint64_t(islot_of(s)) * ih;
    const uint64_t plane_bytes = uint64_t(cn) * nrows * p.in_pitch;
    Xfer c;
    c.rows = flat ? 1 : uint64_t(whole ? planes : 1) * cn;
    c.row_bytes = flat ? plane_bytes : uint64_t(nrows) * p.in_pitch;
    c.src_stride = uint64_t(g.in_h) * p.in_pitch;
    for (int pl = 0; pl < (whole ? 1 : planes); ++pl) {
      c.src = in_addr(t) + (uint64_t(pl) * g.in_c + uint64_t(c0)) * g.in_h * p.in_pitch + uint64_t(y0) * p.in_pitch;
      c.dst = islot + uint64_t(pl) * plane_bytes;
      transfer(c, glb_i, in_free[islot_of(s)]);
    }
    return dma;
  }

  // the weight slot of tile ft: kept weights at their place, else double-buffered
  uint64_t wslot(int ft) const {
    return v.weights.offset >= 0 ? ec.weight_base(v) + uint64_t(ft) * p.block : uint64_t(ft % 2) * p.wchunk;
  }
  double weights(int ft, int s, double earliest) {  // ComputeCall::load_weights
    const uint64_t off = uint64_t(s) * uint64_t(p.seg_c) * p.chan_bytes;
    const uint64_t slot = p.wsegs == 1 ? wslot(ft) : uint64_t(s % 2) * p.wchunk;
    return transfer({L.w_addr + uint64_t(ft) * p.block + off, slot, 1, std::min(p.block - off, p.wchunk), 0, 0}, glb_w,
                    earliest);
  }

  void band(int ft, int b, int i);
  double compute(int b, int i, int nrows, int y0, double start);
  double outputs(int ft, int b, int i, double end);
  void folds(int kvalid);
};

void Call::band(int ft, int b, int i) {
  // ComputeCall::band: prefetch, membranes, segmented weights, flush, compute, output.
  const ConvGeom& g = L.geom;
  const int t = v.t0 + i, k0 = ft * Cc, kvalid = std::min(Cc, g.out_c - k0), slot = step % 2;
  const int r0 = b * p.band_rows, r1 = std::min(g.out_h, r0 + p.band_rows), bpx = (r1 - r0) * g.out_w;
  int y0 = 0;
  const int nrows = p.resident ? g.in_h : p.in_rows(g, r0, r1, y0);
  const uint64_t mslot = uint64_t(slot) * oh + uint64_t(Cc) * p.band_rows * p.out_pitch * uint64_t(L.out_planes);
  const uint64_t mrow = uint64_t(bpx) * uint64_t(mb), mchan = uint64_t(g.npx()) * uint64_t(mb);
  double in_ready = std::max(weights_ready, input_ready);
  if (!p.resident) in_ready = std::max(in_ready, stage(0, t, y0, nrows));
  if (v.onchip() && t > 0 && i == 0) {  // ComputeCall::load_onchip: read by the array once it is free
    const uint64_t at = ec.state_base(v) + state_offset(k0, kvalid, g.npx(), r0, g.out_w, mb);
    in_ready = std::max(in_ready, pe_free + ec.glb(false, glb_o, at, uint64_t(kvalid) * mrow, 0, e, pe_free));
  } else if (v.persist && t > 0 && (!v.in_array || i == 0)) {  // membranes back from DRAM, read by the array
    const uint64_t at = L.mem_addr + uint64_t(k0) * mchan + uint64_t(r0) * g.out_w * uint64_t(mb);
    const double done = transfer({at, mslot, uint64_t(kvalid), mrow, mchan, 0}, glb_o, out_free[slot]);
    in_ready = std::max(in_ready, done + ec.glb(false, glb_o, mslot, uint64_t(kvalid) * mrow, 0, e, done));
  }
  if (p.wsegs > 1 && i == 0)
    for (int s = 0; s < p.wsegs; ++s) in_ready = std::max(in_ready, weights(ft, s, pe_free));
  flush();
  const double start = std::max({pe_free, in_ready, out_free[slot]});
  // GLB -> PE: the band's receptive fields (per input segment), the weight block per pixel tile
  const uint64_t W = g.w_dim();
  double end = compute(b, i, nrows, y0, start);
  if (p.in_segs == 1) {
    const uint64_t band_bytes = uint64_t(L.in_planes) * g.in_c * nrows * p.in_pitch;
    const uint64_t ilen = p.resident ? p.map_bytes * uint64_t(v.nt) : band_bytes;
    end = std::max(end, start + ec.glb(false, glb_i, 0, (uint64_t(bpx) * W * uint64_t(L.in_planes) + 7) / 8, ilen, e, start));
  }
  if (!v.tick || i == 0) {
    const uint64_t wb = W * uint64_t(tplanes) * uint64_t(kvalid) * ((uint64_t(bpx) + uint64_t(R) - 1) / uint64_t(R));
    end = std::max(end, start + ec.glb(false, glb_w, wslot(ft), wb, p.wchunk, e, start));
  }
  pe_free = outputs(ft, b, i, end);
  in_free[islot_of(p.in_segs - 1)] = pe_free;
}

double Call::compute(int b, int i, int nrows, int y0, double start) {
  // The fold cycles of the pixel tiles that end in the band; input segments staged in turn.
  const ConvGeom& g = L.geom;
  const uint64_t npx = g.npx(), tiles = (npx + uint64_t(R) - 1) / uint64_t(R);
  const uint64_t last = b == p.bands - 1 ? tiles : uint64_t(std::min(g.out_h, (b + 1) * p.band_rows)) * g.out_w / uint64_t(R);
  uint64_t& cur = cursor[size_t(i)];
  const uint64_t cycles = last > cur ? (last - cur) * (uint64_t(R) + uint64_t(Cc) + g.w_dim() * uint64_t(tplanes) - 2) : 0;
  cur = std::max(cur, last);
  const double clk = ec.h.clock_ns();
  if (p.in_segs == 1) return start + double(cycles) * clk;
  const int r0 = b * p.band_rows, bpx = (std::min(g.out_h, r0 + p.band_rows) - r0) * g.out_w;
  const uint64_t px_w = uint64_t(bpx) * g.kh * g.kw * uint64_t(L.in_planes);
  double seg_end = start;
  for (int s = 0; s < p.in_segs; ++s) {  // ComputeCall::accumulate_segments
    const int is = islot_of(s), c0 = s * p.in_seg_c, c1 = std::min(g.in_c, c0 + p.in_seg_c);
    const double ready = s > 0 ? stage(s, v.t0 + i, y0, nrows) : start;
    const double s_start = std::max(seg_end, ready);
    const uint64_t if_seg = (px_w * uint64_t(c1) + 7) / 8 - (px_w * uint64_t(c0) + 7) / 8;
    const uint64_t seg_bytes = uint64_t(L.in_planes) * uint64_t(c1 - c0) * nrows * p.in_pitch;
    const double streamed = s_start + ec.glb(false, glb_i, uint64_t(is) * ih, if_seg, seg_bytes, e, s_start);
    const uint64_t part = cycles * uint64_t(c1) / uint64_t(g.in_c) - cycles * uint64_t(c0) / uint64_t(g.in_c);
    seg_end = std::max(s_start + double(part) * clk, streamed);
    in_free[is] = seg_end;
  }
  return seg_end;
}

double Call::outputs(int ft, int b, int i, double end) {
  // ComputeCall::fire / store_membranes / output: results to the ofmap GLB, write-backs queued.
  const ConvGeom& g = L.geom;
  const int t = v.t0 + i, k0 = ft * Cc, kvalid = std::min(Cc, g.out_c - k0), slot = step % 2;
  const int r0 = b * p.band_rows, rows = std::min(g.out_h, r0 + p.band_rows) - r0, bpx = rows * g.out_w;
  const uint64_t oslot = uint64_t(slot) * oh;
  if (!L.fires) {  // int32 accumulations
    end += ec.glb(true, glb_o, oslot, uint64_t(kvalid) * bpx * 4, 0, e, end);
    const uint64_t at = L.out_addr + uint64_t(t) * g.out_c * g.npx() * 4 + (uint64_t(k0) * g.npx() + uint64_t(r0) * g.out_w) * 4;
    queue.push_back({{oslot, at, uint64_t(kvalid), uint64_t(bpx) * 4, 0, uint64_t(g.npx()) * 4}, end, slot});
    return end;
  }
  const uint64_t lc = (uint64_t(bpx) * uint64_t(kvalid) + ec.h.lif_units - 1) / ec.h.lif_units;  // LifUnit::integrate
  e.lif_cycles += lc;
  end += double(lc) * ec.h.clock_ns();
  const int op = L.out_planes;
  const uint64_t plane_bytes = uint64_t(kvalid) * rows * p.out_pitch;
  end += ec.glb(true, glb_o, oslot, plane_bytes * uint64_t(op), 0, e, end);
  for (int pl = 0; pl < op; ++pl) {
    const uint64_t at = L.out_addr + uint64_t(t) * uint64_t(op) * g.out_c * g.out_h * p.out_pitch +
                        (uint64_t(pl) * g.out_c + uint64_t(k0)) * g.out_h * p.out_pitch + uint64_t(r0) * p.out_pitch;
    queue.push_back({{oslot + uint64_t(pl) * plane_bytes, at, uint64_t(kvalid), uint64_t(rows) * p.out_pitch, 0,
                      uint64_t(g.out_h) * p.out_pitch},
                     end, slot});
  }
  if (v.onchip() && t + 1 < v.T && i == v.nt - 1) {  // ComputeCall::store_onchip: into the region, no DMA
    const uint64_t at = ec.state_base(v) + state_offset(k0, kvalid, g.npx(), r0, g.out_w, mb);
    return end + ec.glb(true, glb_o, at, uint64_t(kvalid) * bpx * uint64_t(mb), 0, e, end);
  }
  if (v.persist && t + 1 < v.T && (!v.in_array || i == v.nt - 1)) {  // membranes out to DRAM
    const uint64_t mslot = oslot + uint64_t(Cc) * p.band_rows * p.out_pitch * uint64_t(op);
    const uint64_t mrow = uint64_t(bpx) * uint64_t(mb), mchan = uint64_t(g.npx()) * uint64_t(mb);
    end += ec.glb(true, glb_o, mslot, uint64_t(kvalid) * mrow, 0, e, end);
    queue.push_back({{mslot, L.mem_addr + uint64_t(k0) * mchan + uint64_t(r0) * g.out_w * uint64_t(mb), uint64_t(kvalid),
                      mrow, 0, mchan},
                     end, slot});
  }
  return end;
}

// Scratchpads and fold cycles of one filter tile over the call (dataflow.cpp os_folds, summed
// over the pixel tiles of every band: each pixel once per timestep).
void Call::folds(int kvalid) {
  const ConvGeom& g = L.geom;
  const uint64_t npx = g.npx(), WT = g.w_dim() * uint64_t(tplanes), kv = uint64_t(kvalid);
  const uint64_t steps = npx * kv * WT;
  for (int i = 0; i < v.nt; ++i) {
    e.fold_cycles += (npx + uint64_t(R) - 1) / uint64_t(R) * (uint64_t(R) + uint64_t(Cc) + WT - 2);
    e.spad_wr += steps;
    e.spad_rd += 2 * steps + 2 * npx * kv;
    if (!v.tick) {
      e.spad_wr += steps;
      continue;
    }
    // psum[t] read-modify-written per non-zero element: the accumulates (estimated at the rates)
    const uint64_t nz = L.ops_t[size_t(v.t0 + i)] * kv / uint64_t(g.out_c);
    if (i == 0) e.spad_wr += steps;
    e.spad_rd += 2 * nz, e.spad_wr += 2 * nz;
  }
}

}  // namespace

Events EventCounter::compute(const MapLayer& L, const ComputePlan& p, const VisitCall& v) const {
  Events e;
  close_rows();
  Call c{L, p, v, *this, e, int(h.array.rows), int(h.array.cols), L.ann ? 1 : L.in_planes, h.array.membrane_bytes};
  c.oh = ofmap_half(v), c.ih = ifmap_half(v);
  c.cursor.assign(size_t(v.nt), 0);
  if (p.resident)
    for (int i = 0; i < v.nt; ++i) c.transfer({c.in_addr(v.t0 + i), uint64_t(i) * p.map_bytes, 1, p.map_bytes, 0, 0}, glb_i, 0);
  c.input_ready = c.dma;
  for (int ft = 0; ft < p.tiles; ++ft) {
    // the weight slot is free once the tile two back has finished (pe_free bounds it)
    // kept weights: loaded by the group's first batch only (ComputeCall::tile)
    const bool kept = v.weights.offset >= 0;
    if (p.wsegs == 1 && !(kept && v.weights_loaded)) c.weights(ft, 0, ft >= 2 && !kept ? c.pe_free : 0);
    c.weights_ready = c.dma;
    std::fill(c.cursor.begin(), c.cursor.end(), 0);
    for (int b = 0; b < p.bands; ++b)
      for (int i = 0; i < v.nt; ++i, ++c.step) c.band(ft, b, i);
    c.folds(std::min(c.Cc, L.geom.out_c - ft * c.Cc));
  }
  c.flush();
  e.span_ns = std::max(c.pe_free, c.dma);
  return e;
}

}  // namespace spiketlm::map
