#include "sw/map/cost_model.h"

#include <algorithm>
#include <cmath>

#include "hw/compute/buffer_plan.h"

namespace spiketlm::map {

const char* operand_name(int o) {
  static const char* n[] = {"weights", "inputs", "outputs", "state"};
  return n[o];
}

uint64_t Cost::offchip_bytes() const {
  uint64_t s = 0;
  for (uint64_t b : dram) s += b;
  return s;
}

// What a group's layers share: its batches, whether its weights stay on chip across them.
struct CostModel::GroupInfo {
  const Group& g;
  int gi;
  int batches;
  std::vector<int> owner;  // group of every layer
  const std::vector<RegionSlot>& states;  // every layer's place for on-chip state
  const std::vector<RegionSlot>& maps;    // every layer's output map's place in a fused group's region
  const std::vector<RegionSlot>& weights; // every layer's weights' place when its fused group keeps them
};

namespace {

ComputeShape shape_of(const MapLayer& L, const Hierarchy& h, int nt, int tb, bool persist, const RegionSlot& state,
                      const RegionSlot& maps, const RegionSlot& weights) {
  ComputeShape s;
  s.g = L.geom;
  s.planes = L.in_planes;
  s.out_planes = L.out_planes;
  s.fires = L.fires;
  s.persist = persist;
  s.membrane_bytes = h.array.membrane_bytes;
  s.timesteps = nt;
  s.rows = int(h.array.rows), s.cols = int(h.array.cols);
  // kept weights (ComputeCall::plan): never in segments
  s.weight_half = weights.offset >= 0 ? uint64_t(-1) / 2 : glb_half(h.glb_weight.capacity, weights);
  s.ifmap_half = glb_half(h.glb_ifmap.capacity, maps);
  s.ofmap_half = glb_half(h.glb_ofmap.capacity, state);
  s.segments_need_static_cycles = h.skip_zero_cycles;
  s.psum_timesteps = tb > 1 ? tb : 0;
  s.psum_spad_bytes = h.psum_spad_bytes;
  return s;
}

}  // namespace

CostModel::CostModel(const Network& n, const Hierarchy& h) : m_net(n), m_h(h) {
  m_sources.resize(n.layers.size()), m_readers.resize(n.layers.size());
  for (size_t l = 0; l < n.layers.size(); ++l) {
    if (n.layers[l].flatten) continue;
    m_sources[l] = sources(int(l));
    for (int p : m_sources[l])
      if (p >= 0) m_readers[size_t(p)].push_back(int(l));
  }
}

const CostModel::Visit& CostModel::visit(int l, int t0, int nt, int tb, bool persist, const RegionSlot& state,
                                         const RegionSlot& maps, const MapAddrs* at, const RegionSlot& weights) const {
  const MapLayer& laid = m_net.layers[size_t(l)];
  const MapAddrs a = at ? *at : MapAddrs{laid.in_addr, laid.in2_addr, laid.out_addr};
  const auto key = std::make_tuple(l, t0, nt, tb, persist, state.reserved, state.offset, maps.reserved, a.in, a.in2, a.out,
                                   weights.reserved, weights.offset);
  const auto it = m_visits.find(key);
  if (it != m_visits.end()) return it->second;
  MapLayer moved;  // the layer with a fused group's maps at their places (copied on a miss only)
  if (at) moved = laid, moved.in_addr = a.in, moved.in2_addr = a.in2, moved.out_addr = a.out;
  const MapLayer& L = at ? moved : laid;
  Visit v;
  VisitCall call;
  call.t0 = t0, call.nt = nt, call.T = m_net.timesteps, call.persist = persist, call.state = state, call.maps = maps;
  call.weights = weights, call.weights_loaded = weights.offset >= 0 && t0 > 0;
  call.in_array = tb > 1 || !m_h.os_order;  // dataflow.mapped / tick_batch; else dataflow.os
  // tick-batch's partial-sum scratchpads: a call of several timesteps (dataflow.mapped keeps a
  // one-timestep call's in the PE, as dataflow.os); dataflow.tick_batch's calls always (T = 1 too)
  call.tick = nt > 1 || (!m_h.os_order && m_net.timesteps == 1);
  if (L.compute) {
    const ComputeShape s = shape_of(L, m_h, nt, tb, persist && !call.onchip(), state, maps, weights);
    const ComputePlan p = plan_compute(s);
    v.refusal = p.refusal.reason;
    if (!p.refusal) {
      // a tile's weight block once per visit (every band when segmented); the input once per
      // visit when it stays in the ifmap GLB, else every band of every tile (halo rows included)
      v.weights = call.weights_loaded ? 0 : uint64_t(p.tiles) * p.block * (p.wsegs == 1 ? 1 : uint64_t(p.bands));
      if (p.resident) {
        v.inputs = uint64_t(nt) * p.map_bytes;
      } else {
        uint64_t rows = 0;
        for (int b = 0; b < p.bands; ++b) {
          int y0 = 0;
          rows += uint64_t(p.in_rows(s.g, b * p.band_rows, std::min(s.g.out_h, (b + 1) * p.band_rows), y0));
        }
        v.inputs = uint64_t(p.tiles) * uint64_t(nt) * uint64_t(s.planes) * uint64_t(s.g.in_c) * rows * p.in_pitch;
      }
      v.ev = m_events.compute(L, p, call);
    }
  } else if (L.pool) {
    v.ev = m_events.pool(L, call, &v.refusal);
  } else if (L.add) {
    v.ev = m_events.add(L, call, &v.refusal);
  }
  return m_visits.emplace(key, v).first->second;
}

std::vector<int> CostModel::group_of(const Mapping& m) const {
  std::vector<int> owner(m_net.layers.size(), -1);
  for (size_t gi = 0; gi < m.groups.size(); ++gi)
    for (int l = m.groups[gi].first; l <= m.groups[gi].last; ++l) owner[size_t(l)] = int(gi);
  return owner;
}

namespace {

std::string where(const Network& n, int gi, int l, const std::string& field) {
  return "groups[" + std::to_string(gi) + "] (layer " + n.layers[size_t(l)].name + "): " + field;
}

}  // namespace

void CostModel::charge(const Events& ev, uint64_t dram_bytes, Cost& c) const {
  // The events of the visit as the executor runs it; what a fused group or on-chip state keeps
  // off DRAM scales its bursts (the visit's bytes per burst, analytic only).
  const double kept = ev.dram_bytes ? double(dram_bytes) / double(ev.dram_bytes) : 0;
  c.e_dram += kept * (double(ev.dram_rd) * m_h.dram_burst_read_pj + double(ev.dram_wr) * m_h.dram_burst_write_pj);
  for (size_t g = 0; g < kGlbs; ++g)
    c.e_glb += double(ev.glb_rd[g]) * m_h.glb_block_read_pj[g] + double(ev.glb_wr[g]) * m_h.glb_block_write_pj[g];
  c.e_spad += double(ev.spad_rd) * m_h.spad_read_pj + double(ev.spad_wr) * m_h.spad_write_pj;
}

std::string CostModel::refusal_field(const GroupInfo& gi, int l) const {
  // A plan refused beside the group's regions is their doing (fused maps, on-chip state); else the batch's.
  const uint64_t maps = gi.maps[size_t(l)].reserved, state = gi.states[size_t(l)].reserved;
  if (maps) return "fuse: " + std::to_string(maps) + " B of maps kept on chip leave too little of the ifmap GLB: ";
  if (state) return "state: " + std::to_string(state) + " B of on-chip state leave too little of the ofmap GLB: ";
  return "time_batch: ";
}

void CostModel::layer(const Mapping& m, const GroupInfo& gi, int l, Cost& c) const {
  const MapLayer& L = m_net.layers[size_t(l)];
  const int T = m_net.timesteps, nb = gi.batches, tb = gi.g.time_batch;
  const State st = m.state[size_t(l)];
  const bool stateful = L.state_bytes && st != State::none;
  const bool persist = stateful && T > 1 && (tb == 1 || nb > 1);
  // a fused group's maps: the engine's place_maps (a map stays on chip when every reader is in the group)
  const bool out_chip = gi.maps[size_t(l)].offset >= 0;
  const std::vector<int>& src = m_sources[size_t(l)];
  bool in_chip = !src.empty();     // every producer's map on chip (none: the network input)
  uint64_t in_dram_t = 0;          // pooling, adds: the operands read from DRAM, per timestep
  if (src.empty() && !L.flatten) in_dram_t = L.in_bytes;
  for (int p : src) {
    const bool on = p >= 0 && gi.maps[size_t(p)].offset >= 0;
    in_chip = in_chip && on;
    if (!on) in_dram_t += p >= 0 ? m_net.layers[size_t(p)].out_bytes : L.in_bytes;
  }
  for (int b = 0; b < nb; ++b) {
    const int nt = std::min(tb, T - b * tb);
    uint64_t w = 0, in = 0;
    const MapAddrs at = view_of(gi, l, b * tb);
    const Visit& v = visit(l, b * tb, nt, tb, persist, gi.states[size_t(l)], gi.maps[size_t(l)], &at, gi.weights[size_t(l)]);
    if (!v.refusal.empty() && c.infeasible.empty()) c.infeasible = where(m_net, gi.gi, l, refusal_field(gi, l) + v.refusal);
    if (L.compute) {
      w = v.weights;  // every visit stages its weights, but a fused group's kept ones after the first
      in = in_chip ? 0 : v.inputs;
    } else {
      in = in_dram_t * uint64_t(nt);
    }
    const uint64_t out = out_chip ? 0 : L.out_bytes * uint64_t(nt);
    // the state leaves after every visit but the last and comes back before every one but the first
    const uint64_t sv = persist ? L.state_bytes * uint64_t((b > 0) + (b + 1 < nb)) : 0;
    const uint64_t sd = st == State::dram ? sv : 0;
    c.dram[weights] += w, c.dram[inputs] += in, c.dram[outputs] += out, c.dram[state] += sd;
    c.glb[weights] += w + L.filter_reads_t;   // DRAM -> GLB; GLB -> PE once per visit
    c.glb[inputs] += in;                     // DRAM -> GLB (GLB -> PE below)
    c.glb[outputs] += out_chip ? L.out_bytes * uint64_t(nt) : 2 * out;  // PE -> GLB (-> DMA)
    c.glb[state] += st == State::dram ? 2 * sd : sv;
    // the executor's schedule of the visit (visit_events.h; a fused group's maps move GLB to GLB)
    c.cycles += uint64_t(std::llround(v.ev.span_ns / m_h.clock_ns()));
    charge(v.ev, w + in + out + sd, c);
  }
  c.glb[inputs] += (L.compute ? L.ifmap_reads_t : L.in_bytes) * uint64_t(T);
  c.compute_cycles += L.cycles_t * uint64_t(T);
  // always-on logic (the PEs' adders, the neuron units) is charged for every cycle of the span
  c.e_compute += double(L.ops) * m_h.op_pj;
  c.e_compute += double(c.cycles) * double(m_h.array.rows * m_h.array.cols) * m_h.pe_cycle_pj;
  if (L.fires) c.e_neuron += double(L.neurons * uint64_t(T)) * m_h.neuron_update_pj;
  c.e_neuron += double(c.cycles) * m_h.neuron_cycle_pj;
}

CostModel::MapAddrs CostModel::view_of(const GroupInfo& gi, int l, int t0) const {
  // LayerEngine::call_view: the maps the group keeps on chip at their places in the ifmap GLB's
  // region (tagged on_chip_map, visit_events.h), timestep t0 at the place's start.
  const MapLayer& L = m_net.layers[size_t(l)];
  auto at = [&](int p) {
    const RegionSlot& r = gi.maps[size_t(p)];
    const uint64_t rel = m_h.glb_ifmap.capacity - r.reserved + uint64_t(r.offset);
    return on_chip_map + rel - uint64_t(t0) * m_net.layers[size_t(p)].out_bytes;
  };
  MapAddrs a{L.in_addr, L.in2_addr, L.out_addr};
  if (gi.maps[size_t(l)].offset >= 0) a.out = at(l);
  const std::vector<int>& src = m_sources[size_t(l)];
  for (size_t k = 0; k < src.size() && k < 2; ++k)
    if (src[k] >= 0 && gi.maps[size_t(src[k])].offset >= 0) (k ? a.in2 : a.in) = at(src[k]);
  return a;
}

std::vector<int> CostModel::sources(int l) const {
  // The layers whose maps l reads, through flattens (a view of their producer's map); -1: the input.
  std::vector<int> out;
  for (int p : m_net.layers[size_t(l)].producers) {
    if (p >= 0 && m_net.layers[size_t(p)].flatten) {
      for (int q : sources(p)) out.push_back(q);
    } else {
      out.push_back(p);
    }
  }
  return out;
}

std::vector<RegionSlot> CostModel::maps_of(const Mapping& m, const std::vector<int>& owner) const {
  // place_maps (hw/compute/dataflow_mapped.cpp): a fused group keeps one batch of a layer's output
  // on chip when every layer that reads it (through flattens) is in the group, and one does.
  const int T = m_net.timesteps;
  const size_t n = m_net.layers.size();
  std::vector<uint64_t> bytes(n, 0);
  std::vector<int> last(n, -1);
  for (size_t l = 0; l < n; ++l) {
    if (owner[l] < 0 || !m.groups[size_t(owner[l])].fuse || m_readers[l].empty() || m_net.layers[l].flatten) continue;
    bool within = true;
    for (int q : m_readers[l]) within = within && owner[size_t(q)] == owner[l], last[l] = std::max(last[l], q);
    if (within) bytes[l] = m_net.layers[l].out_bytes * uint64_t(std::min(m.groups[size_t(owner[l])].time_batch, T));
  }
  return place_live(bytes, last, owner);  // a map's place is free again once its last reader ran
}

std::vector<RegionSlot> CostModel::weights_of(const Mapping& m, const std::vector<int>& owner) const {
  // place_weights (hw/compute/dataflow_mapped.cpp): a fused group of several batches keeps its
  // layers' weights when they all fit the weight GLB (LayerEngine::begin_run)
  const int T = m_net.timesteps;
  std::vector<uint64_t> bytes(m_net.layers.size(), 0);
  for (size_t l = 0; l < bytes.size(); ++l) {
    if (owner[l] < 0 || !m_net.layers[l].compute) continue;
    const Group& g = m.groups[size_t(owner[l])];
    if (g.fuse && g.time_batch < T) bytes[l] = m_net.layers[l].weight_bytes;
  }
  std::vector<RegionSlot> w = place_regions(bytes, owner);
  for (RegionSlot& r : w)
    if (r.reserved > m_h.glb_weight.capacity) r = RegionSlot{};
  return w;
}

uint64_t CostModel::maps_of_group(const GroupInfo& gi) const {
  return gi.g.first <= gi.g.last ? gi.maps[size_t(gi.g.first)].reserved : 0;
}

std::vector<RegionSlot> CostModel::states_of(const Mapping& m, const std::vector<int>& owner) const {
  // On chip: a glb layer's state when its group runs in several batches (it persists).
  const int T = m_net.timesteps;
  std::vector<uint64_t> bytes(m_net.layers.size(), 0);
  for (size_t l = 0; l < bytes.size() && l < m.state.size(); ++l) {
    if (owner[l] < 0) continue;
    const int tb = m.groups[size_t(owner[l])].time_batch;
    if (m.state[l] == State::glb && (T + tb - 1) / tb > 1) bytes[l] = m_net.layers[l].state_bytes;
  }
  return place_regions(bytes, owner);
}

void CostModel::group(const Mapping& m, const Group& g, int gi, const std::vector<RegionSlot>& states,
                      const std::vector<RegionSlot>& maps, const std::vector<RegionSlot>& weights, Cost& c,
                      std::vector<Cost>* per_layer) const {
  const int T = m_net.timesteps;
  GroupInfo info{g, gi, (T + g.time_batch - 1) / g.time_batch, group_of(m), states, maps, weights};
  uint64_t glb_state = 0;
  for (int l = g.first; l <= g.last; ++l)
    if (m.state[size_t(l)] == State::glb && info.batches > 1) glb_state += m_net.layers[size_t(l)].state_bytes;
  const uint64_t region = maps_of_group(info);
  if (region > m_h.glb_ifmap.capacity && c.infeasible.empty())
    c.infeasible = "groups[" + std::to_string(gi) + "]: fuse: the maps the group keeps on chip (" + std::to_string(region) +
                   " B) exceed the ifmap GLB (" + std::to_string(m_h.glb_ifmap.capacity) + " B)";
  c.onchip_state = std::max(c.onchip_state, glb_state);
  if (glb_state > m_h.state_budget && c.infeasible.empty())
    c.infeasible = "groups[" + std::to_string(gi) + "]: state: " + std::to_string(glb_state) +
                   " B of neuron state on chip exceed the state budget (" + std::to_string(m_h.state_budget) + " B)";
  for (int l = g.first; l <= g.last; ++l) {
    Cost lc;
    layer(m, info, l, lc);
    if (!lc.infeasible.empty() && c.infeasible.empty()) c.infeasible = lc.infeasible;
    for (int o = 0; o < kOperands; ++o) c.dram[size_t(o)] += lc.dram[size_t(o)], c.glb[size_t(o)] += lc.glb[size_t(o)];
    c.cycles += lc.cycles;
    c.compute_cycles += lc.compute_cycles;
    c.e_dram += lc.e_dram, c.e_glb += lc.e_glb, c.e_spad += lc.e_spad;
    c.e_compute += lc.e_compute;
    c.e_neuron += lc.e_neuron;
    if (per_layer) (*per_layer)[size_t(l)] = lc;
  }
}

Cost CostModel::evaluate(const Mapping& m, std::vector<Cost>* per_layer) const {
  Cost c;
  if (per_layer) per_layer->assign(m_net.layers.size(), Cost{});
  const std::vector<int> owner = group_of(m);
  const std::vector<RegionSlot> states = states_of(m, owner), maps = maps_of(m, owner), weights = weights_of(m, owner);
  for (size_t gi = 0; gi < m.groups.size(); ++gi) group(m, m.groups[gi], int(gi), states, maps, weights, c, per_layer);
  c.e_leak = m_h.leakage_mw * 1e-3 * c.latency_s(m_h.clock_hz) * 1e12;
  return c;
}

}  // namespace spiketlm::map
