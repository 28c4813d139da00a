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
      m_access(dp.port) {}

LayerEngine::~LayerEngine() = default;

void LayerEngine::begin_run(const std::vector<LayerCmd>& layers, int timesteps, const Dataflow& df) {
  m_state = df.place_states(layers, timesteps, m_dp.lif->membrane_bytes());
  for (size_t l = 0; l < m_state.size(); ++l)
    if (m_state[l].reserved > m_dp.glb_o->size_bytes())
      refuse(layers[l], ERR_NO_FIT, "on-chip neuron state of its group (" + std::to_string(m_state[l].reserved) +
                                        " B) exceeds the ofmap GLB (" + std::to_string(m_dp.glb_o->size_bytes()) + " B)");
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

sc_time LayerEngine::run(const LayerCmd& L, const std::vector<int>& ts, int total_t, const Dataflow& df, sc_time now,
                         LayerStats& st) {
  if (L.op == OP_CONV || L.op == OP_LINEAR) return run_compute(L, ts, total_t, df, now, st);
  if (L.op == OP_MAXPOOL || L.op == OP_AVGPOOL) return run_pool(L, ts, now, st);
  if (L.op == OP_ADD) return run_add(L, ts, total_t, df, now, st);
  refuse(L, ERR_BAD_OPCODE, "unknown opcode " + std::to_string(L.op));
  return now;
}

}  // namespace spiketlm
