// spiketlm: one residual-add call of the layer engine: the block's last convolution (operand
// 1, int32 accumulations) plus the shortcut (operand 2: bit planes or int32), elementwise,
// into the LIF units (ANN: ReLU + requantize, no membrane). Operands are staged in channel
// groups and bands of rows through the ifmap GLB; spikes or activation planes (and membranes
// that outlive the call) leave through the ofmap GLB. See engine.md, "Residual add".
#include <algorithm>
#include <cstring>

#include "hw/compute/buffer_plan.h"
#include "hw/compute/dataflow.h"
#include "hw/compute/engine.h"
#include "hw/compute/packing.h"

namespace spiketlm {

using sc_core::sc_time;

class AddCall {
 public:
  AddCall(LayerEngine& e, const LayerCmd& L, int total_t, const Dataflow& df, sc_time now, LayerStats& st);
  sc_time run(const std::vector<int>& ts);

 private:
  struct Step {
    int gi = 0, bi = 0, k0 = 0, kn = 0, r0 = 0, rows = 0, bpx = 0, t = 0;
    uint64_t islot = 0, oslot = 0;
  };
  DmaCommand cmd(Tensor k, int t) const;
  void stage(const Step& s, uint64_t& len1, uint64_t& len2p);
  void sum(const Step& s, uint64_t len2p);
  std::vector<int64_t>* membranes(const Step& s, sc_time& c_start);
  void store(const Step& s, std::vector<int64_t>& mv, sc_time& c_end);
  void step(const Step& s);

  LayerEngine& e;
  const LayerCmd& L;
  const ConvGeom& g;
  const int total_t;
  const Dataflow& df;
  LayerStats& st;
  int K, H, Wd, planes2, oplanes, mbytes;
  bool spikes2, relu, persist, onchip = false;
  uint64_t state_base = 0;  // on-chip membranes (engine.md, "On-chip state")
  int t_first = 0, t_last = 0;  // the call's timesteps
  uint64_t pout, npx, ih, oh, map1, plane2, map2;
  GroupPlan p;
  sc_time dma_free, pe_free;
  std::vector<std::vector<int64_t>> tb_mem;
  std::vector<int32_t> a, sums;
  std::vector<uint8_t> b2, spk, packed, mraw;
  std::vector<int64_t> mem;
};

AddCall::AddCall(LayerEngine& eng, const LayerCmd& cmd, int tt, const Dataflow& d, sc_time now, LayerStats& stats)
    : e(eng), L(cmd), g(cmd.g), total_t(tt), df(d), st(stats), dma_free(now), pe_free(now) {
  K = g.out_c, H = g.out_h, Wd = g.out_w;
  spikes2 = L.flags & DESC_IN2_SPIKES;
  planes2 = spikes2 ? L.in_planes : 1;  // operand 2's bit planes ([planes][K][H][pitch])
  relu = L.relu();
  oplanes = L.out_planes();  // spikes: 1; ReLU: act_bits
  persist = L.fires() && !relu && total_t > 1 && df.keeps_state(L.id);  // refined by run(): a call of every timestep keeps them in the array
  mbytes = e.m_dp.lif->membrane_bytes();
  pout = LayerCmd::pitch(Wd);
  npx = uint64_t(H) * Wd;
  ih = e.ifmap_half(L.id);
  oh = e.ofmap_half(L.id);
  map1 = uint64_t(K) * npx * 4;
  plane2 = uint64_t(K) * H * pout;
  map2 = spikes2 ? plane2 * planes2 : map1;
}

DmaCommand AddCall::cmd(Tensor k, int t) const {
  DmaCommand c;
  c.tag = TileExt{};
  c.tag->tensor = k;
  c.tag->layer = L.id;
  c.tag->timestep = uint32_t(t);
  return c;
}

sc_time AddCall::run(const std::vector<int>& ts) {
  t_first = ts.front(), t_last = ts.back();
  if (df.membranes_in_array() && int(ts.size()) == total_t) persist = false;  // tick-batch: never leave the array
  // A mapping's `state: glb`: they wait in the ofmap GLB's region for the layer's group instead.
  onchip = persist && e.state_slot(L.id).offset >= 0;
  if (onchip) state_base = e.state_base(L.id);
  // Bytes of one row of one channel, in and out.
  const uint64_t chan_in = uint64_t(Wd) * 4 + (spikes2 ? pout * planes2 : uint64_t(Wd) * 4);
  const uint64_t chan_out = pout * oplanes + (persist && !onchip ? uint64_t(Wd) * mbytes : 0);
  if (!L.fires()) e.refuse(L, ERR_BAD_PARAM, "an add layer must fire");
  p = plan_add(K, H, chan_in, chan_out, ih, oh);
  if (p.refusal) e.refuse(L, p.refusal.code, p.refusal.reason);
  tb_mem.assign(static_cast<size_t>(p.bands) * p.groups, {});
  int n = 0;
  for (int gi = 0; gi < p.groups; ++gi)
    for (int bi = 0; bi < p.bands; ++bi)
      for (int t : ts) {
        Step s;
        s.gi = gi, s.bi = bi, s.t = t;
        s.k0 = gi * p.group;
        s.kn = std::min(p.group, K - s.k0);
        s.r0 = bi * p.band_rows;
        s.rows = std::min(H, s.r0 + p.band_rows) - s.r0;
        s.bpx = s.rows * Wd;
        s.islot = e.m_glb_i_base + uint64_t(n % 2) * ih;
        s.oslot = e.m_glb_o_base + uint64_t(n % 2) * oh;
        ++n;
        step(s);
      }
  return std::max(pe_free, dma_free);
}

void AddCall::stage(const Step& s, uint64_t& len1, uint64_t& len2p) {
  // operand 1: [K][rows][W] int32; operand 2: bit planes [planes][K][rows][pitch] or int32
  DmaCommand c = cmd(Tensor::psum, s.t);
  c.src = L.in_addr + uint64_t(s.t) * map1 + uint64_t(s.k0) * npx * 4 + uint64_t(s.r0) * Wd * 4;
  c.dst = s.islot;
  c.rows = uint64_t(s.kn);
  c.row_bytes = uint64_t(s.bpx) * 4;
  c.src_stride = npx * 4;
  dma_free = e.dma(c, dma_free);
  len1 = c.rows * c.row_bytes;
  a.resize(size_t(s.kn) * s.bpx);
  e.m_dp.dma->debug_read(s.islot, a.data(), len1);
  DmaCommand d = c;
  d.row_bytes = spikes2 ? uint64_t(s.rows) * pout : uint64_t(s.bpx) * 4;
  d.src_stride = spikes2 ? uint64_t(H) * pout : npx * 4;
  d.tag->tensor = spikes2 ? Tensor::ifmap : Tensor::psum;
  len2p = d.rows * d.row_bytes;  // one plane of the band
  for (int pl = 0; pl < planes2; ++pl) {  // multi-bit activations: one transfer per bit plane
    d.dst = s.islot + len1 + uint64_t(pl) * len2p;
    d.src = L.in2_addr + uint64_t(s.t) * map2 +
            (spikes2 ? uint64_t(pl) * plane2 + uint64_t(s.k0) * H * pout + uint64_t(s.r0) * pout
                     : uint64_t(s.k0) * npx * 4 + uint64_t(s.r0) * Wd * 4);
    dma_free = e.dma(d, dma_free);
  }
  const uint64_t len2 = len2p * uint64_t(planes2);
  b2.resize(len2);
  e.m_dp.dma->debug_read(s.islot + len1, b2.data(), len2);
  st.dram_bytes += (e.on_chip(c.src) ? 0 : len1) + (e.on_chip(d.src) ? 0 : len2);  // a fused map: on chip
}

void AddCall::sum(const Step& s, uint64_t len2p) {
  // Elementwise, [pixels][K] for the LIF job.
  sums.assign(size_t(s.bpx) * s.kn, 0);
  for (int k = 0; k < s.kn; ++k)
    for (int px = 0; px < s.bpx; ++px) {
      int32_t v = a[size_t(k) * s.bpx + px];
      if (spikes2) {
        const int y = px / Wd, x = px % Wd;
        const size_t at = (size_t(k) * s.rows + y) * pout + x / 8;
        uint32_t v2 = 0;
        for (int pl = 0; pl < planes2; ++pl) v2 |= uint32_t((b2[size_t(pl) * len2p + at] >> (x % 8)) & 1) << pl;
        v += int32_t(v2);
        st.spikes_in += uint64_t(__builtin_popcount(v2));  // set bits fed, as compute layers count them
      } else {
        int32_t w2;
        std::memcpy(&w2, b2.data() + (size_t(k) * s.bpx + px) * 4, 4);
        v += w2;
      }
      sums[size_t(px) * s.kn + k] = v;
    }
}

std::vector<int64_t>* AddCall::membranes(const Step& s, sc_time& c_start) {
  // ReLU units keep no membrane; a dataflow that keeps them in the array (tick-batch) per band;
  // others bring them from DRAM
  // after the first timestep.
  const size_t n = size_t(s.bpx) * s.kn;
  std::vector<int64_t>* mv = &mem;
  if (relu) return mv;
  if (df.membranes_in_array()) {
    mv = &tb_mem[size_t(s.gi) * p.bands + s.bi];
    if (mv->empty() || !df.keeps_state(L.id)) mv->assign(n, 0);
  } else {
    mem.assign(n, 0);
  }
  if (!(persist && s.t > 0 && (!df.membranes_in_array() || s.t == t_first))) return mv;
  const uint64_t mslot = s.oslot + uint64_t(s.kn) * s.rows * pout * oplanes, mlen = uint64_t(s.kn) * s.bpx * mbytes;
  if (onchip) {  // one GLB read of the group's rows as the LIF units take them
    const uint64_t at = state_base + state_offset(s.k0, s.kn, npx, s.r0, Wd, mbytes);
    mraw.resize(mlen);
    e.m_dp.dma->debug_read(at, mraw.data(), mlen);
    for (int r = 0; r < s.rows; ++r)
      load_membranes(mraw.data() + uint64_t(r) * s.kn * Wd * mbytes, mbytes, s.kn, Wd, mv->data() + size_t(r) * Wd * s.kn,
                     size_t(s.kn));
    c_start = std::max(c_start, e.account(false, at, mlen, c_start, Tensor::membrane));
    st.glb_bytes += mlen;
    return mv;
  }
  DmaCommand m = cmd(Tensor::membrane, s.t);
  m.src = L.mem_addr + (uint64_t(s.k0) * npx + uint64_t(s.r0) * Wd) * mbytes;
  m.dst = mslot;
  m.rows = uint64_t(s.kn);
  m.row_bytes = uint64_t(s.bpx) * mbytes;
  m.src_stride = npx * mbytes;
  dma_free = e.dma(m, dma_free);
  c_start = std::max(c_start, dma_free);
  mraw.resize(mlen);
  e.m_dp.dma->debug_read(mslot, mraw.data(), mlen);
  load_membranes(mraw.data(), mbytes, s.kn, s.bpx, mv->data(), size_t(s.kn));
  st.dram_bytes += mlen;
  return mv;
}

void AddCall::store(const Step& s, std::vector<int64_t>& mv, sc_time& c_end) {
  // Membranes that a later timestep reads: ofmap GLB -> DRAM (or into the GLB's state region).
  if (!(persist && s.t + 1 < total_t && (!df.membranes_in_array() || s.t == t_last))) return;
  const uint64_t mslot = s.oslot + uint64_t(s.kn) * s.rows * pout * oplanes, mlen = uint64_t(s.kn) * s.bpx * mbytes;
  mraw.resize(mlen);
  if (onchip) {  // into the layer's place in the ofmap GLB; no DMA
    const uint64_t at = state_base + state_offset(s.k0, s.kn, npx, s.r0, Wd, mbytes);
    for (int r = 0; r < s.rows; ++r)
      store_membranes(mv.data() + size_t(r) * Wd * s.kn, size_t(s.kn), s.kn, Wd, mraw.data() + uint64_t(r) * s.kn * Wd * mbytes,
                      mbytes);
    c_end = std::max(c_end, e.store(at, mraw.data(), mlen, c_end, Tensor::membrane));
    st.glb_bytes += mlen;
    return;
  }
  store_membranes(mv.data(), size_t(s.kn), s.kn, s.bpx, mraw.data(), mbytes);
  c_end = std::max(c_end, e.store(mslot, mraw.data(), mlen, c_end, Tensor::membrane));
  DmaCommand m = cmd(Tensor::membrane, s.t);
  m.src = mslot;
  m.dst = L.mem_addr + (uint64_t(s.k0) * npx + uint64_t(s.r0) * Wd) * mbytes;
  m.rows = uint64_t(s.kn);
  m.row_bytes = uint64_t(s.bpx) * mbytes;
  m.dst_stride = npx * mbytes;
  dma_free = e.dma(m, std::max(dma_free, c_end));
  st.dram_bytes += mlen;
  st.glb_bytes += 2 * mlen;
}

void AddCall::step(const Step& s) {
  uint64_t len1 = 0, len2p = 0;
  stage(s, len1, len2p);
  sum(s, len2p);
  const uint64_t len2 = len2p * uint64_t(planes2);
  sc_time c_start = std::max(pe_free, dma_free);
  c_start = std::max(c_start, e.account(false, s.islot, len1 + len2, c_start, Tensor::psum));
  std::vector<int64_t>* mv = membranes(s, c_start);
  spk.assign(size_t(s.bpx) * s.kn, 0);
  LifJob job = e.lif_job(L, s.r0 * Wd, c_start);
  job.psum = sums.data();
  job.pixels = s.bpx;
  job.channels = s.kn;
  job.psum_stride = s.kn;
  job.channel0 = s.k0;
  if (relu) job.act_bits = L.act_bits;
  else job.membrane = mv->data();
  job.spikes = spk.data();
  const uint64_t lc = e.m_dp.lif->integrate(job);
  st.lif_cycles += lc;
  sc_time c_end = c_start + e.m_clk * double(lc);
  // spikes_out: non-zero outputs (spikes; ReLU activations), as compute layers count them.
  const uint64_t plane_bytes = uint64_t(s.kn) * s.rows * pout, spk_bytes = plane_bytes * oplanes;
  packed.resize(spk_bytes);
  st.spikes_out += pack_spikes(spk.data(), Wd, s.rows, s.kn, s.kn, pout, packed.data(), oplanes);
  c_end = std::max(c_end, e.store(s.oslot, packed.data(), spk_bytes, c_end, Tensor::ofmap));
  for (int pl = 0; pl < oplanes; ++pl) {  // ANN activations: one write-back per bit plane
    DmaCommand o = cmd(Tensor::ofmap, s.t);
    o.src = s.oslot + uint64_t(pl) * plane_bytes;
    o.dst = L.out_addr + uint64_t(s.t) * L.out_map_bytes() + uint64_t(pl) * K * H * pout + uint64_t(s.k0) * H * pout +
            uint64_t(s.r0) * pout;
    o.rows = uint64_t(s.kn);
    o.row_bytes = uint64_t(s.rows) * pout;
    o.dst_stride = uint64_t(H) * pout;
    dma_free = e.dma(o, std::max(dma_free, c_end));
  }
  st.dram_bytes += e.on_chip(L.out_addr + uint64_t(s.t) * L.out_map_bytes()) ? 0 : spk_bytes;  // a fused map: on chip
  st.glb_bytes += len1 + len2 + spk_bytes;
  store(s, *mv, c_end);
  pe_free = c_end;
}

sc_time LayerEngine::run_add(const LayerCmd& L, const std::vector<int>& ts, int total_t, const Dataflow& df, sc_time now,
                             LayerStats& st) {
  AddCall call(*this, L, total_t, df, now, st);
  return call.run(ts);
}

}  // namespace spiketlm
