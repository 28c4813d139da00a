// spiketlm: how a NIR network maps onto the layers of a trace bundle (traces/nir/README.md):
//   weighted node (Affine/Linear/Conv1d/Conv2d) + spiking neuron  -> a firing conv2d/linear
//   two inputs summed into a spiking neuron (a residual join)      -> an add: each weighted
//       input becomes an accumulation map (conv2d/linear without neuron), each spiking input a
//       diagonal 1x1 convolution (or linear) without neuron, so both share the sum's unit
//   SumPool2d / AvgPool2d                                          -> avgpool2d (window sum)
//   Flatten to one dimension                                       -> flatten
//   Scale                                                          -> folded into the weights
//       of its weighted neighbour (its producer's rows or its consumers' columns)
//   readout before Output: currents of a weighted node, or an Integrator (I) on them, become
//       the output layer (accumulations summed over timesteps); spikes (of a neuron, maybe
//       pooled) go through an identity linear output layer (its accumulations per timestep are
//       the spikes, their sum the spike counts).
// Anything else is a one-line error naming the node and why the hardware cannot run it.
#pragma once
#include <string>
#include <vector>

#include "traces/nir/network.h"
#include "traces/src/trace.h"

namespace spiketlm::nir {

enum class role { firing, operand, shortcut, pool, flatten, add, output, readout };

struct planned_layer {
  role kind = role::firing;
  std::string name;
  int weighted = -1;               // the NIR weighted node (firing, operand, output)
  int neuron = -1;                 // the NIR neuron (firing, add; output: an Integrator, or -1)
  int node = -1;                   // the NIR pooling / flatten node, or the shortcut's source neuron
  std::vector<int> inputs;         // producer planned layers; -1 = the network input
  std::vector<double> readout_scale;  // readout: per class (a Scale before the Output), else empty
};

struct plan {
  network net;                     // the network with Scale nodes folded into weights
  std::vector<planned_layer> layers;
};

// Folds Scale nodes and plans the bundle layers; errors name the node that cannot be mapped.
plan make_plan(network net);

}  // namespace spiketlm::nir
