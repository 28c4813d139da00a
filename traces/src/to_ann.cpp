#include "traces/src/to_ann.h"

#include "tlm/error.h"

#include <algorithm>
#include <cstdio>

namespace spiketlm {

namespace {
int ceil_log2(std::uint64_t v) {
  int r = 0;
  while ((std::uint64_t(1) << r) < v) ++r;
  return r;
}
}  // namespace

bundle to_ann(const bundle& snn, int bits, double density) {
  const std::string where = (snn.dir.empty() ? snn.name : snn.dir) + ": to_ann: ";
  if (snn.functional())
    fail("trace", where + "kind: expected workload (a functional SNN needs a trained ANN bundle, e.g. "
                          "traces/fmnist_ann8), got functional");
  if (snn.ann()) fail("trace", where + "network: expected snn, got ann (already converted)");
  if (snn.encoding != "direct")
    fail("trace", where + "input.encoding: expected direct (an ANN takes multi-bit input values), got " + snn.encoding);
  if (bits < 2 || bits > 8) fail("trace", where + "bits: expected an integer in [2, 8], got " + std::to_string(bits));
  if (!(density >= 0.0 && density <= 1.0))
    fail("trace", where + "density: expected a value in [0, 1], got " + std::to_string(density));

  bundle b = snn;
  b.network = "ann";
  b.timesteps = 1;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", density);
  b.rate_source = "network ann (to_ann, " + std::to_string(bits) + "-bit activations): non-zero activation density " +
                  buf + " at every layer fed by activations" +
                  (density == k_ann_default_density
                       ? " (assumption: Albericio et al., Cnvlutin, ISCA 2016: ~44 % zero conv inputs on average)"
                       : std::string(" (given)"));
  // Re-derive in_bits along the (possibly branched) layer list, as the reader does.
  std::vector<int> out_bits(b.layers.size(), 0);
  for (std::size_t i = 0; i < b.layers.size(); ++i) {
    layer& l = b.layers[i];
    if (l.fires()) {
      neuron_params p;
      p.model = "relu";
      p.bits = bits;
      p.scale = 0.0;  // workloads carry no weights: no fixed-point fold
      p.gain = 1.0;
      p.threshold = 1;
      p.leak_num = 1;
      p.leak_shift = 0;
      l.neuron = p;
    }
    if (!l.input_rate.empty()) l.input_rate.assign(1, density);
    const int src = l.inputs.empty() || l.inputs[0].empty() ? -1 : b.layer_index(l.inputs[0]);
    l.in_bits = src < 0 ? (b.spike_input() ? 1 : 8) : out_bits[static_cast<std::size_t>(src)];
    int o = l.in_bits;
    if (l.is_compute() || l.type == layer_type::add)
      o = l.fires() ? bits : 32;
    else if (l.type == layer_type::avgpool2d)
      o = std::min(32, l.in_bits + ceil_log2(static_cast<std::uint64_t>(l.kernel) * l.kernel));
    out_bits[i] = o;
  }
  return b;
}

}  // namespace spiketlm
