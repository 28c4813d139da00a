#include "traces/nir/export.h"

#include "tlm/error.h"

#include <cmath>

namespace spiketlm::nir {

namespace {

using shape_v = std::vector<std::size_t>;

struct exporter {
  const bundle& b;
  double dt;
  graph g;
  std::vector<std::string> prod;  // per bundle layer: the NIR node holding its output
  std::vector<shape_v> shape;     // per bundle layer: the NIR shape of its output

  [[noreturn]] void refuse(const layer& l, const std::string& why) const {
    fail("nir", (b.dir.empty() ? b.name : b.dir) + ": layer '" + l.name + "': cannot be exported to NIR: " + why);
  }
  node& add_node(const std::string& name, const std::string& type) {
    g.nodes.push_back({name, type, {}, {}});
    return g.nodes.back();
  }
  // The producer of operand k of layer i: (NIR node, shape, bundle layer index or -1).
  int producer(std::size_t i, std::size_t k) const {
    const layer& l = b.layers[i];
    if (l.inputs.size() <= k) return int(i) - 1;
    return l.inputs[k].empty() || l.inputs[k] == "input" ? -1 : b.layer_index(l.inputs[k]);
  }
  std::string node_of(int p) const { return p < 0 ? "input" : prod[std::size_t(p)]; }
  shape_v shape_at(int p) const {
    if (p >= 0) return shape[std::size_t(p)];
    const tensor_shape& s = b.input_shape;
    return s.h == 1 && s.w == 1 ? shape_v{std::size_t(s.c)} : shape_v{std::size_t(s.c), std::size_t(s.h), std::size_t(s.w)};
  }
  void weighted(std::size_t i, double factor_add, const std::vector<float>* bias_override);
  std::string neuron(const layer& l, const std::string& name, const shape_v& s, const std::vector<double>& extra_r);
  void readout();
  void add(std::size_t i);
  void pool(std::size_t i);
};

std::vector<double> ints(std::initializer_list<int> v) { return std::vector<double>(v.begin(), v.end()); }

// A float array of shape s holding v everywhere.
h5::value filled(const shape_v& s, double v) {
  std::size_t m = 1;
  for (const std::size_t d : s) m *= d;
  return float_array(s, std::vector<double>(m, v), true);
}

// The NIR fields of a leaky neuron whose forward-Euler step of length dt is v = beta v + I
// (LIF, LI): tau = dt / (1 - beta), r = 1 / (1 - beta), v_leak 0.
void leaky_fields(node& n, const shape_v& s, double beta, double dt) {
  n.fields["tau"] = filled(s, dt / (1.0 - beta));
  n.fields["r"] = filled(s, 1.0 / (1.0 - beta));
  n.fields["v_leak"] = filled(s, 0.0);
}

// Per output channel: the factor from int8 weights to the weighted node's float weights, and the bias
// (FORMAT.md 4.3, in threshold units: gain x BN(ws x psum + bias)).
void channel_factors(const layer& l, double factor_add, std::vector<double>& f, std::vector<double>& bias) {
  const std::size_t K = std::size_t(l.out_channels);
  const double gain = l.fires() ? l.neuron->gain : 1.0;
  f.assign(K, 0.0);
  bias.assign(K, 0.0);
  for (std::size_t k = 0; k < K; ++k) {
    const double ws = double(l.weight_scale[l.weight_scale.size() == 1 ? 0 : k]);
    const double bk = l.bias.empty() ? 0.0 : double(l.bias[k]);
    double r = 1.0, shift = bk;
    if (l.bn) {
      r = double(l.bn->weight[k]) / std::sqrt(double(l.bn->running_var[k]) + l.bn->eps);
      shift = double(l.bn->bias[k]) + r * (bk - double(l.bn->running_mean[k]));
    }
    f[k] = factor_add > 0 ? factor_add : gain * r * ws;
    bias[k] = factor_add > 0 ? 0.0 : gain * shift;
  }
}

void exporter::weighted(std::size_t i, double factor_add, const std::vector<float>* bias_override) {
  const layer& l = b.layers[i];
  const int p = producer(i, 0);
  std::string src = node_of(p);
  shape_v in = shape_at(p);
  std::vector<double> f, bias;
  channel_factors(l, factor_add, f, bias);
  if (bias_override && !bias_override->empty()) bias.assign(bias_override->begin(), bias_override->end());
  const std::size_t K = std::size_t(l.out_channels), per = l.weight.size() / K;
  std::vector<double> w(l.weight.size());
  for (std::size_t j = 0; j < w.size(); ++j) w[j] = double(l.weight[j]) * f[j / per];
  bool biased = false;
  for (const double x : bias) biased = biased || x != 0;
  if (l.type == layer_type::conv2d) {
    node& n = add_node(l.name, "Conv2d");
    n.fields["weight"] = float_array({K, std::size_t(l.in_channels), std::size_t(l.kernel), std::size_t(l.kernel)}, w, true);
    n.fields["bias"] = float_array({K}, bias, true);
    n.fields["stride"] = int_array({2}, ints({l.stride, l.stride}));
    n.fields["padding"] = int_array({2}, ints({l.padding, l.padding}));
    n.fields["dilation"] = int_array({2}, ints({1, 1}));
    n.fields["groups"] = int_array({}, {1.0});
    n.fields["input_shape"] = int_array({2}, ints({l.in_shape.h, l.in_shape.w}));
    shape[i] = {K, std::size_t(l.out_shape.h), std::size_t(l.out_shape.w)};
  } else {
    if (in.size() != 1) {  // a bundle's linear reads its input flattened; NIR needs the node
      node& fl = add_node(l.name + ".flatten", "Flatten");
      fl.fields["start_dim"] = int_array({}, {0.0});
      fl.fields["end_dim"] = int_array({}, {-1.0});
      fl.fields["input_type"] = int_array({in.size()}, std::vector<double>(in.begin(), in.end()));
      g.edges.emplace_back(src, fl.name);
      src = fl.name;
    }
    node& n = add_node(l.name, biased ? "Affine" : "Linear");
    n.fields["weight"] = float_array({K, std::size_t(l.in_channels)}, w, true);
    if (biased) n.fields["bias"] = float_array({K}, bias, true);
    shape[i] = {K};
  }
  g.edges.emplace_back(src, l.name);
  prod[i] = l.name;
  if (l.fires()) prod[i] = neuron(l, l.name + "." + l.neuron->model, shape[i], {});
}

std::string exporter::neuron(const layer& l, const std::string& name, const shape_v& s, const std::vector<double>&) {
  const neuron_params& p = *l.neuron;
  if (p.relu()) refuse(l, "a ReLU (ANN bundle): NIR describes spiking networks");
  if (p.share != 1) refuse(l, "C#" + std::to_string(p.share) + " channel sharing has no NIR node");
  const double beta = std::ldexp(double(p.leak_num), -p.leak_shift);
  const bool soft = p.reset == reset_mode::soft;
  const double thr = soft ? 1.0 : 1.0 - 0.5 / p.threshold;
  node& n = add_node(name, beta == 1.0 ? "IF" : "LIF");
  if (beta == 1.0) n.fields["r"] = filled(s, 1.0 / dt);
  else leaky_fields(n, s, beta, dt);
  n.fields["v_threshold"] = filled(s, thr);
  n.fields["v_reset"] = filled(s, 0.0);
  n.metadata["reset"] = string_value(soft ? "subtract" : "zero");
  if (!l.is_compute()) return name;
  g.edges.emplace_back(l.name, name);
  return name;
}

// The unit of an add's sum in thresholds (FORMAT.md 2.1): its scale, or 1 / threshold.
double add_unit(const layer& a) { return a.sum_scale > 0 ? a.sum_scale : 1.0 / a.neuron->threshold; }

void exporter::add(std::size_t i) {
  const layer& l = b.layers[i];
  const double k = add_unit(l);
  std::vector<std::string> srcs;
  for (std::size_t op = 0; op < 2; ++op) {
    const int p = producer(i, op);
    const bool acc = p >= 0 && b.layers[std::size_t(p)].is_compute() && !b.layers[std::size_t(p)].fires();
    if (acc) {
      srcs.push_back(node_of(p));
      continue;
    }
    node& sc = add_node(l.name + ".scale" + std::to_string(op + 1), "Scale");
    const shape_v s = shape_at(p);
    std::size_t m = 1;
    for (const std::size_t d : s) m *= d;
    sc.fields["scale"] = float_array(s, std::vector<double>(m, k), true);
    g.edges.emplace_back(node_of(p), sc.name);
    srcs.push_back(sc.name);
  }
  shape[i] = shape_at(producer(i, 0));
  const std::string name = neuron(l, l.name, shape[i], {});
  for (const auto& s : srcs) g.edges.emplace_back(s, name);
  prod[i] = name;
}

void exporter::pool(std::size_t i) {
  const layer& l = b.layers[i];
  const int p = producer(i, 0);
  if (l.type == layer_type::maxpool2d) refuse(l, "max pooling has no NIR node (NIR pools by sum or average)");
  node& n = add_node(l.name, l.type == layer_type::flatten ? "Flatten" : "AvgPool2d");
  if (l.type == layer_type::flatten) {
    const shape_v in = shape_at(p);
    n.fields["start_dim"] = int_array({}, {0.0});
    n.fields["end_dim"] = int_array({}, {-1.0});
    n.fields["input_type"] = int_array({in.size()}, std::vector<double>(in.begin(), in.end()));
    shape[i] = {std::size_t(l.out_shape.size())};
  } else {
    n.fields["kernel_size"] = int_array({2}, ints({l.kernel, l.kernel}));
    n.fields["stride"] = int_array({2}, ints({l.stride, l.stride}));
    n.fields["padding"] = int_array({2}, ints({l.padding, l.padding}));
    shape[i] = {std::size_t(l.out_shape.c), std::size_t(l.out_shape.h), std::size_t(l.out_shape.w)};
  }
  g.edges.emplace_back(node_of(p), l.name);
  prod[i] = l.name;
}

// A leaky readout membrane on the output layer (FORMAT.md 2.2) becomes an LI node after it.
void exporter::readout() {
  const arith::readout_leak ro = b.layers.back().readout;
  if (!ro.leaky()) return;
  node& li = add_node(b.layers.back().name + ".li", "LI");
  leaky_fields(li, shape.back(), ro.factor(), dt);
  g.edges.emplace_back(prod.back(), li.name);
  prod.back() = li.name;
}

// The add reading accumulation map `name` as operand 1 or 2 (its index), or -1.
int consumer_add(const bundle& b, const std::string& name) {
  for (std::size_t i = 0; i < b.layers.size(); ++i)
    if (b.layers[i].type == layer_type::add)
      for (const auto& s : b.layers[i].inputs)
        if (s == name) return int(i);
  return -1;
}

}  // namespace

graph export_graph(const bundle& b, double dt) {
  if (!b.functional() || b.ann()) fail("nir", (b.dir.empty() ? b.name : b.dir) + ": export: expected a functional SNN bundle, got " + b.kind + " " + b.network);
  if (!(dt > 0)) fail("nir", "export: dt: expected a positive time step, got " + std::to_string(dt));
  exporter e{b, dt, {}, std::vector<std::string>(b.layers.size()), std::vector<shape_v>(b.layers.size())};
  e.g.version = "1.0.7";
  node& in = e.add_node("input", "Input");
  const shape_v s = e.shape_at(-1);
  in.fields["shape"] = int_array({s.size()}, std::vector<double>(s.begin(), s.end()));
  for (std::size_t i = 0; i < b.layers.size(); ++i) {
    const layer& l = b.layers[i];
    if (l.type == layer_type::add) {
      e.add(i);
    } else if (l.is_compute()) {
      const int a = l.fires() || i + 1 == b.layers.size() ? -1 : consumer_add(b, l.name);
      const layer* add = a >= 0 ? &b.layers[std::size_t(a)] : nullptr;
      const bool first = add && add->inputs[0] == l.name;
      e.weighted(i, add ? add_unit(*add) : 0.0, first ? &add->bias : nullptr);
    } else {
      e.pool(i);
    }
  }
  e.readout();
  node& out = e.add_node("output", "Output");
  const shape_v o = e.shape.back();
  out.fields["shape"] = int_array({o.size()}, std::vector<double>(o.begin(), o.end()));
  e.g.edges.emplace_back(e.prod.back(), "output");
  return std::move(e.g);
}

}  // namespace spiketlm::nir
