// The IMC datapath: the tile's output path (neuron units, pooling, residual adds) and the
// energy counts of a layer's timesteps (imc_datapath.h).
#include "hw/imc/imc_datapath.h"

#include <climits>

#include "hw/imc/pipeline.h"
#include "hw/arith/kernels.h"

namespace spiketlm {

uint64_t ImcDatapath::output(const LayerCmd& L, const std::vector<int64_t>& psum, std::vector<int32_t>& mem,
                             std::vector<int32_t>& out) {
  ImcNeuron& lif = m_tile.lif();
  const size_t n = out.size();
  const uint64_t npx = L.g.npx();
  if (L.relu())  // ANN: ReLU + requantize to act_bits (no membrane); the activations go on as planes
    return lif.relu(psum.data(), n, npx, L.multiplier.data(), L.offset.data(), L.shift, L.act_bits, out.data());
  if (L.fires())
    return lif.step(psum.data(), n, npx, L.multiplier.data(), L.offset.data(), L.shift, L.neuron, mem.data(), out.data());
  for (size_t k = 0; k < n; ++k) out[k] = L.output_value(psum[k], k / npx);
  return 0;
}

void ImcDatapath::add_operands(const std::vector<int32_t>& a, const std::vector<int32_t>& b, std::vector<int64_t>& psum) {
  psum.resize(a.size());
  for (size_t k = 0; k < a.size(); ++k) psum[k] = int64_t(a[k]) + int64_t(b[k]);
}

uint64_t ImcDatapath::pool(const LayerCmd& L, const std::vector<int32_t>& in, std::vector<int32_t>& out) {
  const tensor_shape is{L.g.in_c, L.g.in_h, L.g.in_w}, os{L.g.out_c, L.g.out_h, L.g.out_w};
  if (L.op == OP_MAXPOOL) arith::maxpool2d(in.data(), is, L.g.kh, L.g.stride, L.g.pad, os, out.data());
  else arith::avgpool2d(in.data(), is, L.g.kh, L.g.stride, L.g.pad, os, out.data());
  uint64_t nz = 0;
  for (int32_t v : out) nz += v != 0;  // non-zero outputs, as SATA counts them
  return nz;
}

uint64_t ImcDatapath::charge_compute(const LayerCmd& L, const ImcLayerProgram& P, const ImcCounts& total, uint64_t ran,
                                     const imc::NetLayer& nl, const imc::LayerTraffic& tr) {
  ImcPe& pe = m_tile.pe();
  Crossbar& xb = pe.xbar();
  const uint64_t npx = L.g.npx();
  if (m_cfg.dense) {
    // SpikeSim's PE cycles: every mapped PE at every output pixel and timestep.
    const uint64_t cyc = uint64_t(P.map.pes) * npx * ran * imc::dense_planes(nl);
    const uint64_t f = uint64_t(m_cfg.dense_factor);
    xb.count_reads(cyc * f * uint64_t(pe.xbars()));
    pe.count_raw(cyc * f * pe.adcs(), cyc * f * pe.adcs(), cyc * f * 16, cyc * f);
    m_tile.count_buffer(cyc);
    m_tile.count_fetch(cyc);
    m_noc.count_hops(cyc * uint64_t(m_cfg.dense_hops));
    m_tile.lif().count_updates(cyc * uint64_t(m_cfg.dense_neuron));
    return 0;
  }
  const uint64_t cycles = m_cfg.zero_skip ? total.active_pe_cycles : total.pe_cycles;
  xb.count_reads(m_cfg.zero_skip ? total.active_xbar_reads : total.xbar_reads);
  pe.count_cycles(cycles);
  m_tile.count_buffer(cycles);
  m_tile.count_fetch(cycles);
  if (L.fires()) m_tile.lif().count_updates(uint64_t(L.g.out_c) * npx * ran);
  uint64_t bytes = 0;
  for (const imc::Transfer& t : tr.per_cycle) {
    const uint64_t times =
        m_cfg.zero_skip ? total.active_by_group[size_t(t.row_group)] : npx * ran * uint64_t(nl.in_planes);
    if (!times) continue;
    m_noc.transfer(t.src, t.dst, t.bytes, times);
    bytes += t.bytes * times;
  }
  for (const imc::Transfer& t : tr.per_timestep) {
    m_noc.transfer(t.src, t.dst, t.bytes, ran);
    bytes += t.bytes * ran;
  }
  return bytes;
}

uint64_t ImcDatapath::charge_add(uint64_t out_elems, uint64_t ran, const imc::LayerTraffic& tr) {
  // One neuron update per output element (the LIF takes the sum as its input); the shortcut
  // and the output map cross the NoC as compute layers' outputs do.
  m_tile.lif().count_updates(out_elems * ran);
  if (m_cfg.dense) return 0;
  uint64_t bytes = 0;
  for (const imc::Transfer& t : tr.per_timestep) {
    m_noc.transfer(t.src, t.dst, t.bytes, ran);
    bytes += t.bytes * ran;
  }
  return bytes;
}

}  // namespace spiketlm
