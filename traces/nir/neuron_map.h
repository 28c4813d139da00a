// spiketlm: one NIR neuron node, discretised with forward Euler (float_ref.h), as the
// hardware neuron's per-channel constants: in the shifted membrane w = v - v_reset one step is
//   w = beta w + c I + d,  spike when w > theta,  then w = 0 (or w -= theta: "subtract")
// with one beta per layer (the hardware's leak) and c, d, theta per channel. A node whose
// discretisation does not fit is a one-line error naming it and the field.
#pragma once
#include <string>
#include <vector>

#include "traces/nir/network.h"

namespace spiketlm::nir {

struct neuron_map {
  double beta = 1.0;
  std::vector<double> c, d, theta;  // per channel
  bool subtract = false;
};

// channels: the neuron's elements are grouped into `channels` contiguous groups (a
// convolution's channels; one element per group otherwise) that must share their constants.
neuron_map map_neuron(const network& net, const net_node& n, double dt, std::size_t channels);

// Per channel, the value of a per-element vector v that must be the same within each group.
std::vector<double> channel_values(const network& net, const net_node& n, const std::string& field,
                                   const std::vector<double>& v, std::size_t channels);

}  // namespace spiketlm::nir
