#include "traces/src/golden.h"

#include "tlm/error.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace spiketlm::golden {

using namespace spiketlm::arith;

fixed_point derive_fixed_point(const std::vector<float>& w_scale, double in_scale, const batch_norm* bn, double gain,
                               std::int32_t threshold, int channels, const std::vector<float>* bias) {
  const auto C = static_cast<std::size_t>(channels);
  if (w_scale.size() != C && w_scale.size() != 1)
    fail("trace", "derive_fixed_point: weight_scale: expected " + std::to_string(C) + " or 1 values, got " +
                      std::to_string(w_scale.size()));
  if (bn && (bn->weight.size() != C || bn->bias.size() != C || bn->running_mean.size() != C ||
             bn->running_var.size() != C))
    fail("trace", "derive_fixed_point: bn: expected " + std::to_string(C) + " values per tensor");
  const bool has_bias = bias && !bias->empty();
  if (has_bias && bias->size() != C)
    fail("trace", "derive_fixed_point: bias: expected " + std::to_string(C) + " values, got " + std::to_string(bias->size()));
  const double k = gain * static_cast<double>(threshold);
  std::vector<double> a(C), b(C);
  for (std::size_t c = 0; c < C; ++c) {
    const double s = static_cast<double>(w_scale[w_scale.size() == 1 ? 0 : c]) * in_scale;
    if (bn) {
      const double inv = 1.0 / std::sqrt(static_cast<double>(bn->running_var[c]) + bn->eps);
      const double g = static_cast<double>(bn->weight[c]) * inv;
      a[c] = (k * g) * s;
      // BN(s psum + bias) = g s psum + beta - g (mean - bias); without a bias the term is the
      // mean itself (x - 0 is exact), so bundles without bias derive the same integers.
      const double mean = static_cast<double>(bn->running_mean[c]) - (has_bias ? static_cast<double>((*bias)[c]) : 0.0);
      const double gm = g * mean;
      b[c] = k * (static_cast<double>(bn->bias[c]) - gm);
    } else {
      a[c] = k * s;
      b[c] = has_bias ? k * static_cast<double>((*bias)[c]) : 0.0;
    }
  }
  fixed_point fx;
  fx.multiplier.resize(C);
  fx.offset.resize(C);
  for (int shift = 31; shift >= 0; --shift) {
    const std::int64_t half = shift > 0 ? (std::int64_t(1) << (shift - 1)) : 0;
    bool ok = true;
    for (std::size_t c = 0; c < C && ok; ++c) {
      const double am = std::ldexp(a[c], shift), bm = std::ldexp(b[c], shift);
      if (!(std::fabs(am) < 9e15) || !(std::fabs(bm) < 9e15)) {
        ok = false;
        break;
      }
      const std::int64_t m = round_half_away(am), o = round_half_away(bm) + half;
      if (m > k_multiplier_max || m < -k_multiplier_max || o > k_offset_max || o < -k_offset_max) {
        ok = false;
        break;
      }
      fx.multiplier[c] = static_cast<std::int32_t>(m);
      fx.offset[c] = static_cast<std::int32_t>(o);
    }
    if (ok) {
      fx.shift = shift;
      return fx;
    }
  }
  fail("trace", "derive_fixed_point: shift: expected a shift in [0, 31] that fits the multiplier and offset ranges, got none");
}

fixed_point derive_output_bias(const std::vector<float>& w_scale, double in_scale, const std::vector<float>& bias,
                               const std::string& file) {
  fixed_point fx;
  fx.multiplier.assign(bias.size(), 1);
  fx.offset.resize(bias.size());
  for (std::size_t c = 0; c < bias.size(); ++c) {
    const double unit = static_cast<double>(w_scale[w_scale.size() == 1 ? 0 : c]) * in_scale;
    const double o = std::nearbyint(static_cast<double>(bias[c]) / unit);
    if (!(std::fabs(o) <= 2147483647.0))
      fail("trace", file + ": [" + std::to_string(c) + "]: expected an output bias within int32 accumulation units "
                    "(|bias| <= 2^31 - 1 times weight_scale x input scale " + std::to_string(unit) + "), got " +
                    std::to_string(bias[c]));
    fx.offset[c] = static_cast<std::int32_t>(o);
  }
  return fx;
}

int result::predicted(int t) const {
  std::vector<std::int64_t> cum(static_cast<std::size_t>(classes), 0);
  for (int u = 0; u <= t; ++u)
    for (int c = 0; c < classes; ++c)
      cum[static_cast<std::size_t>(c)] =
          arith::readout_step(cum[static_cast<std::size_t>(c)], outputs[static_cast<std::size_t>(u) * classes + c], readout);
  return argmax(cum.data(), classes);
}

model::model(const bundle& b, options opt) : m_bundle(b), m_opt(opt) {
  if (!b.functional()) fail("trace", b.dir + ": kind: expected functional for the golden model, got " + b.kind);
  if (opt.membrane_bits < 2 || opt.membrane_bits > 63)
    fail("trace", "golden: membrane_bits: expected an integer in [2, 63], got " + std::to_string(opt.membrane_bits));
  m_wt.resize(b.layers.size());
  // Producers: an empty input list is the previous layer (the network input for the first);
  // an empty name or "input" is the network input.
  m_src.resize(b.layers.size());
  m_keep.assign(b.layers.size(), 0);
  for (std::size_t i = 0; i < b.layers.size(); ++i) {
    const layer& l = b.layers[i];
    if (l.inputs.empty()) m_src[i].push_back(static_cast<int>(i) - 1);
    for (const std::string& n : l.inputs) {
      const int s = n.empty() || n == "input" ? -1 : b.layer_index(n);
      if (!(n.empty() || n == "input") && (s < 0 || s >= static_cast<int>(i)))
        fail("trace", "golden: " + l.name + ": inputs: expected the name of an earlier layer, got '" + n + "'");
      m_src[i].push_back(s);
    }
    if (m_src[i].size() != (l.type == layer_type::add ? 2u : 1u))
      fail("trace", "golden: " + l.name + ": inputs: expected " + (l.type == layer_type::add ? "2" : "1") + ", got " +
                        std::to_string(m_src[i].size()));
    for (const int s : m_src[i]) {
      if (s == static_cast<int>(i) - 1) continue;  // the current map
      if (s < 0)
        m_keep_input = true;
      else
        m_keep[static_cast<std::size_t>(s)] = m_any_kept = true;
    }
  }
  for (std::size_t i = 0; i < b.layers.size(); ++i) {
    const layer& l = b.layers[i];
    if (l.type == layer_type::conv2d)
      m_wt[i] = transpose_conv_weight(l.weight, l.out_channels, l.in_channels, l.kernel);
    else if (l.type == layer_type::linear) {
      m_wt[i].resize(l.weight.size());
      for (int o = 0; o < l.out_channels; ++o)
        for (int n = 0; n < l.in_channels; ++n)
          m_wt[i][static_cast<std::size_t>(n) * l.out_channels + o] = l.weight[static_cast<std::size_t>(o) * l.in_channels + n];
    }
  }
}

std::int32_t neuron_layer_step(const layer& l, const std::int32_t* psum, std::vector<std::int64_t>& membrane,
                               std::int32_t* out, int membrane_bits) {
  const neuron_params& p = *l.neuron;
  const std::size_t hw = static_cast<std::size_t>(l.out_shape.h) * l.out_shape.w;
  const std::size_t group = l.out_shape.size() / static_cast<std::size_t>(p.share);
  if (membrane.size() != group)
    fail("trace", "golden: " + l.name + ": membrane: expected " + std::to_string(group) + " values, got " +
                      std::to_string(membrane.size()));
  std::int32_t fired = 0;
  for (int g = 0; g < p.share; ++g) {
    const std::size_t base = static_cast<std::size_t>(g) * group;
    for (std::size_t j = 0; j < group; ++j) {
      const std::size_t idx = base + j;
      const std::size_t c = idx / hw;
      const std::int64_t cur = neuron_current(psum[idx], l.fx.multiplier[c], l.fx.offset[c], l.fx.shift);
      const bool s = lif_update(membrane[j], cur, p, membrane_bits);
      out[idx] = s;
      fired += s;
    }
  }
  return fired;
}

std::int32_t relu_layer_step(const layer& l, const std::int32_t* psum, std::int32_t* out) {
  const neuron_params& p = *l.neuron;
  const std::size_t hw = static_cast<std::size_t>(l.out_shape.h) * l.out_shape.w, n = l.out_shape.size();
  std::int32_t nonzero = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t c = j / hw;
    out[j] = relu_quantize(neuron_current(psum[j], l.fx.multiplier[c], l.fx.offset[c], l.fx.shift), p.bits);
    nonzero += out[j] != 0;
  }
  return nonzero;
}

// The output layer's bias (FORMAT.md 2, `bias` on the output layer): its int32 outputs are the
// fixed point of the accumulations, as the accelerators' DESC_OUT_FX write-back computes them.
void output_bias(const layer& l, std::vector<std::int32_t>& y) {
  const std::size_t hw = static_cast<std::size_t>(l.out_shape.h) * l.out_shape.w;
  for (std::size_t j = 0; j < y.size(); ++j) {
    const std::size_t c = j / hw;
    const std::int64_t v = neuron_current(y[j], l.fx.multiplier[c], l.fx.offset[c], l.fx.shift);
    if (v > INT32_MAX || v < INT32_MIN)
      fail("trace", "golden: " + l.name + ": output: expected a value that fits int32, got " + std::to_string(v));
    y[j] = static_cast<std::int32_t>(v);
  }
}

result model::run(int sample, const layer_observer& observer) const {
  const bundle& b = m_bundle;
  if (sample < 0 || sample >= b.samples)
    fail("trace", "golden: sample: expected an index in [0, " + std::to_string(b.samples - 1) + "], got " +
                      std::to_string(sample));
  if (!b.spike_input()) return run_input(b.input(sample), observer);
  std::vector<std::int32_t> all;
  for (int t = 0; t < b.timesteps; ++t) {
    auto v = b.input(sample, t);
    all.insert(all.end(), v.begin(), v.end());
  }
  return run_input(all, observer);
}

// The working state of one sample (run_input): membranes, the current map x (and whether it
// is 0/1), the next map y, and the outputs kept for branches.
struct model::sample_state {
  int t = 0;
  std::size_t f = 0;  // index of the next firing layer in result::spike_counts
  std::size_t F = 0;  // firing layers
  int out_layer = -1;
  bool spikes_in = false, binary = false;
  std::vector<std::vector<std::int64_t>> membrane;
  // Branches (residual blocks): the outputs of this timestep that a layer other than the next
  // one reads are kept by layer index (m_keep); a chain keeps none.
  std::vector<std::vector<std::int32_t>> kept;
  std::vector<char> kept_binary;
  std::vector<std::int32_t> x_input;     // the network input of this timestep, if a later layer reads it
  std::vector<std::int32_t> first_psum;  // direct coding: the first layer's psums are the same every t
  std::vector<std::int32_t> x, y, active, psum_copy;
};

result model::run_input(const std::vector<std::int32_t>& input, const layer_observer& observer) const {
  const bundle& b = m_bundle;
  const int T = b.timesteps;
  const std::size_t n_in = b.input_shape.size();
  sample_state s;
  s.spikes_in = b.spike_input();
  if (input.size() != (s.spikes_in ? n_in * static_cast<std::size_t>(T) : n_in))
    fail("trace", "golden: input: expected " + std::to_string(s.spikes_in ? n_in * T : n_in) + " values, got " +
                      std::to_string(input.size()));
  result r;
  r.timesteps = T;
  r.classes = b.classes;
  r.readout = b.layers.back().readout;
  const std::size_t L = b.layers.size();
  r.outputs.assign(static_cast<std::size_t>(T) * b.classes, 0);
  s.F = b.firing_layers();
  s.out_layer = b.output_layer();
  r.spike_counts.assign(static_cast<std::size_t>(T) * s.F, 0);
  s.membrane.resize(L);
  for (std::size_t i = 0; i < L; ++i)
    if (b.layers[i].fires() && !b.layers[i].neuron->relu())
      s.membrane[i].assign(b.layers[i].out_shape.size() / static_cast<std::size_t>(b.layers[i].neuron->share), 0);
  s.kept.resize(m_keep_input || m_any_kept ? L : 0);
  s.kept_binary.assign(s.kept.size(), 0);
  for (s.t = 0; s.t < T; ++s.t) {
    if (s.spikes_in)
      s.x.assign(input.begin() + static_cast<std::ptrdiff_t>(n_in * s.t),
                 input.begin() + static_cast<std::ptrdiff_t>(n_in * (s.t + 1)));
    else
      s.x = input;
    if (m_keep_input) s.x_input = s.x;
    s.binary = s.spikes_in;
    s.f = 0;
    for (std::size_t i = 0; i < L; ++i) {
      step_layer(i, s, r, observer);
      if (m_keep[i]) {
        s.kept[i] = s.y;
        s.kept_binary[i] = s.binary;
      }
      std::swap(s.x, s.y);
    }
  }
  return r;
}

std::pair<const std::vector<std::int32_t>*, bool> model::operand(const sample_state& s, std::size_t i,
                                                                 int which) const {
  const int src = m_src[i][static_cast<std::size_t>(which)];
  if (src == static_cast<int>(i) - 1) return {&s.x, s.binary};
  if (src < 0) return {&s.x_input, s.spikes_in};
  return {&s.kept[static_cast<std::size_t>(src)], s.kept_binary[static_cast<std::size_t>(src)] != 0};
}

void model::step_layer(std::size_t i, sample_state& s, result& r, const layer_observer& observer) const {
  const layer& l = m_bundle.layers[i];
  const auto [in_ptr, in_binary] = operand(s, i, 0);
  const std::vector<std::int32_t>& in = *in_ptr;
  static const std::vector<std::int32_t> no_psum;
  s.y.assign(l.out_shape.size(), 0);
  switch (l.type) {
    case layer_type::conv2d:
    case layer_type::linear:
      return synapse_layer(i, in, in_binary, s, r, observer);
    case layer_type::add:
      return add_layer(i, in, s, r, observer);
    case layer_type::maxpool2d:
      maxpool2d(in.data(), l.in_shape, l.kernel, l.stride, l.padding, l.out_shape, s.y.data());
      s.binary = in_binary;
      break;
    case layer_type::avgpool2d:
      avgpool2d(in.data(), l.in_shape, l.kernel, l.stride, l.padding, l.out_shape, s.y.data());
      s.binary = false;
      break;
    case layer_type::flatten:
      s.y = in;
      s.binary = in_binary;
      break;
  }
  if (observer) observer(s.t, static_cast<int>(i), no_psum, s.y);
}

// A conv or linear layer: event-driven on a 0/1 input, dense otherwise; then its neurons, or
// the raw int32 accumulations for the output layer and an add's operand.
void model::synapse_layer(std::size_t i, const std::vector<std::int32_t>& in, bool in_binary, sample_state& s,
                          result& r, const layer_observer& observer) const {
  const layer& l = m_bundle.layers[i];
  const bool conv = l.type == layer_type::conv2d;
  if (in_binary) {
    s.active.clear();
    for (std::size_t j = 0; j < in.size(); ++j)
      if (in[j]) s.active.push_back(static_cast<std::int32_t>(j));
    if (conv)
      conv2d_events(s.active, l.in_shape, m_wt[i].data(), l.kernel, l.stride, l.padding, l.out_shape, s.y.data());
    else
      linear_events(s.active, m_wt[i].data(), l.out_channels, s.y.data());
  } else if (i == 0 && !s.spikes_in && !s.first_psum.empty()) {
    s.y = s.first_psum;
  } else {
    if (conv)
      conv2d_dense(in.data(), l.in_shape, l.weight.data(), l.kernel, l.stride, l.padding, l.out_shape, s.y.data());
    else
      linear_dense(in.data(), l.in_channels, l.weight.data(), l.out_channels, s.y.data());
    if (i == 0 && !s.spikes_in) s.first_psum = s.y;
  }
  if (!l.fires()) {  // the output layer, or an add's operand (int32 accumulations)
    if (!l.fx.multiplier.empty()) output_bias(l, s.y);
    if (static_cast<int>(i) == s.out_layer)
      std::copy(s.y.begin(), s.y.end(), r.outputs.begin() + static_cast<std::ptrdiff_t>(s.t) * m_bundle.classes);
    if (observer) observer(s.t, static_cast<int>(i), s.y, s.y);
    s.binary = false;
    return;
  }
  fire(i, s, r, observer);
}

// FORMAT.md section 2.1: current = operand 1 + operand 2 (the identity fixed point of l.fx),
// into the add's own neurons.
void model::add_layer(std::size_t i, const std::vector<std::int32_t>& in, sample_state& s, result& r,
                      const layer_observer& observer) const {
  const layer& l = m_bundle.layers[i];
  if (!l.fires()) fail("trace", "golden: " + l.name + ": neuron: expected a map (an add fires), got none");
  const std::vector<std::int32_t>& in2 = *operand(s, i, 1).first;
  for (std::size_t j = 0; j < s.y.size(); ++j) {
    const std::int64_t v = static_cast<std::int64_t>(in[j]) + in2[j];
    if (v > INT32_MAX || v < INT32_MIN)
      fail("trace", "golden: " + l.name + ": sum: expected a value that fits int32 (FORMAT.md section 2.1), got " +
                        std::to_string(v));
    s.y[j] = static_cast<std::int32_t>(v);
  }
  fire(i, s, r, observer);
}

// The neurons of layer i on the currents in s.y: B-bit ReLU activations (an ANN; multi-bit
// input to the next layer) or LIF spikes; counts what fired (or is non-zero).
void model::fire(std::size_t i, sample_state& s, result& r, const layer_observer& observer) const {
  const layer& l = m_bundle.layers[i];
  if (observer) s.psum_copy = s.y;
  const std::size_t slot = static_cast<std::size_t>(s.t) * s.F + s.f++;
  if (l.neuron->relu()) {
    r.spike_counts[slot] = relu_layer_step(l, s.y.data(), s.y.data());
    s.binary = false;
  } else {
    r.spike_counts[slot] = neuron_layer_step(l, s.y.data(), s.membrane[i], s.y.data(), m_opt.membrane_bits);
    s.binary = true;
  }
  if (observer) observer(s.t, static_cast<int>(i), s.psum_copy, s.y);
}

evaluation evaluate(const model& m, int samples) {
  const bundle& b = m.trace();
  const int N = samples < 0 ? b.samples : std::min(samples, b.samples);
  const int T = b.timesteps;
  const std::size_t F = b.firing_layers();
  evaluation e;
  e.accuracy.assign(static_cast<std::size_t>(T), 0.0);
  e.spikes.assign(static_cast<std::size_t>(T) * F, 0);
  std::vector<std::int64_t> correct(static_cast<std::size_t>(T), 0);
  for (int n = 0; n < N; ++n) {
    const result r = m.run(n);
    bool same = true;
    for (int t = 0; t < T; ++t)
      for (int c = 0; c < b.classes; ++c)
        same = same && r.outputs[static_cast<std::size_t>(t) * b.classes + c] == b.ref_output(n, t, c);
    if (!same) ++e.mismatched_samples;
    for (int t = 0; t < T; ++t) correct[static_cast<std::size_t>(t)] += r.predicted(t) == b.labels[static_cast<std::size_t>(n)];
    for (std::size_t k = 0; k < e.spikes.size(); ++k) e.spikes[k] += r.spike_counts[k];
  }
  for (int t = 0; t < T; ++t) e.accuracy[static_cast<std::size_t>(t)] = N ? static_cast<double>(correct[static_cast<std::size_t>(t)]) / N : 0.0;
  return e;
}

}  // namespace spiketlm::golden
