// The quantizer's walk over the planned layers (quantize.h).
#include "tlm/error.h"
#include "traces/nir/quantize_detail.h"

#include <algorithm>
#include <cmath>

namespace spiketlm::nir {

using namespace detail;

namespace {

struct walker {
  const plan& p;
  const quant_options& o;
  std::vector<quant_info>& info;
  std::vector<layer> out;
  std::vector<double> nir_scale, bundle_scale;  // per planned layer: real value of one output unit
  std::vector<shape_t> shape;                   // per planned layer: NIR shape of its output

  const network& net() const { return p.net; }
  double in_nir(int l) const { return l < 0 ? (o.spike_input ? 1.0 : o.input_scale) : nir_scale[std::size_t(l)]; }
  double bundle_in(int l) const { return l < 0 ? (o.spike_input ? 1.0 : o.input_scale) : bundle_scale[std::size_t(l)]; }
  std::string name_of(int l) const { return l < 0 ? std::string() : p.layers[std::size_t(l)].name; }
  const shape_t& shape_of(int l) const { return l < 0 ? net().at(net().input).out_shape : shape[std::size_t(l)]; }
  double peak(int node) const { return o.peak.empty() ? 0.0 : o.peak[std::size_t(node)]; }
  [[noreturn]] void bad(const net_node& n, const std::string& why) const {
    fail("nir", net().file + ": node '" + n.name + "' (" + op_type(n.kind) + "): cannot be mapped: " + why);
  }
  quant_info& note(const planned_layer& pl, const std::string& nodes) {
    info.push_back({});
    info.back().layer = pl.name;
    info.back().nodes = nodes;
    return info.back();
  }
  void firing(std::size_t i);
  void add(std::size_t i);
  void operand(std::size_t i, const matrix& m, const std::vector<double>& g, double a);
  void output(std::size_t i);
  arith::readout_leak readout_neuron(const net_node& n, matrix& m) const;
  void readout(std::size_t i);
  void pool(std::size_t i);
};

void walker::firing(std::size_t i) {
  const planned_layer& pl = p.layers[i];
  const net_node &w = net().at(pl.weighted), &n = net().at(pl.neuron);
  const matrix m = matrix_of(net(), w);
  const neuron_map nm = map_neuron(net(), n, o.dt, m.rows);
  const int theta = threshold_units(o.membrane_bits, peak(pl.neuron));
  const std::vector<double> s = absmax_scales(m, o.per_tensor);
  layer l = shell(m, pl.name);
  l.inputs = {name_of(pl.inputs[0])};
  l.weight = to_int8(m, s);
  const double sn = in_nir(pl.inputs[0]), sb = bundle_in(pl.inputs[0]);
  bool biased = false;
  for (std::size_t r = 0; r < m.rows; ++r) {
    const double u = unit(nm, r, theta);
    double a = nm.c[r] * s[r] * sn / u;  // membrane units per unit of this row's accumulation
    if (a < 0) {
      for (std::size_t j = 0; j < m.cols; ++j) l.weight[r * m.cols + j] = std::int8_t(-l.weight[r * m.cols + j]);
      a = -a;
    }
    if (!(a > 0)) std::fill(l.weight.begin() + std::ptrdiff_t(r * m.cols), l.weight.begin() + std::ptrdiff_t((r + 1) * m.cols), 0);
    l.weight_scale.push_back(a > 0 ? float(a / (theta * sb)) : 1.0f);
    l.bias.push_back(float((nm.c[r] * m.bias[r] + nm.d[r]) / (u * theta)));
    biased = biased || l.bias.back() != 0.0f;
  }
  if (!biased) l.bias.clear();
  quant_info& q = note(pl, w.name + " + " + n.name);
  l.neuron = hw_neuron(nm, theta, q);
  q.neuron = op_type(n.kind);
  q.weights = l.weight.size();
  out[i] = std::move(l);
  nir_scale[i] = bundle_scale[i] = 1.0;
  shape[i] = n.out_shape;
}

// A residual join: operands' rows share the sum's unit (module comment in quantize.h).
void walker::add(std::size_t i) {
  const planned_layer& pl = p.layers[i];
  const net_node& n = net().at(pl.neuron);
  const std::size_t ch = n.out_shape.size() == 3 ? n.out_shape[0] : elements(n.out_shape);
  const neuron_map nm = map_neuron(net(), n, o.dt, ch);
  const int theta = threshold_units(o.membrane_bits, peak(pl.neuron));
  // g[r]: membrane units per unit of an operand row's (real-valued) accumulation.
  std::vector<matrix> ms(2);
  std::vector<std::vector<double>> g(2, std::vector<double>(ch));
  std::vector<double> bias(ch, 0.0);
  double mx = 0;
  for (int k = 0; k < 2; ++k) {
    const planned_layer& op = p.layers[std::size_t(pl.inputs[std::size_t(k)])];
    const bool weighted = op.kind == role::operand;
    if (weighted) ms[std::size_t(k)] = matrix_of(net(), net().at(op.weighted));
    if (weighted && ms[std::size_t(k)].rows != ch)
      bad(n, "operand '" + net().at(op.weighted).name + "' has " + std::to_string(ms[std::size_t(k)].rows) + " output rows, expected " + std::to_string(ch));
    for (std::size_t r = 0; r < ch; ++r) {
      g[std::size_t(k)][r] = nm.c[r] * in_nir(op.inputs[0]) / unit(nm, r, theta);
      const matrix& m = ms[std::size_t(k)];
      double w = weighted ? 0.0 : 1.0;
      for (std::size_t j = 0; weighted && j < m.cols; ++j) w = std::max(w, std::fabs(m.w[r * m.cols + j]));
      mx = std::max(mx, w * std::fabs(g[std::size_t(k)][r]));
      if (weighted) bias[r] += nm.c[r] * m.bias[r];
    }
  }
  const double a = mx > 0 ? mx / 127.0 : 1.0;  // membrane units per unit of the integer sum
  for (int k = 0; k < 2; ++k) operand(std::size_t(pl.inputs[std::size_t(k)]), ms[std::size_t(k)], g[std::size_t(k)], a);
  layer l;
  l.name = pl.name;
  l.type = layer_type::add;
  l.inputs = {p.layers[std::size_t(pl.inputs[0])].name, p.layers[std::size_t(pl.inputs[1])].name};
  l.sum_scale = a / theta;
  bool biased = false;
  for (std::size_t r = 0; r < ch; ++r) {
    l.bias.push_back(float((bias[r] + nm.d[r]) / (unit(nm, r, theta) * theta)));
    biased = biased || l.bias.back() != 0.0f;
  }
  if (!biased) l.bias.clear();
  quant_info& q = note(pl, n.name + " (sum of " + p.layers[std::size_t(pl.inputs[0])].name + ", " + p.layers[std::size_t(pl.inputs[1])].name + ")");
  l.neuron = hw_neuron(nm, theta, q);
  q.neuron = std::string(op_type(n.kind)) + " (add)";
  out[i] = std::move(l);
  nir_scale[i] = bundle_scale[i] = 1.0;
  shape[i] = n.out_shape;
}

// An add's operand: a weighted node's rows, or a spiking input through a diagonal layer, with
// integer weights w g[r] / a (the sum's unit).
void walker::operand(std::size_t i, const matrix& m0, const std::vector<double>& g, double a) {
  const planned_layer& pl = p.layers[i];
  matrix m = m0;
  if (pl.kind == role::shortcut) {  // 1x1 convolution (a C x H x W map) or linear, diagonal
    const shape_t& s = shape_of(pl.inputs[0]);
    const std::size_t c = s.size() == 3 ? s[0] : elements(s);
    m.type = s.size() == 3 ? layer_type::conv2d : layer_type::linear;
    m.rows = m.cols = c;
    m.in_channels = int(c);
    m.w.assign(c * c, 0.0);
    for (std::size_t r = 0; r < c; ++r) m.w[r * c + r] = 1.0;
  }
  std::vector<double> scale(m.rows);
  for (std::size_t r = 0; r < m.rows; ++r) scale[r] = g[r] != 0 ? a / g[r] : 0.0;
  layer l = shell(m, pl.name);
  l.inputs = {name_of(pl.inputs[0])};
  l.weight = to_int8(m, scale);
  for (const double x : scale) l.weight_scale.push_back(x != 0 && std::isfinite(x) ? float(std::fabs(x)) : 1.0f);
  quant_info& q = note(pl, pl.kind == role::shortcut ? net().at(pl.node).name + " (shortcut)" : net().at(pl.weighted).name);
  q.neuron = "none (add operand)";
  q.weights = l.weight.size();
  out[i] = std::move(l);
}

// The readout neuron n on the weighted node's matrix m, folded into its weights and bias:
// Integrator: v += dt r I, so w, b times dt r; LI: v = beta v + (dt/tau) (r I + v_leak), so w, b
// times dt r / tau, the bias plus dt v_leak / tau, and beta (one for all classes) becomes the
// readout's leak (FORMAT.md 2.2; traces/nir/README.md, Readout).
arith::readout_leak walker::readout_neuron(const net_node& n, matrix& m) const {
  const bool li = n.kind == op::li;
  std::vector<double> f(m.rows, 1.0), d(m.rows, 0.0);
  const std::vector<double> r = channel_values(net(), n, "r", n.nrn.r, m.rows);
  std::vector<double> tau(m.rows, 1.0), v_leak(m.rows, 0.0);
  if (li) {
    tau = channel_values(net(), n, "tau", n.nrn.tau, m.rows);
    v_leak = channel_values(net(), n, "v_leak", n.nrn.v_leak, m.rows);
    for (const double t : tau)
      if (t != tau[0]) bad(n, "tau varies between classes (the readout has one leak for all classes)");
    if (!(o.dt <= tau[0])) bad(n, "dt > tau: 1 - dt/tau < 0 (forward Euler would oscillate); use a smaller --dt");
  }
  for (std::size_t k = 0; k < m.rows; ++k) {
    f[k] = li ? o.dt / tau[k] * r[k] : o.dt * r[k];
    d[k] = li ? o.dt / tau[k] * v_leak[k] : 0.0;
  }
  if (m.bias.empty() && std::any_of(d.begin(), d.end(), [](double x) { return x != 0; })) m.bias.assign(m.rows, 0.0);
  for (std::size_t k = 0; k < m.rows; ++k) {
    for (std::size_t j = 0; j < m.cols; ++j) m.w[k * m.cols + j] *= f[k];
    if (!m.bias.empty()) m.bias[k] = m.bias[k] * f[k] + d[k];
  }
  if (!li) return {};
  const auto [num, shift] = leak_fraction(1.0 - o.dt / tau[0]);
  return {num, shift};
}

void walker::output(std::size_t i) {
  const planned_layer& pl = p.layers[i];
  const net_node& w = net().at(pl.weighted);
  matrix m = matrix_of(net(), w);
  arith::readout_leak leak;
  if (pl.neuron >= 0) leak = readout_neuron(net().at(pl.neuron), m);
  const std::vector<double> s = absmax_scales(m, true);
  layer l = shell(m, pl.name);
  l.inputs = {name_of(pl.inputs[0])};
  l.weight = to_int8(m, s);
  const double ws = s[0] * in_nir(pl.inputs[0]) / bundle_in(pl.inputs[0]);
  l.weight_scale = {ws > 0 && std::isfinite(ws) ? float(ws) : 1.0f};
  // The bias, real-valued: the bundle reader turns it into accumulation units (FORMAT.md 2).
  if (std::any_of(m.bias.begin(), m.bias.end(), [](double b) { return b != 0; }))
    l.bias.assign(m.bias.begin(), m.bias.end());
  l.readout = leak;
  quant_info& q = note(pl, w.name + (pl.neuron >= 0 ? " + " + net().at(pl.neuron).name : std::string()));
  const bool li = pl.neuron >= 0 && net().at(pl.neuron).kind == op::li;
  q.neuron = li ? "LI (readout)" : pl.neuron >= 0 ? "I (readout)" : "none (readout)";
  if (li) {
    q.leak_num = leak.num;
    q.leak_shift = leak.shift;
    q.beta = 1.0 - o.dt / net().at(pl.neuron).nrn.tau[0];
    q.beta_q = leak.factor();
  }
  q.weights = l.weight.size();
  out[i] = std::move(l);
}

void walker::readout(std::size_t i) {
  const planned_layer& pl = p.layers[i];
  const std::size_t n = elements(shape_of(pl.inputs[0]));
  std::vector<double> rs = pl.readout_scale.empty() ? std::vector<double>(n, 1.0) : pl.readout_scale;
  const double mx = std::fabs(*std::max_element(rs.begin(), rs.end(), [](double a, double b) { return std::fabs(a) < std::fabs(b); }));
  const bool unit_diag = std::all_of(rs.begin(), rs.end(), [](double x) { return x == 1.0; });
  const double s = unit_diag || mx == 0 ? 1.0 : mx / 127.0;
  layer l;
  l.name = pl.name;
  l.type = layer_type::linear;
  l.in_channels = l.out_channels = int(n);
  l.inputs = {name_of(pl.inputs[0])};
  l.weight.assign(n * n, 0);
  for (std::size_t k = 0; k < n; ++k) l.weight[k * n + k] = std::int8_t(std::lround(rs[k] / s));
  l.weight_scale = {float(s)};
  quant_info& q = note(pl, "spikes -> Output");
  q.neuron = "none (identity readout: spike counts)";
  q.weights = l.weight.size();
  out[i] = std::move(l);
}

void walker::pool(std::size_t i) {
  const planned_layer& pl = p.layers[i];
  const net_node& n = net().at(pl.node);
  layer l;
  l.name = pl.name;
  l.inputs = {name_of(pl.inputs[0])};
  shape[i] = n.out_shape;
  nir_scale[i] = in_nir(pl.inputs[0]);
  bundle_scale[i] = bundle_in(pl.inputs[0]);
  if (n.kind == op::flatten) {
    l.type = layer_type::flatten;
  } else {
    const pool_geom& g = n.pool;
    if (g.kh != g.kw || g.sh != g.sw || g.ph != g.pw)
      bad(n, "a " + std::to_string(g.kh) + "x" + std::to_string(g.kw) + " window (stride " + std::to_string(g.sh) + "x" +
                 std::to_string(g.sw) + ", padding " + std::to_string(g.ph) + "x" + std::to_string(g.pw) +
                 "): the hardware pools square windows with one stride and padding");
    l.type = layer_type::avgpool2d;
    l.kernel = g.kh;
    l.stride = g.sh;
    l.padding = g.ph;
    bundle_scale[i] /= (double(g.kh) * g.kh);
    if (n.kind == op::avgpool2d) nir_scale[i] /= (double(g.kh) * g.kw);
  }
  out[i] = std::move(l);
}

}  // namespace

std::vector<layer> quantize(const plan& p, const quant_options& o, std::vector<quant_info>& info) {
  const std::size_t L = p.layers.size();
  walker w{p, o, info, std::vector<layer>(L), std::vector<double>(L, 1.0), std::vector<double>(L, 1.0), std::vector<shape_t>(L)};
  for (std::size_t i = 0; i < L; ++i) {
    switch (p.layers[i].kind) {
      case role::firing: w.firing(i); break;
      case role::add: w.add(i); break;
      case role::output: w.output(i); break;
      case role::readout: w.readout(i); break;
      case role::pool:
      case role::flatten: w.pool(i); break;
      case role::operand:
      case role::shortcut: break;  // quantized with their add (one unit for the sum)
    }
  }
  return std::move(w.out);
}

}  // namespace spiketlm::nir
