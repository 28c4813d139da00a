#include "hw/imc/imc_controller.h"

#include <tlm_utils/tlm_quantumkeeper.h>

namespace spiketlm {

using sc_core::sc_time;

ImcController::ImcController(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      out("out"),
      m_cycles(counter("cycles", "cycles", "accelerator cycles (PE clock) of every run, as the timing model computes them")),
      m_refused(counter("refused", "", "runs refused for a bad descriptor")),
      m_desc_bytes(counter("descriptor_bytes", "B", "descriptor and fixed-point bytes fetched")),
      m_runs(counter("runs", "", "inferences run")),
      m_accumulates(counter("accumulates", "", "driven rows x output columns, per input plane (a digital design's accumulates)")) {
  ImcDatapath::Config& dp = m_cfg.dp;
  dp.dense = param_bool("dense_spikesim", false,
                        {"count energy and time exactly as SpikeSim's dense formulas (every PE cycle of every mapped PE, "
                         "SpikeSim's per-PE-cycle composition and its output-serial pipeline)"});
  dp.zero_skip = param_bool("zero_skip", true,
                            {"a crossbar with no driven row draws no current: its read (and a PE cycle without any) is not charged"});
  m_cfg.fraction = param_double("pipeline_fraction", 0.75,
                                {"the next layer starts after this fraction of the previous layer's work (SpikeSim: 0.75)", "", 0, 1});
  m_cfg.program_row_ns = param_double("program_row_ns", 0,
                                      {"time to program one crossbar row at network load (SpikeSim ignores programming)", "ns", 0, 1e12});
  dp.dense_factor = int(param_int("dense_pe_factor", 8,
                                  {"SpikeSim's xbar_size/8 multiplier of PE, subtractor and temp-buffer energy per PE cycle", "", 1, 1 << 20}));
  dp.dense_hops = int(param_int("dense_htree_hops", 8, {"H-tree hops charged per PE cycle in dense mode (SpikeSim: 19.64 pJ x 8)", "", 0, 1 << 20}));
  dp.dense_neuron = int(param_int("dense_neuron_updates", 4, {"neuron updates charged per PE cycle in dense mode (SpikeSim: 1.274 pJ x 4)", "", 0, 1 << 20}));
  const std::string packing = param_string("packing", "spikesim",
                                           {"PE placement: spikesim (layers packed across tiles) or layer_per_tile", "", -1e300, 1e300,
                                            {"spikesim", "layer_per_tile"}});
  const std::string lin = param_string("linear_mapping", "spikesim",
                                       {"linear layers: spikesim (a 1x1 convolution, ceil(in/64) x ceil(out/64) PEs) or packed "
                                        "(rows fill all k x k crossbars of a PE)", "", -1e300, 1e300, {"spikesim", "packed"}});
  m_cfg.map.layer_per_tile = packing == "layer_per_tile";
  m_cfg.map.linear_packed = lin == "packed";
  m_cfg.map.rows_used = int(param_int("rows_per_xbar", 0, {"crossbar rows the mapping fills (0 = every row of the crossbar)", "", 0, 1 << 20}));
  SC_THREAD(thread);
  trace("busy", m_busy);
  trace("layer", m_layer_now);
  trace("timestep", m_t_now);
}

void ImcController::connect(const Wiring& w) {
  m_csr = w.csr;
  m_exit = w.exit;
  ImcPe& pe = w.tile->pe();
  const int xrows = pe.xbar().rows();
  if (m_cfg.map.rows_used == 0) m_cfg.map.rows_used = xrows;
  if (m_cfg.map.rows_used > xrows)
    fail("imc", ctx().params.origin(path() + ".rows_per_xbar") + ": " + path() + ".rows_per_xbar: expected at most the " +
                    std::to_string(xrows) + " rows of a crossbar (" + pe.xbar().path() + ".rows), got " +
                    std::to_string(m_cfg.map.rows_used));
  m_cfg.map.wcols = pe.xbar().weight_cols();
  m_cfg.map.kernel = pe.kernel();
  m_cfg.map.pes_per_tile = w.tile->pes();
  m_cfg.dp.rows_used = m_cfg.map.rows_used;
  ImcExecutor::Wiring xw;
  xw.dma = w.dma;
  xw.tile = w.tile;
  xw.noc = w.noc;
  xw.glb = w.glb;
  xw.bus = &out;
  m_ex = std::make_unique<ImcExecutor>(ctx(), m_cfg, xw, m_accumulates, m_runs);
  m_csr->set(REG_DATAFLOW, m_ex->dataflow_code());
}

void ImcController::thread() {
  for (;;) {
    sc_core::wait(m_csr->start_event());
    execute();
  }
}

void ImcController::bus_read(uint64_t addr, void* dst, uint64_t len, sc_time& t) {
  controller_read(out, addr, dst, len, t, m_layer_now);
  m_desc_bytes += len;
}

// One run's state (the protocol's; the executor keeps its own).
struct ImcController::Run {
  sc_time start, t;  // START and the controller's local time
  uint32_t n = 0, T = 0, status = STATUS_DONE, ran = 0;
  std::vector<LayerCmd> layers;
  imc::RunInfo info;
  imc::RunCounts counts;
  uint32_t theta = 0;
  int classes = 0;
};

std::vector<LayerCmd> ImcController::fetch(Run& r) {
  if (r.n == 0 || r.n > 4096) throw LayerRefused(ERR_BAD_SHAPE, 0, REG_NUM_LAYERS, "NUM_LAYERS out of range");
  if (r.T == 0 || r.T > 64) throw LayerRefused(ERR_BAD_PARAM, 0, REG_TIMESTEPS, "TIMESTEPS out of range");
  std::vector<LayerDesc> descs(r.n);
  bus_read(m_csr->reg64(REG_DESC_ADDR_LO), descs.data(), r.n * sizeof(LayerDesc), r.t);
  std::vector<LayerCmd> layers;
  for (uint32_t i = 0; i < r.n; ++i)
    layers.push_back(decode_layer(descs[i], i, [&](uint64_t a, void* d, uint64_t len) { bus_read(a, d, len, r.t); },
                                  m_ex->lif_share()));
  return layers;
}

void ImcController::call(Run& r, const imc::LayerCall& c) {
  m_layer_now = uint32_t(c.layer);
  m_t_now = uint32_t(c.timesteps.front());
  imc::RunCounts k;
  r.t = m_ex->run(r.layers[size_t(c.layer)], c.timesteps, int(r.T), r.t, k);
  r.counts.spikes_out += k.spikes_out;
  r.counts.spikes_in += k.spikes_in;
  r.counts.dram_bytes += k.dram_bytes;
  r.counts.glb_bytes += k.glb_bytes;
  // Keep SystemC time close to the controller's (temporal decoupling, one quantum).
  if (r.t - sc_core::sc_time_stamp() > tlm_utils::tlm_quantumkeeper::get_global_quantum())
    sc_core::wait(r.t - sc_core::sc_time_stamp());
}

// After the output layer's call of timestep t: the exit unit decides from the logits so far.
bool ImcController::exit_check(Run& r, int t) {
  const LayerCmd& last = r.layers.back();
  std::vector<int32_t> z(static_cast<size_t>(r.classes));
  if (!m_ex->logits(t, z.data(), r.classes, r.t))
    bus_read(last.out_addr + uint64_t(t) * uint64_t(r.classes) * 4, z.data(), z.size() * 4, r.t);
  bool stop = false;
  int best = 0;
  const uint64_t cycles = m_exit->step(z.data(), r.classes, int64_t(last.out_scale_q24), r.theta, stop, best);
  r.t = m_ex->exit_decided(r.t, m_ex->clock() * double(cycles));
  if (!stop) return false;
  r.ran = uint32_t(t + 1);
  if (r.ran < r.T) r.status |= STATUS_EXITED_EARLY;
  return true;
}

// The argmax unit: the summed accumulations of the timesteps run, ties to the lowest.
void ImcController::predict(Run& r) {
  const LayerCmd& last = r.layers.back();
  if (last.fires() || (last.op != OP_CONV && last.op != OP_LINEAR)) return;
  const size_t k = size_t(r.classes);
  std::vector<int32_t> o;
  if (!m_ex->outputs(int(r.ran), r.classes, o, r.t)) {
    o.resize(size_t(r.ran) * k);
    bus_read(last.out_addr, o.data(), o.size() * 4, r.t);
  }
  std::vector<int64_t> sum(k, 0);
  for (uint32_t u = 0; u < r.ran; ++u)
    for (size_t j = 0; j < k; ++j) sum[j] += o[u * k + j];
  uint32_t best = 0;
  for (size_t j = 1; j < k; ++j)
    if (sum[j] > sum[best]) best = uint32_t(j);
  m_csr->set(REG_PREDICTION, best);
}

// The run protocol (registers, descriptors, the executor's calls, exit check, argmax, IRQ);
// replaced by the one controller's (hw/ctrl) when it lands.
void ImcController::execute() {
  Run r;
  r.start = r.t = sc_core::sc_time_stamp();
  m_busy = 1;
  r.n = m_csr->reg(REG_NUM_LAYERS);
  r.T = m_csr->reg(REG_TIMESTEPS);
  r.ran = r.T;
  bool refused = false;
  try {
    r.layers = fetch(r);
    const LayerCmd& last = r.layers.back();
    r.theta = m_csr->reg(REG_EXIT_THRESHOLD);
    r.classes = last.g.out_c * int(last.g.npx());
    r.info.layers = &r.layers;
    r.info.timesteps = int(r.T);
    r.info.desc_addr = m_csr->reg64(REG_DESC_ADDR_LO);
    r.info.start = r.start;
    r.info.exit_on = m_exit && r.theta != 0 && m_ex->timestep_outer() && !last.fires() &&
                     (last.op == OP_CONV || last.op == OP_LINEAR);
    if (m_exit) m_exit->reset(r.classes);
    r.t = m_ex->begin_run(r.info, r.t, r.counts);
    for (const imc::LayerCall& c : m_ex->schedule(int(r.n), int(r.T))) {
      call(r, c);
      if (r.info.exit_on && c.layer == int(r.n) - 1 && exit_check(r, c.timesteps.front())) break;
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

void ImcController::complete(Run& r, const imc::RunEnd& end) {
  if (end.at > sc_core::sc_time_stamp()) sc_core::wait(end.at - sc_core::sc_time_stamp());
  const uint64_t cycles = uint64_t(end.latency_ns * 1e-9 / m_ex->clock().to_seconds() + 0.5);
  m_cycles += cycles;
  m_csr->set64(REG_CYCLES_LO, cycles);
  m_csr->set64(REG_DRAM_BYTES_LO, r.counts.dram_bytes);
  m_csr->set64(REG_SPIKES_LO, r.counts.spikes_out);
  m_csr->set64(REG_GLB_BYTES_LO, r.counts.glb_bytes);
  m_csr->set64(REG_SPIKES_IN_LO, r.counts.spikes_in);
  m_csr->set(REG_STATUS, r.status);
  m_busy = 0;
  m_csr->raise_irq();
}

SPIKETLM_REGISTER_KIND(ImcController, "controller.imc", "control",
                       "IMC chip controller: descriptors, crossbar programming, timestep loop, SpikeSim pipeline timing");

}  // namespace spiketlm
