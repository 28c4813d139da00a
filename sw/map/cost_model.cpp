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
  bool weights_resident;
  std::vector<int> owner;  // group of every layer
  const std::vector<StateSlot>& states;  // every layer's place for on-chip state
};

namespace {

ComputeShape shape_of(const MapLayer& L, const Hierarchy& h, int nt, int tb, bool persist, const StateSlot& state) {
  ComputeShape s;
  s.g = L.geom;
  s.planes = L.in_planes;
  s.out_planes = L.out_planes;
  s.fires = L.fires;
  s.persist = persist;
  s.membrane_bytes = h.array.membrane_bytes;
  s.timesteps = nt;
  s.rows = int(h.array.rows), s.cols = int(h.array.cols);
  s.weight_half = h.glb_weight.capacity / 2, s.ifmap_half = h.glb_ifmap.capacity / 2;
  s.ofmap_half = ofmap_half(h.glb_ofmap.capacity, state);
  s.segments_need_static_cycles = h.skip_zero_cycles;
  s.psum_timesteps = tb > 1 ? tb : 0;
  s.psum_spad_bytes = h.psum_spad_bytes;
  return s;
}

}  // namespace

const CostModel::Visit& CostModel::visit(int l, int t0, int nt, int tb, bool persist, const StateSlot& state) const {
  const auto key = std::make_tuple(l, t0, nt, tb, persist, state.reserved, state.offset);
  const auto it = m_visits.find(key);
  if (it != m_visits.end()) return it->second;
  const MapLayer& L = m_net.layers[size_t(l)];
  Visit v;
  VisitCall call;
  call.t0 = t0, call.nt = nt, call.T = m_net.timesteps, call.persist = persist, call.state = state;
  call.tick = call.in_array = tb > 1 || !m_h.os_order;  // dataflow.mapped / tick_batch; else dataflow.os
  if (L.compute) {
    const ComputeShape s = shape_of(L, m_h, nt, tb, persist && !call.onchip(), state);
    const ComputePlan p = plan_compute(s);
    v.refusal = p.refusal.reason;
    if (!p.refusal) {
      // a tile's weight block once per visit (every band when segmented); the input once per
      // visit when it stays in the ifmap GLB, else every band of every tile (halo rows included)
      v.weights = uint64_t(p.tiles) * p.block * (p.wsegs == 1 ? 1 : uint64_t(p.bands));
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
  // A plan refused beside the group's on-chip state region is the state's doing; else the batch's.
  const uint64_t region = gi.states[size_t(l)].reserved;
  return region ? "state: " + std::to_string(region) + " B of on-chip state leave too little of the ofmap GLB: " : "time_batch: ";
}

void CostModel::layer(const Mapping& m, const GroupInfo& gi, int l, Cost& c) const {
  const MapLayer& L = m_net.layers[size_t(l)];
  const int T = m_net.timesteps, nb = gi.batches, tb = gi.g.time_batch;
  const bool fused = gi.g.fuse;
  const State st = m.state[size_t(l)];
  const bool stateful = L.state_bytes && st != State::none;
  const bool persist = stateful && T > 1 && (tb == 1 || nb > 1);
  bool in_chip = !L.producers.empty();  // every producer in this fused group
  for (int p : L.producers) in_chip = in_chip && fused && p >= 0 && gi.owner[size_t(p)] == gi.gi;
  bool out_chip = fused && !L.consumers.empty();  // every consumer in this fused group
  for (int q : L.consumers) out_chip = out_chip && gi.owner[size_t(q)] == gi.gi;
  for (int b = 0; b < nb; ++b) {
    const int nt = std::min(tb, T - b * tb);
    uint64_t w = 0, in = 0;
    const Visit& v = visit(l, b * tb, nt, tb, persist, gi.states[size_t(l)]);
    if (!v.refusal.empty() && c.infeasible.empty()) c.infeasible = where(m_net, gi.gi, l, refusal_field(gi, l) + v.refusal);
    if (L.compute) {
      w = fused && gi.weights_resident && b > 0 ? 0 : v.weights;
      in = in_chip ? 0 : v.inputs;
    } else {
      in = in_chip ? 0 : L.in_bytes * uint64_t(nt);
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
    const double mem = m_h.dram_bytes_per_cycle > 0 ? double(w + in + out + sd) / m_h.dram_bytes_per_cycle : 0;
    // unfused: the executor's schedule of the visit (visit_events.h); fused (analytic only):
    // compute and neurons overlapped with the DRAM traffic at its peak bandwidth
    c.cycles += fused ? std::max(L.cycles_t * uint64_t(nt) + v.ev.lif_cycles, uint64_t(std::ceil(mem)))
                      : uint64_t(std::llround(v.ev.span_ns / m_h.clock_ns()));
    charge(v.ev, w + in + out + sd, c);
  }
  c.glb[inputs] += (L.compute ? L.ifmap_reads_t : L.in_bytes) * uint64_t(T);
  if (out_chip && L.out_bytes * uint64_t(tb) > m_h.glb_ifmap.capacity / 2 && c.infeasible.empty())
    c.infeasible = where(m_net, gi.gi, l, "fuse: one batch of its output (" + std::to_string(L.out_bytes * uint64_t(tb)) +
                                               " B) does not fit half the ifmap GLB (" +
                                               std::to_string(m_h.glb_ifmap.capacity / 2) + " B)");
  c.compute_cycles += L.cycles_t * uint64_t(T);
  // always-on logic (the PEs' adders, the neuron units) is charged for every cycle of the span
  c.e_compute += double(L.ops) * m_h.op_pj;
  c.e_compute += double(c.cycles) * double(m_h.array.rows * m_h.array.cols) * m_h.pe_cycle_pj;
  if (L.fires) c.e_neuron += double(L.neurons * uint64_t(T)) * m_h.neuron_update_pj;
  c.e_neuron += double(c.cycles) * m_h.neuron_cycle_pj;
}

std::vector<StateSlot> CostModel::states_of(const Mapping& m, const std::vector<int>& owner) const {
  // On chip: a glb layer's state when its group runs in several batches (it persists).
  const int T = m_net.timesteps;
  std::vector<uint64_t> bytes(m_net.layers.size(), 0);
  for (size_t l = 0; l < bytes.size() && l < m.state.size(); ++l) {
    if (owner[l] < 0) continue;
    const int tb = m.groups[size_t(owner[l])].time_batch;
    if (m.state[l] == State::glb && (T + tb - 1) / tb > 1) bytes[l] = m_net.layers[l].state_bytes;
  }
  return place_states(bytes, owner);
}

void CostModel::group(const Mapping& m, const Group& g, int gi, const std::vector<StateSlot>& states, Cost& c,
                      std::vector<Cost>* per_layer) const {
  const int T = m_net.timesteps;
  GroupInfo info{g, gi, (T + g.time_batch - 1) / g.time_batch, true, group_of(m), states};
  uint64_t w = 0, glb_state = 0;
  for (int l = g.first; l <= g.last; ++l) {
    w += m_net.layers[size_t(l)].weight_bytes;
    if (m.state[size_t(l)] == State::glb && info.batches > 1) glb_state += m_net.layers[size_t(l)].state_bytes;
  }
  // a fused group keeps its layers' weights in the weight GLB across batches when they all fit
  info.weights_resident = w <= m_h.glb_weight.capacity;
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
  const std::vector<StateSlot> states = states_of(m, group_of(m));
  for (size_t gi = 0; gi < m.groups.size(); ++gi) group(m, m.groups[gi], int(gi), states, c, per_layer);
  c.e_leak = m_h.leakage_mw * 1e-3 * c.latency_s(m_h.clock_hz) * 1e12;
  return c;
}

}  // namespace spiketlm::map
