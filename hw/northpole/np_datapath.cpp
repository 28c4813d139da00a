// The NorthPole executor's datapath: a layer pass on int32 maps (the VMM's accumulations, the
// vector unit's requantize + ReLU, LIF, pooling and residual adds), bit for bit the golden
// model's arithmetic (hw/arith) (np_executor.h).
#include <climits>

#include "hw/arith/kernels.h"
#include "hw/arith/neuron.h"
#include "hw/northpole/np_executor.h"

namespace spiketlm {

uint64_t NpExecutor::compute(const LayerCmd& L, RunLayer& r, int ts, NpLayerStats& st) {
  const std::vector<int32_t>& in = r.in->at(ts);
  const size_t i = L.id;
  const tensor_shape is{L.g.in_c, L.g.in_h, L.g.in_w}, os{L.g.out_c, L.g.out_h, L.g.out_w};
  const size_t n = size_t(L.g.out_c) * L.g.npx();
  std::vector<int32_t> out(n, 0);
  uint64_t nz = 0;
  if (L.op == OP_CONV || L.op == OP_LINEAR) {
    std::vector<int32_t> acc(n, 0);
    if (L.op == OP_CONV) arith::conv2d_dense(in.data(), is, m_weights[i].data(), L.g.kh, L.g.stride, L.g.pad, os, acc.data());
    else arith::linear_dense(in.data(), int(in.size()), m_weights[i].data(), L.g.out_c, acc.data());
    st.macs += m_shapes[i].macs();
    std::vector<int64_t> psum(acc.begin(), acc.end());
    nz = output(L, psum, r, out);
  } else if (L.op == OP_ADD) {
    const std::vector<int32_t>& b = r.in2->at(ts);
    std::vector<int64_t> psum(n);
    for (size_t k = 0; k < n; ++k) psum[k] = int64_t(in[k]) + int64_t(b[k]);
    nz = output(L, psum, r, out);
  } else {
    if (L.op == OP_MAXPOOL) arith::maxpool2d(in.data(), is, L.g.kh, L.g.stride, L.g.pad, os, out.data());
    else arith::avgpool2d(in.data(), is, L.g.kh, L.g.stride, L.g.pad, os, out.data());
    for (int32_t v : out) nz += v != 0;
  }
  st.nonzero_out += nz;
  st.cycles += m_plan.layers[i].cycles;
  st.vmm_cycles += m_plan.layers[i].vmm_cycles;
  st.vec_cycles += m_plan.layers[i].vec_cycles;
  r.out.t.push_back(std::move(out));
  return nz;
}

// The vector unit: ReLU + requantize (ANN), LIF with the membranes in core memory (SNN), or
// the int32 accumulations of the output layer. Returns the non-zero outputs.
uint64_t NpExecutor::output(const LayerCmd& L, const std::vector<int64_t>& psum, RunLayer& r, std::vector<int32_t>& out) {
  const size_t n = out.size(), per = size_t(L.g.npx());
  uint64_t nz = 0;
  if (L.relu()) {
    for (size_t k = 0; k < n; ++k) {
      const size_t ch = k / per;
      out[k] = arith::relu_quantize(arith::neuron_current(psum[k], L.multiplier[ch], L.offset[ch], L.shift), L.act_bits);
      nz += out[k] != 0;
    }
  } else if (L.fires()) {
    const arith::lif_constants c = arith::lif_constants_of(L.neuron);
    const int bits = m_w.core->membrane_bits();
    for (size_t k = 0; k < n; ++k) {
      const size_t ch = k / per;
      const int64_t x = arith::neuron_current(psum[k], L.multiplier[ch], L.offset[ch], L.shift);
      const bool s = arith::lif_fire(r.mem[k], arith::lif_charge(r.mem[k], x, c), c, bits);
      out[k] = s;
      nz += s;
    }
  } else {
    for (size_t k = 0; k < n; ++k) out[k] = L.output_value(psum[k], k / per);
  }
  return nz;
}

}  // namespace spiketlm
