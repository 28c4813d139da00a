// spiketlm: trace bundles (traces/FORMAT.md), the data structure and its validating reader.
//
// A bundle is a directory with trace.yaml and .npy tensors. read_bundle() checks every
// field (keys, types, ranges, layer wiring and shapes, tensor dtypes and shapes, the derived
// fixed-point integers) and raises spiketlm::fail("trace", "<file>: <field>: expected ...,
// got ...") on the first fault.
#pragma once
#include "hw/arith/fixed_point.h"
#include "hw/arith/neuron.h"
#include "hw/arith/shape.h"
#include "traces/src/npy.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spiketlm {

inline constexpr int k_trace_version = 1;

enum class layer_type { conv2d, linear, maxpool2d, avgpool2d, flatten, add };
const char* layer_type_name(layer_type t);

// The shape of a feature map (tensor_shape), the neuron parameters (neuron_params,
// reset_mode) and the fixed-point integers (fixed_point) are hw/arith's: the hardware units
// take them from the descriptors the runtime writes.
std::string shape_text(const tensor_shape& s);  // "16x14x14"

// Batch-norm statistics kept in float32 (BN adaptation re-estimates mean and variance).
struct batch_norm {
  double eps = 1e-5;
  std::vector<float> weight, bias, running_mean, running_var;  // [C] each
};

struct layer {
  std::string name;
  layer_type type = layer_type::conv2d;
  std::vector<std::string> inputs;  // producer layers' names; empty = the network input
  tensor_shape in_shape, out_shape; // derived from the layer list
  // conv2d / pooling geometry (linear: kernel 1)
  int kernel = 1, stride = 1, padding = 0;
  int in_channels = 0, out_channels = 0;  // conv2d; linear: in_features, out_features
  // functional: weights and the neuron input transform
  std::vector<std::int8_t> weight;       // conv [Cout, Cin, k, k]; linear [out, in]
  std::vector<float> weight_scale;       // [Cout] or [1]
  std::vector<float> bias;               // [Cout] (firing conv2d/linear, FORMAT.md 4.3; an add with
                                         // sum_scale, 2.1); empty: none
  double sum_scale = 0.0;                // add: real value of one unit of the sum (2.1); 0: identity
  std::optional<batch_norm> bn;
  std::optional<neuron_params> neuron;   // none: no firing (the output layer, or a conv feeding an add)
  arith::readout_leak readout;           // the output layer's readout membrane (FORMAT.md 2.2): 1/0 = sum
  fixed_point fx;                        // firing layers of a functional bundle (an add: multiplier 1,
                                         // offset = its integer bias, shift 0; FORMAT.md 2.1)
  double in_scale = 1.0;                 // scale of this layer's input values (derived)
  // workload: fraction of ones in this layer's input spike map, per timestep (size T);
  // empty for a direct-coded first layer. network ann: the fraction of non-zero activations
  // in the layer's input map (T = 1).
  std::vector<double> input_rate;
  // Width in bits of this layer's input values (derived): 1 for spikes, 8 for the uint8/int8
  // network input, B after a relu of B bits, + ceil(log2(k*k)) after an avgpool2d window sum,
  // 32 after a layer without neuron (accumulations). Capped at 32.
  int in_bits = 0;

  bool is_compute() const { return type == layer_type::conv2d || type == layer_type::linear; }
  bool fires() const { return neuron.has_value(); }
  // Multiply-accumulates of one dense pass (one timestep, every input non-zero).
  std::uint64_t dense_macs() const;
};

struct bundle {
  std::string dir;         // where it was read from
  std::string kind;        // "functional" or "workload"
  std::string network = "snn";  // "snn" or "ann" (FORMAT.md section 8; ann: T = 1, relu neurons)
  int version = k_trace_version;
  std::string name, description;
  int timesteps = 0;
  int classes = 0;
  // input
  tensor_shape input_shape;
  // "direct" (multi-bit into the first layer), "spikes" (stored 0/1 maps), or "poisson" /
  // "rate" (spikes generated from stored uint8 images and input_seed: encoding.h, FORMAT.md 3.1)
  std::string encoding = "direct";
  npy_dtype input_dtype = npy_dtype::u8;  // direct: uint8 or int8; spikes: uint8 0/1; poisson/rate: uint8
  double input_scale = 1.0;
  std::uint64_t input_seed = 0;      // poisson / rate
  std::vector<layer> layers;
  // functional
  int samples = 0;
  npy_array inputs;                  // direct, poisson, rate [N, C, H, W]; spikes [N, T, C, H, W]
  std::vector<std::int32_t> labels;  // [N]
  int membrane_bits = 32;            // of the reference run
  std::vector<std::int32_t> ref_outputs;       // [N, T, classes]
  std::vector<std::int32_t> ref_spike_counts;  // [N, T, F] (F = firing layers); may be empty
  // BN statistics re-estimated on samples [calibration_first, + calibration_samples) (spiketlm
  // calibrate; 0 samples: none): a run must evaluate other samples.
  int calibration_first = 0, calibration_samples = 0;
  std::vector<std::int32_t> ref_nonzero_counts;  // ann: [N, 1, F] non-zero activations per relu layer; may be empty
  // workload
  std::uint64_t seed = 0;
  std::string rate_source;

  bool functional() const { return kind == "functional"; }
  // Whether the first layer receives 0/1 spikes (spikes, poisson, rate) rather than values.
  bool spike_input() const { return encoding != "direct"; }
  bool ann() const { return network == "ann"; }
  std::size_t firing_layers() const;
  int output_layer() const { return static_cast<int>(layers.size()) - 1; }
  int layer_index(const std::string& name) const;  // -1 if none
  // The direct-coded input of sample i (C*H*W values), or its spikes at timestep t (stored, or
  // generated by the poisson / rate encoder).
  std::vector<std::int32_t> input(int sample, int t = 0) const;
  std::int32_t ref_output(int sample, int t, int cls) const {
    return ref_outputs[(static_cast<std::size_t>(sample) * timesteps + t) * classes + cls];
  }
};

bundle read_bundle(const std::string& dir);

// Write a functional bundle (trace.yaml and the .npy tensors, named <layer>.weight.npy etc.)
// into dir (created if needed; existing files of the same names are overwritten). Floats are
// written with 17 significant digits, so read_bundle(write_bundle(b)) gives back the same
// values. Use after derive_fixed_points() when BN statistics were changed. A bundle without
// add layers is written as a chain (layer::inputs ignored); with adds (FORMAT.md section 2.1),
// each add's `inputs` and every other layer's input that is not the previous layer are written.
void write_bundle(const bundle& b, const std::string& dir);

// Recompute every firing layer's fixed_point from its weight_scale, in_scale, bias, bn and neuron
// (after BN adaptation changed running_mean / running_var), and every add's with a scale
// (once the reader has derived its shape).
void derive_fixed_points(bundle& b);

// The gain an add's derived transform uses (FORMAT.md 2.1): 1 for lif/if, 1 / scale for relu.
inline double add_gain(const neuron_params& p) { return p.relu() ? 1.0 / p.scale : 1.0; }

}  // namespace spiketlm
