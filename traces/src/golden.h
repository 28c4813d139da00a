// spiketlm: the golden model. A plain C++ (no SystemC) integer implementation of a
// functional trace, exactly as traces/FORMAT.md specifies it; every platform is checked
// against it. Its arithmetic is hw/arith (fixed point, LIF update, layer kernels): the
// hardware units compute their functional part with the very same code.
#pragma once
#include "hw/arith/fixed_point.h"
#include "hw/arith/kernels.h"
#include "hw/arith/neuron.h"
#include "traces/src/trace.h"

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace spiketlm::golden {

// The arithmetic (fixed point, LIF update, ReLU, layer kernels) is hw/arith's (namespace
// spiketlm::arith), shared with the hardware units.

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
// The output layer's bias as a fixed point (FORMAT.md 2): multiplier 1, shift 0 and offset[c]
// = round(bias[c] / (w_scale[c] x in_scale)), the bias in units of the accumulation; fails
// (naming `file`) when an offset does not fit int32.
fixed_point derive_output_bias(const std::vector<float>& w_scale, double in_scale, const std::vector<float>& bias,
                               const std::string& file);

// ---- layers on one sample (CHW order, int32 values) ----

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
  arith::readout_leak readout;   // the output layer's (FORMAT.md 2.2)
  // Prediction after timesteps 0..t: argmax of the readout membrane over the outputs (the
  // cumulative outputs; with a leaky readout z <- leak z + out), ties to the lowest class.
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
  struct sample_state;
  std::pair<const std::vector<std::int32_t>*, bool> operand(const sample_state& s, std::size_t i, int which) const;
  void step_layer(std::size_t i, sample_state& s, result& r, const layer_observer& observer) const;
  void synapse_layer(std::size_t i, const std::vector<std::int32_t>& in, bool in_binary, sample_state& s, result& r,
                     const layer_observer& observer) const;
  void add_layer(std::size_t i, const std::vector<std::int32_t>& in, sample_state& s, result& r,
                 const layer_observer& observer) const;
  void fire(std::size_t i, sample_state& s, result& r, const layer_observer& observer) const;

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
