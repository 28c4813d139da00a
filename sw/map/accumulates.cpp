#include "sw/map/accumulates.h"

#include <algorithm>

#include "traces/src/golden.h"

namespace spiketlm::map {

namespace {

// Output positions along one axis whose window covers input position y (size n_in).
std::vector<uint64_t> coverage(int n_in, int n_out, int k, int stride, int pad) {
  std::vector<uint64_t> c(size_t(std::max(n_in, 0)), 0);
  for (int o = 0; o < n_out; ++o)
    for (int j = 0; j < k; ++j) {
      const int y = o * stride - pad + j;
      if (y >= 0 && y < n_in) ++c[size_t(y)];
    }
  return c;
}

// Accumulates of compute layer L fed `in` ([C][H][W] values): every set bit (ANN: every
// non-zero value) x the output positions covering it x the filters (PeArray::accumulate).
uint64_t accumulates(const MapLayer& L, const std::vector<int32_t>& in, bool ann) {
  const ConvGeom& g = L.geom;
  const auto ch = coverage(g.in_h, g.out_h, g.kh, g.stride, g.pad), cw = coverage(g.in_w, g.out_w, g.kw, g.stride, g.pad);
  const uint64_t hw = uint64_t(g.in_h) * uint64_t(g.in_w);
  uint64_t sum = 0;
  for (size_t i = 0; i < in.size() && hw; ++i) {
    const uint32_t v = uint32_t(in[i]) & ((L.in_planes >= 32 ? 0u : (1u << L.in_planes)) - 1u);
    const uint64_t bits = ann ? (v != 0) : uint64_t(__builtin_popcount(v));
    const uint64_t p = i % hw;
    sum += bits * ch[size_t(p / uint64_t(g.in_w))] * cw[size_t(p % uint64_t(g.in_w))];
  }
  return sum * uint64_t(g.out_c);
}

}  // namespace

void count_accumulates(const bundle& b, Network& n) {
  if (!b.functional()) return;
  for (MapLayer& L : n.layers)
    if (L.compute) L.ops_t.assign(size_t(n.timesteps), 0);
  auto feed = [&](int producer, int t, const std::vector<int32_t>& out) {
    for (size_t i = 0; i < n.layers.size(); ++i) {  // no inputs named: the previous layer's (the runtime's rule)
      MapLayer& L = n.layers[i];
      if (L.compute && (L.producers.empty() ? int(i) - 1 : L.producers[0]) == producer)
        L.ops_t[size_t(t)] += accumulates(L, out, b.ann());
    }
  };
  const golden::model m(b);
  m.run(0, [&](int t, int li, const std::vector<int32_t>&, const std::vector<int32_t>& out) {
    if (li == 0) feed(-1, t, b.input(0, b.encoding == "direct" ? 0 : t));
    feed(li, t, out);
  });
  for (MapLayer& L : n.layers) {
    if (!L.compute) continue;
    L.ops = 0;
    for (uint64_t o : L.ops_t) L.ops += o;
  }
}

}  // namespace spiketlm::map
