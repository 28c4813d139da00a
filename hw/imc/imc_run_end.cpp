// The IMC executor's end of a run: the energy of the timesteps run, the layer pipeline's
// timing, the outputs and the completion (imc_executor.h).
#include <algorithm>

#include "hw/imc/imc_executor.h"

namespace spiketlm {

using sc_core::sc_time;

// The pipeline over Tm timesteps from t0_ns (ns after the run's start); sets the layers'
// start (first) and end times; returns its end (ns after t0_ns).
double ImcExecutor::pipeline(uint64_t Tm, double t0_ns, bool first) {
  imc::PipelineConfig c;
  c.fraction = m_cfg.fraction;
  c.cycle_ns = m_w.tile->pe().cycle_ns();
  c.dense = m_cfg.dp.dense;
  std::vector<imc::StageTime> times;
  const double end = imc::run_pipeline(m_run.stages, Tm, c, times);
  for (size_t i = 0; i < times.size(); ++i) {
    ImcLayerStats& ls = m_layers[m_run.stages[i].layer];
    if (first) ls.start_ns = t0_ns + times[i].start_ns;
    ls.end_ns = t0_ns + times[i].end_ns;
  }
  return end;
}

// The energy of the `ran` timesteps run, per layer.
void ImcExecutor::charge(int ran) {
  const std::vector<LayerCmd>& layers = *m_run.layers;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerCmd& L = layers[i];
    RunLayer& r = m_run.R[i];
    ImcLayerStats& st = m_layers[L.id];
    const std::vector<uint64_t> before = m_ctx.ledger.counts();
    if (L.op == OP_CONV || L.op == OP_LINEAR) {
      const ImcCounts& total = r.total;
      st.pe_cycles += total.pe_cycles;
      st.active_pe_cycles += total.active_pe_cycles;
      st.xbar_reads += total.xbar_reads;
      st.active_xbar_reads += total.active_xbar_reads;
      st.accumulates += total.accumulates;
      m_accumulates += total.accumulates;
      st.noc_bytes += m_dp.charge_compute(L, m_prog.at(L.id), total, uint64_t(ran), m_run.net[i], m_run.traffic[i]);
    }
    if (L.op == OP_ADD) st.noc_bytes += m_dp.charge_add(r.out.size(), uint64_t(ran), m_run.traffic[i]);
    m_ctx.ledger.add_since(st.actions, before);
    if (st.actions.size() < r.actions.size()) st.actions.resize(r.actions.size(), 0);
    for (size_t a = 0; a < r.actions.size(); ++a) st.actions[a] += r.actions[a];
  }
}

// Once the timesteps run are known: their energy, then (static T) SpikeSim's pipeline over
// all T timesteps (with early exit each timestep was timed at its end).
void ImcExecutor::close(int ran) {
  charge(ran);
  if (!m_run.exit_on) {
    const double t0 = m_cfg.dp.dense ? 0.0 : (m_run.t - m_run.start).to_seconds() * 1e9;
    m_run.pipe_end = pipeline(uint64_t(m_run.T), t0, true);
    m_run.t = m_run.t + sc_time(m_run.pipe_end, sc_core::SC_NS);
  }
  m_run.closed = true;
}

bool ImcExecutor::outputs(int ran, int classes, std::vector<int32_t>& out, sc_time& now) {
  (void)classes;
  m_run.t = now;
  close(ran);
  write_outputs(ran, out);
  now = m_run.t;
  return true;
}

RunEnd ImcExecutor::end_run(sc_time now, int ran, bool refused, RunCounts& counts) {
  ++m_runs;
  if (!m_run.active) return {now, 0};  // refused before the run began
  m_run.active = false;
  RunEnd e;
  if (refused) {
    e.at = std::max(now, m_run.t);  // where the refused run got to
    e.latency_ns = 0;
  } else {
    m_run.t = now;
    if (!m_run.closed) close(ran);
    std::vector<int32_t> out;
    if (m_run.out_layer >= 0 && !m_run.written) write_outputs(ran, out);  // an output layer that is not the last
    if (m_cfg.dp.dense) e.latency_ns = m_run.exit_on ? m_run.exit_ns : m_run.pipe_end;
    else e.latency_ns = (m_run.t - m_run.start).to_seconds() * 1e9;
    e.at = std::max(m_run.t, m_run.start + sc_time(e.latency_ns, sc_core::SC_NS));
    m_run_latency.push_back(e.latency_ns * 1e-9);
  }
  counts.dram_bytes += m_run.out_dram;
  counts.glb_bytes += glb_bytes() - m_run.glb0;
  counts.spikes_in += spikes_in_total() - m_run.in0;
  return e;
}

}  // namespace spiketlm
