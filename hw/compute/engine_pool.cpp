// spiketlm: one pooling call of the layer engine: groups of channels and, within a group,
// bands of output rows staged through the ifmap and ofmap GLBs (buffer_plan.h), pooled by
// pooling.h in the output path; no compute energy is charged for the OR / adder trees. See
// engine.md, "Pooling".
#include <algorithm>

#include "hw/compute/buffer_plan.h"
#include "hw/compute/engine.h"
#include "hw/compute/packing.h"
#include "hw/compute/pooling.h"

namespace spiketlm {

using sc_core::sc_time;

namespace {
TileExt tag_of(Tensor k, const LayerCmd& L, int t) {
  TileExt x;
  x.tensor = k;
  x.layer = L.id;
  x.timestep = uint32_t(t);
  return x;
}
}  // namespace

sc_time LayerEngine::pool_band_call(const LayerCmd& L, int t, int k0, int kn, int r0, int r1, int step, sc_time t_dma,
                                    LayerStats& st) {
  // Channels [k0, k0 + kn), output rows [r0, r1) at timestep t, through GLB slot step % 2. All
  // channels: the planes follow one another at the channel stride, one transfer moves them all;
  // a group: one transfer per plane (rows = the group's channels).
  const ConvGeom& g = L.g;
  const int C = g.in_c, oplanes = L.out_planes();
  const uint64_t pin = LayerCmd::pitch(g.in_w), pout = LayerCmd::pitch(g.out_w);
  const uint64_t ih = ifmap_half(L.id), oh = ofmap_half(L.id);
  const uint64_t in_plane = uint64_t(C) * g.in_h * pin, out_plane = uint64_t(C) * g.out_h * pout;  // in DRAM
  const uint64_t in_base = L.in_addr + (L.input_per_t() ? uint64_t(t) * L.in_map_bytes() : 0);
  const bool whole = kn == C;
  const int y0 = std::max(0, r0 * g.stride - g.pad);
  const int nrows = std::min(g.in_h, (r1 - 1) * g.stride - g.pad + g.kh) - y0;
  const uint64_t islot = m_glb_i_base + uint64_t(step % 2) * ih, oslot = m_glb_o_base + uint64_t(step % 2) * oh;
  DmaCommand c;  // src and dst per plane below
  c.rows = uint64_t(whole ? L.in_planes : 1) * kn;
  c.row_bytes = uint64_t(nrows) * pin;
  c.src_stride = uint64_t(g.in_h) * pin;
  c.tag = tag_of(Tensor::ifmap, L, t);
  const uint64_t in_bytes = uint64_t(L.in_planes) * kn * c.row_bytes, in_pl = uint64_t(kn) * c.row_bytes;
  for (int pl = 0; pl < (whole ? 1 : L.in_planes); ++pl) {
    c.src = in_base + uint64_t(pl) * in_plane + uint64_t(k0) * g.in_h * pin + uint64_t(y0) * pin;
    c.dst = islot + uint64_t(pl) * in_pl;
    t_dma = dma(c, t_dma);
  }
  m_pool_in.resize(in_bytes);
  m_dp.dma->debug_read(islot, m_pool_in.data(), in_bytes);
  PoolBand pb;
  pb.in = m_pool_in.data();
  pb.in_planes = L.in_planes;
  pb.out_planes = oplanes;
  pb.channels = kn;
  pb.row0 = y0;
  pb.rows = nrows;
  pb.out_row0 = r0;
  pb.out_row1 = r1;
  pb.max = L.op == OP_MAXPOOL;
  st.spikes_out += pool_band(g, pb, m_pool_out, m_pool_vals);  // non-zero outputs
  const uint64_t out_bytes = m_pool_out.size();
  t_dma = std::max(t_dma, account(false, islot, in_bytes, t_dma, Tensor::ifmap));
  t_dma = std::max(t_dma, store(oslot, m_pool_out.data(), out_bytes, t_dma, Tensor::ofmap));
  DmaCommand o;
  o.rows = uint64_t(whole ? oplanes : 1) * kn;
  o.row_bytes = uint64_t(r1 - r0) * pout;
  o.dst_stride = uint64_t(g.out_h) * pout;
  o.tag = tag_of(Tensor::ofmap, L, t);
  const uint64_t out_pl = uint64_t(kn) * o.row_bytes;
  for (int pl = 0; pl < (whole ? 1 : oplanes); ++pl) {
    o.src = oslot + uint64_t(pl) * out_pl;
    o.dst = L.out_addr + uint64_t(t) * L.out_map_bytes() + uint64_t(pl) * out_plane + uint64_t(k0) * g.out_h * pout +
            uint64_t(r0) * pout;
    t_dma = dma(o, t_dma);
  }
  st.dram_bytes += (on_chip(c.src) ? 0 : in_bytes) + (on_chip(o.dst) ? 0 : out_bytes);  // a fused map: on chip
  st.glb_bytes += 2 * (in_bytes + out_bytes);
  return t_dma;
}

sc_time LayerEngine::run_pool(const LayerCmd& L, const std::vector<int>& ts, sc_time now, LayerStats& st) {
  const ConvGeom& g = L.g;
  const GroupPlan p = plan_pool(g, L.in_planes, L.out_planes(), ifmap_half(L.id), ofmap_half(L.id));
  if (p.refusal) refuse(L, p.refusal.code, p.refusal.reason);
  const uint64_t ib = L.in_map_bytes();
  sc_time t_dma = now;
  int step = 0;
  for (int t : ts) {
    std::vector<uint8_t> m(ib);
    m_dp.dma->debug_read(L.in_addr + (L.input_per_t() ? uint64_t(t) * ib : 0), m.data(), ib);
    st.spikes_in += popcount(m.data(), ib);
    for (int gi = 0; gi < p.groups; ++gi) {
      const int k0 = gi * p.group, kn = std::min(p.group, g.in_c - k0);
      for (int r0 = 0; r0 < g.out_h; r0 += p.band_rows, ++step)
        t_dma = pool_band_call(L, t, k0, kn, r0, std::min(g.out_h, r0 + p.band_rows), step, t_dma, st);
    }
  }
  return t_dma;
}

}  // namespace spiketlm
