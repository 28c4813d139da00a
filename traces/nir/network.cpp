#include "traces/nir/network.h"

#include "tlm/error.h"

#include <algorithm>
#include <map>
#include <set>

namespace spiketlm::nir {

const char* op_type(op o) {
  static const char* const names[] = {"Input", "Output", "Affine", "Linear", "Scale", "Conv1d", "Conv2d", "SumPool2d",
                                      "AvgPool2d", "Flatten", "LIF", "IF", "CubaLIF", "LI", "I", "Threshold"};
  return names[static_cast<int>(o)];
}
bool is_weighted(op o) { return o == op::affine || o == op::linear || o == op::conv1d || o == op::conv2d; }
bool is_neuron(op o) { return o >= op::lif; }
bool is_spiking(op o) { return o == op::lif || o == op::if_ || o == op::cubalif || o == op::threshold; }

std::size_t elements(const shape_t& s) {
  std::size_t n = 1;
  for (const std::size_t d : s) n *= d;
  return n;
}

std::string shape_str(const shape_t& s) {
  std::string r = "[";
  for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

int network::index(const std::string& name) const {
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].name == name) return static_cast<int>(i);
  return -1;
}

namespace {

// NIR releases write their package version ("0.2.0", "1.0.7"); this reader knows 0.x and 1.x.
void check_version(const graph& g) {
  const std::string& v = g.version;
  std::size_t i = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
  const bool ok = i > 0 && i < v.size() && v[i] == '.' && (v.substr(0, i) == "0" || v.substr(0, i) == "1");
  if (!ok) fail("nir", g.file + ": version: expected a NIR version 0.x or 1.x, got '" + v + "'");
}

// Edges by node index, with the one-line errors for names that are not nodes and repeats.
std::vector<std::pair<int, int>> edge_indices(const graph& g, const std::map<std::string, int>& idx) {
  std::vector<std::pair<int, int>> e;
  std::set<std::pair<int, int>> seen;
  for (std::size_t i = 0; i < g.edges.size(); ++i) {
    const auto& [a, b] = g.edges[i];
    const std::string where = g.file + ": node/edges[" + std::to_string(i) + "] ('" + a + "' -> '" + b + "'): ";
    for (const std::string* s : {&a, &b})
      if (!idx.count(*s)) fail("nir", where + "expected the names of two nodes, got '" + *s + "', which is no node (a dangling edge)");
    const std::pair<int, int> p{idx.at(a), idx.at(b)};
    if (!seen.insert(p).second) fail("nir", where + "expected each edge once, got it twice");
    e.push_back(p);
  }
  return e;
}

// Depth-first search for an edge that closes a cycle (-1, -1 if none).
std::pair<int, int> back_edge(const std::vector<std::vector<int>>& out) {
  const int n = static_cast<int>(out.size());
  std::vector<int> color(std::size_t(n), 0), it(std::size_t(n), 0);
  for (int s = 0; s < n; ++s) {
    if (color[std::size_t(s)]) continue;
    std::vector<int> stack{s};
    color[std::size_t(s)] = 1;
    while (!stack.empty()) {
      const int u = stack.back();
      if (it[std::size_t(u)] < int(out[std::size_t(u)].size())) {
        const int v = out[std::size_t(u)][std::size_t(it[std::size_t(u)]++)];
        if (color[std::size_t(v)] == 1) return {u, v};
        if (color[std::size_t(v)] == 0) {
          color[std::size_t(v)] = 1;
          stack.push_back(v);
        }
      } else {
        color[std::size_t(u)] = 2;
        stack.pop_back();
      }
    }
  }
  return {-1, -1};
}

// Kahn's order (stable: ties by file order); the graph is known to be acyclic.
std::vector<int> topo_order(const std::vector<std::vector<int>>& in, const std::vector<std::vector<int>>& out) {
  const std::size_t n = in.size();
  std::vector<int> deg(n), order;
  std::set<int> ready;
  for (std::size_t i = 0; i < n; ++i)
    if (!(deg[i] = int(in[i].size()))) ready.insert(int(i));
  while (!ready.empty()) {
    const int u = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(u);
    for (const int v : out[std::size_t(u)])
      if (--deg[std::size_t(v)] == 0) ready.insert(v);
  }
  return order;
}

void check_ends(const graph& g, const std::vector<net_node>& nodes, const std::vector<std::vector<int>>& in,
                const std::vector<std::vector<int>>& out) {
  std::vector<std::string> inputs, outputs;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const net_node& n = nodes[i];
    if (n.kind == op::input) inputs.push_back(n.name);
    if (n.kind == op::output) outputs.push_back(n.name);
    const std::string where = g.file + ": node '" + n.name + "' (" + op_type(n.kind) + "): edges: ";
    if (n.kind == op::input && !in[i].empty()) fail("nir", where + "expected no edge into an Input, got one from '" + nodes[std::size_t(in[i][0])].name + "'");
    if (n.kind == op::output && !out[i].empty()) fail("nir", where + "expected no edge out of an Output, got one to '" + nodes[std::size_t(out[i][0])].name + "'");
    if (n.kind != op::input && in[i].empty()) fail("nir", where + "expected an incoming edge, got none (a dangling node)");
    if (n.kind != op::output && out[i].empty()) fail("nir", where + "expected an outgoing edge, got none (a dangling node)");
    if (n.kind == op::output && in[i].size() > 1) fail("nir", where + "expected one edge into an Output, got " + std::to_string(in[i].size()));
  }
  for (const auto* v : {&inputs, &outputs}) {
    if (v->size() == 1) continue;
    std::string names;
    for (const auto& s : *v) names += (names.empty() ? "" : ", ") + ("'" + s + "'");
    fail("nir", g.file + ": node/nodes: expected one " + (v == &inputs ? "Input" : "Output") + " node, got " +
                    std::to_string(v->size()) + (names.empty() ? "" : " (" + names + ")"));
  }
}

}  // namespace

network build_network(const graph& g) {
  check_version(g);
  std::vector<net_node> raw(g.nodes.size());
  std::map<std::string, int> idx;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    parse_node(g.nodes[i], raw[i], g.file);
    idx[g.nodes[i].name] = int(i);
  }
  std::vector<std::vector<int>> in(raw.size()), out(raw.size());
  for (const auto& [a, b] : edge_indices(g, idx)) {
    out[std::size_t(a)].push_back(b);
    in[std::size_t(b)].push_back(a);
  }
  const auto [u, v] = back_edge(out);
  if (u >= 0)
    fail("nir", g.file + ": node/edges ('" + raw[std::size_t(u)].name + "' -> '" + raw[std::size_t(v)].name +
                    "'): expected a feed-forward graph, got an edge that closes a cycle (a recurrent connection; no "
                    "platform here runs recurrence)");
  check_ends(g, raw, in, out);
  network net;
  net.file = g.file;
  net.version = g.version;
  const std::vector<int> order = topo_order(in, out);
  std::vector<int> pos(raw.size());
  for (std::size_t k = 0; k < order.size(); ++k) pos[std::size_t(order[k])] = int(k);
  for (const int i : order) {
    net_node n = std::move(raw[std::size_t(i)]);
    for (const int p : in[std::size_t(i)]) n.in.push_back(pos[std::size_t(p)]);
    for (const int c : out[std::size_t(i)]) n.out.push_back(pos[std::size_t(c)]);
    if (!n.in.empty()) n.in_shape = net.nodes[std::size_t(n.in[0])].out_shape;
    for (const int p : n.in)
      if (net.nodes[std::size_t(p)].out_shape != n.in_shape)
        fail("nir", g.file + ": node '" + n.name + "' (" + op_type(n.kind) + "): edges: expected inputs of one shape (they are summed), got " +
                        shape_str(n.in_shape) + " from '" + net.nodes[std::size_t(n.in[0])].name + "' and " +
                        shape_str(net.nodes[std::size_t(p)].out_shape) + " from '" + net.nodes[std::size_t(p)].name + "'");
    infer_shape(n, g.file);
    if (n.kind == op::input) net.input = int(net.nodes.size());
    if (n.kind == op::output) net.output = int(net.nodes.size());
    net.nodes.push_back(std::move(n));
  }
  return net;
}

}  // namespace spiketlm::nir
