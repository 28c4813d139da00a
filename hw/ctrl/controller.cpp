#include "hw/ctrl/controller.h"

#include <algorithm>

#include <tlm_utils/tlm_quantumkeeper.h>

namespace spiketlm {

using sc_core::sc_time;

// One run's state.
struct Controller::Run {
  sc_time start, t;  // the run's start and the controller's local time
  uint32_t n = 0, T = 0, status = STATUS_DONE, ran = 0;
  std::vector<LayerCmd> layers;
  RunCounts counts;
  bool exit_on = false;
  uint32_t theta = 0;
  int classes = 0;
};

Controller::Controller(sc_core::sc_module_name nm, Context& ctx) : Controller(nm, ctx, Options{}) {
  m_clk = sc_time(1e3 / param_double("clock_mhz", 400, {"clock", "MHz", 1, 1e5}), sc_core::SC_NS);
  m_ctl = action(param_string("tech", "sequencer", {"tech-table component of the control logic"}), "layer");
  m_has_ctl = true;
}

Controller::Controller(sc_core::sc_module_name nm, Context& ctx, const Options& o)
    : Module(nm, ctx),
      out("out"),
      m_clk(o.clock),
      m_has_ctl(!o.tech.empty()),
      m_cycles(counter("cycles", "cycles", "cycles from START to the interrupt, all runs")),
      m_refused(counter("refused", "", "runs refused for a bad descriptor")),
      m_desc_bytes(counter("descriptor_bytes", "B", "descriptor and fixed-point bytes fetched")) {
  if (m_has_ctl) m_ctl = action(o.tech, "layer");
  SC_THREAD(thread);
  m_p_busy = probe("busy", 1);
  m_p_layer = probe("layer", 16);
  m_p_t = probe("timestep", 8);
  m_p_spikes = probe("spikes", 32);  // output spikes of the (layer, timestep) call, over the call
}

void Controller::attach(LayerExecutor& ex, Csr& csr, ExitUnit* exit) {
  m_ex = &ex;
  m_csr = &csr;
  m_exit = exit;
  csr.set(REG_DATAFLOW, ex.dataflow_code());
}

void Controller::thread() {
  for (;;) {
    sc_core::wait(m_csr->start_event());
    execute();
  }
}

void controller_read(tlm::tlm_initiator_socket<>& out, uint64_t addr, void* dst, uint64_t len, sc_time& t,
                     uint32_t layer) {
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_READ_COMMAND);
  p.set_address(addr);
  p.set_data_ptr(static_cast<uint8_t*>(dst));
  p.set_data_length(unsigned(len));
  p.set_streaming_width(unsigned(len));
  p.set_byte_enable_ptr(nullptr);
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_time d = t > sc_core::sc_time_stamp() ? t - sc_core::sc_time_stamp() : sc_core::SC_ZERO_TIME;
  out->b_transport(p, d);
  if (p.is_response_error()) throw LayerRefused(ERR_BAD_ADDRESS, layer, 0, "bus read failed");
  t = sc_core::sc_time_stamp() + d;
}

void Controller::bus_read(uint64_t addr, void* dst, uint64_t len, sc_time& t) {
  controller_read(out, addr, dst, len, t, m_layer_now);
  m_desc_bytes += len;
}

std::vector<LayerCmd> Controller::fetch(Run& r) {
  if (r.n == 0 || r.n > 4096) throw LayerRefused(ERR_BAD_SHAPE, 0, REG_NUM_LAYERS, "NUM_LAYERS out of range");
  if (r.T == 0 || r.T > 64) throw LayerRefused(ERR_BAD_PARAM, 0, REG_TIMESTEPS, "TIMESTEPS out of range");
  std::vector<LayerDesc> descs(r.n);
  bus_read(m_csr->reg64(REG_DESC_ADDR_LO), descs.data(), r.n * sizeof(LayerDesc), r.t);
  std::vector<LayerCmd> layers;
  for (uint32_t i = 0; i < r.n; ++i)
    layers.push_back(decode_layer(
        descs[i], i, [&](uint64_t a, void* dst, uint64_t len) { bus_read(a, dst, len, r.t); }, m_ex->lif_share()));
  return layers;
}

void Controller::call(Run& r, const LayerCall& c) {
  m_layer_now = uint32_t(c.layer);
  m_p_layer.set(r.t, m_layer_now);
  m_p_t.set(r.t, uint32_t(c.timesteps.front()));
  RunCounts k;
  const sc_time next = m_ex->run(r.layers[size_t(c.layer)], c.timesteps, int(r.T), r.t, k);
  m_p_spikes.set(r.t, double(k.spikes_out));
  m_p_spikes.set(next, 0);
  r.counts.spikes_out += k.spikes_out;
  r.counts.spikes_in += k.spikes_in;
  r.counts.dram_bytes += k.dram_bytes;
  r.counts.glb_bytes += k.glb_bytes;
  r.t = next;
  // Keep SystemC time close to the controller's (temporal decoupling, one quantum).
  if (r.t > sc_core::sc_time_stamp() &&
      r.t - sc_core::sc_time_stamp() > tlm_utils::tlm_quantumkeeper::get_global_quantum())
    sc_core::wait(r.t - sc_core::sc_time_stamp());
}

bool Controller::exit_check(Run& r, int t) {
  const LayerCmd& out_layer = r.layers.back();
  std::vector<int32_t> z(static_cast<size_t>(r.classes));
  if (!m_ex->logits(t, z.data(), r.classes, r.t))
    bus_read(out_layer.out_addr + uint64_t(t) * uint64_t(r.classes) * 4, z.data(), z.size() * 4, r.t);
  bool stop = false;
  int best = 0;
  const uint64_t cycles =
      m_exit->step(z.data(), r.classes, int64_t(out_layer.out_scale_q24), r.theta, stop, best, out_layer.readout);
  r.t = m_ex->exit_decided(r.t, m_clk * double(cycles));
  if (!stop) return false;
  r.ran = uint32_t(t + 1);
  if (r.ran < r.T) r.status |= STATUS_EXITED_EARLY;
  return true;
}

void Controller::predict(Run& r) {
  // The argmax unit: the readout membrane over the output layer's per-timestep outputs (their
  // sum; DESC_OUT_LEAK: z = leak z + out), ties to the lowest.
  const LayerCmd& last = r.layers.back();
  if (last.fires() || !last.computes()) return;
  const uint64_t k = uint64_t(last.g.out_c) * last.g.npx();
  std::vector<int32_t> o;
  if (!m_ex->outputs(int(r.ran), int(k), o, r.t)) {
    o.resize(size_t(r.ran) * k);
    bus_read(last.out_addr, o.data(), o.size() * 4, r.t);
  }
  std::vector<int64_t> sum(k, 0);
  for (uint32_t u = 0; u < r.ran; ++u)
    for (uint64_t c = 0; c < k; ++c) sum[c] = arith::readout_step(sum[c], o[u * k + c], last.readout);
  uint32_t best = 0;
  for (uint64_t c = 1; c < k; ++c)
    if (sum[c] > sum[best]) best = uint32_t(c);
  m_csr->set(REG_PREDICTION, best);
}

void Controller::execute() {
  Run r;
  // The run starts at the local time of the CTRL.START write: the initiator may have run ahead
  // of SystemC time, where this thread woke, by whatever its quantum keeper had accumulated.
  // (Starting at the wake-up time made a sample's latency depend on that offset, i.e. on what
  // the CPU did before: 24.16 ns more for SATA's first sample after the weight load.)
  r.start = r.t = std::max(sc_core::sc_time_stamp(), m_csr->start_time());
  m_p_busy.set(r.start, 1);
  r.n = m_csr->reg(REG_NUM_LAYERS);
  r.T = m_csr->reg(REG_TIMESTEPS);
  bool refused = false;
  try {
    r.layers = fetch(r);
    if (m_has_ctl) count(m_ctl, r.n);
    // Early exit: an exit unit, a non-zero threshold, an executor that runs timestep by
    // timestep, and an output layer whose accumulations are the logits.
    const LayerCmd& out_layer = r.layers.back();
    r.ran = r.T;
    r.theta = m_csr->reg(REG_EXIT_THRESHOLD);
    r.classes = out_layer.g.out_c * int(out_layer.g.npx());
    r.exit_on = m_exit && r.theta != 0 && m_ex->timestep_outer() && !out_layer.fires() && out_layer.computes();
    if (m_exit) m_exit->reset(r.classes);
    RunInfo info;
    info.layers = &r.layers;
    info.timesteps = int(r.T);
    info.desc_addr = m_csr->reg64(REG_DESC_ADDR_LO);
    info.exit_on = r.exit_on;
    info.start = r.start;
    r.t = m_ex->begin_run(info, r.t, r.counts);
    for (const LayerCall& c : m_ex->schedule(int(r.n), int(r.T))) {
      call(r, c);
      if (r.exit_on && c.layer == int(r.n) - 1 && exit_check(r, c.timesteps.front())) break;
    }
    m_csr->set(REG_EXIT_TIMESTEP, r.ran);
    predict(r);
  } catch (const LayerRefused& e) {
    refused = true;
    r.status = STATUS_ERROR;
    m_csr->set(REG_ERR_CODE, e.code);
    m_csr->set(REG_ERR_LAYER, e.layer);
    m_csr->set(REG_ERR_FIELD, e.field);
    m_csr->set_refusal_reason(e.what());
    ++m_refused;
  }
  complete(r, m_ex->end_run(r.t, int(r.ran), refused, r.counts));
}

void Controller::complete(Run& r, const RunEnd& end) {
  if (end.at > sc_core::sc_time_stamp()) sc_core::wait(end.at - sc_core::sc_time_stamp());
  const uint64_t cycles = end.latency_ns >= 0 ? uint64_t(end.latency_ns * 1e-9 / m_clk.to_seconds() + 0.5)
                                              : uint64_t((sc_core::sc_time_stamp() - r.start) / m_clk + 0.5);
  m_cycles += cycles;
  ++m_runs;
  m_csr->set64(REG_CYCLES_LO, cycles);
  m_csr->set64(REG_DRAM_BYTES_LO, r.counts.dram_bytes);
  m_csr->set64(REG_SPIKES_LO, r.counts.spikes_out);
  m_csr->set64(REG_GLB_BYTES_LO, r.counts.glb_bytes);
  m_csr->set64(REG_SPIKES_IN_LO, r.counts.spikes_in);
  m_csr->set(REG_STATUS, r.status);
  m_p_busy.set(sc_core::sc_time_stamp(), 0);  // the local time of the completion: waited for above
  m_csr->raise_irq();
}

SPIKETLM_REGISTER_KIND(Controller, "sequencer", "control",
                       "the controller protocol: descriptors, the executor's calls, DT-SNN exit, argmax, IRQ");

}  // namespace spiketlm
