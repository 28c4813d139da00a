#include "traces/src/trace.h"

#include "tlm/error.h"
#include "traces/src/encoding.h"
#include "traces/src/golden.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace spiketlm {

namespace {

// Where a field lives: the file and the key path inside it.
struct where {
  std::string file;  // e.g. "traces/fmnist_snn/trace.yaml"
  std::string path;  // e.g. "layers[2].kernel"
  where at(const std::string& key) const { return {file, path.empty() ? key : path + "." + key}; }
  where idx(std::size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
};

[[noreturn]] void bad(const where& w, const std::string& msg) { fail("trace", w.file + ": " + w.path + ": " + msg); }

int ceil_log2(std::uint64_t v) {
  int r = 0;
  while ((std::uint64_t(1) << r) < v) ++r;
  return r;
}

std::string scalar_text(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsScalar()) return "'" + n.Scalar() + "'";
  if (n.IsSequence()) return "a list";
  return "a map";
}

YAML::Node req(const YAML::Node& m, const std::string& key, const where& w) {
  YAML::Node n = m[key];
  if (!n.IsDefined() || n.IsNull()) bad(w.at(key), "missing (required)");
  return n;
}

bool has(const YAML::Node& m, const std::string& key) {
  YAML::Node n = m[key];
  return n.IsDefined() && !n.IsNull();
}

void check_keys(const YAML::Node& m, const where& w, std::initializer_list<const char*> allowed) {
  if (!m.IsMap()) bad(w, "expected a map, got " + scalar_text(m));
  for (const auto& kv : m) {
    const std::string k = kv.first.as<std::string>();
    bool ok = false;
    for (auto a : allowed) ok = ok || k == a;
    if (!ok) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      bad(w.at(k), "unknown key (expected one of " + list + ")");
    }
  }
}

long long as_int(const YAML::Node& n, const where& w, long long lo, long long hi) {
  long long v = 0;
  bool ok = n.IsScalar();
  if (ok) {
    const std::string s = n.Scalar();
    std::size_t pos = 0;
    try {
      v = std::stoll(s, &pos);
    } catch (...) {
      ok = false;
    }
    ok = ok && pos == s.size();
  }
  if (!ok) bad(w, "expected an integer, got " + scalar_text(n));
  if (v < lo || v > hi)
    bad(w, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(v));
  return v;
}

double as_double(const YAML::Node& n, const where& w) {
  double v = 0;
  bool ok = n.IsScalar();
  if (ok) {
    const std::string s = n.Scalar();
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    ok = !s.empty() && end == s.c_str() + s.size() && std::isfinite(v);
  }
  if (!ok) bad(w, "expected a finite number, got " + scalar_text(n));
  return v;
}

std::string as_str(const YAML::Node& n, const where& w) {
  if (!n.IsScalar()) bad(w, "expected a string, got " + scalar_text(n));
  return n.Scalar();
}

std::string as_enum(const YAML::Node& n, const where& w, std::initializer_list<const char*> values) {
  const std::string s = n.IsScalar() ? n.Scalar() : std::string();
  for (auto v : values)
    if (s == v) return s;
  std::string list;
  for (auto v : values) list += (list.empty() ? "" : ", ") + std::string(v);
  bad(w, "expected one of " + list + ", got " + scalar_text(n));
}

// Read a tensor named by a string field and check its dtype and shape.
npy_array tensor(const std::string& dir, const YAML::Node& m, const std::string& key, const where& w,
                 npy_dtype dtype, const std::vector<std::size_t>& shape) {
  const std::string file = as_str(req(m, key, w), w.at(key));
  const std::string path = dir + "/" + file;
  npy_array a = npy_read(path);
  if (a.dtype != dtype)
    fail("trace", path + ": dtype: expected " + npy_dtype_name(dtype) + " (" + w.at(key).path + "), got " +
                      npy_dtype_name(a.dtype));
  if (a.shape != shape)
    fail("trace", path + ": shape: expected " + shape_text(shape) + " (" + w.at(key).path + "), got " +
                      shape_text(a.shape));
  return a;
}

template <class T>
std::vector<T> tensor_values(const std::string& dir, const YAML::Node& m, const std::string& key, const where& w,
                             const std::vector<std::size_t>& shape) {
  return tensor(dir, m, key, w, npy_dtype_of<T>(), shape).template values<T>();
}

std::string file_of(const std::string& dir, const YAML::Node& m, const std::string& key) {
  return dir + "/" + m[key].as<std::string>();
}

void check_finite(const std::vector<float>& v, const std::string& file, bool positive, bool non_negative) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    const float x = v[i];
    if (!std::isfinite(x) || (positive && !(x > 0)) || (non_negative && x < 0)) {
      std::ostringstream s;
      s << x;
      fail("trace", file + ": [" + std::to_string(i) + "]: expected a finite" +
                        (positive ? " positive" : (non_negative ? " non-negative" : "")) + " value, got " + s.str());
    }
  }
}

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

}  // namespace

const char* layer_type_name(layer_type t) {
  switch (t) {
    case layer_type::conv2d: return "conv2d";
    case layer_type::linear: return "linear";
    case layer_type::maxpool2d: return "maxpool2d";
    case layer_type::avgpool2d: return "avgpool2d";
    case layer_type::flatten: return "flatten";
    case layer_type::add: return "add";
  }
  return "?";
}

std::string shape_text(const tensor_shape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

std::uint64_t layer::dense_macs() const {
  if (type == layer_type::conv2d)
    return static_cast<std::uint64_t>(out_shape.size()) * in_channels * kernel * kernel;
  if (type == layer_type::linear) return static_cast<std::uint64_t>(in_shape.size()) * out_channels;
  return 0;
}

std::size_t bundle::firing_layers() const {
  return static_cast<std::size_t>(std::count_if(layers.begin(), layers.end(), [](const layer& l) { return l.fires(); }));
}

int bundle::layer_index(const std::string& n) const {
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (layers[i].name == n) return static_cast<int>(i);
  return -1;
}

std::vector<std::int32_t> bundle::input(int sample, int t) const {
  const std::size_t n = input_shape.size();
  std::size_t base = static_cast<std::size_t>(sample) * n;
  if (encoding == "poisson") return encode_poisson(inputs.data<std::uint8_t>() + base, n, input_seed, sample, t);
  if (encoding == "rate") return encode_rate(inputs.data<std::uint8_t>() + base, n, input_seed, sample, t);
  if (encoding == "spikes") base = (static_cast<std::size_t>(sample) * timesteps + t) * n;
  std::vector<std::int32_t> v(n);
  if (inputs.dtype == npy_dtype::i8) {
    const auto* p = inputs.data<std::int8_t>() + base;
    for (std::size_t i = 0; i < n; ++i) v[i] = p[i];
  } else {
    const auto* p = inputs.data<std::uint8_t>() + base;
    for (std::size_t i = 0; i < n; ++i) v[i] = p[i];
  }
  return v;
}

void derive_fixed_points(bundle& b) {
  for (auto& l : b.layers)
    if (l.fires() && l.is_compute())
      l.fx = golden::derive_fixed_point(l.weight_scale, l.in_scale, l.bn ? &*l.bn : nullptr, l.neuron->gain,
                                        l.neuron->threshold, l.out_channels, &l.bias);
    else if (l.fires() && l.type == layer_type::add && l.sum_scale > 0 && l.out_shape.c > 0)  // shapes derived
      l.fx = golden::derive_fixed_point({1.0f}, l.sum_scale, nullptr, add_gain(*l.neuron), l.neuron->threshold,
                                        l.out_shape.c, &l.bias);
}

namespace {
bundle read_bundle_impl(const std::string& dir_in);
}

bundle read_bundle(const std::string& dir_in) {
  try {
    return read_bundle_impl(dir_in);
  } catch (const YAML::Exception& e) {
    // A structural surprise inside a node (e.g. a map used as a key): still one line.
    std::string m = e.what();
    for (char& c : m)
      if (c == '\n') c = ' ';
    fail("trace", dir_in + "/trace.yaml: yaml: expected the structure of FORMAT.md, got " + m);
  }
}

namespace {
bundle read_bundle_impl(const std::string& dir_in) {
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const std::string yfile = dir + "/trace.yaml";
  const where top{yfile, ""};
  YAML::Node root;
  {
    std::ifstream f(yfile);
    if (!f) fail("trace", yfile + ": file: expected a readable trace.yaml, got none (missing or unreadable)");
    try {
      root = YAML::Load(f);
    } catch (const YAML::Exception& e) {
      std::string m = e.what();
      for (char& c : m)
        if (c == '\n') c = ' ';
      fail("trace", yfile + ": yaml: expected valid YAML, got " + m);
    }
  }
  if (!root.IsMap()) fail("trace", yfile + ": document: expected a map, got " + scalar_text(root));

  bundle b;
  b.dir = dir;
  if (as_str(req(root, "format", top), top.at("format")) != "spiketlm-trace")
    bad(top.at("format"), "expected spiketlm-trace, got '" + root["format"].Scalar() + "'");
  b.version = static_cast<int>(as_int(req(root, "version", top), top.at("version"), 0, 1 << 30));
  if (b.version != k_trace_version)
    bad(top.at("version"), "expected " + std::to_string(k_trace_version) + ", got " + std::to_string(b.version));
  b.kind = as_enum(req(root, "kind", top), top.at("kind"), {"functional", "workload"});
  const bool fn = b.functional();
  if (fn)
    check_keys(root, top, {"format", "version", "kind", "network", "name", "description", "timesteps", "classes",
                           "samples", "input", "labels", "layers", "reference", "calibration"});
  else
    check_keys(root, top, {"format", "version", "kind", "network", "name", "description", "timesteps", "classes",
                           "input", "spike_rates", "layers"});
  if (has(root, "network")) b.network = as_enum(root["network"], top.at("network"), {"snn", "ann"});
  const bool ann = b.ann();
  b.name = as_str(req(root, "name", top), top.at("name"));
  if (has(root, "description")) b.description = as_str(root["description"], top.at("description"));
  b.timesteps = static_cast<int>(as_int(req(root, "timesteps", top), top.at("timesteps"), 1, 1 << 16));
  if (ann && b.timesteps != 1)
    bad(top.at("timesteps"), "expected 1 for network ann (an ANN runs one pass), got " + std::to_string(b.timesteps));
  b.classes = static_cast<int>(as_int(req(root, "classes", top), top.at("classes"), 1, 1 << 24));

  // ---- input ----
  const where wi = top.at("input");
  const YAML::Node in = req(root, "input", top);
  if (fn)
    check_keys(in, wi, {"shape", "encoding", "dtype", "scale", "seed", "data"});
  else
    check_keys(in, wi, {"shape", "encoding"});
  {
    const YAML::Node s = req(in, "shape", wi);
    if (!s.IsSequence() || s.size() != 3) bad(wi.at("shape"), "expected [C, H, W], got " + scalar_text(s));
    b.input_shape.c = static_cast<int>(as_int(s[0], wi.at("shape").idx(0), 1, 1 << 20));
    b.input_shape.h = static_cast<int>(as_int(s[1], wi.at("shape").idx(1), 1, 1 << 20));
    b.input_shape.w = static_cast<int>(as_int(s[2], wi.at("shape").idx(2), 1, 1 << 20));
  }
  b.encoding = as_enum(req(in, "encoding", wi), wi.at("encoding"),
                       fn ? std::initializer_list<const char*>{"direct", "spikes", "poisson", "rate"}
                          : std::initializer_list<const char*>{"direct", "spikes"});
  if (ann && b.encoding != "direct")
    bad(wi.at("encoding"), "expected direct for network ann (multi-bit input values), got '" + b.encoding + "'");
  if (fn) {
    if (generated_encoding(b.encoding))
      b.input_seed = static_cast<std::uint64_t>(as_int(req(in, "seed", wi), wi.at("seed"), 0, (1LL << 62)));
    else if (has(in, "seed"))
      bad(wi.at("seed"), "expected none (only poisson and rate encodings draw spikes from a seed), got " +
                             scalar_text(in["seed"]));
    if (b.encoding == "direct") {
      b.input_dtype = as_enum(req(in, "dtype", wi), wi.at("dtype"), {"uint8", "int8"}) == "uint8" ? npy_dtype::u8
                                                                                                : npy_dtype::i8;
      b.input_scale = as_double(req(in, "scale", wi), wi.at("scale"));
      if (!(b.input_scale > 0)) bad(wi.at("scale"), "expected a positive number, got " + in["scale"].Scalar());
    } else {
      if (has(in, "dtype")) as_enum(in["dtype"], wi.at("dtype"), {"uint8"});
      if (has(in, "scale")) bad(wi.at("scale"), "expected none for " + b.encoding + " encoding (spikes have scale 1), got " +
                                                    scalar_text(in["scale"]));
      b.input_dtype = npy_dtype::u8;
      b.input_scale = 1.0;
    }
    b.samples = static_cast<int>(as_int(req(root, "samples", top), top.at("samples"), 1, 1 << 30));
    const auto N = static_cast<std::size_t>(b.samples);
    const auto T = static_cast<std::size_t>(b.timesteps);
    const tensor_shape& is = b.input_shape;
    if (b.encoding != "spikes")  // direct values, or the images of a poisson / rate encoding
      b.inputs = tensor(dir, in, "data", wi, b.input_dtype,
                        {N, static_cast<std::size_t>(is.c), static_cast<std::size_t>(is.h), static_cast<std::size_t>(is.w)});
    else {
      b.inputs = tensor(dir, in, "data", wi, npy_dtype::u8,
                        {N, T, static_cast<std::size_t>(is.c), static_cast<std::size_t>(is.h), static_cast<std::size_t>(is.w)});
      const auto* p = b.inputs.data<std::uint8_t>();
      for (std::size_t i = 0; i < b.inputs.size(); ++i)
        if (p[i] > 1)
          fail("trace", file_of(dir, in, "data") + ": [" + std::to_string(i) + "]: expected a spike (0 or 1), got " +
                            std::to_string(p[i]));
    }
    b.labels = tensor_values<std::int32_t>(dir, root, "labels", top, {N});
    if (has(root, "calibration")) {  // samples the BN statistics were re-estimated on (spiketlm calibrate)
      const where wc = top.at("calibration");
      const YAML::Node cn = root["calibration"];
      check_keys(cn, wc, {"first_sample", "samples"});
      b.calibration_first = static_cast<int>(as_int(req(cn, "first_sample", wc), wc.at("first_sample"), 0, b.samples - 1));
      b.calibration_samples =
          static_cast<int>(as_int(req(cn, "samples", wc), wc.at("samples"), 1, b.samples - b.calibration_first));
    }
    for (std::size_t i = 0; i < N; ++i)
      if (b.labels[i] < 0 || b.labels[i] >= b.classes)
        fail("trace", file_of(dir, root, "labels") + ": [" + std::to_string(i) + "]: expected a class in [0, " +
                          std::to_string(b.classes - 1) + "], got " + std::to_string(b.labels[i]));
  } else {
    const where wr = top.at("spike_rates");
    const YAML::Node sr = req(root, "spike_rates", top);
    check_keys(sr, wr, {"source", "seed"});
    b.rate_source = as_str(req(sr, "source", wr), wr.at("source"));
    b.seed = static_cast<std::uint64_t>(as_int(req(sr, "seed", wr), wr.at("seed"), 0, (1LL << 62)));
  }

  // ---- layers ----
  const where wl = top.at("layers");
  const YAML::Node ls = req(root, "layers", top);
  if (!ls.IsSequence() || ls.size() == 0) bad(wl, "expected a non-empty list of layers, got " + scalar_text(ls));
  std::map<std::string, int> by_name;
  std::vector<double> out_scale;   // scale of each layer's output values
  std::vector<bool> out_binary;    // whether each layer's outputs are a neuron map (0/1 spikes; ann: relu activations)
  std::vector<int> out_bits;       // width of each layer's output values (layer::in_bits)
  const int input_bits = b.spike_input() ? 1 : 8;
  for (std::size_t i = 0; i < ls.size(); ++i) {
    const where w = wl.idx(i);
    const YAML::Node n = ls[i];
    if (!n.IsMap()) bad(w, "expected a map, got " + scalar_text(n));
    layer l;
    l.name = as_str(req(n, "name", w), w.at("name"));
    if (by_name.count(l.name)) bad(w.at("name"), "expected a unique name, got '" + l.name + "' twice");
    const std::string ty = as_enum(req(n, "type", w), w.at("type"),
                                   {"conv2d", "linear", "maxpool2d", "avgpool2d", "flatten", "add"});
    l.type = ty == "conv2d"      ? layer_type::conv2d
             : ty == "linear"    ? layer_type::linear
             : ty == "maxpool2d" ? layer_type::maxpool2d
             : ty == "avgpool2d" ? layer_type::avgpool2d
             : ty == "flatten"   ? layer_type::flatten
                                 : layer_type::add;
    // keys
    switch (l.type) {
      case layer_type::conv2d:
        if (fn)
          check_keys(n, w, {"name", "type", "input", "in_channels", "out_channels", "kernel", "stride", "padding",
                            "weight", "weight_scale", "bias", "bn", "neuron", "fixed_point"});
        else
          check_keys(n, w, {"name", "type", "input", "in_channels", "out_channels", "kernel", "stride", "padding",
                            "neuron", "input_rate"});
        break;
      case layer_type::linear:
        if (fn)
          check_keys(n, w, {"name", "type", "input", "in_features", "out_features", "weight", "weight_scale", "bias",
                            "bn", "neuron", "fixed_point"});
        else
          check_keys(n, w, {"name", "type", "input", "in_features", "out_features", "neuron", "input_rate"});
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
    // wiring
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
      auto it = by_name.find(s);
      if (it == by_name.end())
        bad(l.type == layer_type::add ? w.at("inputs").idx(k) : w.at("input"),
            "expected the name of an earlier layer, got '" + s + "'");
      src.push_back(it->second);
    }
    if (src.empty()) src.push_back(-1);
    {
      // FORMAT.md section 2.1 (functional and workload bundles: the hardware's add takes
      // int32 accumulations as operand 1): an accumulation map (a conv2d/linear without neuron) feeds only
      // adds; an add joins such a map (operand 1) and a firing layer's output or another
      // accumulation map (operand 2).
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
    l.in_shape = src[0] < 0 ? b.input_shape : b.layers[static_cast<std::size_t>(src[0])].out_shape;
    const double in_scale = src[0] < 0 ? b.input_scale : out_scale[static_cast<std::size_t>(src[0])];
    const bool in_binary = src[0] < 0 ? b.spike_input() : static_cast<bool>(out_binary[static_cast<std::size_t>(src[0])]);
    l.in_scale = in_scale;
    l.in_bits = src[0] < 0 ? input_bits : out_bits[static_cast<std::size_t>(src[0])];
    double o_scale = in_scale;
    bool o_binary = in_binary;
    int o_bits = l.in_bits;
    const tensor_shape& is = l.in_shape;
    // geometry
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
        o_scale = in_scale / (static_cast<double>(l.kernel) * l.kernel);
        o_binary = false;
        o_bits = std::min(32, l.in_bits + ceil_log2(static_cast<std::uint64_t>(l.kernel) * l.kernel));
      }
    } else if (l.type == layer_type::flatten) {
      l.out_shape = {static_cast<int>(is.size()), 1, 1};
    } else {  // add
      const tensor_shape s2 = src[1] < 0 ? b.input_shape : b.layers[static_cast<std::size_t>(src[1])].out_shape;
      if (s2 != is)
        bad(w.at("inputs"), "expected two inputs of the same shape, got " + shape_text(is) + " and " + shape_text(s2));
      l.out_shape = is;
      o_binary = false;
      o_bits = 32;
    }
    // neuron
    if (l.is_compute() || l.type == layer_type::add) {
      const bool last = i + 1 == ls.size();
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
        o_scale = l.neuron->relu() ? (l.neuron->scale > 0 ? l.neuron->scale : 1.0) : 1.0;
        o_binary = true;
        o_bits = l.neuron->relu() ? l.neuron->bits : 1;
      } else {
        o_binary = false;
        o_bits = 32;
      }
    }
    // tensors and rates
    if (l.is_compute()) {
      const auto K = static_cast<std::size_t>(l.out_channels), C = static_cast<std::size_t>(l.in_channels),
                 k = static_cast<std::size_t>(l.kernel);
      if (fn) {
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
          if (!l.fires())
            bad(w.at("bias"), "expected no bias on a layer without neuron (its int32 accumulations are passed on "
                              "as they are), got one");
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
        }
      } else {
        // workload: input spike rate of this layer (none for a direct-coded input)
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
    }
    by_name[l.name] = static_cast<int>(i);
    out_scale.push_back(o_scale);
    out_binary.push_back(o_binary);
    out_bits.push_back(o_bits);
    b.layers.push_back(std::move(l));
  }
  if (fn)
    for (std::size_t i = 0; i + 1 < b.layers.size(); ++i) {
      const layer& l = b.layers[i];
      if (!l.is_compute() || l.fires()) continue;
      bool feeds_add = false;
      for (const layer& a : b.layers)
        if (a.type == layer_type::add)
          for (const std::string& s : a.inputs) feeds_add = feeds_add || s == l.name;
      if (!feeds_add)
        bad(wl.idx(i).at("neuron"), "expected a neuron (a conv2d/linear without neuron is the output layer or an add's "
                                    "operand), got none ('" + l.name + "' feeds no add)");
    }
  const layer& last = b.layers.back();
  if (!last.is_compute() || last.fires())
    bad(wl.idx(ls.size() - 1), "expected the output layer (conv2d or linear without neuron), got " +
                                   std::string(layer_type_name(last.type)) + (last.fires() ? " with a neuron" : ""));
  if (last.out_shape.size() != static_cast<std::size_t>(b.classes))
    bad(top.at("classes"), "expected " + std::to_string(last.out_shape.size()) + " (the output layer's size), got " +
                               std::to_string(b.classes));

  // ---- reference ----
  if (fn) {
    const where wr = top.at("reference");
    const YAML::Node r = req(root, "reference", top);
    if (ann)
      check_keys(r, wr, {"outputs", "nonzero_counts"});
    else
      check_keys(r, wr, {"membrane_bits", "outputs", "spike_counts"});
    if (!ann) b.membrane_bits = static_cast<int>(as_int(req(r, "membrane_bits", wr), wr.at("membrane_bits"), 2, 63));
    const auto N = static_cast<std::size_t>(b.samples), T = static_cast<std::size_t>(b.timesteps);
    b.ref_outputs = tensor_values<std::int32_t>(dir, r, "outputs", wr, {N, T, static_cast<std::size_t>(b.classes)});
    if (has(r, "spike_counts"))
      b.ref_spike_counts = tensor_values<std::int32_t>(dir, r, "spike_counts", wr, {N, T, b.firing_layers()});
    if (has(r, "nonzero_counts")) {
      const std::size_t F = b.firing_layers();
      b.ref_nonzero_counts = tensor_values<std::int32_t>(dir, r, "nonzero_counts", wr, {N, T, F});
      std::vector<std::int64_t> limit;
      for (const layer& l : b.layers)
        if (l.fires()) limit.push_back(static_cast<std::int64_t>(l.out_shape.size()));
      for (std::size_t i = 0; i < b.ref_nonzero_counts.size(); ++i)
        if (b.ref_nonzero_counts[i] < 0 || b.ref_nonzero_counts[i] > limit[i % F])
          fail("trace", file_of(dir, r, "nonzero_counts") + ": [" + std::to_string(i) + "]: expected a count in [0, " +
                            std::to_string(limit[i % F]) + "], got " + std::to_string(b.ref_nonzero_counts[i]));
    }
  }
  return b;
}
}  // namespace

}  // namespace spiketlm

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
    // The neuron map (an add's has no gain: its input current is the sum, FORMAT.md section 2.1).
    const auto write_neuron = [&y](const neuron_params& p, bool gain) {
      if (p.relu()) {
        y << "    neuron:\n      model: relu\n      bits: " << p.bits << "\n      scale: " << num(p.scale) << "\n";
        return;
      }
      y << "    neuron:\n      model: " << p.model << "\n      threshold: " << p.threshold << "\n";
      if (gain) y << "      gain: " << num(p.gain) << "\n";
      y << "      leak_num: " << p.leak_num << "\n      leak_shift: " << p.leak_shift
        << "\n      reset: " << (p.reset == reset_mode::soft ? "soft" : "hard") << "\n      share: " << p.share << "\n";
    };
    if (l.type == layer_type::add) {  // no tensors
      write_neuron(*l.neuron, false);
      continue;
    }
    if (!l.is_compute()) continue;
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
      continue;
    }
    write_neuron(*l.neuron, true);
    if (l.fx.multiplier.empty()) continue;  // not derived yet: the reader derives it (optional block)
    npy_write<std::int32_t>(dir + "/" + n + ".fx.multiplier.npy", {K}, l.fx.multiplier);
    npy_write<std::int32_t>(dir + "/" + n + ".fx.offset.npy", {K}, l.fx.offset);
    y << "    fixed_point:\n      multiplier: " << quoted(n + ".fx.multiplier.npy") << "\n      offset: "
      << quoted(n + ".fx.offset.npy") << "\n      shift: " << l.fx.shift << "\n";
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
