// spiketlm: the quantization recipe that turns a planned NIR network into the integer layers
// of a trace bundle (traces/nir/README.md, "Quantization"):
//   - neurons: forward Euler with step dt (float_ref.h); in the shifted membrane w = v - v_reset
//     one step is w = beta w + c I + d with beta = 1 - dt/tau (LIF; 1 for IF, 0 for Threshold),
//     c = dt r / tau (LIF; dt r for IF; 1 for Threshold), d = dt (v_leak - v_reset) / tau;
//     threshold theta = v_threshold - v_reset;
//   - the integer membrane counts units u_k = theta_k / (Theta - 1/2) (reset to v_reset, the
//     spec's, so that w > theta <=> W >= Theta) or theta_k / Theta (metadata reset
//     "subtract": W >= Theta, then W -= Theta); Theta = min(4096, 2^(B-4)) for a membrane of B
//     bits, or with calibration the largest power of two <= 4096 that keeps 1.25 x the peak
//     membrane (in thresholds) of the float run within B bits;
//   - weights: int8, scale = max|w| / 127 per output channel (per tensor with per_tensor, and
//     always for the output layer); the current's scale c_k s_k s_in / u_k, the bias c_k b_k + d_k
//     and the threshold Theta become the bundle's weight_scale, bias and threshold (gain 1), from
//     which the bundle reader derives the fixed point (FORMAT.md 4.3);
//   - leak: beta = 1 -> none, 0 -> leak_num 0, else leak_num / 2^leak_shift with leak_shift 16
//     (reduced while leak_num is even): the nearest such fraction; beta outside [0, 1] is an
//     error (dt > tau makes forward Euler oscillate);
//   - residual adds: both operands' rows share the add's unit (one scale for the sum, so each
//     operand's weights are quantized with the row scales theta_k / c_k times one factor chosen
//     so the largest weight is 127), the add's bias carries c_k (b1 + b2) + d_k.
#pragma once
#include <string>
#include <vector>

#include "traces/nir/plan.h"
#include "traces/src/trace.h"

namespace spiketlm::nir {

struct quant_options {
  double dt = 1e-4;
  int membrane_bits = 32;
  bool per_tensor = false;
  bool spike_input = true;       // the network input is spikes (else direct values)
  double input_scale = 1.0;      // real value of one input unit (direct coding)
  std::vector<double> peak;      // per NIR node: calibrated peak membrane in thresholds (empty: none)
};

// What the importer reports per bundle layer.
struct quant_info {
  std::string layer, nodes, neuron;
  int threshold = 0, leak_num = 1, leak_shift = 0;
  double beta = 1, beta_q = 1;   // the leak and its integer version
  std::string reset;
  std::size_t weights = 0;
};

// The bundle layers (names, types, wiring, geometry, int8 weights, weight_scale, bias,
// neurons); shapes, input scales and fixed points are derived by the bundle reader.
std::vector<layer> quantize(const plan& p, const quant_options& o, std::vector<quant_info>& info);

// Theta for a membrane of `bits` bits (peak <= 0: no calibration).
int threshold_units(int bits, double peak);
// beta -> (leak_num, leak_shift).
std::pair<int, int> leak_fraction(double beta);

}  // namespace spiketlm::nir
