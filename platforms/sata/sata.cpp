#include "platforms/sata/sata.h"

#include <algorithm>
#include <cmath>

#include "hw/neuron/network_mode.h"
#include "platforms/sata/sata_sim_accounting.h"
#include "traces/src/golden.h"

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
  m_requantized = fit_membrane(m_lif->membrane_bits(), m_lif->path() + ".membrane_bits");
  m_df = make_child<Dataflow>("dataflow", "dataflow.os");
  m_timing = make_child<TimingPolicy>("timing", "timing.physical");
  m_seq = make_child<Controller>("seq", "sequencer");
  m_cpu = make_child<Cpu>("cpu", "cpu");
  m_exit = make_child<ExitUnit>("exit", "exit.entropy");
  m_accounting = param_string("accounting", "physical",
                              {"physical: the ledger alone; sata_sim: also SATA_Sim's accounting of the run's counts "
                               "(table sata_sim_accounting, platforms/sata/sata_sim_accounting.md)",
                               "", -1e300, 1e300, {"physical", "sata_sim"}});

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
  dp.bus = m_bus;  // m_seq->out is bound to it
  m_exec = std::make_unique<SystolicExecutor>(dp, *m_df, *m_seq, m_timing);
  m_seq->attach(*m_exec, *m_csr, m_exit);

  FirmwareTarget rc;
  rc.dram_base = m_dram->base_address();
  rc.dram_size = m_dram->size_bytes();
  rc.csr_base = m_csr->base_address();
  rc.pe_cols = m_pe->cols();
  rc.membrane_bytes = m_lif->membrane_bytes();
  rc.exit_threshold = exit_threshold_q16();
  attach_host(*m_cpu, *m_csr, rc, dynamic_cast<const Module&>(*m_dram).path());
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
  for (const Module* m : std::initializer_list<const Module*>{m_csr, m_df, m_timing, m_seq, m_cpu, m_exit})
    m_energy.assign(*m, Energy::control);
}

void Sata::finish(const RunResults& run, Report& r) {
  const int n = int(run.samples.size());
  double seconds = 0, cycles = 0;
  for (const auto& s : run.samples) {
    seconds += s.seconds;
    cycles += double(s.cycles);
  }
  ctx().elapsed_s = seconds;  // leakage is charged over the accelerator's busy time
  r.set("run", "platform", unit_kind());
  r.set("run", "trace", m_bundle.name);
  r.set("run", "trace_kind", m_bundle.kind);
  r.set("run", "network", m_bundle.network);
  r.set("run", "dataflow", m_df->unit_kind());
  r.set("run", "samples", int64_t(n));
  r.set("run", "timesteps", int64_t(m_bundle.timesteps));
  if (ann_bits(ctx())) r.set("run", "activation_bits", int64_t(ann_bits(ctx())));
  r.set("run", "membrane_bits", int64_t(m_lif->membrane_bits()));
  r.set("run", "requantized_layers", int64_t(m_requantized));
  r.set("run", "pe_array", std::to_string(m_pe->rows()) + "x" + std::to_string(m_pe->cols()));

  const EnergySplit e = split_energy(ctx().ledger, seconds, m_energy);
  report_layers(run, r);
  const AreaParts area = area_parts();
  report_summary(r, run.samples, seconds, cycles, e, total(area));
  report_area(r, area);
  const double per = n ? 1.0 / n : 0;
  auto cat = [&](const char* c) { return (e.dynamic_pj.at(c) + e.leakage_pj.at(c)) * per; };
  const double mem = cat("dram") + cat("glb_weight") + cat("glb_ifmap") + cat("glb_ofmap") + cat("scratchpads");
  const double comp = cat("accumulate") + cat("lif");
  r.set("breakdown", "memory_energy_uj", mem * 1e-6, "uJ/inference");
  r.set("breakdown", "compute_energy_uj", comp * 1e-6, "uJ/inference");
  r.set("breakdown", "lif_share_of_compute_pct", comp > 0 ? 100.0 * cat("lif") / comp : 0.0, "%");
  // Scratchpads: one byte per 8-bit register access (hw/compute/pe_array.md).
  double spad_rd = 0, spad_wr = 0;
  for (const auto& l : ctx().ledger.lines(seconds))
    if (l.action != "leakage" && m_energy.of(l) == int(Energy::scratchpads))
      (l.action == "read" ? spad_rd : spad_wr) += double(l.count);
  report_traffic(r, n, {{m_pe->path() + ".scratchpads", spad_rd, spad_wr}});

  // The FLOP-based estimate beside the modelled energy (issue #10).
  std::vector<uint64_t> acc(m_bundle.layers.size(), 0);
  const auto& lod = run.layer_of_desc;
  const auto& st = m_exec->layer_stats();
  for (size_t i = 0; i < st.size() && i < lod.size(); ++i) acc[size_t(lod[i])] += st[i].accumulates;
  report_flops(r, m_bundle, acc, n, (e.dynamic_total_pj + e.leakage_total_pj) * per);
  if (m_accounting == "sata_sim") report_peer_accounting(run, r);
}

// SATA_Sim's accounting of this run's counts (statistics, merged ones after a shard merge).
void Sata::report_peer_accounting(const RunResults& run, Report& r) const {
  auto stat = [](const AddressTarget* t, const char* name) {
    const Stat* s = dynamic_cast<const Module&>(*t).find_stat(name);
    return s ? s->count : uint64_t(0);
  };
  SataSimCounts c;
  for (const auto& s : run.samples) c.cycles += double(s.cycles);
  c.pes = double(m_pe->rows()) * m_pe->cols();
  c.clock_mhz = 1e-6 / m_seq->clock().to_seconds();
  c.accumulates = m_pe->find_stat("accumulates")->count;
  c.lif_updates = m_lif->find_stat("updates")->count;
  c.dram_bytes = stat(m_dram, "bytes_read") + stat(m_dram, "bytes_written");
  c.ifmap_read_bytes = stat(m_glb_i, "bytes_read");
  c.weight_read_bytes = stat(m_glb_w, "bytes_read");
  c.ofmap_write_bytes = stat(m_glb_o, "bytes_written");
  report_sata_sim_accounting(c, ctx().tech, int(run.samples.size()), r);
}

// On-chip area by component (the ledger's areas: PEs, scratchpads, LIF units, global buffers,
// registers, exit unit; DRAM and the interconnect are not in it), in the energy categories.
Platform::AreaParts Sata::area_parts() const {
  std::vector<double> cat(m_energy.names().size(), 0.0);
  for (const auto& a : ctx().ledger.area_lines())
    cat[size_t(m_energy.of(EnergyLedger::Line{a.module, a.component, "", 0, 0, 0}))] += a.um2;
  AreaParts parts;
  for (Energy c : {Energy::glb_weight, Energy::glb_ifmap, Energy::glb_ofmap, Energy::scratchpads, Energy::accumulate,
                   Energy::lif, Energy::control})
    parts.push_back({m_energy.names()[size_t(c)], cat[size_t(c)]});
  return parts;
}

// Per layer (summed over samples; per inference).
void Sata::report_layers(const RunResults& run, Report& r) const {
  const double per = run.samples.empty() ? 0 : 1.0 / double(run.samples.size());
  std::vector<std::string> cols = {"index",      "layer",      "op",          "latency_us",      "compute_cycles",
                                   "lif_cycles", "stall_cycles", "span_cycles", "utilisation_pct", "accumulates",
                                   "spikes_in",  "spikes_out", "dram_bytes",  "glb_bytes",       "energy_uj"};
  // A peer timing policy's figures (hw/compute/timing.md), e.g. scalesim_compute_cycles.
  const std::string peer = m_timing->peer();
  if (!peer.empty())
    for (const char* c : {"_compute_cycles", "_stall_cycles", "_total_cycles"}) cols.push_back(peer + c);
  auto& lt = r.table("layers", "Per layer (per inference)", cols, "layer");
  lt.brief = {"layer", "op", "latency_us", "utilisation_pct", "spikes_out", "dram_bytes", "glb_bytes", "energy_uj"};
  if (!peer.empty()) lt.brief.insert(lt.brief.end(), cols.end() - 3, cols.end());
  const auto& descs = run.descriptors;
  const auto& lod = run.layer_of_desc;
  const auto& ls = m_exec->layer_stats();
  const int R = m_pe->rows(), C = m_pe->cols();
  const double cycle_s = m_seq->clock().to_seconds();
  for (size_t i = 0; i < ls.size() && i < descs.size(); ++i) {
    const LayerStats& s = ls[i];
    static const char* ops[] = {"?", "conv", "linear", "maxpool", "avgpool", "add"};
    const uint32_t op = descs[i].op;
    const std::string name = i < lod.size() ? m_bundle.layers[size_t(lod[i])].name : std::to_string(i);
    // Utilisation: the MACs the PEs spend their fold cycles on over those PE-cycles. Dense
    // streaming spends them on every MAC of a dense pass (zeros included: mapping utilisation);
    // with skip_zero_cycles only non-zero elements stream, so only the accumulates done count
    // (the dense MACs would exceed the PE-cycles: issue 22, up to 280 %).
    const double work = double(m_pe->skip_zero_cycles() ? s.accumulates : s.dense_accumulates);
    const double util = s.compute_cycles ? 100.0 * work / (double(R) * C * double(s.compute_cycles)) : 0.0;
    std::vector<Value> row = {int64_t(i), name, ops[op <= 5 ? op : 0], double(s.span_cycles) * per * cycle_s * 1e6,
                              double(s.compute_cycles) * per, double(s.lif_cycles) * per,
                              double(s.stall_cycles) * per, double(s.span_cycles) * per, util,
                              double(s.accumulates) * per, double(s.spikes_in) * per, double(s.spikes_out) * per,
                              double(s.dram_bytes) * per, double(s.glb_bytes) * per,
                              ctx().ledger.dynamic_pj(s.actions) * per * 1e-6};
    if (!peer.empty()) {
      const double extra[] = {double(s.peer.compute) * per, double(s.peer.stall) * per, double(s.peer.total) * per};
      row.insert(row.end(), std::begin(extra), std::end(extra));
    }
    lt.add_row(std::move(row));
  }
}

// Per-layer counters for a merge of shards: layer.<i> (the integer counters in order) and
// layer_actions.<i> (the ledger counts of the layer's calls); all add.
namespace {
std::vector<uint64_t*> layer_fields(LayerStats& s) {
  return {&s.compute_cycles, &s.lif_cycles, &s.stall_cycles, &s.span_cycles, &s.accumulates, &s.dense_accumulates,
          &s.spikes_in, &s.spikes_out, &s.dram_bytes, &s.glb_bytes, &s.peer.compute, &s.peer.stall, &s.peer.total};
}
}  // namespace

PlatformState Sata::state() const {
  PlatformState p;
  const auto& ls = m_exec->layer_stats();
  for (size_t i = 0; i < ls.size(); ++i) {
    LayerStats s = ls[i];
    std::vector<uint64_t>& v = p.sum["layer." + std::to_string(i)];
    for (uint64_t* f : layer_fields(s)) v.push_back(*f);
    p.sum["layer_actions." + std::to_string(i)] = s.actions;
  }
  return p;
}

void Sata::set_state(const PlatformState& p) {
  std::vector<LayerStats> ls = m_exec->layer_stats();
  for (size_t i = 0;; ++i) {
    const auto f = p.sum.find("layer." + std::to_string(i));
    if (f == p.sum.end()) break;
    if (ls.size() <= i) ls.resize(i + 1);
    const std::vector<uint64_t*> fields = layer_fields(ls[i]);
    for (size_t k = 0; k < fields.size() && k < f->second.size(); ++k) *fields[k] = f->second[k];
    const auto a = p.sum.find("layer_actions." + std::to_string(i));
    ls[i].actions = a == p.sum.end() ? std::vector<uint64_t>() : a->second;
  }
  m_exec->set_layer_stats(std::move(ls));
}

SPIKETLM_REGISTER_KIND(Sata, "platform.sata", "platform",
                       "SATA: systolic SNN accelerator, DRAM + 3 GLBs + PE scratchpads, LIF units");

}  // namespace spiketlm
