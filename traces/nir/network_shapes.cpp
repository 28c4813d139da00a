// Shape inference for each NIR node from its input shape (no batch dimension).
#include "traces/nir/network.h"

#include "tlm/error.h"

namespace spiketlm::nir {

namespace {

[[noreturn]] void bad(const net_node& n, const std::string& file, const std::string& field, const std::string& what) {
  fail("nir", file + ": node '" + n.name + "' (" + op_type(n.kind) + "): " + (field.empty() ? "" : "field '" + field + "': ") + what);
}

// Size of one convolution / pooling output dimension (floor, as PyTorch and NIR compute it).
long out_dim(long in, long pad, long dil, long k, long stride) { return (in + 2 * pad - dil * (k - 1) - 1) / stride + 1; }

void conv_shape(net_node& n, const std::string& file) {
  const conv_geom& c = n.conv;
  const bool two = n.kind == op::conv2d;
  const shape_t& s = n.in_shape;
  if (s.size() != (two ? 3u : 2u) || s[0] != static_cast<std::size_t>(c.cin))
    bad(n, file, "", "input shape " + shape_str(s) + " does not fit: expected [" + std::to_string(c.cin) +
                         (two ? ", H, W]" : ", L]") + " (weight " + shape_str(n.weight_shape) + ", groups " +
                         std::to_string(c.groups) + ")");
  const long H = two ? static_cast<long>(s[1]) : 1, W = static_cast<long>(s.back());
  if (!n.declared.empty() && n.declared != shape_t(s.begin() + 1, s.end()))
    bad(n, file, "input_shape", "expected " + shape_str(shape_t(s.begin() + 1, s.end())) + " (the input " + shape_str(s) +
                                    "), got " + shape_str(n.declared));
  const long oh = out_dim(H, c.ph, c.dh, c.kh, c.sh), ow = out_dim(W, c.pw, c.dw, c.kw, c.sw);
  if (oh < 1 || ow < 1) bad(n, file, "weight", "expected a kernel that fits the padded input " + shape_str(s) + ", got " + shape_str(n.weight_shape));
  n.out_shape = two ? shape_t{std::size_t(c.cout), std::size_t(oh), std::size_t(ow)} : shape_t{std::size_t(c.cout), std::size_t(ow)};
}

void pool_shape(net_node& n, const std::string& file) {
  const pool_geom& p = n.pool;
  const shape_t& s = n.in_shape;
  if (s.size() != 3) bad(n, file, "", "input shape " + shape_str(s) + " does not fit: expected [C, H, W]");
  if (2 * p.ph > p.kh || 2 * p.pw > p.kw) bad(n, file, "padding", "expected at most half the kernel size, got more");
  const long oh = out_dim(long(s[1]), p.ph, 1, p.kh, p.sh), ow = out_dim(long(s[2]), p.pw, 1, p.kw, p.sw);
  if (oh < 1 || ow < 1) bad(n, file, "kernel_size", "expected a window that fits the padded input " + shape_str(s));
  n.out_shape = {s[0], std::size_t(oh), std::size_t(ow)};
}

void flatten_shape(net_node& n, const std::string& file) {
  const shape_t& s = n.in_shape;
  const int nd = static_cast<int>(s.size());
  if (!n.declared.empty() && n.declared != s) bad(n, file, "input_type", "expected " + shape_str(s) + ", got " + shape_str(n.declared));
  const int a = n.start_dim < 0 ? n.start_dim + nd : n.start_dim, b = n.end_dim < 0 ? n.end_dim + nd : n.end_dim;
  if (a < 0 || a >= nd || b < a || b >= nd)
    bad(n, file, "start_dim", "expected 0 <= start_dim <= end_dim < " + std::to_string(nd) + " for the input " + shape_str(s) +
                                  ", got " + std::to_string(n.start_dim) + " and " + std::to_string(n.end_dim));
  n.out_shape.assign(s.begin(), s.begin() + a);
  std::size_t m = 1;
  for (int i = a; i <= b; ++i) m *= s[std::size_t(i)];
  n.out_shape.push_back(m);
  n.out_shape.insert(n.out_shape.end(), s.begin() + b + 1, s.end());
}

// A neuron's fields: each of the input's shape, or one value (broadcast).
void neuron_shape(net_node& n, const std::string& file) {
  const std::size_t m = elements(n.in_shape);
  for (const auto& [name, shape] : n.param_shapes) {
    std::vector<double>* v = name == "tau" || name == "tau_mem" ? &n.nrn.tau
                             : name == "tau_syn"                ? &n.nrn.tau_syn
                             : name == "r"                      ? &n.nrn.r
                             : name == "v_leak"                 ? &n.nrn.v_leak
                             : name == "v_reset"                ? &n.nrn.v_reset
                             : name == "w_in"                   ? &n.nrn.w_in
                                                                : &n.nrn.v_threshold;
    if (v->size() == 1) v->assign(m, v->front());
    else if (shape != n.in_shape)
      bad(n, file, name, "expected the input's shape " + shape_str(n.in_shape) + " or one value, got shape " + shape_str(shape));
  }
  n.out_shape = n.in_shape;
}

void weighted_shape(net_node& n, const std::string& file) {
  const shape_t& w = n.weight_shape;
  if (n.in_shape != shape_t{w[1]})
    bad(n, file, "", "input shape " + shape_str(n.in_shape) + " does not fit: expected [" + std::to_string(w[1]) +
                         "] (weight " + shape_str(w) + ")" + (n.in_shape.size() > 1 ? "; flatten it first" : ""));
  n.out_shape = {w[0]};
}

}  // namespace

void infer_shape(net_node& n, const std::string& file) {
  switch (n.kind) {
    case op::input: n.out_shape = n.declared; break;
    case op::output:
      if (n.declared != n.in_shape)
        bad(n, file, "shape", "expected " + shape_str(n.in_shape) + " (its input's shape), got " + shape_str(n.declared));
      n.out_shape = n.in_shape;
      break;
    case op::affine:
    case op::linear: weighted_shape(n, file); break;
    case op::scale:
      if (n.weight.size() != 1 && n.weight_shape != n.in_shape)
        bad(n, file, "scale", "expected the input's shape " + shape_str(n.in_shape) + " or one value, got shape " + shape_str(n.weight_shape));
      if (n.weight.size() == 1) n.weight.assign(elements(n.in_shape), n.weight[0]);
      n.out_shape = n.in_shape;
      break;
    case op::conv1d:
    case op::conv2d: conv_shape(n, file); break;
    case op::sumpool2d:
    case op::avgpool2d: pool_shape(n, file); break;
    case op::flatten: flatten_shape(n, file); break;
    default: neuron_shape(n, file); break;
  }
}

}  // namespace spiketlm::nir
