#include "hw/imc/noc_schedule.h"

namespace spiketlm::imc {

int producer(const std::vector<uint64_t>& out_addr, size_t i, uint64_t addr) {
  for (size_t j = i; j-- > 0;)
    if (out_addr[j] == addr) return int(j);
  return -1;
}

namespace {

uint64_t map_bytes(uint64_t values, uint64_t bits) { return (values * bits + 7) / 8; }

// Partial sums of the layer's row-group PEs 1.. to the column group's first PE (row group 0).
void psum_transfers(const LayerMap& m, int ppt, std::vector<Transfer>& out) {
  for (int q = 0; q < m.col_groups; ++q) {
    const int dst = m.pe_tile(q, 0, ppt);
    for (int g = 1; g < m.row_groups; ++g) {
      const int src = m.pe_tile(q, g, ppt);
      if (src == dst) continue;
      Transfer t;
      t.flow = Flow::psum;
      t.src = src;
      t.dst = dst;
      t.bytes = uint64_t(m.cols(q)) * 4;
      t.row_group = g;
      out.push_back(t);
    }
  }
}

}  // namespace

std::vector<LayerTraffic> noc_schedule(const std::vector<NetLayer>& layers, const ChipMap& chip, int ppt) {
  std::vector<LayerTraffic> tr(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    const NetLayer& L = layers[i];
    LayerTraffic& t = tr[i];
    if (L.kind == NetLayer::Kind::compute) t.home = chip.layers[size_t(L.map)].last_tile;
    else if (L.src >= 0) t.home = tr[size_t(L.src)].home;  // pool, add: the producer's tile's output path
    t.next = t.home;
    for (size_t j = i + 1; j < layers.size(); ++j)
      if (layers[j].kind == NetLayer::Kind::compute) {
        t.next = chip.layers[size_t(layers[j].map)].first_tile;
        break;
      }
    if (L.kind == NetLayer::Kind::compute) psum_transfers(chip.layers[size_t(L.map)], ppt, t.per_cycle);
    if (L.kind == NetLayer::Kind::add && L.src2 >= 0)
      t.per_timestep.push_back({Flow::shortcut, tr[size_t(L.src2)].home, t.home, map_bytes(L.out_elems, uint64_t(L.in2_bits))});
    if ((L.kind == NetLayer::Kind::compute && L.fires) || L.kind == NetLayer::Kind::add)
      t.per_timestep.push_back({Flow::output, t.home, t.next, map_bytes(L.out_elems, uint64_t(L.out_planes))});
  }
  return tr;
}

GlbPlan glb_plan(const std::vector<NetLayer>& layers, int T, bool exit_on, bool dense, uint64_t capacity,
                 uint64_t logit_bytes) {
  GlbPlan g;
  g.capacity = capacity;
  for (const NetLayer& L : layers) {
    if (L.src >= 0 || L.kind == NetLayer::Kind::add) continue;  // on chip (an add's operands always are)
    GlbPlan::Input in;
    in.layer = int(L.id);
    in.map_bytes = L.in_map_bytes;
    in.upfront = (L.input_per_t && !exit_on) ? T : 1;
    in.per_timestep = L.input_per_t && exit_on;
    in.via_glb = L.id == 0 && !dense && L.in_map_bytes <= capacity;
    in.counts_dram = L.id == 0;
    g.inputs.push_back(in);
  }
  if (!layers.empty() && logit_bytes) {
    g.logit_bytes = logit_bytes;
    g.stage = (layers[0].in_map_bytes + 31) / 32 * 32;
    g.staged = exit_on && !dense && g.stage + uint64_t(T) * logit_bytes <= capacity;
  }
  return g;
}

}  // namespace spiketlm::imc
