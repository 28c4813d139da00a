#include "sw/fw/runtime.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tlm/error.h"
#include "traces/src/spikegen.h"

namespace spiketlm {

std::vector<uint8_t> pack_planes(const std::vector<int32_t>& v, int c, int h, int w, int planes) {
  const uint64_t pitch = (uint64_t(w) + 7) / 8;
  std::vector<uint8_t> out(size_t(planes) * c * h * pitch, 0);
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const uint32_t u = uint32_t(v[(size_t(ch) * h + y) * w + x]);
        for (int pl = 0; pl < planes; ++pl)
          if ((u >> pl) & 1u) out[((size_t(pl) * c + ch) * h + y) * pitch + x / 8] |= uint8_t(1u << (x % 8));
      }
  return out;
}

Runtime::Runtime(Hal& hal, const bundle& b, const RuntimeConfig& cfg)
    : m_hal(hal), m_b(b), m_cfg(cfg), m_next(cfg.dram_base) {}

uint64_t Runtime::alloc(uint64_t bytes) {
  const uint64_t a = (m_next + 63) & ~uint64_t(63);
  const uint64_t end = m_cfg.dram_base + m_cfg.dram_size;
  if (a > end || bytes > end - a)  // (no overflow for any size)
    fail("firmware", "the network does not fit in DRAM (" + std::to_string(m_cfg.dram_size) + " B): needs more than " +
                         (bytes > UINT64_MAX - a ? std::string("2^64") : std::to_string(a + bytes - m_cfg.dram_base)) + " B");
  m_next = a + bytes;
  return a;
}

namespace {
void set_addr(uint32_t& lo, uint32_t& hi, uint64_t a) {
  lo = uint32_t(a);
  hi = uint32_t(a >> 32);
}
// Deterministic stand-in weights for workload bundles (they ship no weights).
// The neuron fields of a firing layer's descriptor: DESC_FIRES, and either DESC_RELU with the
// activation bits (ANN: ReLU + requantize, no membrane) or the LIF/IF parameters. Returns
// whether it is a ReLU.
bool set_neuron(LayerDesc& d, const neuron_params& n) {
  d.flags |= DESC_FIRES;
  if (n.relu()) {
    d.flags |= DESC_RELU;
    d.act_bits = uint32_t(n.bits);
    return true;
  }
  if (n.reset == reset_mode::hard) d.flags |= DESC_HARD_RESET;
  d.threshold = uint32_t(n.threshold);
  d.leak_num = uint32_t(n.leak_num);
  d.leak_shift = uint32_t(n.leak_shift);
  d.lif_share = uint32_t(n.share);
  return false;
}

int8_t synthetic_weight(uint64_t seed, uint64_t layer, uint64_t i) {
  const uint64_t z = arith::splitmix64_mix(seed ^ (layer << 40) ^ i);
  return int8_t(int(z % 255) - 127);
}
}  // namespace

void Runtime::layout_input() {
  m_input.c = m_b.input_shape.c;
  m_input.h = m_b.input_shape.h;
  m_input.w = m_b.input_shape.w;
  if (m_b.encoding == "direct") {  // 8-bit planes, the same for every timestep
    m_input.planes = 8;
    m_input.per_t = false;
    m_input.addr = alloc(m_input.bytes());
  } else {  // one spike map per timestep
    m_input.planes = 1;
    m_input.per_t = true;
    m_input.addr = alloc(m_input.bytes() * uint64_t(m_b.timesteps));
  }
}

Runtime::Map Runtime::producer(size_t li, size_t which) const {
  const layer& L = m_b.layers[li];
  // The reader stores an explicit "input" as an empty name.
  if (L.inputs.size() <= which || L.inputs[which].empty() || L.inputs[which] == "input") {
    if (which == 0 && L.inputs.empty() && li > 0) return m_out[li - 1];
    return m_input;
  }
  return m_out[size_t(m_b.layer_index(L.inputs[which]))];
}

LayerDesc Runtime::input_desc(const Map& in) const {
  LayerDesc d{};
  d.layer_id = uint32_t(m_desc.size());
  d.in_c = uint32_t(in.c);
  d.in_h = uint32_t(in.h);
  d.in_w = uint32_t(in.w);
  d.in_planes = uint32_t(in.planes);
  if (in.per_t) d.flags |= DESC_INPUT_PER_T;
  if (in.addr == m_input.addr && m_b.input_dtype == npy_dtype::i8 && m_b.encoding == "direct")
    d.flags |= DESC_SIGNED_INPUT;
  return d;
}

Runtime::Map Runtime::generated_input(size_t li, const Map& in) {
  const int T = m_b.timesteps;
  Map g;
  g.c = in.c;
  g.h = in.h;
  g.w = in.w;
  g.planes = m_b.ann() ? m_b.layers[li].in_bits : 1;
  g.per_t = true;
  g.addr = alloc(g.bytes() * T);
  for (int t = 0; t < (m_layout_only ? 0 : T); ++t) {
    const auto s = m_b.ann() ? workload_activations(m_b, int(li)) : workload_spikes(m_b, int(li), t);
    std::vector<int32_t> v(s.begin(), s.end());
    const auto packed = pack_planes(v, g.c, g.h, g.w, g.planes);
    m_hal.host_write(g.addr + uint64_t(t) * g.bytes(), packed.data(), packed.size());
  }
  return g;
}

void Runtime::write_weights(size_t li, const Map& in, LayerDesc& d) {
  const layer& L = m_b.layers[li];
  const uint64_t W = uint64_t(in.c) * d.kh * d.kw, K = d.out_c, cols = uint64_t(m_cfg.pe_cols);
  const uint64_t tiles = (K + cols - 1) / cols, tile_bytes = W * cols;
  const uint64_t wa = alloc(tiles * tile_bytes);  // before the host buffer of that size
  // Written in runs of whole filter tiles of at most 1 MiB (one host write each), so the host
  // buffer stays small whatever the layer's size (issue 19, setup memory).
  const uint64_t run = std::max<uint64_t>(1, (uint64_t(1) << 20) / std::max<uint64_t>(tile_bytes, 1));
  std::vector<int8_t> tiled;
  for (uint64_t t0 = 0; t0 < (m_layout_only ? 0 : tiles); t0 += run) {
    const uint64_t t1 = std::min(tiles, t0 + run);
    tiled.assign((t1 - t0) * tile_bytes, 0);
    for (uint64_t k = t0 * cols; k < std::min(K, t1 * cols); ++k)
      for (uint64_t w = 0; w < W; ++w)
        tiled[((k / cols - t0) * W + w) * cols + k % cols] =
            m_b.functional() ? L.weight[k * W + w] : synthetic_weight(m_b.seed, li, k * W + w);
    m_hal.host_write(wa + t0 * tile_bytes, tiled.data(), tiled.size());
  }
  set_addr(d.w_addr_lo, d.w_addr_hi, wa);
}

void Runtime::write_fx(const layer& L, bool own, LayerDesc& d) {
  const uint64_t K = d.out_c;
  const uint64_t fa = alloc(2 * K * 4);  // before the host buffer of that size
  std::vector<int32_t> fx(2 * K, 0);
  for (uint64_t k = 0; k < K; ++k) {
    fx[k] = own ? L.fx.multiplier[k] : 1;
    fx[K + k] = own ? L.fx.offset[k] : 0;
  }
  d.fx_shift = uint32_t(own ? L.fx.shift : 0);
  m_hal.host_write(fa, fx.data(), fx.size() * 4);
  set_addr(d.fx_addr_lo, d.fx_addr_hi, fa);
}

bool Runtime::layout_neuron(const layer& L, bool own_fx, LayerDesc& d) {
  const bool relu = set_neuron(d, *L.neuron);
  write_fx(L, own_fx, d);
  if (!relu)
    set_addr(d.mem_addr_lo, d.mem_addr_hi,
             alloc(uint64_t(d.out_c) * d.out_h * d.out_w * uint64_t(m_cfg.membrane_bytes)));
  return relu;
}

Runtime::Map Runtime::alloc_out(const LayerDesc& d, int planes) {
  Map out;
  out.c = int(d.out_c);
  out.h = int(d.out_h);
  out.w = int(d.out_w);
  out.planes = planes;
  out.addr = alloc(out.bytes() * uint64_t(m_b.timesteps));
  return out;
}

Runtime::Map Runtime::compute_layer(size_t li, Map in, LayerDesc& d) {
  const layer& L = m_b.layers[li];
  d.op = L.type == layer_type::conv2d ? OP_CONV : OP_LINEAR;
  if (L.type == layer_type::conv2d) {
    d.kh = d.kw = uint32_t(L.kernel);
    d.stride = uint32_t(L.stride);
    d.pad = uint32_t(L.padding);
  } else {  // a linear layer: one kernel over the whole input map
    d.kh = uint32_t(in.h);
    d.kw = uint32_t(in.w);
    d.stride = 1;
    d.pad = 0;
  }
  d.out_c = uint32_t(L.out_channels);
  d.out_h = uint32_t(L.out_shape.h);
  d.out_w = uint32_t(L.out_shape.w);
  // Workload: the layer reads its generated input spike map instead of its producer's.
  // An ANN workload reads a generated B-bit activation map (T = 1).
  if (!m_b.functional() && !L.input_rate.empty()) {
    in = generated_input(li, in);
    d.in_planes = uint32_t(in.planes);
    d.flags |= DESC_INPUT_PER_T;
  }
  set_addr(d.in_addr_lo, d.in_addr_hi, in.addr);
  write_weights(li, in, d);  // tiled for the PE array: [ceil(K/cols)][W][cols]
  if (L.fires()) {
    const bool relu = layout_neuron(L, m_b.functional(), d);
    return alloc_out(d, relu ? int(d.act_bits) : 1);
  }
  if (m_b.functional() && L.fx.multiplier.size() == d.out_c) {  // the output layer's bias (FORMAT.md 2)
    write_fx(L, true, d);
    d.flags |= DESC_OUT_FX;
  }
  if (L.readout.leaky()) {  // the readout membrane (FORMAT.md 2.2)
    d.flags |= DESC_OUT_LEAK;
    d.leak_num = uint32_t(L.readout.num);
    d.leak_shift = uint32_t(L.readout.shift);
  }
  Map out;  // int32 accumulations (with the bias: their fixed point), one map per timestep
  out.c = int(d.out_c);
  out.h = int(d.out_h);
  out.w = int(d.out_w);
  out.int32 = true;
  out.planes = 32;
  out.addr = alloc(uint64_t(d.out_c) * d.out_h * d.out_w * 4 * uint64_t(m_b.timesteps));
  return out;
}

Runtime::Map Runtime::pool_layer(const layer& L, const Map& in, LayerDesc& d) {
  d.op = L.type == layer_type::maxpool2d ? OP_MAXPOOL : OP_AVGPOOL;
  d.kh = d.kw = uint32_t(L.kernel);
  d.stride = uint32_t(L.stride);
  d.pad = uint32_t(L.padding);
  d.out_c = uint32_t(in.c);
  d.out_h = uint32_t(L.out_shape.h);
  d.out_w = uint32_t(L.out_shape.w);
  set_addr(d.in_addr_lo, d.in_addr_hi, in.addr);
  return alloc_out(d, d.op == OP_MAXPOOL ? in.planes : int(spiketlm_avgpool_planes(d.kh, d.kw, d.in_planes)));
}

Runtime::Map Runtime::add_layer(size_t li, const Map& in, LayerDesc& d) {
  const layer& L = m_b.layers[li];
  d.op = OP_ADD;
  const Map in2 = producer(li, 1);
  if (in2.addr == m_input.addr || in.addr == m_input.addr)
    fail("firmware", "layer " + L.name + ": an add operand taken straight from the network input is not supported "
                     "(expected the outputs of earlier layers)");
  // Operand 1 is an int32 accumulation map; in_planes are operand 2's bit planes (spikes:
  // 1, a ReLU layer's activations: its bits), 1 for an int32 operand 2.
  d.in_planes = in2.int32 ? 1u : uint32_t(in2.planes);
  d.kh = d.kw = d.stride = 1;
  d.out_c = uint32_t(L.out_shape.c);
  d.out_h = uint32_t(L.out_shape.h);
  d.out_w = uint32_t(L.out_shape.w);
  set_addr(d.in_addr_lo, d.in_addr_hi, in.addr);
  set_addr(d.in2_addr_lo, d.in2_addr_hi, in2.addr);
  if (!in2.int32) d.flags |= DESC_IN2_SPIKES;
  // A firing add: ReLU + requantize of the sum (no membrane) or LIF; its transform (FORMAT.md
  // 2.1) is the identity, or derived from its scale and bias.
  const bool relu = L.fires() && layout_neuron(L, m_b.functional() && L.fx.multiplier.size() == d.out_c, d);
  return alloc_out(d, relu ? int(d.act_bits) : 1);
}

void Runtime::set_logit_scale(size_t li, LayerDesc& d) const {
  const layer& L = m_b.layers[li];
  if (li + 1 != m_b.layers.size() || !L.is_compute() || L.fires() || !m_b.functional()) return;
  // The exit unit's logit scale: real logit = accumulation x weight scale x input scale.
  const double sc = double(L.weight_scale.empty() ? 1.0f : L.weight_scale[0]) * L.in_scale;
  d.out_scale_q24 = uint32_t(std::min(std::llround(sc * 16777216.0), (long long)UINT32_MAX));
}

void Runtime::load() {
  layout_input();
  m_out.assign(m_b.layers.size(), Map{});
  m_desc.clear();
  m_layer_of_desc.clear();
  for (size_t li = 0; li < m_b.layers.size(); ++li) {
    const layer& L = m_b.layers[li];
    const Map in = producer(li, 0);
    if (L.type == layer_type::flatten) {
      m_out[li] = in;  // a flatten moves no data: the next linear layer reads the map as it is
      continue;
    }
    LayerDesc d = input_desc(in);
    Map out;
    switch (L.type) {
      case layer_type::conv2d:
      case layer_type::linear: out = compute_layer(li, in, d); break;
      case layer_type::maxpool2d:
      case layer_type::avgpool2d: out = pool_layer(L, in, d); break;
      case layer_type::add: out = add_layer(li, in, d); break;
      default: fail("firmware", "layer " + L.name + ": unsupported layer type");
    }
    set_addr(d.out_addr_lo, d.out_addr_hi, out.addr);
    set_logit_scale(li, d);
    m_out[li] = out;
    m_desc.push_back(d);
    m_layer_of_desc.push_back(int(li));
  }
  m_result_addr = m_out.back().addr;
  m_desc_addr = alloc(m_desc.size() * sizeof(LayerDesc));
  write_descriptors();
}

void Runtime::lay_out() {
  m_layout_only = true;
  load();
  m_layout_only = false;
}

void Runtime::write_descriptors() { m_hal.write(m_desc_addr, m_desc.data(), m_desc.size() * sizeof(LayerDesc)); }

void Runtime::write_input(int sample) {
  if (on_sample) on_sample();
  const int T = m_b.timesteps;
  if (m_b.functional()) {
    if (m_b.encoding == "direct") {
      const auto p = pack_planes(m_b.input(sample), m_input.c, m_input.h, m_input.w, 8);
      m_hal.host_write(m_input.addr, p.data(), p.size());
    } else {
      for (int t = 0; t < T; ++t) {
        const auto p = pack_planes(m_b.input(sample, t), m_input.c, m_input.h, m_input.w, 1);
        m_hal.host_write(m_input.addr + uint64_t(t) * m_input.bytes(), p.data(), p.size());
      }
    }
  } else if (m_b.encoding == "direct") {
    // A workload has no images: a seeded stand-in (uniform bytes) of the right shape.
    std::vector<int32_t> v(size_t(m_input.c) * m_input.h * m_input.w);
    for (size_t i = 0; i < v.size(); ++i) v[i] = int32_t(arith::splitmix64_mix(m_b.seed ^ (uint64_t(sample) << 48) ^ i) & 0xff);
    const auto p = pack_planes(v, m_input.c, m_input.h, m_input.w, 8);
    m_hal.host_write(m_input.addr, p.data(), p.size());
  } else {
    for (int t = 0; t < T; ++t) {
      const auto s = workload_spikes(m_b, 0, t, sample);
      std::vector<int32_t> v(s.begin(), s.end());
      const auto p = pack_planes(v, m_input.c, m_input.h, m_input.w, 1);
      m_hal.host_write(m_input.addr + uint64_t(t) * m_input.bytes(), p.data(), p.size());
    }
  }
}

SampleResult Runtime::run(int sample) {
  const uint64_t csr = m_cfg.csr_base;
  write_input(sample);
  m_hal.reg_write(csr, REG_DESC_ADDR_LO, uint32_t(m_desc_addr));
  m_hal.reg_write(csr, REG_DESC_ADDR_HI, uint32_t(m_desc_addr >> 32));
  m_hal.reg_write(csr, REG_NUM_LAYERS, uint32_t(m_desc.size()));
  m_hal.reg_write(csr, REG_TIMESTEPS, uint32_t(m_b.timesteps));
  m_hal.reg_write(csr, REG_OUT_ADDR_LO, uint32_t(m_result_addr));
  m_hal.reg_write(csr, REG_OUT_ADDR_HI, uint32_t(m_result_addr >> 32));
  m_hal.reg_write(csr, REG_EXIT_THRESHOLD, m_cfg.exit_threshold);
  const uint64_t t0 = m_hal.now_ps();
  m_hal.reg_write(csr, REG_CTRL, CTRL_START);
  m_hal.wait_irq();
  SampleResult r;
  r.seconds = span_seconds(t0, m_hal.now_ps());
  r.irq_cause = m_hal.reg_read(csr, REG_IRQ_CAUSE);
  r.status = m_hal.reg_read(csr, REG_STATUS);
  r.err_code = m_hal.reg_read(csr, REG_ERR_CODE);
  r.err_layer = m_hal.reg_read(csr, REG_ERR_LAYER);
  r.err_field = m_hal.reg_read(csr, REG_ERR_FIELD);
  r.prediction = m_hal.reg_read(csr, REG_PREDICTION);
  r.exit_timestep = m_hal.reg_read(csr, REG_EXIT_TIMESTEP);
  r.cycles = m_hal.reg_read64(csr, REG_CYCLES_LO);
  r.dram_bytes = m_hal.reg_read64(csr, REG_DRAM_BYTES_LO);
  r.glb_bytes = m_hal.reg_read64(csr, REG_GLB_BYTES_LO);
  r.spikes = m_hal.reg_read64(csr, REG_SPIKES_LO);
  r.spikes_in = m_hal.reg_read64(csr, REG_SPIKES_IN_LO);
  if (!(r.status & STATUS_ERROR)) {
    const uint64_t n = uint64_t(timesteps_run(r.status, r.exit_timestep, uint32_t(m_b.timesteps))) * uint64_t(m_b.classes);
    r.outputs.resize(n);
    m_hal.read(m_result_addr, r.outputs.data(), n * 4);
  }
  m_hal.reg_write(csr, REG_CTRL, CTRL_IRQ_ACK);
  return r;
}

}  // namespace spiketlm
