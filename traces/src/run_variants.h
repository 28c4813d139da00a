// spiketlm: run variants of a functional bundle that a platform derives before it runs one
// (the command line's --timesteps and --ann on a functional SNN bundle).
#pragma once
#include "traces/src/trace.h"

namespace spiketlm {

// The first T' timesteps of a functional bundle: timesteps = T', stored spike inputs and the
// reference outputs and spike counts cut to their first T' timesteps (a prefix of the same
// run: neuron state only depends on earlier timesteps). 1 <= T' <= T.
bundle truncate_timesteps(const bundle& b, int timesteps);

// Per layer, the fraction of non-zero values in its input map, measured by the golden model
// on samples [first, first + samples) over every timestep (a conv2d/linear fed by spikes; 0
// for the other layers and for a multi-bit input).
std::vector<double> measured_input_rates(const bundle& b, int first, int samples);

// The ANN workload of a functional SNN bundle: the same shapes and wiring as a workload
// (no weights), network ann, T = 1, every firing layer a `bits`-bit ReLU, and each layer fed
// by spikes gets as its non-zero activation density the spike rate of its input measured by
// the golden model on samples [first, first + samples) (measured_input_rates). The input is
// direct (an ANN takes the image; a bundle of stored spikes is an error).
bundle ann_from_functional(const bundle& snn, int bits, int first, int samples);

}  // namespace spiketlm
