// spiketlm: writing a functional trace bundle (FORMAT.md), the inverse of read_bundle.
#include "traces/src/trace.h"

#include "tlm/error.h"
#include "traces/src/encoding.h"

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace spiketlm {

namespace {
std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
std::string quoted(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r + "\"";
}
// The neuron map (an add's has no gain: its input current is the sum, FORMAT.md section 2.1).
void write_neuron(std::ostringstream& y, const neuron_params& p, bool gain) {
  if (p.relu()) {
    y << "    neuron:\n      model: relu\n      bits: " << p.bits << "\n      scale: " << num(p.scale) << "\n";
    return;
  }
  y << "    neuron:\n      model: " << p.model << "\n      threshold: " << p.threshold << "\n";
  if (gain) y << "      gain: " << num(p.gain) << "\n";
  y << "      leak_num: " << p.leak_num << "\n      leak_shift: " << p.leak_shift
    << "\n      reset: " << (p.reset == reset_mode::soft ? "soft" : "hard") << "\n      share: " << p.share << "\n";
}

// layers[li]: its entry in trace.yaml and its tensors.
void write_layer(std::ostringstream& y, const bundle& b, std::size_t li, bool branches, const std::string& dir) {
  const layer& l = b.layers[li];
  const std::string& n = l.name;
  y << "  - name: " << quoted(n) << "\n    type: " << layer_type_name(l.type) << "\n";
  if (branches && l.type != layer_type::add && li > 0 && !l.inputs.empty() && l.inputs[0] != b.layers[li - 1].name)
    y << "    input: " << quoted(l.inputs[0].empty() ? std::string("input") : l.inputs[0]) << "\n";
  const auto K = static_cast<std::size_t>(l.out_channels), C = static_cast<std::size_t>(l.in_channels),
             k = static_cast<std::size_t>(l.kernel);
  switch (l.type) {
    case layer_type::conv2d:
      y << "    in_channels: " << l.in_channels << "\n    out_channels: " << l.out_channels << "\n    kernel: "
        << l.kernel << "\n    stride: " << l.stride << "\n    padding: " << l.padding << "\n";
      npy_write<std::int8_t>(dir + "/" + n + ".weight.npy", {K, C, k, k}, l.weight);
      break;
    case layer_type::linear:
      y << "    in_features: " << l.in_channels << "\n    out_features: " << l.out_channels << "\n";
      npy_write<std::int8_t>(dir + "/" + n + ".weight.npy", {K, C}, l.weight);
      break;
    case layer_type::maxpool2d:
    case layer_type::avgpool2d:
      y << "    kernel: " << l.kernel << "\n    stride: " << l.stride << "\n    padding: " << l.padding << "\n";
      break;
    case layer_type::flatten: break;
    case layer_type::add:
      if (l.inputs.size() != 2 || !l.neuron)
        fail("trace", dir + "/trace.yaml: layers[" + std::to_string(li) + "]: expected an add with two inputs and a neuron, got " +
                          std::to_string(l.inputs.size()) + " inputs" + (l.neuron ? "" : " and no neuron"));
      y << "    inputs: [" << quoted(l.inputs[0]) << ", " << quoted(l.inputs[1]) << "]\n";
      if (l.sum_scale > 0) y << "    scale: " << num(l.sum_scale) << "\n";
      if (!l.bias.empty()) {
        npy_write<float>(dir + "/" + n + ".bias.npy", {l.bias.size()}, l.bias);
        y << "    bias: " << quoted(n + ".bias.npy") << "\n";
      }
      break;
  }
  if (l.type == layer_type::add) {  // no tensors
    write_neuron(y, *l.neuron, false);
    return;
  }
  if (!l.is_compute()) return;
  npy_write<float>(dir + "/" + n + ".weight_scale.npy", {l.weight_scale.size()}, l.weight_scale);
  y << "    weight: " << quoted(n + ".weight.npy") << "\n    weight_scale: " << quoted(n + ".weight_scale.npy") << "\n";
  if (!l.bias.empty()) {
    npy_write<float>(dir + "/" + n + ".bias.npy", {K}, l.bias);
    y << "    bias: " << quoted(n + ".bias.npy") << "\n";
  }
  if (l.bn) {
    y << "    bn:\n      eps: " << num(l.bn->eps) << "\n";
    const std::pair<const char*, const std::vector<float>*> t[] = {{"weight", &l.bn->weight},
                                                                   {"bias", &l.bn->bias},
                                                                   {"running_mean", &l.bn->running_mean},
                                                                   {"running_var", &l.bn->running_var}};
    for (const auto& [key, v] : t) {
      const std::string f = n + ".bn." + key + ".npy";
      npy_write<float>(dir + "/" + f, {K}, *v);
      y << "      " << key << ": " << quoted(f) << "\n";
    }
  }
  if (!l.neuron) {
    y << "    neuron: none\n";
    if (l.readout.leaky())
      y << "    readout: {model: li, leak_num: " << l.readout.num << ", leak_shift: " << l.readout.shift << "}\n";
    return;
  }
  write_neuron(y, *l.neuron, true);
  if (l.fx.multiplier.empty()) return;  // not derived yet: the reader derives it (optional block)
  npy_write<std::int32_t>(dir + "/" + n + ".fx.multiplier.npy", {K}, l.fx.multiplier);
  npy_write<std::int32_t>(dir + "/" + n + ".fx.offset.npy", {K}, l.fx.offset);
  y << "    fixed_point:\n      multiplier: " << quoted(n + ".fx.multiplier.npy") << "\n      offset: "
    << quoted(n + ".fx.offset.npy") << "\n      shift: " << l.fx.shift << "\n";
}

}  // namespace

void write_bundle(const bundle& b, const std::string& dir) {
  if (!b.functional()) fail("trace", dir + ": kind: expected functional for write_bundle, got " + b.kind);
  std::filesystem::create_directories(dir);
  const auto N = static_cast<std::size_t>(b.samples), T = static_cast<std::size_t>(b.timesteps);
  std::ostringstream y;
  y << "# spiketlm trace bundle, see traces/FORMAT.md\n"
    << "format: spiketlm-trace\nversion: " << k_trace_version << "\nkind: functional\n";
  if (b.ann()) y << "network: ann\n";
  y << "name: " << quoted(b.name) << "\n";
  if (!b.description.empty()) y << "description: " << quoted(b.description) << "\n";
  y << "timesteps: " << b.timesteps << "\nclasses: " << b.classes << "\nsamples: " << b.samples << "\n";
  if (b.calibration_samples > 0)
    y << "calibration: {first_sample: " << b.calibration_first << ", samples: " << b.calibration_samples << "}\n";
  y << "input:\n  shape: [" << b.input_shape.c << ", " << b.input_shape.h << ", " << b.input_shape.w << "]\n"
    << "  encoding: " << b.encoding << "\n";
  if (b.encoding == "direct")
    y << "  dtype: " << npy_dtype_name(b.input_dtype) << "\n  scale: " << num(b.input_scale) << "\n";
  if (generated_encoding(b.encoding)) y << "  dtype: uint8\n  seed: " << b.input_seed << "\n";
  y << "  data: inputs.npy\nlabels: labels.npy\nlayers:\n";
  npy_write(dir + "/inputs.npy", b.inputs);
  npy_write<std::int32_t>(dir + "/labels.npy", {N}, b.labels);
  // Without add layers the network is a chain: `inputs` are not written (a copy whose layers
  // were cut or inserted need not update them). With adds, an input other than the previous
  // layer (a residual block's branch) is written as `input:`.
  const bool branches = std::any_of(b.layers.begin(), b.layers.end(), [](const layer& l) { return l.type == layer_type::add; });
  for (std::size_t li = 0; li < b.layers.size(); ++li) {
    write_layer(y, b, li, branches, dir);
  }
  y << "reference:\n";
  if (!b.ann()) y << "  membrane_bits: " << b.membrane_bits << "\n";
  y << "  outputs: ref_outputs.npy\n";
  npy_write<std::int32_t>(dir + "/ref_outputs.npy", {N, T, static_cast<std::size_t>(b.classes)}, b.ref_outputs);
  if (!b.ref_spike_counts.empty()) {
    y << "  spike_counts: ref_spike_counts.npy\n";
    npy_write<std::int32_t>(dir + "/ref_spike_counts.npy", {N, T, b.firing_layers()}, b.ref_spike_counts);
  }
  if (!b.ref_nonzero_counts.empty()) {
    y << "  nonzero_counts: ref_nonzero_counts.npy\n";
    npy_write<std::int32_t>(dir + "/ref_nonzero_counts.npy", {N, T, b.firing_layers()}, b.ref_nonzero_counts);
  }
  std::ofstream f(dir + "/trace.yaml", std::ios::trunc);
  if (!f) fail("trace", dir + "/trace.yaml: file: expected a writable path, got an error on open");
  f << y.str();
  if (!f) fail("trace", dir + "/trace.yaml: file: expected a complete write, got an I/O error");
}

}  // namespace spiketlm
