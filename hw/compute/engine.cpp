#include "hw/compute/engine.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "hw/compute/packing.h"
#include "hw/memory/memory_target.h"

namespace spiketlm {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

LayerEngine::LayerEngine(Datapath dp, Module& owner)
    : m_dp(dp),
      m_owner(owner),
      m_clk(dp.pe->clock()),
      m_glb_w_base(dp.glb_w->base_address()),
      m_glb_i_base(dp.glb_i->base_address()),
      m_glb_o_base(dp.glb_o->base_address()),
      m_access(dp.port, dp.bus) {}

LayerEngine::~LayerEngine() = default;

void LayerEngine::begin_run(const std::vector<LayerCmd>& layers, int timesteps, const Dataflow& df) {
  m_state = df.place_states(layers, timesteps, m_dp.lif->membrane_bytes());
  for (size_t l = 0; l < m_state.size(); ++l)
    if (m_state[l].reserved > m_dp.glb_o->size_bytes())
      refuse(layers[l], ERR_NO_FIT, "on-chip neuron state of its group (" + std::to_string(m_state[l].reserved) +
                                        " B) exceeds the ofmap GLB (" + std::to_string(m_dp.glb_o->size_bytes()) + " B)");
  // a fused group keeps its weights across batches when they all fit the weight GLB
  m_weights = df.place_weights(layers, timesteps, m_dp.pe->cols());
  for (RegionSlot& w : m_weights)
    if (w.reserved > m_dp.glb_w->size_bytes()) w = RegionSlot{};
  m_maps = df.place_maps(layers, timesteps);
  m_map_at.clear();
  m_stands.assign(layers.size(), 0);
  for (size_t l = 0; l < layers.size(); ++l) {
    const int p = df.stands_for(uint32_t(l));
    if (p >= 0 && size_t(p) < layers.size()) m_stands[l] = layers[size_t(p)].out_addr;
  }
  const uint64_t cap = m_dp.glb_i->size_bytes();
  for (size_t l = 0; l < m_maps.size(); ++l) {
    if (m_maps[l].reserved > cap)
      refuse(layers[l], ERR_NO_FIT, "the maps its fused group keeps on chip (" + std::to_string(m_maps[l].reserved) +
                                        " B) exceed the ifmap GLB (" + std::to_string(cap) + " B)");
    if (m_maps[l].offset < 0) continue;
    const LayerCmd& P = layers[l];
    const uint64_t step = P.out_step_bytes();
    m_map_at[P.out_addr] = {m_glb_i_base + cap - m_maps[l].reserved + uint64_t(m_maps[l].offset), step};
  }
}

bool LayerEngine::on_chip(uint64_t a) const {
  for (const AddressTarget* g : {m_dp.glb_w, m_dp.glb_i, m_dp.glb_o})
    if (a >= g->base_address() && a - g->base_address() < g->size_bytes()) return true;
  return false;
}

LayerCmd LayerEngine::call_view(const LayerCmd& L, int t0) const {
  // base - t0 x step (modulo 2^64): the layer's own address arithmetic (base + t x step) then
  // lands on the place's start at t0.
  LayerCmd v = L;
  auto place = [&](uint64_t& addr) {
    const auto it = m_map_at.find(addr);
    if (it != m_map_at.end()) addr = it->second.first - uint64_t(t0) * it->second.second;
  };
  place(v.out_addr);
  place(v.in_addr);
  // a generated input standing for an on-chip map: moved from there, its bytes from the bundle
  if (L.id < m_stands.size() && m_stands[L.id] && m_map_at.count(m_stands[L.id])) {
    v.in_content = L.in_addr;
    v.in_addr = m_stands[L.id];
    place(v.in_addr);
  }
  if (L.op == OP_ADD) place(v.in2_addr);
  return v;
}

void LayerEngine::refuse(const LayerCmd& L, uint32_t err, const std::string& msg) const {
  throw LayerRefused(err, L.id, 0, "layer " + std::to_string(L.id) + ": " + msg);
}

LifJob LayerEngine::lif_job(const LayerCmd& L, int first_pixel, sc_time at) const {
  LifJob job;
  job.multiplier = L.multiplier.data();
  job.offset = L.offset.data();
  job.shift = L.shift;
  job.neuron = L.neuron;
  job.layer = L.id;
  job.pixel0 = first_pixel;
  job.at = at;
  job.cycle = m_clk;
  return job;
}

sc_time LayerEngine::dma(const DmaCommand& c, sc_time start) {
  const sc_time now = time_stamp();
  sc_time delay = start > now ? start - now : SC_ZERO_TIME;
  m_dp.dma->transfer(c, delay);
  return time_stamp() + delay;
}

namespace {
std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", (unsigned long long)v);
  return b;
}
}  // namespace

sc_time LayerEngine::account(bool write, uint64_t addr, uint64_t len, sc_time start, Tensor t) {
  if (len == 0) return start;
  const sc_time now = time_stamp();
  sc_time delay = start > now ? start - now : SC_ZERO_TIME;
  m_tag.tensor = t;
  const tlm::tlm_response_status r = write ? m_access.write_unchanged(addr, len, delay, &m_tag)
                                           : m_access.read(addr, len, delay, &m_tag);
  if (r != tlm::TLM_OK_RESPONSE)
    fail("sequencer", m_owner.path() + ": GLB " + (write ? "write" : "read") + " of " + std::to_string(len) +
                          " B at " + hex(addr) + " failed: " + m_access.response_string());
  return time_stamp() + delay;
}

sc_time LayerEngine::store(uint64_t addr, const void* data, uint64_t len, sc_time start, Tensor t) {
  if (len == 0) return start;
  const sc_time now = time_stamp();
  sc_time delay = start > now ? start - now : SC_ZERO_TIME;
  m_tag.tensor = t;
  if (m_access.write(addr, data, len, delay, &m_tag) != tlm::TLM_OK_RESPONSE)
    fail("sequencer", m_owner.path() + ": GLB write of " + std::to_string(len) + " B at " + hex(addr) +
                          " failed: " + m_access.response_string());
  return time_stamp() + delay;
}

sc_time LayerEngine::run(const LayerCmd& cmd, const std::vector<int>& ts, int total_t, const Dataflow& df, sc_time now,
                         LayerStats& st) {
  LayerCmd fused;  // the call's view when its group keeps maps on chip
  if (!m_map_at.empty()) fused = call_view(cmd, ts.front());
  const LayerCmd& L = m_map_at.empty() ? cmd : fused;
  if (L.op == OP_CONV || L.op == OP_LINEAR) return run_compute(L, ts, total_t, df, now, st);
  if (L.op == OP_MAXPOOL || L.op == OP_AVGPOOL) return run_pool(L, ts, now, st);
  if (L.op == OP_ADD) return run_add(L, ts, total_t, df, now, st);
  refuse(L, ERR_BAD_OPCODE, "unknown opcode " + std::to_string(L.op));
  return now;
}

}  // namespace spiketlm
