// The NorthPole executor: the run and its (layer, timestep) calls (np_executor.h).
#include "hw/northpole/np_executor.h"

#include <algorithm>

#include "hw/ctrl/controller.h"

namespace spiketlm {

using sc_core::sc_time;
using sc_core::SC_NS;

NpExecutor::NpExecutor(Context& ctx, const Config& c, const Wiring& w)
    : m_ctx(ctx),
      m_cfg(c),
      m_w(w),
      m_access(std::make_unique<TimedAccess>(w.bus)),
      m_spec(w.core->spec()),
      m_clk(1e3 / w.core->clock_mhz(), SC_NS) {
  m_spec.mem_bytes = w.core_bank_bytes;
}

std::vector<LayerCall> NpExecutor::schedule(int layers, int timesteps) const {
  // Timestep-outer: pass t of every layer, then t + 1 (membranes stay in the cores); the
  // passes overlap in the layer pipeline (run()).
  // Time-multiplexed: segment by segment (its weights are on chip only during its turn).
  std::vector<LayerCall> calls;
  const int segs = std::max(1, m_plan.segments());
  for (int s = 0; s < segs; ++s) {
    const int a = segs == 1 ? 0 : int(m_plan.segment_first[size_t(s)]);
    const int b = s + 1 < segs ? int(m_plan.segment_first[size_t(s) + 1]) : layers;
    for (int t = 0; t < timesteps; ++t)
      for (int l = a; l < b; ++l) calls.push_back({l, {t}});
  }
  return calls;
}

sc_time NpExecutor::begin_run(const RunInfo& run, sc_time now, RunCounts& counts) {
  (void)counts;
  m_layers = run.layers;
  m_T = run.timesteps;
  m_exit_on = run.exit_on;
  m_start = run.start;
  m_out_written = 0;
  m_barrier = 0;
  if (!m_loaded || run.desc_addr != m_loaded_desc) {
    m_loaded = false;
    load_network(*run.layers, now);  // refuses a network that does not fit
    m_loaded = true;
    m_loaded_desc = run.desc_addr;
  }
  m_t0 = now;
  m_F.assign(run.layers->size(), 0.0);
  m_seg_ready.assign(size_t(std::max(1, m_plan.segments())), 0.0);
  wire(*run.layers);
  return now;
}

sc_time NpExecutor::run(const LayerCmd& L, const std::vector<int>& tss, int timesteps, sc_time now, RunCounts& counts) {
  (void)timesteps;
  const int ts = tss.front();
  const size_t i = L.id;
  RunLayer& r = m_R[i];
  NpLayerStats& st = m_stats[i];
  double ready = 0;  // ns from m_t0: the frame is in the frame buffer
  if (r.in == &r.own && (r.own.t.empty() || (L.input_per_t() && int(r.own.t.size()) <= ts))) {
    sc_time t = now;
    read_frame(L, r, ts, t, counts);
    if (i == 0) ready = (t - m_t0).to_seconds() * 1e9;
  }
  const double seg_ready = segment_ready(i, ts);  // time-multiplexed: the segment's reload
  const double e0 = m_ctx.ledger.total_pj(0);
  const uint64_t fired = compute(L, r, ts, st);
  if (L.fires()) counts.spikes_out += fired;
  traffic(i, true);
  st.energy_pj += m_ctx.ledger.total_pj(0) - e0;
  ++st.passes;
  // The layer pipeline: this pass starts when its input is ready (the producer's pass, or the
  // previous layer's in the descriptor order) and the layer has finished its previous pass.
  const double prev = std::max(i == 0 ? std::max(ready, m_exit_on ? m_barrier : 0.0) : m_F[i - 1], seg_ready);
  m_F[i] = std::max(prev, m_F[i]) + m_stage_ns[i];
  const sc_time done = m_t0 + sc_time(m_F[i], SC_NS);
  return done > now ? done : now;
}

bool NpExecutor::logits(int t, int32_t* z, int classes, sc_time& now) {
  const std::vector<int32_t>& o = m_R.back().out.t[size_t(t)];
  std::copy(o.begin(), o.begin() + std::min<ptrdiff_t>(classes, ptrdiff_t(o.size())), z);
  (void)now;
  return true;
}

sc_time NpExecutor::exit_decided(sc_time now, const sc_time& decision) {
  const sc_time d = now + decision;
  m_barrier = std::max(m_barrier, (d - m_t0).to_seconds() * 1e9);
  return d;
}

bool NpExecutor::outputs(int ran, int classes, std::vector<int32_t>& out, sc_time& now) {
  (void)classes;
  const LayerCmd& L = (*m_layers)[size_t(m_out_layer)];
  const Maps& o = m_R[size_t(m_out_layer)].out;
  const uint64_t k = uint64_t(L.g.out_c) * L.g.npx();
  out.assign(size_t(ran) * k, 0);
  for (int ts = 0; ts < ran; ++ts) std::copy(o.t[size_t(ts)].begin(), o.t[size_t(ts)].end(), out.begin() + ptrdiff_t(uint64_t(ts) * k));
  // Output cores -> frame buffer (activation NoC) -> host memory.
  const uint64_t bytes = out.size() * 4;
  sc_time t = now;
  write_bytes(L.id, m_w.frame->base_address(), out.data(), bytes, t);
  read_frame_buffer(L.id, bytes, &t);  // out of the frame buffer, to the host
  write_bytes(L.id, L.out_addr, out.data(), bytes, t);
  m_out_written = bytes;
  now = t;
  return true;
}

RunEnd NpExecutor::end_run(sc_time now, int ran, bool refused, RunCounts& counts) {
  (void)ran;
  counts.glb_bytes += m_out_written;
  if (refused) return {now, -1};
  const sc_time pipe = m_t0 + sc_time(m_F.empty() ? 0.0 : m_F.back(), SC_NS);
  const sc_time at = std::max(now, pipe);
  m_latency.push_back((at - m_start).to_seconds());
  return {at, (at - m_start).to_seconds() * 1e9};
}

}  // namespace spiketlm
