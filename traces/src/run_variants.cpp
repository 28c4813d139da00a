#include "traces/src/run_variants.h"

#include "tlm/error.h"
#include "traces/src/golden.h"
#include "traces/src/to_ann.h"

#include <cstdio>

namespace spiketlm {

bundle truncate_timesteps(const bundle& b, int timesteps) {
  if (!b.functional()) fail("trace", b.dir + ": truncate_timesteps: kind: expected functional, got " + b.kind);
  if (timesteps < 1 || timesteps > b.timesteps)
    fail("trace", b.dir + ": truncate_timesteps: timesteps: expected 1.." + std::to_string(b.timesteps) + ", got " +
                      std::to_string(timesteps));
  bundle r = b;
  const auto N = static_cast<std::size_t>(b.samples), T = static_cast<std::size_t>(b.timesteps),
             T2 = static_cast<std::size_t>(timesteps);
  const auto cut = [&](const std::vector<std::int32_t>& v, std::size_t per_t) {
    std::vector<std::int32_t> o;
    o.reserve(N * T2 * per_t);
    for (std::size_t n = 0; n < N; ++n)
      o.insert(o.end(), v.begin() + static_cast<std::ptrdiff_t>(n * T * per_t),
               v.begin() + static_cast<std::ptrdiff_t>((n * T + T2) * per_t));
    return o;
  };
  r.timesteps = timesteps;
  r.ref_outputs = cut(b.ref_outputs, static_cast<std::size_t>(b.classes));
  if (!b.ref_spike_counts.empty()) r.ref_spike_counts = cut(b.ref_spike_counts, b.firing_layers());
  if (b.encoding == "spikes") {  // stored maps [N, T, C, H, W]
    const std::size_t per_t = b.input_shape.size();
    std::vector<std::uint8_t> o;
    for (std::size_t n = 0; n < N; ++n)
      o.insert(o.end(), b.inputs.bytes.begin() + static_cast<std::ptrdiff_t>(n * T * per_t),
               b.inputs.bytes.begin() + static_cast<std::ptrdiff_t>((n * T + T2) * per_t));
    r.inputs.bytes = std::move(o);
    r.inputs.shape[1] = T2;
  }
  return r;
}

std::vector<double> measured_input_rates(const bundle& b, int first, int samples) {
  const golden::model m(b);
  const std::size_t L = b.layers.size();
  std::vector<double> nonzero(L, 0.0), total(L, 0.0);  // of each layer's output map
  double in_nonzero = 0, in_total = 0;
  for (int s = first; s < first + samples; ++s) {
    m.run(s, [&](int, int layer, const std::vector<std::int32_t>&, const std::vector<std::int32_t>& out) {
      for (const std::int32_t v : out) nonzero[static_cast<std::size_t>(layer)] += v != 0;
      total[static_cast<std::size_t>(layer)] += static_cast<double>(out.size());
    });
    for (int t = 0; t < b.timesteps; ++t)
      for (const std::int32_t v : b.input(s, t)) in_nonzero += v != 0, in_total += 1;
  }
  std::vector<double> rate(L, 0.0);
  for (std::size_t i = 0; i < L; ++i) {
    const layer& l = b.layers[i];
    if (!l.is_compute() || l.in_bits != 1) continue;
    const int src = l.inputs.empty() ? static_cast<int>(i) - 1 : (l.inputs[0].empty() ? -1 : b.layer_index(l.inputs[0]));
    const double nz = src < 0 ? in_nonzero : nonzero[static_cast<std::size_t>(src)];
    const double tot = src < 0 ? in_total : total[static_cast<std::size_t>(src)];
    rate[i] = tot > 0 ? nz / tot : 0.0;
  }
  return rate;
}

bundle ann_from_functional(const bundle& snn, int bits, int first, int samples) {
  const std::string where = (snn.dir.empty() ? snn.name : snn.dir) + ": ann_from_functional: ";
  if (!snn.functional() || snn.ann()) fail("trace", where + "expected a functional SNN bundle, got " + snn.kind + " " + snn.network);
  if (snn.encoding == "spikes")
    fail("trace", where + "input.encoding: expected direct, poisson or rate (an ANN takes the input values), got spikes "
                          "(stored spike maps have no image)");
  if (first < 0 || samples < 1 || first + samples > snn.samples)
    fail("trace", where + "samples: expected a range within 0.." + std::to_string(snn.samples - 1) + ", got " +
                          std::to_string(first) + ".." + std::to_string(first + samples - 1));
  const std::vector<double> rate = measured_input_rates(snn, first, samples);
  bundle w = snn;
  w.kind = "workload";
  w.encoding = "direct";
  w.seed = snn.input_seed;
  w.samples = 0;
  w.inputs = {};
  w.labels.clear();
  w.ref_outputs.clear();
  w.ref_spike_counts.clear();
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    layer& l = w.layers[i];
    l.weight.clear();
    l.bias.clear();
    l.bn.reset();
    l.input_rate.clear();
    // The first layer reads the image (direct) in the ANN, whatever the SNN's spike encoding.
    const bool from_input = (i == 0 && l.inputs.empty()) || (!l.inputs.empty() && l.inputs[0].empty());
    if (l.is_compute() && l.in_bits == 1 && !from_input)
      l.input_rate.assign(static_cast<std::size_t>(w.timesteps), rate[i]);
  }
  bundle a = to_ann(w, bits);
  for (std::size_t i = 0; i < a.layers.size(); ++i)
    if (!a.layers[i].input_rate.empty()) a.layers[i].input_rate.assign(1, rate[i]);
  a.rate_source = "network ann (" + std::to_string(bits) + "-bit activations) of the functional SNN " + snn.name +
                  ": each layer's non-zero density is its input spike rate measured by the golden model on samples " +
                  std::to_string(first) + ".." + std::to_string(first + samples - 1);
  return a;
}

}  // namespace spiketlm
