// spiketlm: reading a trace bundle's trace.yaml (FORMAT.md): the document (header, input,
// the layer list, reference); one layer: trace_read_layer.cpp; field readers: trace_fields.h.
#include <fstream>
#include <map>

#include "tlm/error.h"
#include "traces/src/encoding.h"
#include "traces/src/trace.h"
#include "traces/src/trace_fields.h"
#include "traces/src/trace_read.h"
#include "tlm/input.h"

namespace spiketlm {

using namespace trace_fields;

namespace {

YAML::Node load_yaml(const std::string& yfile) {
  YAML::Node root;
  const std::string text = read_input_file(yfile, {"trace", "file", "a readable trace.yaml"});
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::string m = e.what();
    for (char& c : m)
      if (c == '\n') c = ' ';
    fail("trace", yfile + ": yaml: expected valid YAML, got " + m);
  }
  return root;
}

// format, version, kind, the top-level keys, network, name, description, timesteps, classes.
void read_header(const YAML::Node& root, const where& top, bundle& b) {
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
}

// The shape and encoding of the network input.
void read_input_shape(const YAML::Node& in, const where& wi, bool fn, bundle& b) {
  const bool ann = b.ann();
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
}

// A functional bundle's input values (or spikes), dtype, scale, seed and sample count.
void read_input_values(const std::string& dir, const YAML::Node& root, const where& top, const YAML::Node& in,
                       const where& wi, bundle& b) {
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
}

// A functional bundle's labels and calibration range.
void read_labels(const std::string& dir, const YAML::Node& root, const where& top, bundle& b) {
  const auto N = static_cast<std::size_t>(b.samples);
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
}

void read_input(const std::string& dir, const YAML::Node& root, const where& top, bundle& b) {
  const bool fn = b.functional();
  const where wi = top.at("input");
  const YAML::Node in = req(root, "input", top);
  read_input_shape(in, wi, fn, b);
  if (fn) {
    read_input_values(dir, root, top, in, wi, b);
    read_labels(dir, root, top, b);
  } else {
    const where wr = top.at("spike_rates");
    const YAML::Node sr = req(root, "spike_rates", top);
    check_keys(sr, wr, {"source", "seed"});
    b.rate_source = as_str(req(sr, "source", wr), wr.at("source"));
    b.seed = static_cast<std::uint64_t>(as_int(req(sr, "seed", wr), wr.at("seed"), 0, (1LL << 62)));
  }
}

void read_layers(const std::string& dir, const YAML::Node& root, const where& top, bundle& b) {
  const bool fn = b.functional();
  const where wl = top.at("layers");
  const YAML::Node ls = req(root, "layers", top);
  if (!ls.IsSequence() || ls.size() == 0) bad(wl, "expected a non-empty list of layers, got " + scalar_text(ls));
  trace_read::layer_list list{b, dir, wl};
  list.fn = fn;
  list.ann = b.ann();
  list.input_bits = b.spike_input() ? 1 : 8;
  for (std::size_t i = 0; i < ls.size(); ++i) trace_read::read_layer(list, ls, i);
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
}

void read_reference(const std::string& dir, const YAML::Node& root, const where& top, bundle& b) {
  const bool ann = b.ann();
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

bundle read_bundle_impl(const std::string& dir_in) {
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const std::string yfile = dir + "/trace.yaml";
  const where top{yfile, ""};
  const YAML::Node root = load_yaml(yfile);
  if (!root.IsMap()) fail("trace", yfile + ": document: expected a map, got " + scalar_text(root));

  bundle b;
  b.dir = dir;
  read_header(root, top, b);
  read_input(dir, root, top, b);
  read_layers(dir, root, top, b);
  if (b.functional()) read_reference(dir, root, top, b);
  return b;
}

}  // namespace

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

}  // namespace spiketlm
