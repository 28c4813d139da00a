// spiketlm: a compute call: accumulation, fold timing, GLB streams, neurons, output. See compute_call.h.
#include <algorithm>
#include <cstring>

#include "hw/compute/compute_call.h"
#include "hw/compute/packing.h"

namespace spiketlm {

using sc_core::sc_time;

void ComputeCall::accumulate(Band& bd, uint32_t* band_nnz) {
  // The real partial sums from the staged bytes.
  const size_t n = size_t(bd.bpx) * Cc;
  psum.resize(n);
  if (p.in_segs > 1) {
    bd.c_end = accumulate_segments(bd, band_nnz);
  } else if (!L.input_per_t() && p.wsegs == 1) {
    accumulate_memo(bd, band_nnz);
  } else {
    std::fill(psum.begin(), psum.end(), 0);
    StagedInput in = {bd.bits, L.in_planes, bool(L.flags & DESC_SIGNED_INPUT), bd.y0, bd.nrows, int(p.in_pitch)};
    st.accumulates += pe.accumulate(g, in, bd.r0, bd.r1, wbuf.data(), kvalid, psum.data(), count_nnz() ? band_nnz : nullptr);
  }
}

sc_time ComputeCall::accumulate_segments(Band& bd, uint32_t* band_nnz) {
  // Input channel segments, through the two ifmap slots in turn: segment s (s > 0) is staged
  // when its slot's previous segment has been computed, and computed when it has arrived and
  // segment s - 1 is done; its compute takes its channels' share of the band's fold cycles.
  // The sums add up in the PEs; the weights are the block's slice of the segment's channels
  // ([in_c][kh][kw][C]: contiguous). Not memoised (the memo keys a whole band's input).
  std::fill(psum.begin(), psum.end(), 0);
  const int planes = L.in_planes;
  const uint64_t px_w = uint64_t(bd.bpx) * g.kh * g.kw * planes;  // GLB -> PE bits per channel
  sc_time seg_end = bd.c_start;
  for (int s = 0; s < p.in_segs; ++s) {
    const int is = islot_of(s), c0 = s * p.in_seg_c, c1 = std::min(g.in_c, c0 + p.in_seg_c);
    sc_time ready = bd.in_ready;
    if (s > 0) {
      ready = stage(s, is, bd.t, bd.y0, bd.nrows, sched.in_free(is));
      if (ready > seg_end) stall_ps += uint64_t((ready - seg_end).value());
    }
    const sc_time s_start = std::max(seg_end, ready);
    ConvGeom gs = g;
    gs.in_c = c1 - c0;
    StagedInput in = {staged.data(), planes, bool(L.flags & DESC_SIGNED_INPUT), bd.y0, bd.nrows, int(p.in_pitch)};
    const int8_t* wseg = wbuf.data() + uint64_t(c0) * p.chan_bytes;
    st.accumulates += pe.accumulate(gs, in, bd.r0, bd.r1, wseg, kvalid, psum.data(), count_nnz() ? band_nnz : nullptr);
    // GLB -> PE: the receptive fields of the segment's channels (together: the band's bits).
    const uint64_t if_seg = (px_w * uint64_t(c1) + 7) / 8 - (px_w * uint64_t(c0) + 7) / 8;
    const uint64_t seg_bytes = uint64_t(planes) * uint64_t(c1 - c0) * bd.nrows * p.in_pitch;
    const uint64_t islot = e.m_glb_i_base + uint64_t(is) * ih;
    const uint64_t if_charged = bd.traffic.ifmap ? if_seg : 0;
    const sc_time streamed = stream(false, islot, if_charged, seg_bytes, s_start, Tensor::ifmap);
    st.glb_bytes += if_charged;
    const uint64_t part = bd.dense_cycles * uint64_t(c1) / uint64_t(g.in_c) -  // the shares add up to the
                          bd.dense_cycles * uint64_t(c0) / uint64_t(g.in_c);   // band's cycles
    seg_end = std::max(s_start + e.m_clk * double(part), streamed);
    sched.in_free(is) = seg_end;
  }
  return seg_end;
}

void ComputeCall::accumulate_memo(Band& bd, uint32_t* band_nnz) {
  // One input for every timestep (direct-coded): the same bytes give the same sums.
  LayerEngine::PsumMemo& m = e.m_memo[{L.id, m_ft, bd.b}];
  const size_t n = psum.size();
  const uint64_t in_len = uint64_t(L.in_planes) * g.in_c * bd.nrows * p.in_pitch;
  if (m.in.size() == in_len && std::equal(m.in.begin(), m.in.end(), bd.bits) && m.w.size() == p.block &&
      std::equal(m.w.begin(), m.w.end(), wbuf.begin()) && m.psum.size() == n) {
    std::copy(m.psum.begin(), m.psum.end(), psum.begin());  // every sum
    std::copy(m.nnz.begin(), m.nnz.end(), band_nnz);
    pe.charge_accumulates(m.accumulates);
    st.accumulates += m.accumulates;
    return;
  }
  m.in.assign(bd.bits, bd.bits + in_len);
  m.w.assign(wbuf.begin(), wbuf.end());
  std::fill(psum.begin(), psum.end(), 0);
  std::fill(band_nnz, band_nnz + bd.bpx, 0u);
  StagedInput in = {bd.bits, L.in_planes, bool(L.flags & DESC_SIGNED_INPUT), bd.y0, bd.nrows, int(p.in_pitch)};
  m.accumulates = pe.accumulate(g, in, bd.r0, bd.r1, wbuf.data(), kvalid, psum.data(), band_nnz);
  st.accumulates += m.accumulates;
  m.psum = psum;
  m.nnz.assign(band_nnz, band_nnz + bd.bpx);
}

void ComputeCall::account_folds(Band& bd) {
  // Fold timing and scratchpad energy: one account per band, all segments' elements.
  const size_t span = std::max(npx, npx_t);
  const uint32_t* nnz = nnz_all.data() + size_t(bd.i) * span;
  const FoldShape s = fold_shape();
  if (!df.pixels_on_rows()) {
    if (bd.b == p.bands - 1)
      pe.charge_folds(df.folds(s, 0, npx_t, nnz, pe.skip_zero_cycles(), bd.i == 0), s.W * npx_t * s.kvalid);
  } else if (bd.last > tile_cursor[size_t(bd.i)]) {
    uint64_t& cur = tile_cursor[size_t(bd.i)];
    const uint64_t p0 = cur * R, p1 = std::min(npx_t, bd.last * R);
    const FoldCount f = df.folds(s, p0, p1, nnz + p0, pe.skip_zero_cycles(), bd.i == 0);
    pe.charge_folds(f, s.W * (p1 - p0) * s.kvalid);
    bd.cycles = f.cycles;
    cur = bd.last;
  }
  if (p.in_segs > 1 && bd.cycles != bd.dense_cycles)
    fail("engine", e.m_owner.path() + ": layer " + std::to_string(L.id) + ": input segments were timed with " +
                       std::to_string(bd.dense_cycles) + " fold cycles, the array counted " + std::to_string(bd.cycles));
}

sc_time ComputeCall::streams(Band& bd) {
  // GLB -> PE streams: the band's receptive fields (segments: in accumulate_segments), the
  // weights, and partial-sum spills, as the dataflow says.
  sc_time glb_done = bd.c_start;
  const uint64_t if_bytes = (uint64_t(bd.bpx) * W * L.in_planes + 7) / 8;
  const uint64_t ilen = p.resident ? p.map_bytes * uint64_t(nts) : bd.band_bytes;
  if (p.in_segs == 1 && bd.traffic.ifmap) {
    glb_done = std::max(glb_done, stream(false, e.m_glb_i_base, if_bytes, ilen, bd.c_start, Tensor::ifmap));
    st.glb_bytes += if_bytes;
  }
  const BandTraffic& t = bd.traffic;
  glb_done = std::max(glb_done, stream(false, wslot, t.weight_bytes, p.wchunk, bd.c_start, Tensor::weight));
  st.glb_bytes += t.weight_bytes;
  glb_done = std::max(glb_done, stream(true, bd.oslot, t.psum_write, oh, bd.c_start, Tensor::psum));
  glb_done = std::max(glb_done, stream(false, bd.oslot, t.psum_read, oh, bd.c_start, Tensor::psum));
  st.glb_bytes += t.psum_write + t.psum_read;
  return glb_done;
}

void ComputeCall::fire(Band& bd) {
  // The neurons of the band, and their output through the ofmap slot to DRAM (queued).
  const size_t n = size_t(bd.bpx) * Cc;
  spk.assign(n, 0);
  LifJob job = e.lif_job(L, bd.r0 * g.out_w, bd.c_end);
  job.psum = psum.data();
  job.pixels = bd.bpx;
  job.channels = kvalid;
  job.psum_stride = Cc;
  job.channel0 = k0;
  if (L.relu()) {
    job.act_bits = L.act_bits;
  } else {
    job.membrane = bd.mv->data();
    job.slot = m_tile_slot.data();
    job.mem_stride = U;
  }
  job.spikes = spk.data();
  const uint64_t lc = e.m_dp.lif->integrate(job);
  st.lif_cycles += lc;
  bd.c_end += e.m_clk * double(lc);
  const int rows = bd.r1 - bd.r0;
  const uint64_t plane_bytes = uint64_t(kvalid) * rows * p.out_pitch, spk_bytes = plane_bytes * oplanes;
  packed.resize(size_t(spk_bytes));
  st.spikes_out += pack_spikes(spk.data(), g.out_w, rows, kvalid, Cc, p.out_pitch, packed.data(), oplanes);
  bd.c_end = std::max(bd.c_end, e.store(bd.oslot, packed.data(), spk_bytes, bd.c_end, Tensor::ofmap));
  st.glb_bytes += spk_bytes;
  for (int pl = 0; pl < oplanes; ++pl) {  // ANN activations: one write-back per bit plane
    DmaCommand c;
    c.src = bd.oslot + uint64_t(pl) * plane_bytes;
    c.dst = L.out_addr + uint64_t(bd.t) * L.out_map_bytes() + uint64_t(pl) * g.out_c * g.out_h * p.out_pitch +
            uint64_t(k0) * g.out_h * p.out_pitch + uint64_t(bd.r0) * p.out_pitch;
    c.rows = uint64_t(kvalid);
    c.row_bytes = uint64_t(rows) * p.out_pitch;
    c.dst_stride = uint64_t(g.out_h) * p.out_pitch;
    c.tag = tag(Tensor::ofmap, bd.t);
    sched.write_back(c, bd.c_end, bd.slot);
  }
  store_membranes(bd);
}

void ComputeCall::store_membranes(Band& bd) {
  // A slot is read again later if a later group uses it at this timestep, or at a later one.
  const bool boundary = !df.membranes_in_array() || bd.i == nts - 1;  // in the array: at the call's last timestep
  const auto stores = persist && boundary ? runs(&ComputeCall::stores_slot, bd.t) : std::vector<std::pair<int, int>>();
  if (onchip) {
    if (!stores.empty()) store_onchip(bd);
    return;
  }
  const uint64_t mchan = npx * uint64_t(mbytes);
  for (const auto& rn : stores) {
    const int nu = rn.second - rn.first;
    mraw.resize(size_t(nu) * bd.mrow);
    spiketlm::store_membranes(bd.mv->data() + rn.first, size_t(U), nu, bd.bpx, mraw.data(), mbytes);
    const uint64_t at = bd.mslot + uint64_t(rn.first) * bd.mrow;
    bd.c_end = std::max(bd.c_end, e.store(at, mraw.data(), mraw.size(), bd.c_end, Tensor::membrane));
    st.glb_bytes += mraw.size();
    DmaCommand c;
    c.src = at;
    c.dst = L.mem_addr + uint64_t(m_gslot[size_t(rn.first)]) * mchan + uint64_t(bd.r0) * g.out_w * mbytes;
    c.rows = uint64_t(nu);
    c.row_bytes = bd.mrow;
    c.dst_stride = mchan;
    c.tag = tag(Tensor::membrane, bd.t);
    sched.write_back(c, bd.c_end, bd.slot);
  }
}

void ComputeCall::store_onchip(Band& bd) {
  // The band's membranes into the layer's place in the ofmap GLB (state_at's layout); no DMA.
  const uint64_t at = state_at(bd), len = uint64_t(kvalid) * bd.mrow, row = uint64_t(g.out_w) * mbytes;
  mraw.resize(len);
  for (int r = 0; r < bd.r1 - bd.r0; ++r)
    spiketlm::store_membranes(bd.mv->data() + size_t(r) * g.out_w * U, size_t(U), kvalid, g.out_w,
                              mraw.data() + uint64_t(r) * kvalid * row, mbytes);
  bd.c_end = std::max(bd.c_end, e.store(at, mraw.data(), len, bd.c_end, Tensor::membrane));
  st.glb_bytes += len;
}

void ComputeCall::output(Band& bd) {
  // Output (non-firing) layer: int32 accumulations [K][OH][OW] per timestep.
  const uint64_t obytes = uint64_t(kvalid) * bd.bpx * 4;
  std::vector<int32_t> o(size_t(kvalid) * bd.bpx);
  for (int j = 0; j < kvalid; ++j)
    for (int px = 0; px < bd.bpx; ++px) o[size_t(j) * bd.bpx + px] = L.output_value(psum[size_t(px) * Cc + j], size_t(k0 + j));
  bd.c_end = std::max(bd.c_end, e.store(bd.oslot, o.data(), obytes, bd.c_end, Tensor::output));
  st.glb_bytes += obytes;
  DmaCommand c;
  c.src = bd.oslot;
  c.dst = L.out_addr + uint64_t(bd.t) * uint64_t(g.out_c) * npx * 4 + (uint64_t(k0) * npx + uint64_t(bd.r0) * g.out_w) * 4;
  c.rows = uint64_t(kvalid);
  c.row_bytes = uint64_t(bd.bpx) * 4;
  c.dst_stride = npx * 4;
  c.tag = tag(Tensor::output, bd.t);
  sched.write_back(c, bd.c_end, bd.slot);
}

sc_time LayerEngine::run_compute(const LayerCmd& L, const std::vector<int>& ts, int total_t, const Dataflow& df, sc_time now,
                                 LayerStats& st) {
  ComputeCall call(*this, L, ts, total_t, df, now, st);
  return call.run();
}

}  // namespace spiketlm
