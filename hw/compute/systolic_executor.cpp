#include "hw/compute/systolic_executor.h"

namespace spiketlm {

using sc_core::sc_time;

SystolicExecutor::SystolicExecutor(Datapath dp, Dataflow& df, Controller& ctrl, TimingPolicy* timing)
    : m_dp(dp), m_df(df), m_ctrl(ctrl), m_timing(timing) {
  if (m_timing) m_timing->check(m_df);
  m_dp.port = &ctrl.out;
  m_engine = std::make_unique<LayerEngine>(m_dp, ctrl);
}

sc_time SystolicExecutor::begin_run(const RunInfo& run, sc_time now, RunCounts&) {
  if (m_layers.size() < run.layers->size()) m_layers.resize(run.layers->size());
  m_engine->begin_run(*run.layers, run.timesteps, m_df);
  return now;
}

sc_time SystolicExecutor::run(const LayerCmd& L, const std::vector<int>& ts, int timesteps, sc_time now,
                              RunCounts& counts) {
  LayerStats st;
  EnergyLedger& ledger = m_ctrl.ctx().ledger;
  const std::vector<uint64_t> before = ledger.counts();
  const sc_time end = m_engine->run(L, ts, timesteps, m_df, now, st);
  // The always-on energy of the array and the LIF units over the call's span.
  const uint64_t span = uint64_t((end - now) / m_ctrl.clock() + 0.5);
  m_dp.pe->finish_run(span);
  m_dp.lif->finish_run(span);
  st.span_cycles = span;
  m_dp.pe->trace_call(now, end, st.accumulates);
  if (m_timing && L.computes()) {
    const PeArray& pe = *m_dp.pe;
    st.peer = m_timing->layer(L, m_df, uint64_t(pe.rows()), uint64_t(pe.cols()), pe.ann() ? 1 : uint64_t(L.in_planes),
                              ts.size());
  }
  LayerStats& acc = m_layers[L.id];
  ledger.add_since(acc.actions, before);
  acc.compute_cycles += st.compute_cycles;
  acc.lif_cycles += st.lif_cycles;
  acc.stall_cycles += st.stall_cycles;
  acc.span_cycles += st.span_cycles;
  acc.accumulates += st.accumulates;
  acc.dense_accumulates += st.dense_accumulates;
  acc.spikes_in += st.spikes_in;
  acc.spikes_out += st.spikes_out;
  acc.dram_bytes += st.dram_bytes;
  acc.glb_bytes += st.glb_bytes;
  acc.peer += st.peer;
  counts.spikes_out += st.spikes_out;
  counts.spikes_in += st.spikes_in;
  counts.dram_bytes += st.dram_bytes;
  counts.glb_bytes += st.glb_bytes;
  return end;
}

}  // namespace spiketlm
