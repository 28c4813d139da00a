#include "platforms/northpole/northpole.h"

#include <algorithm>
#include <map>

#include "hw/neuron/network_mode.h"

namespace spiketlm {

NorthPole::NorthPole(sc_core::sc_module_name nm, Context& ctx) : Platform(nm, ctx) {
  m_batch = int(param_int("batch", 32, {"frames per batch of the batch-N report (FACTS.md s7: ResNet-50 published at batch 1 and 32)", "frames", 1, 1 << 16}));
  load_run();
  m_bus = make_child<Router>("bus", "router");
  m_host = make_child<AddressTarget>("host", "northpole.memory");
  m_frame = make_child<AddressTarget>("frame_buffer", "northpole.memory");
  m_core_mem = make_child<AddressTarget>("core_memory", "northpole.memory");
  m_csr = make_child<Csr>("csr", "csr");
  m_core = make_child<NpCore>("core", "northpole.core");
  const char* nocs[4] = {"noc_psum", "noc_act", "noc_model", "noc_instr"};
  for (int i = 0; i < 4; ++i) m_noc[i] = make_child<NpNoc>(nocs[i], "northpole.noc");
  // Membranes narrower than the trace's thresholds need: the neurons fitted to them.
  fit_membrane(m_core->membrane_bits(), m_core->path() + ".membrane_bits");
  m_ctrl = make_child<NpController>("ctrl", "controller.northpole");
  m_cpu = make_child<Cpu>("cpu", "cpu");
  m_exit = make_child<ExitUnit>("exit", "exit.entropy");
  const np::CoreSpec& s = m_core->spec();
  const uint64_t bank = core_bank_bytes(ctx);
  m_bus->map(*m_host, "host");
  m_bus->map(*m_frame, "frame_buffer");
  m_bus->map(*m_core_mem, "core_memory");
  m_bus->map(*m_csr, "csr");
  m_ctrl->out.bind(m_bus->in);
  m_cpu->out.bind(m_bus->in);
  NpController::Wiring w;
  w.csr = m_csr;
  w.core = m_core;
  w.core_mem = m_core_mem;
  w.core_bank_bytes = bank;
  w.frame = m_frame;
  for (int i = 0; i < 4; ++i) w.nocs[i] = m_noc[i];
  w.exit = m_exit;
  m_ctrl->connect(w);
  m_core->declare_cores(s.cores());
  for (AddressTarget* m : {m_core_mem, m_frame})
    if (auto* np = dynamic_cast<NpMemory*>(m)) np->declare_area();  // another kind declares its own, or none

  FirmwareTarget rc;
  rc.dram_base = m_host->base_address();
  rc.dram_size = m_host->size_bytes();
  rc.csr_base = m_csr->base_address();
  rc.pe_cols = 1;  // weights as [K][C kh kw]
  rc.membrane_bytes = (m_core->membrane_bits() + 7) / 8;
  rc.exit_threshold = exit_threshold_q16();
  attach_host(*m_cpu, *m_csr, rc, dynamic_cast<const Module&>(*m_host).path());
}

// The core memory holds one bank per core (bank i = core i): a northpole.memory with `banks`
// = cores, or any target whose size is a whole number of equal banks, one per core.
uint64_t NorthPole::core_bank_bytes(Context& ctx) const {
  const int cores = m_core->spec().cores();
  const std::string where = m_core->path() + ".grid_width x grid_height";
  if (const auto* np = dynamic_cast<const NpMemory*>(m_core_mem)) {
    const std::string key = np->path() + ".banks";
    if (np->banks() != cores)
      fail("northpole", ctx.params.origin(key) + ": " + key + ": expected one bank per core (" + std::to_string(cores) + " = " +
                            where + "), got " + std::to_string(np->banks()));
    return np->bank_bytes();
  }
  const uint64_t size = m_core_mem->size_bytes();
  if (size == 0 || size % uint64_t(cores) != 0)
    fail("northpole", path() + ".core_memory: expected a size of equal banks, one per core (" + std::to_string(cores) + " = " +
                          where + "), got " + std::to_string(size) + " bytes");
  return size / uint64_t(cores);
}

namespace {
// NorthPole's energy-report categories, in report order; leakage is charged to each unit's own
// category (dynamic and leakage apart in the report); the host memory is off chip and left out.
const char* k_categories[] = {"vmm", "vector", "core_memory", "noc_psum", "noc_act", "noc_model", "noc_instr",
                              "frame_buffer", "control"};

std::string category(const std::string& top, const std::string& module, const std::string& component,
                     const std::string& offchip) {
  if (component == offchip) return "offchip";  // time-multiplexed weight reloads
  const std::string m = module.substr(std::min(module.size(), top.size() + 1));
  if (m == "core") return component == "np_vector" ? "vector" : "vmm";
  for (const char* c : {"core_memory", "noc_psum", "noc_act", "noc_model", "noc_instr", "frame_buffer", "host"})
    if (m == c) return c;
  return "control";
}
}  // namespace

void NorthPole::finish(const RunResults& run, Report& r) {
  const NpExecutor& ex = m_ctrl->executor();
  const int n = int(run.samples.size()), T = m_bundle.timesteps;
  double seconds = 0;
  for (double s : ex.run_latency_s()) seconds += s;
  ctx().elapsed_s = seconds;
  const double per = n ? 1.0 / n : 0;
  r.set("run", "platform", unit_kind());
  r.set("run", "trace", m_bundle.name);
  r.set("run", "trace_kind", m_bundle.kind);
  r.set("run", "network", m_bundle.network);
  if (ann_bits(ctx())) r.set("run", "activation_bits", int64_t(ann_bits(ctx())));
  r.set("run", "samples", int64_t(n));
  r.set("run", "timesteps", int64_t(T));
  r.set("run", "batch", int64_t(m_batch));
  // Energy by component per frame; the weight load (once per network) and the host memory apart.
  EnergySplit e;
  const bool tm = ex.plan().segments() > 1;
  for (const char* c : k_categories) {
    e.order.push_back(c);
    e.dynamic_pj[c] = e.leakage_pj[c] = 0;
  }
  if (tm) e.order.push_back("offchip"), e.dynamic_pj["offchip"] = e.leakage_pj["offchip"] = 0;
  const std::string offchip = m_ctrl->offchip_tech();
  for (const auto& l : ctx().ledger.lines(seconds)) {
    const std::string c = category(path(), l.module, l.component, offchip);
    if (c == "host") continue;
    (l.action == "leakage" ? e.leakage_pj : e.dynamic_pj)[c] += l.energy_pj;
    (l.action == "leakage" ? e.leakage_total_pj : e.dynamic_total_pj) += l.energy_pj;
  }
  const double load = ex.load_energy_pj();
  e.dynamic_pj["noc_model"] -= ex.load_noc_pj();
  e.dynamic_pj["core_memory"] -= load - ex.load_noc_pj();
  e.dynamic_total_pj -= load;
  const double frame_pj = (e.dynamic_total_pj + e.leakage_total_pj) * per;
  AreaParts area;
  {
    std::map<std::string, double> a;
    for (const auto& l : ctx().ledger.area_lines()) a[category(path(), l.module, l.component, offchip)] += l.um2;
    for (const char* c : k_categories) area.push_back({c, a[c]});
  }
  report_summary(r, run.samples, seconds, seconds * m_core->clock_mhz() * 1e6, e, total(area));
  report_area(r, area);
  const double lat = seconds * per;
  r.set("breakdown", "frames_per_s", lat > 0 ? 1.0 / lat : 0.0, "frames/s (batch 1)");
  r.set("breakdown", "power_w", lat > 0 ? frame_pj * 1e-12 / lat : 0.0, "W (batch 1)");
  r.set("breakdown", "frames_per_s_per_w", frame_pj > 0 ? 1.0 / (frame_pj * 1e-12) : 0.0, "frames/s/W (batch 1)");
  r.set("breakdown", "load_energy_uj", load * 1e-6, "uJ (weights into the cores, once per network)");
  r.set("breakdown", "load_time_us", ex.load_ns() * 1e-3, "us (once per network)");
  report_batches(r, frame_pj - (tm ? report_reloads(r, per) : 0.0), n);
  report_mapping(r);
  report_traffic(r, n);
  std::vector<uint64_t> acc(m_bundle.layers.size(), 0);
  const auto& st = ex.layer_stats();
  for (size_t i = 0; i < st.size() && i < run.layer_of_desc.size(); ++i) acc[size_t(run.layer_of_desc[i])] += st[i].macs;
  report_flops(r, m_bundle, acc, n, frame_pj);
}

// Time-multiplexed weights, per frame at batch 1; returns the reload energy batch N saves per
// frame (each segment is reloaded once per batch: the N frames share it).
double NorthPole::report_reloads(Report& r, double per) const {
  const NpExecutor& ex = m_ctrl->executor();
  double reload = 0;
  for (double ns : ex.reload_ns()) reload += ns;
  r.set("breakdown", "reload_time_us", reload * 1e-3, "us/frame (time-multiplexed weights, batch 1)");
  r.set("breakdown", "reload_energy_uj", ex.reload_pj() * per * 1e-6, "uJ/frame (batch 1)");
  r.set("breakdown", "reload_bytes", int64_t(double(ex.reload_bytes()) * per), "B/frame");
  return ex.reload_pj() * per * (1.0 - 1.0 / double(m_batch));
}

// Batch N: the frames' passes overlap in the layer pipeline (plan.h pipeline_end; time-
// multiplexed: segment by segment, each reloaded once per batch); `frame_pj`: one frame's
// energy at batch N (no leakage is modelled: see the tech table).
void NorthPole::report_batches(Report& r, double frame_pj, int n) {
  const NpExecutor& ex = m_ctrl->executor();
  const std::vector<double>& st = ex.stage_ns();
  const uint64_t T = uint64_t(m_bundle.timesteps);
  const double one = ex.frames_ns(T), batch = ex.frames_ns(T * uint64_t(m_batch));
  const double slow = st.empty() ? 0 : *std::max_element(st.begin(), st.end());
  const double steady = st.empty() ? 0 : ex.steady_pass_ns();  // = slow with one segment
  r.set("breakdown", "pipeline_latency_us", one * 1e-3, "us/frame (batch 1, layer pipeline only)");
  r.set("breakdown", "batch_latency_us", batch * 1e-3, "us per batch of N");
  r.set("breakdown", "batch_frames_per_s", batch > 0 ? double(m_batch) * 1e9 / batch : 0.0, "frames/s (batch N)");
  r.set("breakdown", "steady_frames_per_s", steady > 0 ? 1e9 / (steady * double(T)) : 0.0,
        "frames/s (1 / slowest stage per frame; time-multiplexed: of each segment, summed)");
  r.set("breakdown", "batch_power_w", batch > 0 ? frame_pj * 1e-12 * double(m_batch) * 1e9 / batch : 0.0, "W (batch N)");
  r.set("breakdown", "slowest_stage_us", slow * 1e-3, "us");
  // Core utilisation: VMM busy cycles over the cores' cycles while the batch runs.
  double busy = 0;
  const auto& plan = ex.plan();
  for (size_t i = 0; i < plan.layers.size(); ++i) busy += double(plan.layers[i].cycles) * plan.layers[i].split();
  const double cyc_ns = 1e3 / m_core->clock_mhz(), cores = ex.spec().cores();
  r.set("breakdown", "core_utilisation_pct", one > 0 ? 100.0 * busy * double(T) * cyc_ns / (cores * one) : 0.0, "% (batch 1)");
  r.set("breakdown", "batch_core_utilisation_pct", batch > 0 ? 100.0 * busy * double(T) * double(m_batch) * cyc_ns / (cores * batch) : 0.0,
        "% (batch N)");
  (void)n;
}

void NorthPole::report_mapping(Report& r) const {
  const NpExecutor& ex = m_ctrl->executor();
  const auto& plan = ex.plan();
  r.set("mapping", "cores", int64_t(ex.spec().cores()));
  r.set("mapping", "cores_used", int64_t(plan.cores_used));
  r.set("mapping", "rows_used", int64_t(plan.rows_used));
  r.set("mapping", "segments", int64_t(plan.segments()));
  uint64_t wb = 0;
  for (const auto& s : ex.shapes()) wb += s.weight_bytes();
  r.set("mapping", "weight_bytes", int64_t(wb));
  auto& lt = r.table("layers", "Per layer: placement and one pass",
                     {"layer", "op", "segment", "bits", "kc", "sp", "ic", "x", "y", "w", "h", "weight_bytes", "core_bytes", "vmm_cycles",
                      "vector_cycles", "cycles", "stage_us", "energy_uj_per_pass"},
                     "layer");
  const double per = ex.layer_stats().empty() || ex.layer_stats()[0].passes == 0 ? 0 : 1.0 / double(ex.layer_stats()[0].passes);
  for (size_t i = 0; i < ex.layer_stats().size(); ++i) {
    const NpLayerStats& s = ex.layer_stats()[i];
    const np::Placement& P = plan.layers[i];
    lt.add_row({int64_t(s.layer), s.op, int64_t(plan.segment[i]), int64_t(s.bits), int64_t(s.kc), int64_t(s.sp), int64_t(s.ic), int64_t(s.x), int64_t(s.y),
                int64_t(s.w), int64_t(s.h), int64_t(s.weight_bytes), int64_t(s.core_bytes), int64_t(P.vmm_cycles),
                int64_t(P.vec_cycles), int64_t(P.cycles), s.stage_ns * 1e-3, s.energy_pj * per * 1e-6});
  }
}

SPIKETLM_REGISTER_KIND(NorthPole, "platform.northpole", "platform",
                       "NorthPole-style spatial inference chip: 16 x 16 cores (VMM, vector unit, 768 KB), four NoCs, frame buffer");

}  // namespace spiketlm
