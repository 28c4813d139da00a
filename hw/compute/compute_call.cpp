// spiketlm: a compute call: planning, staging, membranes and the band loop. See compute_call.h.
#include <algorithm>
#include <cstring>

#include "hw/compute/compute_call.h"
#include "hw/compute/packing.h"

namespace spiketlm {

using sc_core::sc_time;

ComputeCall::ComputeCall(LayerEngine& eng, const LayerCmd& cmd, const std::vector<int>& tsteps, int tt, const Dataflow& d,
                         sc_time start, LayerStats& stats)
    : e(eng),
      L(cmd),
      g(cmd.g),
      ts(tsteps),
      total_t(tt),
      df(d),
      now(start),
      st(stats),
      pe(*eng.m_dp.pe),
      Cc(pe.cols()),
      R(pe.rows()),
      W(g.w_dim()),
      npx(g.npx()),
      sched([&eng](const DmaCommand& c, sc_time s) { return eng.dma(c, s); }, start),
      pe_free(start),
      wbuf(eng.m_buffers.wbuf),
      staged(eng.m_buffers.staged),
      spk(eng.m_buffers.spk),
      packed(eng.m_buffers.packed),
      mraw(eng.m_buffers.mraw),
      psum(eng.m_buffers.psum),
      nnz_all(eng.m_buffers.nnz_all),
      mem(eng.m_buffers.mem),
      tile_cursor(eng.m_buffers.tile_cursor) {
  eng.m_buffers.clear();  // as new where it matters: a resize below zero-fills what it adds
  sched.on_chip([&eng](uint64_t a) { return eng.on_chip(a); });
}

void LayerEngine::ComputeBuffers::clear() {
  // Not the buffers every use writes whole before reading (as a call's later bands already
  // find them holding an earlier band's values): staged and mraw (a debug read or a pack of
  // their whole length), psum (filled or copied whole), mem (assigned, or every slot loaded).
  wbuf.clear();
  spk.clear();
  packed.clear();
  nnz_all.clear();
  tile_cursor.clear();
}

TileExt ComputeCall::tag(Tensor k, int t) const {
  TileExt x;
  x.tensor = k;
  x.layer = L.id;
  x.timestep = uint32_t(t);
  return x;
}

void ComputeCall::plan() {
  // Membranes outlive the call (and go to DRAM) when the call runs one of several timesteps.
  // C#n: channel k keeps its membrane in slot k % Kg (Kg = K / n); slots pass from one group
  // to the next within a timestep, so they outlive a filter tile.
  share = L.fires() && !L.relu() ? std::max(1, L.neuron.share) : 1;
  m_kg = g.out_c / share;
  if (share > 1 && df.membranes_in_array())
    e.refuse(L, ERR_BAD_PARAM, "tick-batch cannot run C#n LIF sharing: every group of a timestep must fire before "
                               "the next timestep, and tick-batch runs all timesteps of one filter tile first");
  // A dataflow that keeps them in the array: out to DRAM after a call that is not the last
  // batch of timesteps, back at the start of a later batch (dataflow.mapped); tick-batch's one
  // call for all timesteps never persists.
  nts = int(ts.size());
  persist = L.fires() && !L.relu() && df.keeps_state(L.id) &&
            (df.membranes_in_array() ? nts < total_t : (total_t > 1 || share > 1));
  mbytes = e.m_dp.lif->membrane_bytes();
  // A mapping's `state: glb`: they wait in the ofmap GLB's region for the layer's group instead.
  onchip = persist && e.state_slot(L.id).offset >= 0;
  if (onchip) state_base = e.state_base(L.id);
  // ANN: multiply-accumulate PEs take a whole multi-bit element per step, so the stream,
  // fold timing and weight re-reads count elements, not bit planes (the bits still move).
  tplanes = pe.ann() ? 1 : L.in_planes;
  oplanes = L.out_planes();
  wh = e.weight_half(L.id);
  // weights kept across batches (engine.md, "Fused groups"): the tiles stay at their place, loaded
  // by the group's first batch; a block never goes in segments
  wres = e.weight_slot(L.id).offset >= 0;
  ih = e.ifmap_half(L.id);
  oh = e.ofmap_half(L.id);
  ComputeShape s;
  s.g = g;
  s.planes = L.in_planes;
  s.out_planes = oplanes;
  s.fires = L.fires();
  s.persist = persist && !onchip;  // through the output slot to DRAM
  s.membrane_bytes = mbytes;
  s.timesteps = nts;
  s.rows = R;
  s.cols = Cc;
  s.weight_half = wres ? uint64_t(-1) / 2 : wh;
  s.ifmap_half = ih;
  s.ofmap_half = oh;
  s.segments_need_static_cycles = pe.skip_zero_cycles() && df.pixels_on_rows();
  s.psum_timesteps = df.psums_per_timestep() ? nts : 0;
  s.psum_spad_bytes = pe.psum_spad_bytes();
  p = plan_compute(s);
  if (p.refusal) e.refuse(L, p.refusal.code, p.refusal.reason);
}

sc_time ComputeCall::run() {
  plan();
  count_input_spikes();
  npx_t = df.timing_pixels(g);
  wbuf.resize(p.block);
  nnz_all.resize(size_t(nts) * std::max(npx, npx_t));
  tile_cursor.resize(size_t(nts));
  stage_resident();
  for (int ft = 0; ft < p.tiles; ++ft) tile(ft);
  sched.flush();
  st.dram_bytes += sched.dram_bytes();
  // SCALE-Sim's total is folds x cycles_per_fold - 1 per layer and timestep.
  st.compute_cycles -= std::min<uint64_t>(st.compute_cycles, uint64_t(nts));
  st.dense_accumulates += npx * W * uint64_t(tplanes) * uint64_t(g.out_c) * uint64_t(nts);
  st.stall_cycles += uint64_t(double(stall_ps) / double(e.m_clk.value()));
  return std::max(pe_free, sched.free_at());
}

void ComputeCall::count_input_spikes() {
  // Input spikes (statistics only: an untimed look at the maps).
  std::vector<uint8_t> m(p.map_bytes);
  for (int t : ts) {
    e.m_dp.dma->debug_read(in_addr(t), m.data(), p.map_bytes);
    st.spikes_in += popcount(m.data(), p.map_bytes);
  }
}

void ComputeCall::stage_resident() {
  // The whole input of the call fits half the ifmap GLB: staged once for every filter tile.
  if (p.resident) {
    for (int i = 0; i < nts; ++i) {
      DmaCommand c;
      c.src = in_addr(ts[size_t(i)]);
      c.dst = e.m_glb_i_base + uint64_t(i) * p.map_bytes;
      c.row_bytes = p.map_bytes;
      c.tag = tag(Tensor::ifmap, ts[size_t(i)]);
      sched.transfer(c, now);
      overlay(c);
    }
    staged.resize(p.map_bytes * uint64_t(nts));
    e.m_dp.dma->debug_read(e.m_glb_i_base, staged.data(), staged.size());
  }
  input_ready = sched.free_at();
}

sc_time ComputeCall::stage(int s, int is, int t, int y0, int nrows, sc_time earliest) {
  // Input channel segment s (channels [s * cs, ...), input rows [y0, y0 + nrows), all planes) of
  // timestep t DRAM -> ifmap slot `is`, laid out [planes][channels][rows][pitch], and into
  // `staged`. All channels: the planes follow one another at the channel stride, one transfer
  // moves them all; a segment: one transfer per plane, of one row when the band holds every
  // input row (the segment's channels of a plane are then contiguous). Returns the transfer's end.
  const int planes = L.in_planes, c0 = s * p.in_seg_c, cn = std::min(p.in_seg_c, g.in_c - c0);
  const bool whole = cn == g.in_c, flat = !whole && nrows == g.in_h;
  const uint64_t islot = e.m_glb_i_base + uint64_t(is) * ih;
  const uint64_t plane_bytes = uint64_t(cn) * nrows * p.in_pitch, bytes = plane_bytes * uint64_t(planes);
  DmaCommand c;
  c.rows = flat ? 1 : uint64_t(whole ? planes : 1) * cn;
  c.row_bytes = flat ? plane_bytes : uint64_t(nrows) * p.in_pitch;
  c.src_stride = uint64_t(g.in_h) * p.in_pitch;
  c.tag = tag(Tensor::ifmap, t);
  for (int pl = 0; pl < (whole ? 1 : planes); ++pl) {
    c.src = in_addr(t) + (uint64_t(pl) * g.in_c + uint64_t(c0)) * g.in_h * p.in_pitch + uint64_t(y0) * p.in_pitch;
    c.dst = islot + uint64_t(pl) * plane_bytes;
    sched.transfer(c, earliest);
    overlay(c);
  }
  staged.resize(bytes);
  e.m_dp.dma->debug_read(islot, staged.data(), bytes);
  return sched.free_at();
}

void ComputeCall::overlay(const DmaCommand& c) {
  // A generated input standing for an on-chip map (LayerCmd::in_content): the DMA moved the
  // map's bytes (time and energy); the layer computes on the bundle's (debug copies, neither).
  if (!L.in_content) return;
  const uint64_t from = c.src - L.in_addr + L.in_content, ss = c.src_stride ? c.src_stride : c.row_bytes;
  const uint64_t ds = c.dst_stride ? c.dst_stride : c.row_bytes;
  std::vector<uint8_t> row(c.row_bytes);
  for (uint64_t r = 0; r < c.rows; ++r) {
    e.m_dp.dma->debug_read(from + r * ss, row.data(), c.row_bytes);
    e.m_dp.dma->debug_write(c.dst + r * ds, row.data(), c.row_bytes);
  }
}

sc_time ComputeCall::stream(bool write, uint64_t addr, uint64_t bytes, uint64_t piece, sc_time start, Tensor k) {
  // Timing-only GLB traffic of `bytes` at `addr` in transactions of at most `piece` bytes, all
  // issued at `start`: returns the last completion (start if there are none).
  sc_time done = start;
  for (uint64_t o = 0; o < bytes; o += piece)
    done = std::max(done, e.account(write, addr, std::min(piece, bytes - o), start, k));
  return done;
}

void ComputeCall::tile_slots() {
  m_tile_slot.assign(size_t(kvalid), 0);
  m_gslot.clear();
  m_first_k.clear();
  m_last_k.clear();
  for (int c = 0; c < kvalid; ++c) {
    const int gs = (k0 + c) % m_kg;
    auto it = std::find(m_gslot.begin(), m_gslot.end(), gs);
    if (it == m_gslot.end()) {
      m_gslot.push_back(gs);
      m_first_k.push_back(k0 + c);
      m_last_k.push_back(k0 + c);
      m_tile_slot[size_t(c)] = int(m_gslot.size()) - 1;
    } else {
      m_tile_slot[size_t(c)] = int(it - m_gslot.begin());
      m_last_k[size_t(it - m_gslot.begin())] = k0 + c;
    }
  }
  U = int(m_gslot.size());
}

sc_time ComputeCall::load_weights(int s, sc_time earliest) {
  // Weight segment s of the tile (channels [s * seg_c, ...)) DRAM -> weight GLB, and into the
  // array's view of the block.
  const uint64_t off = uint64_t(s) * p.seg_c * p.chan_bytes;
  const uint64_t len = std::min(p.block - off, p.wchunk);
  const uint64_t slot = p.wsegs == 1 ? wslot : e.m_glb_w_base + uint64_t(s % 2) * p.wchunk;
  DmaCommand c;
  c.src = L.w_addr + uint64_t(m_ft) * p.block + off;
  c.dst = slot;
  c.row_bytes = len;
  c.tag = tag(Tensor::weight, ts[0]);
  sched.transfer(c, earliest);
  e.m_dp.dma->debug_read(slot, wbuf.data() + off, len);
  return sched.free_at();
}

void ComputeCall::tile(int ft) {
  m_ft = ft;
  k0 = ft * Cc;
  kvalid = std::min(Cc, g.out_c - k0);
  tile_slots();
  wslot = wres ? e.weight_base(L.id) + uint64_t(ft) * p.block : e.m_glb_w_base + uint64_t(ft % 2) * p.wchunk;
  // The slot is free once the tile two back has finished computing (pe_free bounds it); kept
  // weights: loaded by the first batch, read from their place by the later ones.
  if (wres && ts.front() > 0) e.m_dp.dma->debug_read(wslot, wbuf.data(), p.block);
  else if (p.wsegs == 1) load_weights(0, ft >= 2 && !wres ? pe_free : now);
  weights_ready = sched.free_at();
  // Pixels the fold counts have beyond the layer's (output_size ceil) stream every element.
  // The counts depend on the input alone: the first tile's stand for every tile (simulation
  // speed; not with extra pixels, whose timestep blocks the bands' counts overlap).
  const uint64_t span = std::max(npx, npx_t);
  if (count_nnz())
    for (size_t i = 0; i < size_t(nts); ++i)
      for (uint64_t px = 0; px < span; ++px) nnz_all[i * span + px] = px < npx ? 0u : uint32_t(W * tplanes);
  std::fill(tile_cursor.begin(), tile_cursor.end(), 0);
  if (df.membranes_in_array()) tb_mem.assign(size_t(p.bands), {});
  for (int b = 0; b < p.bands; ++b)
    for (int i = 0; i < nts; ++i, ++m_step) band(b, i);
}

void ComputeCall::prefetch(Band& bd) {
  // The input band (its first channel segment); the slot was freed by the compute two steps back.
  bd.in_ready = std::max(weights_ready, input_ready);
  if (p.resident) {
    bd.bits = staged.data() + uint64_t(bd.i) * p.map_bytes;
  } else {
    bd.in_ready = std::max(bd.in_ready, stage(0, islot_of(0), bd.t, bd.y0, bd.nrows, sched.in_free(islot_of(0))));
    bd.bits = staged.data();
  }
}

std::vector<std::pair<int, int>> ComputeCall::runs(bool (ComputeCall::*pred)(int, int) const, int t) const {
  // Runs of local slots [u0, u1) with consecutive global slots for which pred(u, t) holds.
  std::vector<std::pair<int, int>> out;
  for (int u = 0; u < U; ++u) {
    if (!(this->*pred)(u, t)) continue;
    if (!out.empty() && out.back().second == u && m_gslot[size_t(u)] == m_gslot[size_t(u) - 1] + 1) ++out.back().second;
    else out.push_back({u, u + 1});
  }
  return out;
}

void ComputeCall::load_membranes(Band& bd) {
  // Membranes of the band: tick-batch keeps them per band across timesteps; otherwise a slot
  // written before in this inference (an earlier group at this timestep, or any group at an
  // earlier one) comes back from DRAM, and a slot's first use starts at rest.
  bd.mv = &mem;
  if (!L.fires() || L.relu()) return;
  if (df.membranes_in_array()) {
    bd.mv = &tb_mem[size_t(bd.b)];
    if (bd.mv->empty() || !df.keeps_state(L.id)) bd.mv->assign(size_t(bd.bpx) * U, 0);
  }
  const bool boundary = !df.membranes_in_array() || bd.i == 0;  // in the array: at the call's first timestep
  const auto loads = persist && boundary ? runs(&ComputeCall::loads_slot, bd.t) : std::vector<std::pair<int, int>>();
  if (!df.membranes_in_array()) {
    int loaded = 0;
    for (const auto& rn : loads) loaded += rn.second - rn.first;
    if (loaded == U) mem.resize(size_t(bd.bpx) * U);  // every slot is loaded below
    else mem.assign(size_t(bd.bpx) * U, 0);           // a slot's first use: at rest
  }
  if (onchip) {
    if (!loads.empty()) load_onchip(bd);
    return;
  }
  // C#n: a slot may have been written by the previous group's write-back, still queued: it
  // must reach DRAM before this read (read after write).
  if (share > 1 && !loads.empty()) sched.flush();
  const uint64_t mchan = npx * uint64_t(mbytes);
  for (const auto& rn : loads) {
    const int nu = rn.second - rn.first;
    DmaCommand c;
    c.src = L.mem_addr + uint64_t(m_gslot[size_t(rn.first)]) * mchan + uint64_t(bd.r0) * g.out_w * mbytes;
    c.dst = bd.mslot + uint64_t(rn.first) * bd.mrow;
    c.rows = uint64_t(nu);
    c.row_bytes = bd.mrow;
    c.src_stride = mchan;
    c.tag = tag(Tensor::membrane, bd.t);
    const sc_time done = sched.transfer(c, sched.out_free(bd.slot));
    bd.in_ready = std::max(bd.in_ready, done);
    mraw.resize(bd.mrow * nu);
    e.m_dp.dma->debug_read(c.dst, mraw.data(), mraw.size());
    spiketlm::load_membranes(mraw.data(), mbytes, nu, bd.bpx, bd.mv->data() + rn.first, size_t(U));
    bd.in_ready = std::max(bd.in_ready, e.account(false, c.dst, mraw.size(), done, Tensor::membrane));
    st.glb_bytes += mraw.size();
  }
}

uint64_t ComputeCall::state_at(const Band& bd) const {
  return state_base + state_offset(k0, kvalid, npx, bd.r0, g.out_w, mbytes);
}

void ComputeCall::load_onchip(Band& bd) {
  // Every channel of the tile (no C#n under a dataflow that keeps membranes in the array): one
  // GLB read of the band's rows as the array takes them, once it is free.
  const uint64_t at = state_at(bd), len = uint64_t(kvalid) * bd.mrow, row = uint64_t(g.out_w) * mbytes;
  mraw.resize(len);
  e.m_dp.dma->debug_read(at, mraw.data(), len);
  for (int r = 0; r < bd.r1 - bd.r0; ++r)
    spiketlm::load_membranes(mraw.data() + uint64_t(r) * kvalid * row, mbytes, kvalid, g.out_w,
                             bd.mv->data() + size_t(r) * g.out_w * U, size_t(U));
  bd.in_ready = std::max(bd.in_ready, e.account(false, at, len, pe_free, Tensor::membrane));
  st.glb_bytes += len;
}

FoldShape ComputeCall::fold_shape() const {
  FoldShape s;
  s.R = uint64_t(R);
  s.C = uint64_t(Cc);
  s.W = W * uint64_t(tplanes);
  s.npx = npx_t;
  s.K = uint64_t(g.out_c);
  s.k0 = uint64_t(k0);
  s.kvalid = uint64_t(kvalid);
  s.timesteps = uint64_t(nts);
  return s;
}

void ComputeCall::fold_plan(Band& bd) {
  // The folds this band is charged (the dataflow's closed forms): with pixels on the array's
  // rows, the pixel tiles (R output pixels, in raster order) that end in the band; otherwise the
  // band's share of the tile's folds, in proportion to its pixels.
  const FoldShape s = fold_shape();
  const bool last_band = bd.b == p.bands - 1;
  const uint64_t px_end = uint64_t(bd.r1) * g.out_w;
  bd.traffic = df.traffic(s, uint64_t(bd.bpx), last_band, bd.i == 0);
  bd.cycles = 0;
  if (df.pixels_on_rows()) {
    const uint64_t cur = tile_cursor[size_t(bd.i)];
    bd.last = last_band ? scalesim::ceil_div(npx_t, uint64_t(R)) : px_end / uint64_t(R);
    // What the fold account returns below when every element streams (no skip_zero_cycles).
    bd.dense_cycles =
        bd.last > cur ? df.folds(s, cur * R, std::min(npx_t, bd.last * R), nullptr, false, bd.i == 0).cycles : 0;
  } else {
    const uint64_t total = df.folds(s, 0, npx_t, nullptr, false, bd.i == 0).cycles;
    bd.cycles = total * px_end / npx - total * (uint64_t(bd.r0) * g.out_w) / npx;
    bd.dense_cycles = bd.cycles;
  }
}

void ComputeCall::band(int b, int i) {
  Band bd;
  bd.b = b;
  bd.i = i;
  bd.t = ts[size_t(i)];
  bd.r0 = b * p.band_rows;
  bd.r1 = std::min(g.out_h, bd.r0 + p.band_rows);
  bd.bpx = (bd.r1 - bd.r0) * g.out_w;
  bd.nrows = p.resident ? g.in_h : p.in_rows(g, bd.r0, bd.r1, bd.y0);
  bd.band_bytes = uint64_t(L.in_planes) * g.in_c * bd.nrows * p.in_pitch;
  bd.slot = m_step % 2;
  bd.oslot = e.m_glb_o_base + uint64_t(bd.slot) * oh;
  bd.mslot = bd.oslot + uint64_t(Cc) * p.band_rows * p.out_pitch * oplanes;
  bd.mrow = uint64_t(bd.bpx) * mbytes;
  prefetch(bd);
  load_membranes(bd);
  if (p.wsegs > 1 && i == 0)  // segmented weights: streamed again for every band
    for (int s = 0; s < p.wsegs; ++s) bd.in_ready = std::max(bd.in_ready, load_weights(s, pe_free));
  sched.flush();
  fold_plan(bd);
  uint32_t* nnz = nnz_all.data() + size_t(i) * npx;
  uint32_t* band_nnz = nnz + size_t(bd.r0) * g.out_w;
  // Compute waits for the input (stall), the membranes and weights, and the output slot.
  bd.c_start = std::max({pe_free, bd.in_ready, sched.out_free(bd.slot)});
  if (bd.in_ready > pe_free) stall_ps += uint64_t((bd.in_ready - pe_free).value());
  accumulate(bd, band_nnz);
  account_folds(bd);
  const sc_time glb_done = streams(bd);
  st.compute_cycles += bd.cycles;
  bd.c_end = std::max(p.in_segs > 1 ? bd.c_end : bd.c_start + e.m_clk * double(bd.cycles), glb_done);
  if (L.fires()) fire(bd);
  else output(bd);
  sched.in_free(islot_of(p.in_segs - 1)) = bd.c_end;
  pe_free = bd.c_end;
}

}  // namespace spiketlm
