#include "sw/map/network_view.h"

#include <cmath>

#include "hw/compute/scalesim.h"
#include "traces/src/trace.h"

namespace spiketlm::map {

int Network::index(const std::string& layer) const {
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i].name == layer) return int(i);
  return -1;
}

namespace {

// Accumulates over all timesteps: dense MACs x the input rate of each timestep for spike
// inputs; dense MACs (each timestep) for multi-bit inputs.
std::vector<uint64_t> ops_of(const layer& l, int T) {
  const uint64_t dense = l.dense_macs();
  std::vector<uint64_t> v(size_t(T), dense);
  if (l.in_bits != 1 || l.input_rate.empty()) return v;
  for (int t = 0; t < T; ++t)
    v[size_t(t)] = uint64_t(std::llround(double(dense) * l.input_rate[size_t(t) < l.input_rate.size() ? t : 0]));
  return v;
}

void add_array_counts(MapLayer& m, const layer& l, const ArrayShape& a) {
  if (!m.compute) return;
  scalesim::Layer s{};
  s.npx = uint64_t(l.out_shape.h) * uint64_t(l.out_shape.w);
  s.k = uint64_t(l.out_channels);
  const uint64_t k2 = l.type == layer_type::conv2d ? uint64_t(l.kernel) * uint64_t(l.kernel) : 1;
  s.w = k2 * uint64_t(l.in_channels) * uint64_t(l.in_bits < 1 ? 1 : l.in_bits);  // bit planes stream serially
  const auto f = scalesim::folds(scalesim::Mapping::output_stationary, a.rows, a.cols, s);
  m.cycles_t = f.total_cycles + 1;
  const auto acc = scalesim::accesses(scalesim::Mapping::output_stationary, a.rows, a.cols, s);
  m.filter_reads_t = acc.filter_reads / uint64_t(l.in_bits < 1 ? 1 : l.in_bits);  // one byte per weight
  m.ifmap_reads_t = (acc.ifmap_reads + 7) / 8;                                    // one bit per plane element
}

// Bytes of a map as the systolic executor lays it out in DRAM and the GLBs: every row of a
// channel padded to whole bytes (spikes: ceil(W / 8) bytes per row; multi-bit values one
// plane after another; int32 accumulations 4 bytes each).
uint64_t map_bytes(const tensor_shape& s, int bits) {
  if (bits >= 32) return uint64_t(s.size()) * 4;
  return uint64_t(s.c) * uint64_t(s.h) * ((uint64_t(s.w) + 7) / 8) * uint64_t(bits < 1 ? 1 : bits);
}

int out_bits_of(const bundle& b, const layer& l) {
  if (l.fires()) return b.ann() ? 8 : 1;
  if (l.type == layer_type::avgpool2d) {  // the window sum's bit planes (the register map's rule)
    const uint64_t max_sum = uint64_t(l.kernel) * uint64_t(l.kernel) * ((uint64_t(1) << (l.in_bits < 1 ? 1 : l.in_bits)) - 1);
    int p = 1;
    while ((uint64_t(1) << p) <= max_sum) ++p;
    return p;
  }
  return l.is_compute() || l.type == layer_type::add ? 32 : l.in_bits;
}

MapLayer layer_of(const bundle& b, const layer& l, const ArrayShape& a) {
  MapLayer m;
  m.name = l.name;
  m.compute = l.is_compute();
  m.fires = l.fires();
  m.pool = l.type == layer_type::maxpool2d || l.type == layer_type::avgpool2d;
  m.add = l.type == layer_type::add;
  m.flatten = l.type == layer_type::flatten;
  // weights: a tile of C filters is W x C bytes in DRAM (the last tile padded)
  if (m.compute)
    m.weight_bytes = uint64_t(l.in_channels) * (l.type == layer_type::conv2d ? uint64_t(l.kernel) * uint64_t(l.kernel) : 1) *
                     scalesim::ceil_div(uint64_t(l.out_channels), a.cols) * a.cols;
  m.neurons = uint64_t(l.out_shape.size());
  m.out_bytes = l.type == layer_type::flatten ? 0 : map_bytes(l.out_shape, out_bits_of(b, l));
  m.state_bytes = m.fires && !b.ann() ? m.neurons * uint64_t(a.membrane_bytes) : 0;
  m.ops_t = ops_of(l, b.timesteps);
  m.ops = 0;
  for (uint64_t o : m.ops_t) m.ops += o;
  m.ann = b.ann();
  m.in_planes = l.in_bits < 1 ? 1 : (l.in_bits >= 32 ? 1 : l.in_bits);
  m.out_planes = out_bits_of(b, l) >= 32 ? 1 : out_bits_of(b, l);
  add_array_counts(m, l, a);
  return m;
}

// A compute layer's geometry on the array: `in` is its input map as laid out (a linear layer
// after a flatten reads the flattened map in its producer's layout, its kernel covering it).
void geometry(MapLayer& m, const layer& l, const tensor_shape& in) {
  ConvGeom& g = m.geom;
  g.in_c = in.c, g.in_h = in.h, g.in_w = in.w;
  g.out_c = m.compute ? l.out_channels : l.out_shape.c, g.out_h = l.out_shape.h, g.out_w = l.out_shape.w;
  if (l.type != layer_type::linear) g.kh = g.kw = l.kernel, g.stride = l.stride, g.pad = l.padding;
  else g.kh = in.h, g.kw = in.w, g.stride = 1, g.pad = 0;
}

// The bytes a layer reads per timestep from each producer: the producer's output as laid out
// (a flatten is a view of its own producer's layout: no traffic of its own).
void input_bytes(const bundle& b, Network& n) {
  std::vector<uint64_t> layout(n.layers.size());
  std::vector<tensor_shape> shape(n.layers.size());  // output layout (a flatten keeps its input's)
  for (size_t i = 0; i < n.layers.size(); ++i) {
    MapLayer& m = n.layers[i];
    const layer& l = b.layers[i];
    uint64_t in = 0, first = 0;
    for (size_t k = 0; k < m.producers.size(); ++k) {
      const int p = m.producers[k];
      const uint64_t x = p < 0 ? map_bytes(b.input_shape, l.in_bits) : layout[size_t(p)];
      in += x;
      if (!k) first = x;
    }
    if (m.producers.empty()) in = first = map_bytes(b.input_shape, l.in_bits);
    layout[i] = l.type == layer_type::flatten ? first : m.out_bytes;
    shape[i] = l.type == layer_type::flatten ? (m.producers.empty() || m.producers[0] < 0 ? b.input_shape
                                                                                          : shape[size_t(m.producers[0])])
                                             : l.out_shape;
    const bool shaped = l.type != layer_type::flatten;  // compute, pooling, add: what the engine sees
    if (shaped) geometry(m, l, m.producers.empty() || m.producers[0] < 0 ? b.input_shape : shape[size_t(m.producers[0])]);
    m.in_bytes = l.type == layer_type::flatten ? 0 : in;
  }
}

}  // namespace

Network network_of(const bundle& b, const ArrayShape& a) {
  Network n;
  n.name = b.name;
  n.timesteps = b.timesteps;
  for (const layer& l : b.layers) {
    MapLayer m = layer_of(b, l, a);
    for (const std::string& p : l.inputs) m.producers.push_back(p.empty() ? -1 : b.layer_index(p));
    n.layers.push_back(std::move(m));
  }
  input_bytes(b, n);
  for (size_t i = 0; i < n.layers.size(); ++i)
    for (int p : n.layers[i].producers)
      if (p >= 0) n.layers[size_t(p)].consumers.push_back(int(i));
  return n;
}

}  // namespace spiketlm::map
