// spiketlm: a NIR graph checked and typed: nodes in topological order with their parameters
// parsed, shapes inferred (no batch dimension, as NIR writes them) and the wiring validated.
// build_network() raises one-line errors naming the file, the node and the field:
//   - an unsupported node type, a missing field, a field of the wrong kind (strings where
//     numbers belong, a fractional stride ...), a field of the wrong shape, non-finite values;
//   - an unknown NIR version (the reader knows 0.x and 1.x);
//   - an edge naming a node that does not exist, an edge listed twice, a node without
//     incoming or outgoing edges (dangling), a cycle (a recurrent connection: no platform
//     here runs recurrence), other than one Input and one Output node;
//   - shapes that do not fit (a convolution's channels, an Affine's features, a sum of inputs
//     of different shapes, an Output shape other than its input's).
// Node semantics (NIR specification, neuromorphs/NIR docs "Primitives"): traces/nir/README.md.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "traces/nir/graph.h"

namespace spiketlm::nir {

enum class op { input, output, affine, linear, scale, conv1d, conv2d, sumpool2d, avgpool2d, flatten,
                lif, if_, cubalif, li, integrator, threshold };
const char* op_type(op o);  // the NIR `type` string ("LIF", "I" for the integrator, ...)
bool is_weighted(op o);     // Affine, Linear, Conv1d, Conv2d
bool is_neuron(op o);       // LIF, IF, CubaLIF, LI, I, Threshold
bool is_spiking(op o);      // LIF, IF, CubaLIF, Threshold

using shape_t = std::vector<std::size_t>;
std::size_t elements(const shape_t& s);
std::string shape_str(const shape_t& s);  // "[16, 14, 14]"

// Convolution geometry (Conv1d: the height terms are 1 / 0), padding resolved.
struct conv_geom {
  int cin = 0, cout = 0, groups = 1;
  int kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
};
struct pool_geom {
  int kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
};

// Neuron parameters, one value per element of the node's shape (broadcast from a scalar).
struct neuron_fields {
  std::vector<double> tau, tau_syn, r, v_leak, v_threshold, v_reset, w_in;
  bool subtract_reset = false;  // node metadata `reset` = "subtract" (spiketlm.torch.export_nir)
};

struct net_node {
  std::string name;
  op kind = op::input;
  std::vector<int> in, out;       // producers / consumers (indices into network::nodes)
  shape_t in_shape, out_shape;
  std::vector<double> weight;     // affine/linear [out, in]; conv [cout, cin/groups, kh, kw]; scale
  shape_t weight_shape;
  std::vector<double> bias;       // affine, conv: [out] (zeros if the file has none)
  shape_t declared;               // Input/Output `shape`, Flatten `input_type`, conv `input_shape` ([] if absent)
  int start_dim = 0, end_dim = -1;  // Flatten
  conv_geom conv;
  pool_geom pool;
  neuron_fields nrn;
  std::vector<std::pair<std::string, shape_t>> param_shapes;  // neuron fields as stored (checked by infer_shape)
  field_map metadata;
};

struct network {
  std::string file, version;
  std::vector<net_node> nodes;    // topological order; nodes[0] is the Input
  int input = -1, output = -1;
  const net_node& at(int i) const { return nodes[static_cast<std::size_t>(i)]; }
  int index(const std::string& name) const;  // -1 if none
};

network build_network(const graph& g);

// ---- used by build_network (network_nodes.cpp) ----
// Parse a node's fields into n (kind, parameters); shapes come later.
void parse_node(const node& src, net_node& n, const std::string& file);
// Infer n's output shape from its input shape (set by the caller), checking its fields.
void infer_shape(net_node& n, const std::string& file);

}  // namespace spiketlm::nir
