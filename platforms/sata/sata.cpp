#include "platforms/sata/sata.h"

#include <algorithm>
#include <cmath>

#include "hw/neuron/network_mode.h"
#include "traces/src/golden.h"
#include "traces/src/requantize.h"

namespace spiketlm {

Sata::Sata(sc_core::sc_module_name nm, Context& ctx) : Platform(nm, ctx) {
  load_run();

  m_bus = make_child<Router>("bus", "router");
  m_dram = make_child<AddressTarget>("dram", "dram.sata");
  m_glb_w = make_child<AddressTarget>("glb_weight", "sram");
  m_glb_i = make_child<AddressTarget>("glb_ifmap", "sram");
  m_glb_o = make_child<AddressTarget>("glb_ofmap", "sram");
  m_csr = make_child<Csr>("csr", "csr");
  m_dma = make_child<Dma>("dma", "dma");
  m_pe = make_child<PeArray>("pe_array", "pe_array.systolic");
  m_lif = make_child<LifUnit>("lif", "lif.basic");
  // A membrane narrower than the trace's thresholds need: fit the neurons to it (the golden
  // model at this width becomes the reference; traces/src/requantize.h).
  m_requantized = requantize_membrane(m_bundle, m_lif->membrane_bits());
  m_df = make_child<Dataflow>("dataflow", "dataflow.os");
  m_seq = make_child<Controller>("seq", "sequencer");
  m_cpu = make_child<Cpu>("cpu", "cpu");
  m_exit = make_child<ExitUnit>("exit", "exit.entropy");

  m_bus->map(*m_dram, "dram");
  m_bus->map(*m_glb_w, "glb_weight");
  m_bus->map(*m_glb_i, "glb_ifmap");
  m_bus->map(*m_glb_o, "glb_ofmap");
  m_bus->map(*m_csr, "csr");
  m_dma->connect(*m_bus);
  m_seq->out.bind(m_bus->in);
  m_cpu->out.bind(m_bus->in);

  Datapath dp;
  dp.dma = m_dma;
  dp.pe = m_pe;
  dp.lif = m_lif;
  dp.glb_w = m_glb_w;
  dp.glb_i = m_glb_i;
  dp.glb_o = m_glb_o;
  m_exec = std::make_unique<SystolicExecutor>(dp, *m_df, *m_seq);
  m_seq->attach(*m_exec, *m_csr, m_exit);

  FirmwareTarget rc;
  rc.dram_base = m_dram->base_address();
  rc.dram_size = m_dram->size_bytes();
  rc.csr_base = m_csr->base_address();
  rc.pe_cols = m_pe->cols();
  rc.membrane_bytes = m_lif->membrane_bytes();
  rc.exit_threshold = exit_threshold_q16();
  attach_host(*m_cpu, *m_csr, rc);
  assign_energy_categories();
}

namespace {
// SATA's energy-report categories, in report order (names in Sata's m_energy).
enum class Energy { dram, glb_weight, glb_ifmap, glb_ofmap, scratchpads, accumulate, lif, interconnect, control };
}  // namespace

void Sata::assign_energy_categories() {
  m_energy.assign(dynamic_cast<const Module&>(*m_dram), Energy::dram);
  m_energy.assign(dynamic_cast<const Module&>(*m_glb_w), Energy::glb_weight);
  m_energy.assign(dynamic_cast<const Module&>(*m_glb_i), Energy::glb_ifmap);
  m_energy.assign(dynamic_cast<const Module&>(*m_glb_o), Energy::glb_ofmap);
  m_energy.assign(*m_pe, Energy::accumulate);
  m_energy.assign_component(*m_pe, m_pe->spad_tech(), Energy::scratchpads);
  m_energy.assign(*m_lif, Energy::lif);
  m_energy.assign(*m_bus, Energy::interconnect);
  m_energy.assign(*m_dma, Energy::interconnect);
  for (const Module* m : std::initializer_list<const Module*>{m_csr, m_df, m_seq, m_cpu, m_exit})
    m_energy.assign(*m, Energy::control);
}

double Sata::report_energy(Report& r, double seconds, double per, double lat_s) const {
  // Energy by component, per sample.
  const auto lines = ctx().ledger.lines(seconds);
  const std::vector<double> cat = m_energy.totals(lines);
  double total = 0;
  for (const auto& l : lines) total += l.energy_pj;
  auto c = [&](Energy k) { return cat[size_t(k)]; };
  const double e = total * per;
  r.set("summary", "energy", e * 1e-6, "uJ/sample");
  r.set("summary", "edp", e * 1e-12 * lat_s, "J*s/sample");
  const double mem = c(Energy::dram) + c(Energy::glb_weight) + c(Energy::glb_ifmap) + c(Energy::glb_ofmap) +
                     c(Energy::scratchpads);
  const double comp = c(Energy::accumulate) + c(Energy::lif);
  r.set("summary", "memory_energy", mem * per * 1e-6, "uJ/sample");
  r.set("summary", "compute_energy", comp * per * 1e-6, "uJ/sample");
  r.set("summary", "lif_share_of_compute", comp > 0 ? 100.0 * c(Energy::lif) / comp : 0.0, "%");
  auto& et = r.table("energy_by_component", "Energy by component (per sample)", {"component", "energy_uj", "share_pct"});
  for (size_t k = 0; k < cat.size(); ++k)
    et.add_row({m_energy.names()[k], cat[k] * per * 1e-6, total > 0 ? 100.0 * cat[k] / total : 0.0});
  return e;
}

void Sata::finish(const RunResults& run, Report& r) {
  const int n = int(run.samples.size());
  const int T = m_bundle.timesteps;
  double seconds = 0;
  uint64_t cycles = 0;
  for (const auto& s : run.samples) {
    seconds += s.seconds;
    cycles += s.cycles;
  }
  ctx().elapsed_s = seconds;  // leakage is charged over the accelerator's busy time
  r.set("run", "platform", unit_kind());
  r.set("run", "trace", m_bundle.name);
  r.set("run", "trace_kind", m_bundle.kind);
  r.set("run", "dataflow", m_df->unit_kind());
  r.set("run", "samples", int64_t(n));
  r.set("run", "timesteps", int64_t(T));
  r.set("run", "network", m_bundle.network);
  if (ann_bits(ctx())) r.set("run", "activation_bits", int64_t(ann_bits(ctx())));
  r.set("run", "membrane_bits", int64_t(m_lif->membrane_bits()));
  r.set("run", "requantized_layers", int64_t(m_requantized));
  r.set("run", "pe_array", std::to_string(m_pe->rows()) + "x" + std::to_string(m_pe->cols()));
  const double per = n ? 1.0 / n : 0;
  const double lat_s = seconds * per, lat_cyc = double(cycles) * per;
  r.set("summary", "latency_cycles", lat_cyc, "cycles/sample");
  r.set("summary", "latency", lat_s * 1e6, "us/sample");

  const double e = report_energy(r, seconds, per, lat_s);

  // Accuracy, exits, agreement with the reference (functional traces), per sample.
  report_samples(r, m_bundle, m_first, run.samples);

  // The FLOP-based estimate beside the modelled energy (issue #10).
  {
    std::vector<uint64_t> acc(m_bundle.layers.size(), 0);
    const auto& lod = run.layer_of_desc;
    const auto& st = m_exec->layer_stats();
    for (size_t i = 0; i < st.size() && i < lod.size(); ++i) acc[size_t(lod[i])] += st[i].accumulates;
    report_flops(r, m_bundle, acc, n, e);
  }

  report_layers(run, r, per);
}

void Sata::report_layers(const RunResults& run, Report& r, double per) const {
  // Per layer (summed over samples; cycles per sample).
  auto& lt = r.table("layers", "Per layer (per sample)",
                     {"layer", "op", "compute_cycles", "lif_cycles", "stall_cycles", "span_cycles", "utilisation_pct",
                      "accumulates", "spikes_in", "spikes_out", "dram_bytes", "glb_bytes", "energy_uj"});
  const auto& descs = run.descriptors;
  const auto& ls = m_exec->layer_stats();
  const int R = m_pe->rows(), C = m_pe->cols();
  for (size_t i = 0; i < ls.size() && i < descs.size(); ++i) {
    const LayerStats& s = ls[i];
    static const char* ops[] = {"?", "conv", "linear", "maxpool", "avgpool", "add"};
    const uint32_t op = descs[i].op;
    // Mapping utilisation: useful MACs of a dense pass over the PE-cycles of its folds.
    const double util = s.compute_cycles ? 100.0 * double(s.dense_accumulates) / (double(R) * C * double(s.compute_cycles)) : 0.0;
    lt.add_row({int64_t(i), ops[op <= 5 ? op : 0], double(s.compute_cycles) * per, double(s.lif_cycles) * per,
                double(s.stall_cycles) * per, double(s.span_cycles) * per, util, double(s.accumulates) * per,
                double(s.spikes_in) * per, double(s.spikes_out) * per, double(s.dram_bytes) * per,
                double(s.glb_bytes) * per, s.energy_pj * per * 1e-6});
  }
}

SPIKETLM_REGISTER_KIND(Sata, "platform.sata", "platform",
                       "SATA: systolic SNN accelerator, DRAM + 3 GLBs + PE scratchpads, LIF units");

}  // namespace spiketlm
