// Parsing each NIR node's fields (types, kinds, ranges); shapes are checked in network_shapes.cpp.
#include "traces/nir/network.h"

#include "tlm/error.h"

#include <cmath>
#include <initializer_list>
#include <set>
#include <sstream>

namespace spiketlm::nir {

namespace {

struct field_reader {
  const node& src;
  const std::string& file;

  [[noreturn]] void bad(const std::string& field, const std::string& what) const {
    fail("nir", file + ": node '" + src.name + "' (" + src.type + "): field '" + field + "': " + what);
  }
  bool has(const std::string& f) const { return src.fields.count(f) != 0; }
  const h5::value& req(const std::string& f) const {
    const auto it = src.fields.find(f);
    if (it == src.fields.end()) bad(f, "missing (required)");
    return it->second;
  }
  // Finite numbers (integral values if `integral`).
  std::vector<double> numbers(const std::string& f, bool integral = false) const {
    const h5::value& v = req(f);
    if (v.type != h5::value::kind::number) bad(f, "expected numbers, got a string");
    for (std::size_t i = 0; i < v.numbers.size(); ++i) {
      const double x = v.numbers[i];
      std::ostringstream s;
      s << x;
      if (!std::isfinite(x)) bad(f, "expected finite numbers, got " + s.str() + " at [" + std::to_string(i) + "]");
      if (integral && x != std::floor(x)) bad(f, "expected integers, got " + s.str());
    }
    return v.numbers;
  }
  shape_t shape_of(const std::string& f) const { return req(f).shape; }
  // One integer, or `n` integers (a scalar is repeated), each >= lo.
  std::vector<int> ints(const std::string& f, std::size_t n, int lo) const {
    const std::vector<double> v = numbers(f, true);
    if (!(v.size() == 1 || v.size() == n) || req(f).shape.size() > 1)
      bad(f, "expected one integer or " + std::to_string(n) + ", got " + std::to_string(v.size()) + " values");
    std::vector<int> r;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = v[v.size() == 1 ? 0 : i];
      if (x < lo || x > (1 << 20)) bad(f, "expected integers >= " + std::to_string(lo) + ", got " + std::to_string(int64_t(x)));
      r.push_back(static_cast<int>(x));
    }
    return r;
  }
  shape_t dims(const std::string& f) const {  // a list of positive sizes
    const std::vector<double> v = numbers(f, true);
    if (req(f).shape.size() > 1 || v.empty()) bad(f, "expected a list of sizes, got shape " + shape_str(req(f).shape));
    shape_t s;
    for (const double x : v) {
      if (x < 1 || x > (1 << 30)) bad(f, "expected positive sizes, got " + std::to_string(int64_t(x)));
      s.push_back(static_cast<std::size_t>(x));
    }
    return s;
  }
  void only(std::initializer_list<const char*> allowed) const {
    const std::set<std::string> ok(allowed.begin(), allowed.end());
    for (const auto& kv : src.fields)
      if (!ok.count(kv.first) && kv.first != "input_type" && kv.first != "output_type") {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        bad(kv.first, "unknown field (expected " + list + ")");
      }
  }
};

void parse_weighted(const field_reader& f, net_node& n, std::size_t rank) {
  n.weight = f.numbers("weight");
  n.weight_shape = f.shape_of("weight");
  if (n.weight_shape.size() != rank || elements(n.weight_shape) == 0)
    f.bad("weight", "expected " + std::to_string(rank) + " non-empty dimensions, got shape " + shape_str(n.weight_shape));
  const std::size_t out = n.weight_shape[0];
  n.bias.assign(out, 0.0);
  if (n.kind == op::linear) return;
  n.bias = f.numbers("bias");
  if (f.shape_of("bias") != shape_t{out}) f.bad("bias", "expected shape [" + std::to_string(out) + "], got " + shape_str(f.shape_of("bias")));
}

// padding: integers, or "same" / "valid" (resolved to symmetric integers; "same" needs an odd
// dilated kernel and stride 1).
void parse_padding(const field_reader& f, net_node& n, std::size_t nd) {
  const h5::value& p = f.req("padding");
  if (p.type == h5::value::kind::string) {
    const std::string s = p.strings.empty() ? "" : p.strings[0];
    if (s == "valid") return;
    if (s != "same") f.bad("padding", "expected integers, 'same' or 'valid', got '" + s + "'");
    const int th = n.conv.dh * (n.conv.kh - 1), tw = n.conv.dw * (n.conv.kw - 1);
    if (th % 2 || tw % 2) f.bad("padding", "expected 'same' with an odd (dilated) kernel (symmetric padding), got an even one");
    if (n.conv.sh != 1 || n.conv.sw != 1) f.bad("padding", "expected 'same' only with stride 1, got another stride");
    n.conv.ph = th / 2;
    n.conv.pw = tw / 2;
    return;
  }
  const std::vector<int> v = f.ints("padding", nd, 0);
  n.conv.pw = v.back();
  n.conv.ph = nd == 2 ? v[0] : 0;
}

void parse_conv(const field_reader& f, net_node& n, std::size_t nd) {
  f.only({"weight", "bias", "stride", "padding", "dilation", "groups", "input_shape"});
  parse_weighted(f, n, nd + 2);
  const shape_t& w = n.weight_shape;
  n.conv.groups = f.ints("groups", 1, 1)[0];
  if (w[0] % static_cast<std::size_t>(n.conv.groups))
    f.bad("groups", "expected a divisor of the " + std::to_string(w[0]) + " output channels, got " + std::to_string(n.conv.groups));
  n.conv.cout = static_cast<int>(w[0]);
  n.conv.cin = static_cast<int>(w[1]) * n.conv.groups;
  n.conv.kw = static_cast<int>(w.back());
  n.conv.kh = nd == 2 ? static_cast<int>(w[2]) : 1;
  const std::vector<int> s = f.ints("stride", nd, 1), d = f.ints("dilation", nd, 1);
  n.conv.sw = s.back();
  n.conv.sh = nd == 2 ? s[0] : 1;
  n.conv.dw = d.back();
  n.conv.dh = nd == 2 ? d[0] : 1;
  parse_padding(f, n, nd);
  if (f.has("input_shape")) n.declared = f.dims("input_shape");
}

void parse_pool(const field_reader& f, net_node& n) {
  f.only({"kernel_size", "stride", "padding"});
  const std::vector<int> k = f.ints("kernel_size", 2, 1), s = f.ints("stride", 2, 1), p = f.ints("padding", 2, 0);
  n.pool = {k[0], k[1], s[0], s[1], p[0], p[1]};
}

// A neuron field: stored values and their shape (broadcast later by infer_shape).
void param(const field_reader& f, net_node& n, const std::string& name, std::vector<double>& to, bool positive,
           double absent = std::nan("")) {
  if (!f.has(name) && !std::isnan(absent)) {
    to = {absent};
    n.param_shapes.emplace_back(name, shape_t{});
    return;
  }
  to = f.numbers(name);
  if (to.empty()) f.bad(name, "expected at least one value, got none");
  for (const double x : to)
    if (positive && !(x > 0)) f.bad(name, "expected positive values, got " + std::to_string(x));
  n.param_shapes.emplace_back(name, f.shape_of(name));
}

void parse_neuron(const field_reader& f, net_node& n) {
  neuron_fields& p = n.nrn;
  switch (n.kind) {
    case op::lif: f.only({"tau", "r", "v_leak", "v_threshold", "v_reset"}); break;
    case op::if_: f.only({"r", "v_threshold", "v_reset"}); break;
    case op::cubalif: f.only({"tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"}); break;
    case op::li: f.only({"tau", "r", "v_leak"}); break;
    case op::integrator: f.only({"r"}); break;
    default: f.only({"threshold"}); break;
  }
  if (n.kind == op::threshold) return param(f, n, "threshold", p.v_threshold, false);
  param(f, n, "r", p.r, false);
  if (n.kind == op::lif || n.kind == op::li) param(f, n, "tau", p.tau, true);
  if (n.kind == op::cubalif) {
    param(f, n, "tau_mem", p.tau, true);
    param(f, n, "tau_syn", p.tau_syn, true);
    param(f, n, "w_in", p.w_in, false, 1.0);
  }
  if (n.kind == op::lif || n.kind == op::li || n.kind == op::cubalif) param(f, n, "v_leak", p.v_leak, false);
  if (is_spiking(n.kind)) {
    param(f, n, "v_threshold", p.v_threshold, false);
    param(f, n, "v_reset", p.v_reset, false, 0.0);
  }
  const auto m = f.src.metadata.find("reset");
  p.subtract_reset = m != f.src.metadata.end() && m->second.type == h5::value::kind::string && !m->second.strings.empty() &&
                     m->second.strings[0] == "subtract";
}

op kind_of(const field_reader& f) {
  static const std::pair<const char*, op> k[] = {
      {"Input", op::input},         {"Output", op::output},     {"Affine", op::affine},   {"Linear", op::linear},
      {"Scale", op::scale},         {"Conv1d", op::conv1d},     {"Conv2d", op::conv2d},   {"SumPool2d", op::sumpool2d},
      {"AvgPool2d", op::avgpool2d}, {"Flatten", op::flatten},   {"LIF", op::lif},         {"IF", op::if_},
      {"CubaLIF", op::cubalif},     {"LI", op::li},             {"I", op::integrator},    {"Threshold", op::threshold}};
  for (const auto& [name, o] : k)
    if (f.src.type == name) return o;
  fail("nir", f.file + ": node '" + f.src.name + "': type: '" + f.src.type +
                  "' is not supported (supported: Input, Output, Affine, Linear, Scale, Conv1d, Conv2d, SumPool2d, "
                  "AvgPool2d, Flatten, IF, LIF, CubaLIF, LI, I, Threshold)");
}

}  // namespace

void parse_node(const node& src, net_node& n, const std::string& file) {
  const field_reader f{src, file};
  n.name = src.name;
  n.kind = kind_of(f);
  n.metadata = src.metadata;
  switch (n.kind) {
    case op::input:
    case op::output:
      f.only({"shape"});
      n.declared = f.dims("shape");
      break;
    case op::affine: f.only({"weight", "bias"}); parse_weighted(f, n, 2); break;
    case op::linear: f.only({"weight"}); parse_weighted(f, n, 2); break;
    case op::scale:
      f.only({"scale"});
      n.weight = f.numbers("scale");
      n.weight_shape = f.shape_of("scale");
      if (n.weight.empty()) f.bad("scale", "expected at least one value, got none");
      break;
    case op::conv1d: parse_conv(f, n, 1); break;
    case op::conv2d: parse_conv(f, n, 2); break;
    case op::sumpool2d:
    case op::avgpool2d: parse_pool(f, n); break;
    case op::flatten:
      f.only({"start_dim", "end_dim", "input_type"});
      if (f.numbers("start_dim", true).size() != 1) f.bad("start_dim", "expected one integer");
      if (f.numbers("end_dim", true).size() != 1) f.bad("end_dim", "expected one integer");
      n.start_dim = static_cast<int>(f.numbers("start_dim", true)[0]);
      n.end_dim = static_cast<int>(f.numbers("end_dim", true)[0]);
      if (f.has("input_type")) n.declared = f.dims("input_type");
      break;
    default: parse_neuron(f, n); break;
  }
}

}  // namespace spiketlm::nir
