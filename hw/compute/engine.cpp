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
      m_glb_o_base(dp.glb_o->base_address()) {
  m_payload.set_extension(&m_timing_only);
  m_payload.set_extension(&m_tag);
}

LayerEngine::~LayerEngine() {
  // The payload must not free the extensions it carries (they are members).
  m_payload.clear_extension(&m_timing_only);
  m_payload.clear_extension(&m_tag);
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

sc_time LayerEngine::account(bool write, uint64_t addr, uint64_t len, sc_time start, Tensor t) {
  if (len == 0) return start;
  const sc_time now = time_stamp();
  sc_time delay = start > now ? start - now : SC_ZERO_TIME;
  tlm::tlm_generic_payload& p = m_payload;  // carries m_timing_only and m_tag (constructor)
  m_tag.tensor = t;
  p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  p.set_address(addr);
  p.set_data_ptr(nullptr);
  p.set_data_length(unsigned(len));
  p.set_streaming_width(unsigned(len));
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  (*m_dp.port)->b_transport(p, delay);
  if (p.is_response_error())
    fail("sequencer", m_owner.path() + ": timing access of " + std::to_string(len) + " B at 0x" +
                          [&] { char b[32]; std::snprintf(b, sizeof b, "%llx", (unsigned long long)addr); return std::string(b); }() +
                          " failed: " + p.get_response_string());
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
