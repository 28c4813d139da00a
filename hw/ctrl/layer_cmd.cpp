#include "hw/ctrl/layer_cmd.h"

#include <climits>

#include "hw/arith/fixed_point.h"

namespace spiketlm {

int LayerCmd::out_planes() const {
  if (op == OP_AVGPOOL) return int(spiketlm_avgpool_planes(uint32_t(g.kh), uint32_t(g.kw), uint32_t(in_planes)));
  if (op == OP_MAXPOOL) return in_planes;
  if (relu()) return act_bits;
  return 1;
}

LayerCmd decode_layer(const LayerDesc& d, uint32_t index, const std::function<void(uint64_t, void*, uint64_t)>& read_fx,
                      int hw_share) {
  auto bad = [&](uint32_t code, const void* field, const std::string& what) {
    const uint32_t word = uint32_t((reinterpret_cast<const uint8_t*>(field) - reinterpret_cast<const uint8_t*>(&d)) / 4);
    throw LayerRefused(code, index, word, "layer " + std::to_string(index) + ": " + what);
  };
  LayerCmd L;
  L.op = d.op;
  L.flags = d.flags;
  L.id = index;
  L.out_scale_q24 = d.out_scale_q24;
  if (d.op < OP_CONV || d.op > OP_ADD) bad(ERR_BAD_OPCODE, &d.op, "unknown opcode");
  L.g.in_c = int(d.in_c); L.g.in_h = int(d.in_h); L.g.in_w = int(d.in_w);
  L.g.out_c = int(d.out_c); L.g.out_h = int(d.out_h); L.g.out_w = int(d.out_w);
  L.g.kh = int(d.kh); L.g.kw = int(d.kw); L.g.stride = int(d.stride); L.g.pad = int(d.pad);
  L.in_planes = int(d.in_planes);
  const uint32_t lim = 1u << 16;
  if (!d.in_c || d.in_c > lim) bad(ERR_BAD_SHAPE, &d.in_c, "in_c out of range");
  if (!d.in_h || d.in_h > lim) bad(ERR_BAD_SHAPE, &d.in_h, "in_h out of range");
  if (!d.in_w || d.in_w > lim) bad(ERR_BAD_SHAPE, &d.in_w, "in_w out of range");
  if (!d.out_c || d.out_c > lim) bad(ERR_BAD_SHAPE, &d.out_c, "out_c out of range");
  if (!d.kh || d.kh > 64) bad(ERR_BAD_SHAPE, &d.kh, "kh out of range");
  if (!d.kw || d.kw > 64) bad(ERR_BAD_SHAPE, &d.kw, "kw out of range");
  if (!d.stride || d.stride > 64) bad(ERR_BAD_SHAPE, &d.stride, "stride out of range");
  if (d.pad >= d.kh) bad(ERR_BAD_SHAPE, &d.pad, "pad must be below the kernel size");
  if (!d.in_planes || d.in_planes > 16) bad(ERR_BAD_SHAPE, &d.in_planes, "in_planes out of range");
  const uint32_t oh = (d.in_h + 2 * d.pad - d.kh) / d.stride + 1, ow = (d.in_w + 2 * d.pad - d.kw) / d.stride + 1;
  if (d.in_h + 2 * d.pad < d.kh || d.out_h != oh) bad(ERR_BAD_SHAPE, &d.out_h, "out_h does not follow from the geometry");
  if (d.in_w + 2 * d.pad < d.kw || d.out_w != ow) bad(ERR_BAD_SHAPE, &d.out_w, "out_w does not follow from the geometry");
  if ((d.op == OP_MAXPOOL || d.op == OP_AVGPOOL) && d.out_c != d.in_c)
    bad(ERR_BAD_SHAPE, &d.out_c, "pooling keeps the channel count");
  // ADD: in_planes are operand 2's bit planes (DESC_IN2_SPIKES); an int32 operand 2 has none.
  if (d.op == OP_ADD && !(d.flags & DESC_IN2_SPIKES) && d.in_planes != 1)
    bad(ERR_BAD_SHAPE, &d.in_planes, "in_planes must be 1 when an add's operand 2 is int32 (no DESC_IN2_SPIKES)");
  L.in_addr = spiketlm_desc_addr(d.in_addr_lo, d.in_addr_hi);
  L.in2_addr = spiketlm_desc_addr(d.in2_addr_lo, d.in2_addr_hi);
  L.out_addr = spiketlm_desc_addr(d.out_addr_lo, d.out_addr_hi);
  L.w_addr = spiketlm_desc_addr(d.w_addr_lo, d.w_addr_hi);
  L.mem_addr = spiketlm_desc_addr(d.mem_addr_lo, d.mem_addr_hi);
  if ((d.flags & DESC_RELU) && !L.fires()) bad(ERR_BAD_PARAM, &d.flags, "DESC_RELU without DESC_FIRES");
  if ((d.flags & DESC_OUT_FX) && (L.fires() || (d.op != OP_CONV && d.op != OP_LINEAR)))
    bad(ERR_BAD_PARAM, &d.flags, "DESC_OUT_FX on a layer that fires or does not compute");
  if (d.flags & DESC_OUT_LEAK) {
    if (L.fires() || (d.op != OP_CONV && d.op != OP_LINEAR))
      bad(ERR_BAD_PARAM, &d.flags, "DESC_OUT_LEAK on a layer that fires or does not compute");
    if (d.leak_shift > 16) bad(ERR_BAD_PARAM, &d.leak_shift, "readout leak_shift out of range (0..16)");
    if (d.leak_num > (1u << d.leak_shift)) bad(ERR_BAD_PARAM, &d.leak_num, "readout leak_num above 2^leak_shift");
    L.readout = {int32_t(d.leak_num), int(d.leak_shift)};
  }
  if (L.relu()) {
    if (d.op != OP_CONV && d.op != OP_LINEAR && d.op != OP_ADD)
      bad(ERR_BAD_PARAM, &d.flags, "DESC_RELU on a layer that neither computes nor adds");
    if (d.act_bits < 1 || d.act_bits > 8) bad(ERR_BAD_PARAM, &d.act_bits, "act_bits must be 1..8");
    L.act_bits = int(d.act_bits);
  }
  if (L.fires() || L.out_fx()) {
    if (d.fx_shift > 62) bad(ERR_BAD_PARAM, &d.fx_shift, "fx_shift out of range");
    L.shift = int(d.fx_shift);
    const uint64_t fx = spiketlm_desc_addr(d.fx_addr_lo, d.fx_addr_hi);
    std::vector<int32_t> buf(size_t(2) * d.out_c);
    read_fx(fx, buf.data(), buf.size() * 4);
    L.multiplier.assign(buf.begin(), buf.begin() + d.out_c);
    L.offset.assign(buf.begin() + d.out_c, buf.end());
  }
  if (L.fires()) {
    if (d.leak_shift > 31) bad(ERR_BAD_PARAM, &d.leak_shift, "leak_shift out of range");
    if (!L.relu() && int32_t(d.threshold) <= 0) bad(ERR_BAD_PARAM, &d.threshold, "threshold must be positive");
    if (!L.relu()) {
      if (d.lif_share != 1 && int(d.lif_share) != hw_share)
        bad(ERR_BAD_PARAM, &d.lif_share, "the LIF units serve " + std::to_string(hw_share) + " channel(s) per circuit");
      if (!d.lif_share || d.out_c % d.lif_share) bad(ERR_BAD_PARAM, &d.lif_share, "lif_share must divide out_c");
    }
    L.neuron.threshold = int32_t(d.threshold);
    L.neuron.leak_num = int32_t(d.leak_num);
    L.neuron.leak_shift = int(d.leak_shift);
    L.neuron.reset = (d.flags & DESC_HARD_RESET) ? reset_mode::hard : reset_mode::soft;
    L.neuron.share = int(d.lif_share);
  }
  return L;
}

int32_t LayerCmd::output_value(int64_t acc, size_t c) const {
  const int64_t v = out_fx() ? arith::neuron_current(acc, multiplier[c], offset[c], shift) : acc;
  if (v > INT32_MAX || v < INT32_MIN) throw LayerRefused(ERR_BAD_PARAM, id, 0, "output accumulation overflows int32");
  return int32_t(v);
}

}  // namespace spiketlm
