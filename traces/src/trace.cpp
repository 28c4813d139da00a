#include "traces/src/trace.h"

#include "tlm/error.h"
#include "traces/src/encoding.h"
#include "traces/src/golden.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace spiketlm {

const char* layer_type_name(layer_type t) {
  switch (t) {
    case layer_type::conv2d: return "conv2d";
    case layer_type::linear: return "linear";
    case layer_type::maxpool2d: return "maxpool2d";
    case layer_type::avgpool2d: return "avgpool2d";
    case layer_type::flatten: return "flatten";
    case layer_type::add: return "add";
  }
  return "?";
}

std::string shape_text(const tensor_shape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

std::uint64_t layer::dense_macs() const {
  if (type == layer_type::conv2d)
    return static_cast<std::uint64_t>(out_shape.size()) * in_channels * kernel * kernel;
  if (type == layer_type::linear) return static_cast<std::uint64_t>(in_shape.size()) * out_channels;
  return 0;
}

std::size_t bundle::firing_layers() const {
  return static_cast<std::size_t>(std::count_if(layers.begin(), layers.end(), [](const layer& l) { return l.fires(); }));
}

int bundle::layer_index(const std::string& n) const {
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (layers[i].name == n) return static_cast<int>(i);
  return -1;
}

std::vector<std::int32_t> bundle::input(int sample, int t) const {
  const std::size_t n = input_shape.size();
  std::size_t base = static_cast<std::size_t>(sample) * n;
  if (encoding == "poisson") return encode_poisson(inputs.data<std::uint8_t>() + base, n, input_seed, sample, t);
  if (encoding == "rate") return encode_rate(inputs.data<std::uint8_t>() + base, n, input_seed, sample, t);
  if (encoding == "spikes") base = (static_cast<std::size_t>(sample) * timesteps + t) * n;
  std::vector<std::int32_t> v(n);
  if (inputs.dtype == npy_dtype::i8) {
    const auto* p = inputs.data<std::int8_t>() + base;
    for (std::size_t i = 0; i < n; ++i) v[i] = p[i];
  } else {
    const auto* p = inputs.data<std::uint8_t>() + base;
    for (std::size_t i = 0; i < n; ++i) v[i] = p[i];
  }
  return v;
}

void derive_fixed_points(bundle& b) {
  for (auto& l : b.layers)
    if (l.fires() && l.is_compute())
      l.fx = golden::derive_fixed_point(l.weight_scale, l.in_scale, l.bn ? &*l.bn : nullptr, l.neuron->gain,
                                        l.neuron->threshold, l.out_channels, &l.bias);
    else if (l.fires() && l.type == layer_type::add && l.sum_scale > 0 && l.out_shape.c > 0)  // shapes derived
      l.fx = golden::derive_fixed_point({1.0f}, l.sum_scale, nullptr, add_gain(*l.neuron), l.neuron->threshold,
                                        l.out_shape.c, &l.bias);
    else if (!l.fires() && l.is_compute() && !l.bias.empty())  // the output layer's bias
      l.fx = golden::derive_output_bias(l.weight_scale, l.in_scale, l.bias, b.dir + "/trace.yaml: " + l.name + ".bias");
}

}  // namespace spiketlm
