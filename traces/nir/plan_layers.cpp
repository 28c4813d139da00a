// The bundle layers of a NIR network whose Scale nodes are folded (plan.h).
#include "traces/nir/plan.h"

#include "tlm/error.h"

#include <map>
#include <set>

namespace spiketlm::nir {

network fold_scales(network net);  // plan.cpp

namespace {

constexpr int k_current = -3;  // a weighted node's output: currents, mapped with its consumer
constexpr int k_unset = -2;

struct planner {
  const network& net;
  std::vector<planned_layer> layers;
  std::vector<int> layer_of;       // per NIR node: the planned layer producing its output (-1: input)
  std::set<std::string> names;

  [[noreturn]] void bad(const net_node& n, const std::string& why) const {
    fail("nir", net.file + ": node '" + n.name + "' (" + op_type(n.kind) + "): cannot be mapped: " + why);
  }
  std::string unique(std::string s) {
    for (char& c : s)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) c = '_';
    if (s.empty() || s == "input" || s[0] == '.') s = "n" + s;
    std::string r = s;
    for (int k = 2; names.count(r); ++k) r = s + "_" + std::to_string(k);
    names.insert(r);
    return r;
  }
  int emit(planned_layer l) {
    layers.push_back(std::move(l));
    return int(layers.size()) - 1;
  }
  // The planned layer feeding node i's input (a spike map, a pooled map or the network input).
  int source(const net_node& n, int producer) const {
    const int l = layer_of[std::size_t(producer)];
    if (l == k_current)
      bad(n, "it reads the currents of '" + net.at(producer).name + "' (a weighted node's outputs feed one spiking neuron, "
             "or the Output)");
    if (l == k_unset) bad(n, "it reads '" + net.at(producer).name + "', which is not mapped to a layer");
    return l;
  }
  void weighted(int i);
  void neuron(int i);
  void add(int i);
  void output(int i);
};

void planner::weighted(int i) {
  const net_node& n = net.at(i);
  if (n.in.size() != 1) bad(n, "a sum of inputs into a weighted node is not supported (the sum must come after it)");
  if (n.out.size() != 1)
    bad(n, "its currents feed " + std::to_string(n.out.size()) + " nodes (expected one spiking neuron, or the Output)");
  source(n, n.in[0]);  // checks the producer
  layer_of[std::size_t(i)] = k_current;
}

void planner::neuron(int i) {
  const net_node& n = net.at(i);
  if (n.kind == op::li || n.kind == op::integrator) {
    if (n.out.size() != 1 || net.at(n.out[0]).kind != op::output)
      bad(n, "a non-spiking neuron is mapped only as the readout before the Output (the hardware passes spikes between layers)");
    if (n.in.size() != 1 || !is_weighted(net.at(n.in[0]).kind))
      bad(n, "a readout neuron needs one weighted node (Affine/Linear/Conv) before it");
    layer_of[std::size_t(i)] = k_current;
    return;
  }
  if (n.in.size() == 2) return add(i);
  if (n.in.size() != 1) bad(n, "it sums " + std::to_string(n.in.size()) + " inputs (the hardware adds two)");
  const net_node& w = net.at(n.in[0]);
  if (!is_weighted(w.kind))
    bad(n, "a spiking neuron needs a weighted node (Affine/Linear/Conv) before it, got '" + w.name + "' (" + op_type(w.kind) + ")");
  planned_layer l;
  l.kind = role::firing;
  l.name = unique(w.name);
  l.weighted = n.in[0];
  l.neuron = i;
  l.inputs = {source(w, w.in[0])};
  layer_of[std::size_t(i)] = emit(l);
}

void planner::add(int i) {
  const net_node& n = net.at(i);
  std::vector<int> ops;
  for (const int p : n.in) {
    const net_node& src = net.at(p);
    planned_layer l;
    if (is_weighted(src.kind)) {
      l.kind = role::operand;
      l.name = unique(src.name);
      l.weighted = p;
      l.inputs = {source(src, src.in[0])};
    } else {
      const int s = source(n, p);
      if (s < 0) bad(n, "a sum with the network input itself is not supported (the shortcut must be a layer's output)");
      l.kind = role::shortcut;
      l.name = unique(n.name + ".shortcut");
      l.node = p;
      l.inputs = {s};
    }
    ops.push_back(emit(l));
  }
  // Operand 1 must be an accumulation map of the block's own weights: order weighted first.
  if (layers[std::size_t(ops[0])].kind == role::shortcut && layers[std::size_t(ops[1])].kind == role::operand) std::swap(ops[0], ops[1]);
  planned_layer a;
  a.kind = role::add;
  a.name = unique(n.name);
  a.neuron = i;
  a.inputs = ops;
  layer_of[std::size_t(i)] = emit(a);
}

void planner::output(int i) {
  const net_node& o = net.at(i);
  int p = o.in[0];
  planned_layer l;
  l.name = unique("readout");
  if (net.at(p).kind == op::scale) {  // a Scale left before the Output: per-class readout weights
    l.readout_scale = net.at(p).weight;
    p = net.at(p).in[0];
  }
  const net_node& src = net.at(p);
  const bool readout_neuron = src.kind == op::integrator || src.kind == op::li;
  if (is_weighted(src.kind) || readout_neuron) {
    const int w = readout_neuron ? src.in[0] : p;
    if (!l.readout_scale.empty()) bad(o, "a Scale between a weighted readout and the Output is not folded (fold it into the weights)");
    l.kind = role::output;
    l.name = unique(net.at(w).name);
    l.weighted = w;
    l.neuron = readout_neuron ? p : -1;
    l.inputs = {source(net.at(w), net.at(w).in[0])};
  } else {
    l.kind = role::readout;
    l.inputs = {source(o, p)};
    if (l.inputs[0] < 0) bad(o, "the Output reads the network input directly (there is no layer to run)");
  }
  emit(l);
}

}  // namespace

plan make_plan(network net0) {
  plan pl;
  pl.net = fold_scales(std::move(net0));
  const network& net = pl.net;
  planner p{net, {}, std::vector<int>(net.nodes.size(), k_unset), {}};
  for (std::size_t i = 0; i < net.nodes.size(); ++i) {
    const net_node& n = net.nodes[i];
    switch (n.kind) {
      case op::input: p.layer_of[i] = -1; break;
      case op::output: p.output(int(i)); break;
      case op::scale: p.layer_of[i] = k_current; break;  // before the Output (fold_scales kept it)
      case op::sumpool2d:
      case op::avgpool2d:
      case op::flatten: {
        if (n.in.size() != 1) p.bad(n, "a sum of inputs into a pooling or flatten node is not supported");
        if (n.kind == op::flatten && n.out_shape.size() != 1)
          p.bad(n, "it flattens " + shape_str(n.in_shape) + " to " + shape_str(n.out_shape) + " (the hardware flattens to one dimension)");
        planned_layer l;
        l.kind = n.kind == op::flatten ? role::flatten : role::pool;
        l.name = p.unique(n.name);
        l.node = int(i);
        l.inputs = {p.source(n, n.in[0])};
        p.layer_of[i] = p.emit(l);
        break;
      }
      default:
        if (is_weighted(n.kind)) p.weighted(int(i));
        else p.neuron(int(i));
        break;
    }
  }
  int readers = 0;
  for (const planned_layer& l : p.layers)
    for (const int s : l.inputs) readers += s < 0;
  if (readers != 1 || p.layers.empty() || p.layers[0].inputs != std::vector<int>{-1})
    fail("nir", net.file + ": node '" + net.at(net.input).name + "' (Input): cannot be mapped: the network input must feed " +
                    "exactly one layer, the first (it feeds " + std::to_string(readers) + ")");
  pl.layers = std::move(p.layers);
  return pl;
}

}  // namespace spiketlm::nir
