// spiketlm: the golden model. A plain C++ (no SystemC) integer implementation of a
// functional trace, exactly as traces/FORMAT.md specifies it; every platform is checked
// against it. The arithmetic pieces are free functions so that hardware units compute
// their functional part with the very same code.
#pragma once
#include "traces/src/trace.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace spiketlm::golden {

// ---- arithmetic helpers (FORMAT.md section 4) ----

// Round to nearest, ties away from zero, of a float64 (exact; like C's round()).
std::int64_t round_half_away(double x);

// Largest value limits of the derived integers.
inline constexpr std::int64_t k_multiplier_max = 32767;      // signed 16 bit
inline constexpr std::int64_t k_offset_max = 2147483647;     // signed 32 bit

// Fixed-point neuron input transform of one firing layer: in float64,
//   a_c = ((gain * threshold) * (gamma_c / sqrt(var_c + eps))) * (w_scale_c * in_scale)
//   b_c = (gain * threshold) * (beta_c - (gamma_c / sqrt(var_c + eps)) * (mean_c - bias_c))
// (without BN: a_c = (gain * threshold) * (w_scale_c * in_scale), b_c = (gain * threshold) *
// bias_c; bias_c = 0 when `bias` is null or empty: the layer's own bias, FORMAT.md 4.3); then the largest
// shift in [0, 31] with |round(a_c 2^shift)| <= 32767 and |round(b_c 2^shift) + 2^(shift-1)|
// <= 2^31 - 1 for every c. channels: size of the result (w_scale may have 1 element).
fixed_point derive_fixed_point(const std::vector<float>& w_scale, double in_scale, const batch_norm* bn,
                               double gain, std::int32_t threshold, int channels,
                               const std::vector<float>* bias = nullptr);

// Saturate to a signed `bits`-bit integer (bits in [2, 63]).
inline std::int64_t saturate(std::int64_t v, int bits) {
  const std::int64_t hi = (std::int64_t(1) << (bits - 1)) - 1, lo = -hi - 1;
  return v > hi ? hi : (v < lo ? lo : v);
}

// Neuron input current of one psum: (psum * multiplier + offset) >> shift (arithmetic shift,
// i.e. floor division by 2^shift).
inline std::int64_t neuron_current(std::int64_t psum, std::int32_t multiplier, std::int32_t offset, int shift) {
  return (psum * multiplier + offset) >> shift;
}

// One LIF/IF update of membrane v with input current x:
//   v <- saturate(((v * leak_num) >> leak_shift) + x, membrane_bits)
//   spike = v >= threshold; on a spike v <- v - threshold (soft) or 0 (hard).
// The same in two steps over the constants by value (a plain struct that a caller's loop keeps
// in registers): charge = ((v * leak_num) >> leak_shift) + x, then saturate, fire and reset.
struct lif_constants {
  std::int64_t leak_num;
  int leak_shift;
  std::int64_t threshold;
  bool soft;
};
inline lif_constants lif_constants_of(const neuron_params& p) {
  return {p.leak_num, p.leak_shift, p.threshold, p.reset == reset_mode::soft};
}
inline std::int64_t lif_charge(std::int64_t v, std::int64_t x, const lif_constants& c) {
  return ((v * c.leak_num) >> c.leak_shift) + x;
}
inline bool lif_fire(std::int64_t& v, std::int64_t charge, const lif_constants& c, int membrane_bits) {
  const std::int64_t s = saturate(charge, membrane_bits);
  const bool fire = s >= c.threshold;
  const std::int64_t m = -static_cast<std::int64_t>(fire);  // all ones on a spike (no branch on it)
  v = c.soft ? s - (m & c.threshold) : s & ~m;
  return fire;
}
inline bool lif_update(std::int64_t& v, std::int64_t x, const neuron_params& p, int membrane_bits) {
  const lif_constants c = lif_constants_of(p);
  return lif_fire(v, lif_charge(v, x, c), c, membrane_bits);
}

// ANN activation (FORMAT.md section 8): ReLU and saturation of a neuron current to an
// unsigned `bits`-bit value, clamp(current, 0, 2^bits - 1).
inline std::int32_t relu_quantize(std::int64_t current, int bits) {
  const std::int64_t hi = (std::int64_t(1) << bits) - 1;
  return static_cast<std::int32_t>(current < 0 ? 0 : (current > hi ? hi : current));
}

// Argmax with ties to the lowest index.
int argmax(const std::int64_t* v, int n);

// ---- layer kernels on one sample (CHW order, int32 values) ----

// Dense convolution: out[k, oy, ox] = sum_c,ky,kx w[k, c, ky, kx] * in[c, oy*s+ky-p, ox*s+kx-p]
// (zero outside). Weight layout [K, C, k, k].
void conv2d_dense(const std::int32_t* in, const tensor_shape& is, const std::int8_t* w, int k, int stride,
                  int pad, const tensor_shape& os, std::int32_t* out);
// The same for a 0/1 input, event-driven: only the `active` input positions (indices into the
// C*H*W input) are visited. wt is the weight transposed to [C, k, k, K] (transpose_conv_weight).
void conv2d_events(const std::vector<std::int32_t>& active, const tensor_shape& is, const std::int8_t* wt, int k,
                   int stride, int pad, const tensor_shape& os, std::int32_t* out);
std::vector<std::int8_t> transpose_conv_weight(const std::vector<std::int8_t>& w, int K, int C, int k);
// Linear layer: out[o] = sum_i w[o, i] in[i]; the event form takes wt = [in, out].
void linear_dense(const std::int32_t* in, int n_in, const std::int8_t* w, int n_out, std::int32_t* out);
void linear_events(const std::vector<std::int32_t>& active, const std::int8_t* wt, int n_out, std::int32_t* out);
// Pooling: max (OR on spikes) and average (window sum; the 1/k^2 is in the next in_scale).
// Padding contributes zeros.
void maxpool2d(const std::int32_t* in, const tensor_shape& is, int k, int stride, int pad, const tensor_shape& os,
               std::int32_t* out);
void avgpool2d(const std::int32_t* in, const tensor_shape& is, int k, int stride, int pad, const tensor_shape& os,
               std::int32_t* out);

// One timestep of a firing layer's neurons: currents from psum (CHW, out_shape.size()
// values) through l.fx, then the LIF/IF update of FORMAT.md 4.4 with C#n sharing (4.5).
// membrane holds out_shape.size() / share values (start with zeros); spikes (0/1) are
// written to out (may alias psum). Returns the number of spikes.
std::int32_t neuron_layer_step(const layer& l, const std::int32_t* psum, std::vector<std::int64_t>& membrane,
                               std::int32_t* out, int membrane_bits);

// A relu layer of an ANN bundle: out[j] = relu_quantize(neuron_current(psum[j], fx of j's
// channel), bits) for the out_shape.size() values (out may alias psum). Returns the number of
// non-zero activations.
std::int32_t relu_layer_step(const layer& l, const std::int32_t* psum, std::int32_t* out);

// ---- the model ----

struct options {
  int membrane_bits = 32;  // saturating membrane width, in [2, 63] (no effect on an ann bundle)
};

// The per-sample result: outputs[t * classes + c] = output layer accumulation at timestep t;
// spike_counts[t * F + f] = spikes fired by firing layer f at timestep t. For an ann bundle
// (network ann, T = 1) outputs are the int32 logits and spike_counts[f] the number of non-zero
// activations of relu layer f (the reference's nonzero_counts).
struct result {
  int timesteps = 0, classes = 0;
  std::vector<std::int32_t> outputs;
  std::vector<std::int32_t> spike_counts;
  // Prediction after timesteps 0..t: argmax of the cumulative outputs, ties to the lowest class.
  int predicted(int t) const;
};

// Called after every layer of every timestep: psum = the accumulations of a conv2d/linear
// (for an add: the sum of its operands, its neurons' input; empty for other layers), out = the layer's output (spikes of a firing layer, B-bit
// activations of a relu layer, psums of the output layer, the pooled/flattened map otherwise).
// For checking a platform layer by layer.
using layer_observer = std::function<void(int t, int layer, const std::vector<std::int32_t>& psum,
                                          const std::vector<std::int32_t>& out)>;

class model {
 public:
  explicit model(const bundle& b, options opt = {});
  // Run one sample of the bundle (its inputs).
  result run(int sample, const layer_observer& observer = {}) const;
  // Run an external input: direct: C*H*W values; spikes: T*C*H*W 0/1 values.
  result run_input(const std::vector<std::int32_t>& input, const layer_observer& observer = {}) const;
  const bundle& trace() const { return m_bundle; }

 private:
  const bundle& m_bundle;
  options m_opt;
  std::vector<std::vector<std::int8_t>> m_wt;  // transposed weights per layer (empty if unused)
  std::vector<std::vector<int>> m_src;          // producers of each layer (-1: the network input)
  std::vector<char> m_keep;                     // outputs read by a layer other than the next one
  bool m_keep_input = false, m_any_kept = false;
};

// Accuracy at every timestep (prediction as in result::predicted) over the bundle's samples.
struct evaluation {
  std::vector<double> accuracy;         // [T]
  std::vector<std::int64_t> spikes;     // [T * F] summed over samples
  std::size_t mismatched_samples = 0;   // samples whose outputs differ from the reference
};
evaluation evaluate(const model& m, int samples = -1);

}  // namespace spiketlm::golden
