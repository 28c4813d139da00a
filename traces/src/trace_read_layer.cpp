#include "traces/src/trace_read.h"

#include <algorithm>
#include <sstream>

#include "tlm/error.h"
#include "traces/src/golden.h"

namespace spiketlm {
namespace trace_read {

using namespace trace_fields;

namespace {

// A firing layer's stored fixed_point block (optional) must equal the one derived from its floats.
void check_stored_fixed_point(const std::string& dir, const YAML::Node& n, const where& w, std::size_t K,
                              const fixed_point& d) {
  const where wf = w.at("fixed_point");
  const YAML::Node fx = n["fixed_point"];
  check_keys(fx, wf, {"multiplier", "offset", "shift"});
  const auto mult = tensor_values<std::int32_t>(dir, fx, "multiplier", wf, {K});
  const auto off = tensor_values<std::int32_t>(dir, fx, "offset", wf, {K});
  const int shift = static_cast<int>(as_int(req(fx, "shift", wf), wf.at("shift"), 0, 31));
  if (d.shift != shift)
    bad(wf.at("shift"), "expected " + std::to_string(d.shift) + " (derived, FORMAT.md section 4), got " + std::to_string(shift));
  for (std::size_t c = 0; c < K; ++c) {
    if (d.multiplier[c] != mult[c])
      fail("trace", file_of(dir, fx, "multiplier") + ": [" + std::to_string(c) + "]: expected " +
                        std::to_string(d.multiplier[c]) + " (derived, FORMAT.md section 4), got " + std::to_string(mult[c]));
    if (d.offset[c] != off[c])
      fail("trace", file_of(dir, fx, "offset") + ": [" + std::to_string(c) + "]: expected " +
                        std::to_string(d.offset[c]) + " (derived, FORMAT.md section 4), got " + std::to_string(off[c]));
  }
}

// An add's optional `scale` and `bias` (FORMAT.md 2.1): the neuron input is derived as 4.3 with
// s = scale, the bias, no BN, gain 1 (lif/if: currents in threshold units) or 1 / the relu's
// scale (activations in its units).
void read_add_transform(const std::string& dir, const YAML::Node& n, const where& w, layer& l) {
  l.sum_scale = as_double(n["scale"], w.at("scale"));
  if (!(l.sum_scale > 0)) bad(w.at("scale"), "expected a positive number, got " + n["scale"].Scalar());
  const auto C = static_cast<std::size_t>(l.out_shape.c);
  if (has(n, "bias")) {
    l.bias = tensor_values<float>(dir, n, "bias", w, {C});
    check_finite(l.bias, file_of(dir, n, "bias"), false, false);
  }
  l.fx = golden::derive_fixed_point({1.0f}, l.sum_scale, nullptr, add_gain(*l.neuron), l.neuron->threshold,
                                    static_cast<int>(C), &l.bias);
}

neuron_params read_neuron(const YAML::Node& n, const where& w, bool ann, bool functional) {
  if (!n.IsMap()) bad(w, "expected a map, got " + scalar_text(n));
  neuron_params p;
  if (has(n, "model")) p.model = as_enum(n["model"], w.at("model"), {"lif", "if", "relu"});
  if (ann && !p.relu())
    bad(w.at("model"), "expected relu (network ann), got '" + p.model + "'" + (has(n, "model") ? "" : " (the default)"));
  if (!ann && p.relu()) bad(w.at("model"), "expected lif or if (network snn; relu needs network: ann), got 'relu'");
  if (p.relu()) {
    // FORMAT.md section 8: out = clamp((psum * multiplier + offset) >> shift, 0, 2^bits - 1).
    check_keys(n, w, {"model", "bits", "scale"});
    p.bits = static_cast<int>(as_int(req(n, "bits", w), w.at("bits"), 2, 8));
    if (functional || has(n, "scale")) {
      p.scale = as_double(req(n, "scale", w), w.at("scale"));
      if (!(p.scale > 0)) bad(w.at("scale"), "expected a positive number, got " + n["scale"].Scalar());
      p.gain = 1.0 / p.scale;  // the fixed-point fold gives the activation in units of scale
    } else {
      p.gain = 1.0;
    }
    p.threshold = 1;
    p.leak_num = 1;
    p.leak_shift = 0;
    return p;
  }
  check_keys(n, w, {"model", "threshold", "gain", "leak_num", "leak_shift", "reset", "share"});
  if (p.model == "if") {
    p.leak_num = 1;
    p.leak_shift = 0;
    p.gain = 1.0;
  }
  if (has(n, "threshold")) p.threshold = static_cast<std::int32_t>(as_int(n["threshold"], w.at("threshold"), 1, 1LL << 30));
  if (has(n, "gain")) {
    p.gain = as_double(n["gain"], w.at("gain"));
    if (!(p.gain > 0)) bad(w.at("gain"), "expected a positive number, got " + n["gain"].Scalar());
  }
  if (has(n, "leak_num")) p.leak_num = static_cast<std::int32_t>(as_int(n["leak_num"], w.at("leak_num"), 0, 1 << 16));
  if (has(n, "leak_shift")) p.leak_shift = static_cast<int>(as_int(n["leak_shift"], w.at("leak_shift"), 0, 31));
  if (p.model == "if" && (p.leak_num != 1 || p.leak_shift != 0))
    bad(w.at("leak_num"), "expected leak_num 1 and leak_shift 0 for model if, got " + std::to_string(p.leak_num) +
                              " and " + std::to_string(p.leak_shift));
  if (has(n, "reset"))
    p.reset = as_enum(n["reset"], w.at("reset"), {"soft", "hard"}) == "soft" ? reset_mode::soft : reset_mode::hard;
  if (has(n, "share")) p.share = static_cast<int>(as_int(n["share"], w.at("share"), 1, 1 << 20));
  return p;
}

// FORMAT.md 2.2: `readout: {model: li, leak_num, leak_shift}` (leak = leak_num / 2^leak_shift <= 1)
// or `{model: sum}` (the plain running sum, the default).
arith::readout_leak read_readout(const YAML::Node& n, const where& w) {
  if (!n.IsMap()) bad(w, "expected a map {model: li, leak_num, leak_shift} or {model: sum}, got " + scalar_text(n));
  check_keys(n, w, {"model", "leak_num", "leak_shift"});
  arith::readout_leak r;
  if (as_enum(req(n, "model", w), w.at("model"), {"li", "sum"}) == "sum") {
    if (has(n, "leak_num") || has(n, "leak_shift")) bad(w.at("model"), "expected no leak_num or leak_shift with model sum");
    return r;
  }
  r.shift = static_cast<int>(as_int(req(n, "leak_shift", w), w.at("leak_shift"), 0, 16));
  r.num = static_cast<std::int32_t>(as_int(req(n, "leak_num", w), w.at("leak_num"), 0, 1LL << r.shift));
  return r;
}

layer_type read_type(const YAML::Node& n, const where& w) {
  const std::string ty = as_enum(req(n, "type", w), w.at("type"),
                                 {"conv2d", "linear", "maxpool2d", "avgpool2d", "flatten", "add"});
  return ty == "conv2d"      ? layer_type::conv2d
         : ty == "linear"    ? layer_type::linear
         : ty == "maxpool2d" ? layer_type::maxpool2d
         : ty == "avgpool2d" ? layer_type::avgpool2d
         : ty == "flatten"   ? layer_type::flatten
                             : layer_type::add;
}

void check_layer_keys(const YAML::Node& n, const where& w, layer_type type, bool fn) {
  switch (type) {
    case layer_type::conv2d:
      if (fn)
        check_keys(n, w, {"name", "type", "input", "in_channels", "out_channels", "kernel", "stride", "padding",
                          "weight", "weight_scale", "bias", "bn", "neuron", "fixed_point", "readout"});
      else
        check_keys(n, w, {"name", "type", "input", "in_channels", "out_channels", "kernel", "stride", "padding",
                          "neuron", "input_rate", "readout"});
      break;
    case layer_type::linear:
      if (fn)
        check_keys(n, w, {"name", "type", "input", "in_features", "out_features", "weight", "weight_scale", "bias",
                          "bn", "neuron", "fixed_point", "readout"});
      else
        check_keys(n, w, {"name", "type", "input", "in_features", "out_features", "neuron", "input_rate", "readout"});
      break;
    case layer_type::maxpool2d:
    case layer_type::avgpool2d: check_keys(n, w, {"name", "type", "input", "kernel", "stride", "padding"}); break;
    case layer_type::flatten: check_keys(n, w, {"name", "type", "input"}); break;
    case layer_type::add:
      if (fn)
        check_keys(n, w, {"name", "type", "inputs", "neuron", "scale", "bias"});
      else
        check_keys(n, w, {"name", "type", "inputs", "neuron"});
      break;
  }
}

// The layer's inputs (names in l.inputs; indices of earlier layers, -1 for the network input).
std::vector<int> read_inputs(layer_list& L, const YAML::Node& ls, std::size_t i, const YAML::Node& n, const where& w,
                             layer& l) {
  std::vector<int> src;
  if (l.type == layer_type::add) {
    const YAML::Node ins = req(n, "inputs", w);
    if (!ins.IsSequence() || ins.size() != 2) bad(w.at("inputs"), "expected a list of two layer names, got " + scalar_text(ins));
    for (std::size_t k = 0; k < 2; ++k) l.inputs.push_back(as_str(ins[k], w.at("inputs").idx(k)));
  } else if (has(n, "input")) {
    l.inputs.push_back(as_str(n["input"], w.at("input")));
  } else if (i > 0) {
    l.inputs.push_back(ls[i - 1]["name"].as<std::string>());
  }
  for (std::size_t k = 0; k < l.inputs.size(); ++k) {
    const std::string& s = l.inputs[k];
    if (s == "input") {
      src.push_back(-1);
      l.inputs[k].clear();
      continue;
    }
    auto it = L.by_name.find(s);
    if (it == L.by_name.end())
      bad(l.type == layer_type::add ? w.at("inputs").idx(k) : w.at("input"),
          "expected the name of an earlier layer, got '" + s + "'");
    src.push_back(it->second);
  }
  if (src.empty()) src.push_back(-1);
  return src;
}

// FORMAT.md section 2.1 (functional and workload bundles: the hardware's add takes
// int32 accumulations as operand 1): an accumulation map (a conv2d/linear without neuron) feeds only
// adds; an add joins such a map (operand 1) and a firing layer's output or another
// accumulation map (operand 2).
void check_wiring(const layer_list& L, std::size_t i, const YAML::Node& n, const where& w, const layer& l,
                  const std::vector<int>& src) {
  const bundle& b = L.b;
  const auto kind_of = [&](int s) {
    const layer& p = b.layers[static_cast<std::size_t>(s)];
    return "'" + p.name + "' (" + (p.fires() ? "a firing " : (p.is_compute() ? "" : "a ")) + layer_type_name(p.type) +
           (p.is_compute() && !p.fires() ? " without neuron" : "") + ")";
  };
  const auto accumulation = [&](int s) {
    return s >= 0 && b.layers[static_cast<std::size_t>(s)].is_compute() && !b.layers[static_cast<std::size_t>(s)].fires();
  };
  if (l.type == layer_type::add) {
    if (!accumulation(src[0]))
      bad(w.at("inputs").idx(0), "expected a conv2d or linear layer without neuron (the block's last convolution), got " +
                                     (src[0] < 0 ? std::string("the network input") : kind_of(src[0])));
    if (src[1] < 0 || !(accumulation(src[1]) || b.layers[static_cast<std::size_t>(src[1])].fires()))
      bad(w.at("inputs").idx(1), "expected a firing layer or a conv2d/linear without neuron (the shortcut), got " +
                                     (src[1] < 0 ? std::string("the network input") : kind_of(src[1])));
  } else {
    if (src[0] < 0 && i > 0)
      bad(w.at("input"), "expected the name of an earlier layer (only the first layer reads the network input), got 'input'");
    if (accumulation(src[0]))
      bad(w.at("input"), "expected a layer that is not an accumulation map (a conv2d/linear without neuron feeds only "
                         "adds), got " + kind_of(src[0]) + (has(n, "input") ? "" : ", the previous layer"));
  }
}

void read_geometry(const layer_list& L, const YAML::Node& n, const where& w, const std::vector<int>& src, layer& l,
                   layer_out& o) {
  const bundle& b = L.b;
  const tensor_shape& is = l.in_shape;
  const double in_scale = l.in_scale;
  if (l.type == layer_type::conv2d) {
    l.in_channels = static_cast<int>(as_int(req(n, "in_channels", w), w.at("in_channels"), 1, 1 << 20));
    l.out_channels = static_cast<int>(as_int(req(n, "out_channels", w), w.at("out_channels"), 1, 1 << 20));
    l.kernel = static_cast<int>(as_int(req(n, "kernel", w), w.at("kernel"), 1, 1 << 10));
    l.stride = has(n, "stride") ? static_cast<int>(as_int(n["stride"], w.at("stride"), 1, 1 << 10)) : 1;
    l.padding = has(n, "padding") ? static_cast<int>(as_int(n["padding"], w.at("padding"), 0, 1 << 10)) : 0;
    if (is.c != l.in_channels)
      bad(w.at("in_channels"), "expected " + std::to_string(is.c) + " (the input is " + shape_text(is) + "), got " +
                                   std::to_string(l.in_channels));
    const int oh = (is.h + 2 * l.padding - l.kernel) / l.stride + 1;
    const int ow = (is.w + 2 * l.padding - l.kernel) / l.stride + 1;
    if (is.h + 2 * l.padding < l.kernel || is.w + 2 * l.padding < l.kernel || l.padding >= l.kernel)
      bad(w.at("kernel"), "expected a kernel that fits the padded input " + shape_text(is) + " (padding < kernel), got " +
                              std::to_string(l.kernel));
    l.out_shape = {l.out_channels, oh, ow};
  } else if (l.type == layer_type::linear) {
    l.in_channels = static_cast<int>(as_int(req(n, "in_features", w), w.at("in_features"), 1, 1 << 30));
    l.out_channels = static_cast<int>(as_int(req(n, "out_features", w), w.at("out_features"), 1, 1 << 30));
    if (is.size() != static_cast<std::size_t>(l.in_channels))
      bad(w.at("in_features"), "expected " + std::to_string(is.size()) + " (the input is " + shape_text(is) +
                                   "), got " + std::to_string(l.in_channels));
    l.out_shape = {l.out_channels, 1, 1};
  } else if (l.type == layer_type::maxpool2d || l.type == layer_type::avgpool2d) {
    l.kernel = static_cast<int>(as_int(req(n, "kernel", w), w.at("kernel"), 1, 1 << 10));
    l.stride = has(n, "stride") ? static_cast<int>(as_int(n["stride"], w.at("stride"), 1, 1 << 10)) : l.kernel;
    l.padding = has(n, "padding") ? static_cast<int>(as_int(n["padding"], w.at("padding"), 0, 1 << 10)) : 0;
    if (is.h + 2 * l.padding < l.kernel || is.w + 2 * l.padding < l.kernel || l.padding >= l.kernel)
      bad(w.at("kernel"), "expected a window that fits the padded input " + shape_text(is) + " (padding < kernel), got " +
                              std::to_string(l.kernel));
    l.out_shape = {is.c, (is.h + 2 * l.padding - l.kernel) / l.stride + 1,
                   (is.w + 2 * l.padding - l.kernel) / l.stride + 1};
    if (l.type == layer_type::avgpool2d) {
      o.scale = in_scale / (static_cast<double>(l.kernel) * l.kernel);
      o.binary = false;
      o.bits = std::min(32, l.in_bits + ceil_log2(static_cast<std::uint64_t>(l.kernel) * l.kernel));
    }
  } else if (l.type == layer_type::flatten) {
    l.out_shape = {static_cast<int>(is.size()), 1, 1};
  } else {  // add
    const tensor_shape s2 = src[1] < 0 ? b.input_shape : b.layers[static_cast<std::size_t>(src[1])].out_shape;
    if (s2 != is)
      bad(w.at("inputs"), "expected two inputs of the same shape, got " + shape_text(is) + " and " + shape_text(s2));
    l.out_shape = is;
    o.binary = false;
    o.bits = 32;
  }
}

void read_layer_neuron(const layer_list& L, bool last, const YAML::Node& n, const where& w, layer& l, layer_out& o) {
  const bool ann = L.ann, fn = L.fn;
  const std::string& dir = L.dir;
  if (has(n, "neuron") && n["neuron"].IsScalar()) {
    if (n["neuron"].Scalar() != "none")
      bad(w.at("neuron"), "expected a map or none, got " + scalar_text(n["neuron"]));
  } else if (has(n, "neuron")) {
    l.neuron = read_neuron(n["neuron"], w.at("neuron"), ann, fn);
    if (l.out_channels % l.neuron->share != 0 && l.is_compute())
      bad(w.at("neuron").at("share"), "expected a divisor of " + std::to_string(l.out_channels) + " channels, got " +
                                          std::to_string(l.neuron->share));
    if (l.type == layer_type::add && l.out_shape.c % l.neuron->share != 0)
      bad(w.at("neuron").at("share"), "expected a divisor of " + std::to_string(l.out_shape.c) + " channels, got " +
                                          std::to_string(l.neuron->share));
  } else if (fn) {
    bad(w.at("neuron"), l.type == layer_type::add
                            ? "missing (required: a map; an add fires in a functional bundle)"
                            : "missing (required: a map, or none for the output layer or an add's operand)");
  }
  if (fn && last && l.fires()) bad(w.at("neuron"), "expected none for the output layer, got a neuron");
  if (has(n, "readout")) {
    if (!last || l.fires())
      bad(w.at("readout"), "expected a readout only on the output layer (the last layer, neuron none), got one on " +
                               std::string(l.fires() ? "a firing layer" : "a hidden layer"));
    l.readout = read_readout(n["readout"], w.at("readout"));
  }
  // (A conv2d/linear without neuron that is not the output layer must feed an add: checked
  // after the layer list.)
  if (fn && l.type == layer_type::add) {
    if (!l.fires()) bad(w.at("neuron"), "expected a map (an add fires in a functional bundle), got none");
    if (has(n["neuron"], "gain"))
      bad(w.at("neuron").at("gain"), "expected no gain on an add (its input current is the sum of its operands, "
                                     "FORMAT.md section 2.1), got " + scalar_text(n["neuron"]["gain"]));
    // FORMAT.md section 2.1: the add's neuron input is operand 1 + operand 2: the identity
    // fixed point (multiplier 1, offset 0, shift 0), as the firmware writes it.
    l.fx.multiplier.assign(static_cast<std::size_t>(l.out_shape.c), 1);
    l.fx.offset.assign(static_cast<std::size_t>(l.out_shape.c), 0);
    l.fx.shift = 0;
    // Optional `scale` (and `bias`): the transform derived as for a compute layer.
    if (has(n, "scale")) read_add_transform(dir, n, w, l);
    else if (has(n, "bias")) bad(w.at("bias"), "expected a `scale` with an add's bias (FORMAT.md 2.1), got none");
  }
  if (l.fires()) {
    // snn: 0/1 spikes (scale 1); ann: relu activations in units of the neuron's scale.
    o.scale = l.neuron->relu() ? (l.neuron->scale > 0 ? l.neuron->scale : 1.0) : 1.0;
    o.binary = true;
    o.bits = l.neuron->relu() ? l.neuron->bits : 1;
  } else {
    o.binary = false;
    o.bits = 32;
  }
}

void read_weights(const layer_list& L, const YAML::Node& n, const where& w, layer& l, bool last) {
  const std::string& dir = L.dir;
  const auto K = static_cast<std::size_t>(l.out_channels), C = static_cast<std::size_t>(l.in_channels),
             k = static_cast<std::size_t>(l.kernel);
  const std::vector<std::size_t> wshape =
      l.type == layer_type::conv2d ? std::vector<std::size_t>{K, C, k, k} : std::vector<std::size_t>{K, C};
  l.weight = tensor_values<std::int8_t>(dir, n, "weight", w, wshape);
  const std::string sfile = as_str(req(n, "weight_scale", w), w.at("weight_scale"));
  npy_array sa = npy_read(dir + "/" + sfile);
  if (sa.dtype != npy_dtype::f32)
    fail("trace", dir + "/" + sfile + ": dtype: expected float32 (" + w.at("weight_scale").path + "), got " +
                      npy_dtype_name(sa.dtype));
  if (sa.shape != std::vector<std::size_t>{K} && sa.shape != std::vector<std::size_t>{1})
    fail("trace", dir + "/" + sfile + ": shape: expected [" + std::to_string(K) + "] or [1] (" +
                      w.at("weight_scale").path + "), got " + shape_text(sa.shape));
  l.weight_scale = sa.values<float>();
  check_finite(l.weight_scale, dir + "/" + sfile, true, false);
  if (has(n, "bn")) {
    const where wb = w.at("bn");
    const YAML::Node bn = n["bn"];
    check_keys(bn, wb, {"eps", "weight", "bias", "running_mean", "running_var"});
    if (!l.fires()) bad(wb, "expected no batch-norm on a layer without neuron, got one");
    batch_norm m;
    m.eps = as_double(req(bn, "eps", wb), wb.at("eps"));
    if (!(m.eps > 0)) bad(wb.at("eps"), "expected a positive number, got " + bn["eps"].Scalar());
    m.weight = tensor_values<float>(dir, bn, "weight", wb, {K});
    m.bias = tensor_values<float>(dir, bn, "bias", wb, {K});
    m.running_mean = tensor_values<float>(dir, bn, "running_mean", wb, {K});
    m.running_var = tensor_values<float>(dir, bn, "running_var", wb, {K});
    check_finite(m.weight, file_of(dir, bn, "weight"), false, false);
    check_finite(m.bias, file_of(dir, bn, "bias"), false, false);
    check_finite(m.running_mean, file_of(dir, bn, "running_mean"), false, false);
    check_finite(m.running_var, file_of(dir, bn, "running_var"), false, true);
    l.bn = std::move(m);
  }
  if (has(n, "bias")) {
    if (!l.fires() && !last)
      bad(w.at("bias"), "expected no bias on an add's operand (its int32 accumulations are passed on as they are; "
                        "only the output layer and firing layers have one), got one");
    l.bias = tensor_values<float>(dir, n, "bias", w, {K});
    check_finite(l.bias, file_of(dir, n, "bias"), false, false);
  }
  if (l.fires()) {
    // FORMAT.md 4.3: derived from the floats; a stored fixed_point must equal the derived one.
    l.fx = golden::derive_fixed_point(l.weight_scale, l.in_scale, l.bn ? &*l.bn : nullptr, l.neuron->gain,
                                      l.neuron->threshold, l.out_channels, &l.bias);
    if (has(n, "fixed_point")) check_stored_fixed_point(dir, n, w, K, l.fx);
  } else if (has(n, "fixed_point")) {
    bad(w.at("fixed_point"), "expected none on a layer without neuron, got one");
  } else if (!l.bias.empty()) {  // the output layer's bias, in accumulation units (FORMAT.md 2)
    l.fx = golden::derive_output_bias(l.weight_scale, l.in_scale, l.bias, file_of(L.dir, n, "bias"));
  }
}

// workload: input spike rate of this layer (none for a direct-coded input)
void read_input_rate(const layer_list& L, const YAML::Node& n, const where& w, bool in_binary, layer& l) {
  const bundle& b = L.b;
  const bool ann = L.ann;
  if (!in_binary) {
    if (has(n, "input_rate"))
      bad(w.at("input_rate"), std::string("expected none (this layer's input is multi-bit, not ") +
                                  (ann ? "relu activations" : "spikes") + "), got " + scalar_text(n["input_rate"]));
  } else {
    const YAML::Node r = req(n, "input_rate", w);
    if (r.IsSequence()) {
      if (r.size() != static_cast<std::size_t>(b.timesteps))
        bad(w.at("input_rate"), "expected " + std::to_string(b.timesteps) + " rates (one per timestep), got " +
                                    std::to_string(r.size()));
      for (std::size_t t = 0; t < r.size(); ++t) l.input_rate.push_back(as_double(r[t], w.at("input_rate").idx(t)));
    } else {
      l.input_rate.assign(static_cast<std::size_t>(b.timesteps), as_double(r, w.at("input_rate")));
    }
    for (std::size_t t = 0; t < l.input_rate.size(); ++t)
      if (l.input_rate[t] < 0 || l.input_rate[t] > 1) {
        std::ostringstream s;
        s << l.input_rate[t];
        bad(w.at("input_rate"), "expected rates in [0, 1], got " + s.str());
      }
  }
}

}  // namespace

void read_layer(layer_list& L, const YAML::Node& ls, std::size_t i) {
  const where w = L.wl.idx(i);
  const YAML::Node n = ls[i];
  if (!n.IsMap()) bad(w, "expected a map, got " + scalar_text(n));
  layer l;
  l.name = as_str(req(n, "name", w), w.at("name"));
  if (L.by_name.count(l.name)) bad(w.at("name"), "expected a unique name, got '" + l.name + "' twice");
  l.type = read_type(n, w);
  check_layer_keys(n, w, l.type, L.fn);
  const std::vector<int> src = read_inputs(L, ls, i, n, w, l);
  check_wiring(L, i, n, w, l, src);
  const bundle& b = L.b;
  const auto s0 = static_cast<std::size_t>(src[0]);
  l.in_shape = src[0] < 0 ? b.input_shape : b.layers[s0].out_shape;
  l.in_scale = src[0] < 0 ? b.input_scale : L.outs[s0].scale;
  l.in_bits = src[0] < 0 ? L.input_bits : L.outs[s0].bits;
  const bool in_binary = src[0] < 0 ? b.spike_input() : L.outs[s0].binary;
  layer_out o{l.in_scale, in_binary, l.in_bits};
  read_geometry(L, n, w, src, l, o);
  if (l.is_compute() || l.type == layer_type::add) read_layer_neuron(L, i + 1 == ls.size(), n, w, l, o);
  if (l.is_compute() && L.fn) read_weights(L, n, w, l, i + 1 == ls.size());
  else if (l.is_compute()) read_input_rate(L, n, w, in_binary, l);
  L.by_name[l.name] = static_cast<int>(i);
  L.outs.push_back(o);
  L.b.layers.push_back(std::move(l));
}

}  // namespace trace_read
}  // namespace spiketlm
