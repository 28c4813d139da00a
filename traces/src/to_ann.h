// spiketlm: the ANN version of a workload bundle (FORMAT.md section 8.4), so that a platform
// can run the same network shape as a quantized ANN and compare its energy with the SNN's.
#pragma once
#include "traces/src/trace.h"

namespace spiketlm {

// Default non-zero density of the ANN's activation maps. Assumption: Albericio et al.,
// "Cnvlutin: Ineffectual-Neuron-Free Deep Neural Network Computing", ISCA 2016, report that
// about 44 % of the input activations of convolutional layers are zero on average over the
// networks they study, so 56 % are non-zero. Not a measurement of our networks (the
// functional ANN bundles' READMEs give their measured densities).
inline constexpr double k_ann_default_density = 0.56;

// Convert an SNN workload bundle (kind workload, network snn) into its ANN version:
// network = "ann", timesteps = 1, every firing layer (conv2d, linear, add with a neuron) gets
// neuron {model: relu, bits} (no scale: workloads carry no weights), and every layer fed by
// neuron outputs (the layers with an input_rate) gets input_rate = {density}: its input map
// is drawn by workload_activations() (spikegen.h) with that non-zero density and values in
// 1 .. 2^bits - 1. Layers with a dense multi-bit input (the direct-coded first layer, after
// avgpool2d or an add without neuron) stay without density. in_bits is re-derived, the shapes,
// names, wiring and seed are kept, and rate_source notes the density assumption.
// bits in [2, 8], density in [0, 1]; anything else, a functional bundle or an ann bundle
// fails with a one-line error.
bundle to_ann(const bundle& snn, int bits = 8, double density = k_ann_default_density);

}  // namespace spiketlm
