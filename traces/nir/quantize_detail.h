// spiketlm: internals of the NIR quantizer shared by quantize.cpp and quantize_layers.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "traces/nir/neuron_map.h"
#include "traces/nir/quantize.h"

namespace spiketlm::nir::detail {

// A weighted node as the bundle layer's matrix: rows = output channels (conv2d, square kernel)
// or output elements (linear, Conv1d's Toeplitz matrix), with a bias per row.
struct matrix {
  layer_type type = layer_type::linear;
  std::size_t rows = 0, cols = 0;
  int k = 1, stride = 1, pad = 0, in_channels = 0;
  std::vector<double> w, bias;
};

matrix matrix_of(const network& net, const net_node& w);
std::vector<std::int8_t> to_int8(const matrix& m, const std::vector<double>& scale);
std::vector<double> absmax_scales(const matrix& m, bool per_tensor);
layer shell(const matrix& m, const std::string& name);
neuron_params hw_neuron(const neuron_map& nm, int theta, quant_info& info);
double unit(const neuron_map& nm, std::size_t k, int theta);

}  // namespace spiketlm::nir::detail
