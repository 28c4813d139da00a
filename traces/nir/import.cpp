#include "traces/nir/import.h"

#include "tlm/error.h"
#include "traces/nir/bundle_dir.h"
#include "traces/nir/export.h"
#include "traces/nir/float_ref.h"
#include "traces/nir/inputs.h"
#include "traces/src/golden.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

namespace spiketlm::nir {

namespace {

void check_options(const import_options& o) {
  const auto bad = [](const std::string& what) { fail("nir", "import: " + what); };
  if (!(o.dt > 0)) bad("dt: expected a positive time step in seconds, got " + std::to_string(o.dt));
  if (o.timesteps < 1 || o.timesteps > 64) bad("timesteps: expected 1..64, got " + std::to_string(o.timesteps));
  if (o.samples < 1) bad("samples: expected at least 1, got " + std::to_string(o.samples));
  if (o.encoding != "poisson" && o.encoding != "rate" && o.encoding != "direct")
    bad("encoding: expected poisson, rate or direct, got '" + o.encoding + "'");
  if (o.membrane_bits < 6 || o.membrane_bits > 63) bad("membrane_bits: expected 6..63, got " + std::to_string(o.membrane_bits));
  if (o.calibration_samples < 0) bad("calibration: expected a number of samples >= 0, got " + std::to_string(o.calibration_samples));
}

tensor_shape chw(const network& net) {
  const shape_t& s = net.at(net.input).out_shape;
  if (s.size() == 3) return {int(s[0]), int(s[1]), int(s[2])};
  if (s.size() == 2) return {int(s[0]), 1, int(s[1])};
  if (s.size() == 1) return {int(s[0]), 1, 1};
  fail("nir", net.file + ": node '" + net.at(net.input).name + "' (Input): field 'shape': expected 1 to 3 dimensions, got " + shape_str(s));
}

bundle skeleton(const network& net, const input_data& in, const import_options& o, const std::string& path) {
  bundle b;
  b.kind = "functional";
  b.name = !o.name.empty() ? o.name : std::filesystem::path(path).stem().string();
  b.timesteps = in.encoding == "spikes" ? in.timesteps : o.timesteps;
  b.classes = int(elements(net.at(net.output).out_shape));
  b.samples = in.samples;
  b.input_shape = chw(net);
  b.encoding = in.encoding;
  b.input_dtype = in.dtype;
  b.input_scale = in.encoding == "direct" ? in.scale : 1.0;
  b.input_seed = o.seed;
  b.inputs = in.data;
  std::vector<std::size_t> shape = {std::size_t(b.samples)};
  if (b.encoding == "spikes") shape.push_back(std::size_t(b.timesteps));
  for (const int d : {b.input_shape.c, b.input_shape.h, b.input_shape.w}) shape.push_back(std::size_t(d));
  b.inputs.shape = shape;
  b.labels.assign(std::size_t(b.samples), 0);
  b.membrane_bits = o.membrane_bits;
  b.ref_outputs.assign(std::size_t(b.samples) * b.timesteps * b.classes, 0);
  char dt[32];
  std::snprintf(dt, sizeof dt, "%g", o.dt);
  b.description = "imported from " + std::filesystem::path(path).filename().string() + " (NIR " + net.version + ", " +
                  std::to_string(net.nodes.size()) + " nodes) by spiketlm import: forward Euler, dt = " + dt + " s, T = " +
                  std::to_string(b.timesteps) + "; inputs: " + in.note;
  return b;
}

// The float reference's inputs of sample s: the bundle's spikes, or the original values.
std::vector<std::vector<double>> float_inputs(const bundle& b, const input_data& in, int s) {
  std::vector<std::vector<double>> x(std::size_t(b.timesteps));
  const std::size_t n = b.input_shape.size();
  for (int t = 0; t < b.timesteps; ++t) {
    if (b.spike_input()) {
      const auto v = b.input(s, t);
      x[std::size_t(t)].assign(v.begin(), v.end());
    } else {
      x[std::size_t(t)].assign(in.raw.begin() + std::ptrdiff_t(std::size_t(s) * n), in.raw.begin() + std::ptrdiff_t(std::size_t(s + 1) * n));
    }
  }
  return x;
}

// Calibration: per node of the quantizer's network, the peak membrane (in thresholds) of the
// float run over the first samples, matched by node name.
std::vector<double> calibrate(const float_model& fm, const plan& p, const bundle& b, const input_data& in, int samples) {
  std::map<std::string, double> peak;
  for (int s = 0; s < std::min(samples, b.samples); ++s) {
    const float_run r = fm.run(float_inputs(b, in, s));
    for (std::size_t i = 0; i < r.peak.size(); ++i) peak[fm.net().nodes[i].name] = std::max(peak[fm.net().nodes[i].name], r.peak[i]);
  }
  std::vector<double> v;
  for (const net_node& n : p.net.nodes) v.push_back(peak.count(n.name) ? peak[n.name] : 0.0);
  return v;
}

void run_models(import_result& r, const bundle& b, const float_model& fm, const input_data& in, const network& net) {
  const golden::model m(b, golden::options{b.membrane_bits});
  bundle& rb = r.b;
  rb.ref_outputs.clear();
  rb.ref_spike_counts.clear();
  int agree = 0;
  for (int s = 0; s < b.samples; ++s) {
    const golden::result g = m.run(s);
    rb.ref_outputs.insert(rb.ref_outputs.end(), g.outputs.begin(), g.outputs.end());
    rb.ref_spike_counts.insert(rb.ref_spike_counts.end(), g.spike_counts.begin(), g.spike_counts.end());
    r.int_pred.push_back(g.predicted(b.timesteps - 1));
    r.float_pred.push_back(float_prediction(net, fm.run(float_inputs(b, in, s)), b.timesteps));
    agree += r.int_pred.back() == r.float_pred.back();
  }
  r.agreement = double(agree) / b.samples;
}

// The bundle embedded by `spiketlm export`, unchanged; the float reference runs the graph.
void reimport(import_result& r, const network& net, const std::string& dir, double dt) {
  r.reimported = true;
  r.b = read_bundle(dir);
  const bundle& b = r.b;
  input_data in;
  in.encoding = b.encoding;
  for (int s = 0; s < b.samples && !b.spike_input(); ++s)
    for (const std::int32_t v : b.input(s)) in.raw.push_back(v * b.input_scale);
  r.inputs_note = "the bundle embedded in the file by spiketlm export (" + std::to_string(b.samples) + " samples)";
  const float_model fm(net, dt);
  int agree = 0;
  for (int s = 0; s < b.samples; ++s) {
    std::vector<std::int64_t> z(std::size_t(b.classes), 0);
    for (int t = 0; t < b.timesteps; ++t)
      for (int c = 0; c < b.classes; ++c)
        z[std::size_t(c)] = arith::readout_step(z[std::size_t(c)], b.ref_output(s, t, c), b.layers.back().readout);
    r.int_pred.push_back(arith::argmax(z.data(), b.classes));
    r.float_pred.push_back(float_prediction(net, fm.run(float_inputs(b, in, s)), b.timesteps));
    agree += r.int_pred.back() == r.float_pred.back();
  }
  r.agreement = double(agree) / b.samples;
  for (const layer& l : b.layers) {
    quant_info q;
    q.layer = q.nodes = l.name;
    q.weights = l.weight.size();
    q.neuron = l.fires() ? l.neuron->model : l.readout.leaky() ? "LI (readout)" : "none";
    // The leak of the layer's neuron, or of its readout membrane (FORMAT.md 2.2).
    const arith::readout_leak leak = l.fires() ? arith::readout_leak{l.neuron->leak_num, l.neuron->leak_shift} : l.readout;
    if (l.fires() || l.readout.leaky()) {
      q.leak_num = leak.num;
      q.leak_shift = leak.shift;
      q.beta = q.beta_q = leak.factor();
    }
    if (l.fires()) {
      q.threshold = l.neuron->threshold;
      q.reset = l.neuron->reset == reset_mode::soft ? "subtract" : "to v_reset";
    }
    r.weights += q.weights;
    r.layers.push_back(q);
  }
}

// Quantizes the graph (quantize.h) into `dir`, makes the inputs and runs both models.
void quantize_graph(import_result& r, const network& net, const std::string& dir, const import_options& o,
                    const std::string& path) {
  const plan p = make_plan(net);
  const input_data in = make_inputs(o, net);
  r.inputs_note = in.note;
  bundle b = skeleton(net, in, o, path);
  const float_model fm(net, o.dt);
  quant_options qo;
  qo.dt = o.dt;
  qo.membrane_bits = o.membrane_bits;
  qo.per_tensor = o.per_tensor;
  qo.spike_input = b.spike_input();
  qo.input_scale = b.input_scale;
  if (o.calibration_samples > 0) qo.peak = calibrate(fm, p, b, in, o.calibration_samples);
  b.layers = quantize(p, qo, r.layers);
  for (const quant_info& q : r.layers) r.weights += q.weights;
  write_bundle(b, dir);
  r.b = read_bundle(dir);  // derives shapes, input scales and fixed points (FORMAT.md 4.3)
  run_models(r, r.b, fm, in, net);
  if (!o.labels_file.empty()) {
    r.b.labels = read_labels(o.labels_file, b.samples, b.classes);
    int fc = 0, ic = 0;
    for (std::size_t s = 0; s < r.b.labels.size(); ++s)
      fc += r.float_pred[s] == r.b.labels[s], ic += r.int_pred[s] == r.b.labels[s];
    r.float_accuracy = double(fc) / b.samples;
    r.int_accuracy = double(ic) / b.samples;
  } else {
    r.b.labels.assign(r.float_pred.begin(), r.float_pred.end());
  }
  write_bundle(r.b, dir);
}

}  // namespace

import_result import_nir(const std::string& path, const std::string& out, const import_options& o) {
  check_options(o);
  const graph g = read_graph(path);
  const network net = build_network(g);
  import_result r;
  r.version = net.version;
  r.nir_nodes = g.nodes.size();
  r.nir_edges = g.edges.size();
  staging_dir stage(out);
  double dt = 0;
  if (o.exact_reimport && embedded_bundle(g, stage.path(), dt) && (!o.dt_given || o.dt == dt)) {
    reimport(r, net, stage.path(), dt);
  } else {
    stage.clear();
    quantize_graph(r, net, stage.path(), o, path);
  }
  stage.commit();
  r.b.dir = out;
  return r;
}

}  // namespace spiketlm::nir
