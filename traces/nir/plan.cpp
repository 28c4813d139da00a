#include "traces/nir/plan.h"

#include "tlm/error.h"

#include <algorithm>
#include <set>

namespace spiketlm::nir {

namespace {

[[noreturn]] void unmappable(const network& net, const net_node& n, const std::string& why) {
  fail("nir", net.file + ": node '" + n.name + "' (" + op_type(n.kind) + "): cannot be mapped: " + why);
}

// The per-channel value of a per-element Scale over a weighted node's output (or input) map:
// conv maps have one value per channel, every other map one per element.
std::vector<double> per_channel(const network& net, const net_node& s, const shape_t& map, bool conv_map) {
  if (!conv_map) return s.weight;
  const std::size_t C = map[0], P = elements(map) / C;
  std::vector<double> v(C);
  for (std::size_t c = 0; c < C; ++c) {
    v[c] = s.weight[c * P];
    for (std::size_t j = 1; j < P; ++j)
      if (s.weight[c * P + j] != v[c]) unmappable(net, s, "its values vary within channel " + std::to_string(c) + " of a convolution's map (one weight scale per channel)");
  }
  return v;
}

bool conv(op o) { return o == op::conv1d || o == op::conv2d; }

// Multiplies row o (output channel) of a weighted node, bias included, by f[o].
void scale_rows(net_node& w, const std::vector<double>& f) {
  const std::size_t rows = w.weight_shape[0], per = w.weight.size() / rows;
  for (std::size_t o = 0; o < rows; ++o) {
    for (std::size_t j = 0; j < per; ++j) w.weight[o * per + j] *= f[o];
    w.bias[o] *= f[o];
  }
}

// Multiplies the weights that read input channel (or feature) i by f[i].
void scale_columns(net_node& w, const std::vector<double>& f) {
  const std::size_t rows = w.weight_shape[0], per = w.weight.size() / rows;
  if (!conv(w.kind)) {
    for (std::size_t o = 0; o < rows; ++o)
      for (std::size_t i = 0; i < per; ++i) w.weight[o * per + i] *= f[i];
    return;
  }
  const std::size_t cin_g = w.weight_shape[1], taps = per / cin_g, cout_g = rows / std::size_t(w.conv.groups);
  for (std::size_t o = 0; o < rows; ++o)
    for (std::size_t cl = 0; cl < cin_g; ++cl)
      for (std::size_t t = 0; t < taps; ++t) w.weight[(o * cin_g + cl) * taps + t] *= f[(o / cout_g) * cin_g + cl];
}

void replace(std::vector<int>& v, int from, const std::vector<int>& to) {
  std::vector<int> r;
  for (const int x : v)
    if (x == from) r.insert(r.end(), to.begin(), to.end());
    else r.push_back(x);
  v = r;
}

// Folds Scale node i into a neighbour; returns false if it stays (a Scale before the Output).
bool fold_scale(network& net, int i) {
  net_node& s = net.nodes[std::size_t(i)];
  if (s.in.size() != 1) unmappable(net, s, "a Scale of a sum of inputs is not supported");
  net_node& p = net.nodes[std::size_t(s.in[0])];
  bool all_weighted = true;
  for (const int c : s.out) all_weighted = all_weighted && is_weighted(net.at(c).kind) && net.at(c).in.size() == 1;
  if (is_weighted(p.kind) && p.out.size() == 1) {
    scale_rows(p, per_channel(net, s, p.out_shape, conv(p.kind)));
    p.out = s.out;
    for (const int c : s.out) replace(net.nodes[std::size_t(c)].in, i, {s.in[0]});
  } else if (all_weighted) {
    for (const int c : s.out) {
      net_node& w = net.nodes[std::size_t(c)];
      scale_columns(w, per_channel(net, s, s.out_shape, conv(w.kind)));
      w.in = s.in;
    }
    replace(p.out, i, s.out);
  } else if (s.out.size() == 1 && net.at(s.out[0]).kind == op::output) {
    return false;
  } else {
    unmappable(net, s, "expected it next to a weighted node (its producer's only consumer, or feeding only weighted nodes) "
                       "or before the Output");
  }
  return true;
}

// The network without the removed nodes (indices remapped; the order stays topological).
network compact(network net, const std::vector<char>& removed) {
  std::vector<int> map(net.nodes.size(), -1);
  network r;
  r.file = net.file;
  r.version = net.version;
  for (std::size_t i = 0; i < net.nodes.size(); ++i)
    if (!removed[i]) map[i] = int(r.nodes.size()), r.nodes.push_back(net.nodes[i]);
  for (net_node& n : r.nodes) {
    for (int& x : n.in) x = map[std::size_t(x)];
    for (int& x : n.out) x = map[std::size_t(x)];
  }
  r.input = map[std::size_t(net.input)];
  r.output = map[std::size_t(net.output)];
  return r;
}

}  // namespace

network fold_scales(network net) {
  std::vector<char> removed(net.nodes.size(), 0);
  for (std::size_t i = 0; i < net.nodes.size(); ++i)
    if (net.nodes[i].kind == op::scale) removed[i] = fold_scale(net, int(i));
  return compact(std::move(net), removed);
}

}  // namespace spiketlm::nir
