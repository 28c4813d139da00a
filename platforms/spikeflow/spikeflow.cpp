#include "platforms/spikeflow/spikeflow.h"

#include <algorithm>
#include <cmath>

#include "hw/neuron/network_mode.h"
#include "tlm/output.h"
#include "traces/src/golden.h"

namespace spiketlm {

SpikeFlow::SpikeFlow(sc_core::sc_module_name nm, Context& ctx) : Platform(nm, ctx) {
  m_calibrate_out = ctx.params.get_string("run.calibrate_out", "",
                                           {"BN adaptation: write a copy of the trace with batch-norm running mean and variance "
                                            "re-estimated from the pre-BN values of this run (spiketlm calibrate --out)"});
  // Calibration defaults to the last samples of the bundle (evaluation uses the first ones).
  load_run([&](int samples) {
    return m_calibrate_out.empty() ? int64_t(0) : std::max<int64_t>(0, int64_t(m_bundle.samples) - samples);
  });
  if (!m_calibrate_out.empty() && !m_bundle.functional())
    fail("spikeflow", "run.calibrate_out: expected a functional trace, got the " + m_bundle.kind + " trace " + m_bundle.name);
  if (!m_calibrate_out.empty()) OutputSet::process().claim_dir(m_calibrate_out, "run.calibrate_out");

  m_bus = make_child<Router>("bus", "router");
  m_dram = make_child<AddressTarget>("dram", "dram.lpddr4");
  m_glb = make_child<AddressTarget>("glb", "sram");
  m_csr = make_child<Csr>("csr", "csr");
  m_dma = make_child<Dma>("dma", "dma");
  m_noc = make_child<Noc>("noc", "noc.htree");
  m_tile = make_child<ImcTile>("tile", "imc.tile");
  // A membrane narrower than the trace's thresholds need: fit the neurons to it (the golden
  // model at this width becomes the reference; traces/src/requantize.h).
  fit_membrane(m_tile->lif().membrane_bits(), m_tile->lif().path() + ".membrane_bits");
  m_ctrl = make_child<ImcController>("ctrl", "controller.imc");
  m_cpu = make_child<Cpu>("cpu", "cpu");
  m_exit = make_child<ExitUnit>("exit", "exit.entropy");

  m_bus->map(*m_dram, "dram");
  m_bus->map(*m_glb, "glb");
  m_bus->map(*m_csr, "csr");
  m_dma->connect(*m_bus);
  m_ctrl->out.bind(m_bus->in);
  m_cpu->out.bind(m_bus->in);
  ImcController::Wiring w;
  w.csr = m_csr;
  w.dma = m_dma;
  w.tile = m_tile;
  w.noc = m_noc;
  w.glb = m_glb;
  w.exit = m_exit;
  m_ctrl->connect(w);
  if (!m_calibrate_out.empty()) m_ctrl->executor().enable_psum_stats();

  // The mapping, known from the trace at elaboration: a network that does not fit the chip
  // is a configuration error (one line naming the key and the layer).
  const imc::MapConfig mc = m_ctrl->map_config();
  // The host first: attaching it checks that the network fits the DRAM (platforms/dram_fit.h)
  // before the mapping below sizes anything by the trace's layer widths.
  FirmwareTarget rc;
  rc.dram_base = m_dram->base_address();
  rc.dram_size = m_dram->size_bytes();
  rc.csr_base = m_csr->base_address();
  rc.pe_cols = mc.wcols;  // weights tiled by the crossbar's weight columns
  rc.membrane_bytes = (m_tile->lif().membrane_bits() + 7) / 8;
  rc.exit_threshold = exit_threshold_q16();
  attach_host(*m_cpu, *m_csr, rc, dynamic_cast<const Module&>(*m_dram).path());
  std::vector<imc::LayerShape> shapes;
  std::vector<std::string> names;
  const bool spikesim_area =
      param_string("area_rule", "physical",
                   {"membrane memory in the area: physical (every membrane the chip keeps) or spikesim (SpikeSim's "
                    "compute_area: the outputs of the first five compute layers, firing or not; README.md, Modes)",
                    "", -1e300, 1e300, {"physical", "spikesim"}}) == "spikesim";
  for (const auto& l : m_bundle.layers) {
    // A residual add (no crossbars): its neurons use the LIF circuits of its operand 1's tile
    // (the block's last convolution, which does not fire) and keep their own membranes.
    if (l.type == layer_type::add && l.fires() && !l.neuron->relu())
      m_neurons += double(l.out_shape.size() / size_t(l.neuron->share));
    if (!l.is_compute()) continue;
    imc::LayerShape s;
    s.name = l.name;
    s.linear = l.type == layer_type::linear;
    s.in_c = l.in_shape.c * (s.linear ? l.in_shape.h * l.in_shape.w : 1);
    s.kh = s.kw = s.linear ? 1 : l.kernel;
    s.out_c = l.out_channels;
    shapes.push_back(s);
    names.push_back(l.name);
    m_input_neurons += double(l.in_shape.size());
    // Membranes: one per neuron, one per group of n channels with C#n (FORMAT.md 4.5); none
    // for an ANN's ReLU units.
    if (l.fires() && !l.neuron->relu()) m_neurons += double(l.out_shape.size() / size_t(l.neuron->share));
    if (spikesim_area && shapes.size() <= 5)
      m_area_neurons += double(l.out_shape.size() / size_t(l.fires() ? l.neuron->share : 1));
    // LIF circuits: one per output channel of every crossbar column group (each column's
    // result has its own circuit), one per `share` channels with neuron.imc.shared.
    if (l.fires()) {
      const int wc = mc.wcols, q = (l.out_channels + wc - 1) / wc, share = m_tile->lif().share();
      for (int g = 0; g < q; ++g) m_lif_circuits += (std::min(wc, l.out_channels - g * wc) + share - 1) / share;
    }
  }
  if (!spikesim_area) m_area_neurons = m_neurons;
  m_map = imc::map_network(shapes, mc);
  const int avail = m_tile->count();
  const std::string key = m_tile->path() + ".count";
  if (avail > 0)
    for (size_t i = 0; i < shapes.size(); ++i)
      if (m_map.layers[i].last_tile >= avail)
        fail("spikeflow", ctx.params.origin(key) + ": " + key + ": layer " + names[i] + " needs tiles " +
                              std::to_string(m_map.layers[i].first_tile) + ".." + std::to_string(m_map.layers[i].last_tile) +
                              " (" + std::to_string(m_map.layers[i].pes) + " PEs), the chip has " + std::to_string(avail) +
                              " tiles (the network needs " + std::to_string(m_map.tiles) + ")");
  m_chip_tiles = avail > 0 ? avail : m_map.tiles;
  m_noc->set_tiles(m_chip_tiles);
  m_tile->declare_area(m_chip_tiles);
  m_noc->declare_area(m_chip_tiles);
  m_tile->lif().declare_memories(m_neurons, m_input_neurons);

  assign_energy_categories();
}

namespace {
// SpikeFlow's energy-report categories, in report order (names in SpikeFlow's m_energy); program
// (crossbar programming, once per network load) is reported apart.
enum class Energy {
  crossbar, adc, mux, shift_add, temp_buffer, tile_buffer, input_fetch, neuron, noc, glb, dram, interconnect, control,
  program
};
}  // namespace

void SpikeFlow::assign_energy_categories() {
  ImcPe& pe = m_tile->pe();
  m_energy.assign(pe.xbar(), Energy::crossbar);
  m_energy.assign_action(pe.xbar(), "program", Energy::program);
  m_energy.assign(pe.adc(), Energy::adc);
  m_energy.assign(pe, Energy::temp_buffer);  // and its column model
  m_energy.assign_action(pe, "select", Energy::mux);
  m_energy.assign_action(pe, "op", Energy::shift_add);
  m_energy.assign(m_tile->lif(), Energy::neuron);
  m_energy.assign(*m_tile, Energy::tile_buffer);
  m_energy.assign_action(*m_tile, "fetch", Energy::input_fetch);
  m_energy.assign(*m_noc, Energy::noc);
  m_energy.assign(dynamic_cast<const Module&>(*m_glb), Energy::glb);
  m_energy.assign(dynamic_cast<const Module&>(*m_dram), Energy::dram);
  m_energy.assign(*m_bus, Energy::interconnect);
  m_energy.assign(*m_dma, Energy::interconnect);
  for (const Module* m : std::initializer_list<const Module*>{m_csr, m_ctrl, m_cpu, m_exit})
    m_energy.assign(*m, Energy::control);
}

void SpikeFlow::finish(const RunResults& run, Report& r) {
  const int n = int(run.samples.size());
  double seconds = 0;
  for (double s : m_ctrl->executor().run_latency_s()) seconds += s;
  ctx().elapsed_s = seconds;
  const double per = n ? 1.0 / n : 0;
  ImcPe& pe = m_tile->pe();
  r.set("run", "platform", unit_kind());
  r.set("run", "trace", m_bundle.name);
  r.set("run", "trace_kind", m_bundle.kind);
  r.set("run", "network", m_bundle.network);
  if (ann_bits(ctx())) r.set("run", "activation_bits", int64_t(ann_bits(ctx())));
  r.set("run", "samples", int64_t(n));
  r.set("run", "timesteps", int64_t(m_bundle.timesteps));
  r.set("run", "mode", m_ctrl->dense_spikesim() ? "dense_spikesim" : "physical");
  r.set("run", "crossbar", std::to_string(pe.xbar().rows()) + "x" + std::to_string(pe.xbar().cols()));
  r.set("run", "noc", m_noc->unit_kind());
  r.set("run", "lif", m_tile->lif().unit_kind());
  r.set("run", "lif_share", int64_t(m_tile->lif().share()));
  r.set("run", "column_model", pe.column().unit_kind());
  const char* enc[] = {"offset", "flip", "differential"};
  r.set("run", "weight_encoding", enc[int(pe.xbar().cells().encoding)]);

  // Energy by component, per inference. Crossbar programming (once per network load) is kept out.
  double program = 0;
  for (const auto& l : ctx().ledger.lines(seconds))
    if (m_energy.of(l) == int(Energy::program)) program += l.energy_pj;
  const EnergySplit e = split_energy(ctx().ledger, seconds, m_energy, int(Energy::program));
  report_layers(run, r);
  const AreaParts area = area_parts();
  report_summary(r, run.samples, seconds, seconds * pe.clock_mhz() * 1e6, e, total(area));
  report_area(r, area);
  report_breakdown(r, n, e, area, program);
  report_mapping(r);
  report_traffic(r, n);

  // The FLOP-based estimate beside the modelled energy (issue #10).
  std::vector<uint64_t> acc(m_bundle.layers.size(), 0);
  const auto& lod = run.layer_of_desc;
  const auto& st = m_ctrl->executor().layer_stats();
  for (size_t i = 0; i < st.size() && i < lod.size(); ++i) acc[size_t(lod[i])] += st[i].accumulates;
  report_flops(r, m_bundle, acc, n, (e.dynamic_total_pj + e.leakage_total_pj) * per);
  if (!m_calibrate_out.empty()) calibrate(run, r);
}

// Section breakdown: the IMC share, programming, PE cycle, area shares, LIF circuits, cells.
void SpikeFlow::report_breakdown(Report& r, int inferences, const EnergySplit& e, const AreaParts& area,
                                 double program) const {
  const double per = inferences > 0 ? 1.0 / double(inferences) : 0;
  ImcPe& pe = m_tile->pe();
  auto cat = [&](Energy k) {
    const std::string& c = m_energy.names()[size_t(k)];
    return (e.dynamic_pj.at(c) + e.leakage_pj.at(c)) * per;
  };
  double imc = 0;
  for (int k = int(Energy::crossbar); k <= int(Energy::noc); ++k) imc += cat(Energy(k));
  r.set("breakdown", "imc_energy_uj", imc * 1e-6, "uJ/inference");
  r.set("breakdown", "memory_energy_uj", (cat(Energy::glb) + cat(Energy::dram)) * 1e-6, "uJ/inference");
  r.set("breakdown", "neuron_share_of_imc_pct", imc > 0 ? 100.0 * cat(Energy::neuron) / imc : 0.0, "%");
  r.set("breakdown", "program_energy_uj", program * 1e-6, "uJ once per network load");
  r.set("breakdown", "program_time_us", m_ctrl->executor().program_ns() * 1e-3, "us once per network load");
  r.set("breakdown", "pe_cycle_ns", pe.cycle_ns(), "ns");
  const size_t kSpikeSimParts = 9;   // the rows of SpikeSim's area model (FACTS.md s2)
  const double spikesim_area = total(AreaParts(area.begin(), area.begin() + kSpikeSimParts));
  r.set("breakdown", "spikesim_model_area_mm2", spikesim_area * 1e-6, "mm^2 (SpikeSim's area model: no global buffer, no exit unit)");
  r.set("breakdown", "lif_membrane_area_share_pct", 100.0 * area[7].second / std::max(total(area), 1e-300), "%");
  // LIF sharing (C#n): circuits and the channels each serves; their area is not in SpikeSim's
  // model (imc_neuron area 0), so the membrane memory carries the area effect.
  r.set("breakdown", "lif_circuits", int64_t(m_lif_circuits));
  r.set("breakdown", "lif_circuit_area_um2", double(m_lif_circuits) * ctx().tech.component(m_tile->lif().tech(), path()).area_um2,
        "um^2");
  // Crossbar cells: high-resistance share as programmed and with SpikeSim's offset encoding.
  r.set("breakdown", "hrs_share_pct", 100.0 * pe.xbar().hrs_share(), "% of unit cells in the high-resistance state");
  r.set("breakdown", "hrs_share_offset_pct", 100.0 * pe.xbar().hrs_share_offset(), "% with the offset encoding of the same weights");
}

// Area by component: SpikeSim's per-component areas and instance counts (FACTS.md s2), then
// the global buffer and the exit unit, which SpikeSim's model leaves out (kSpikeSimParts).
Platform::AreaParts SpikeFlow::area_parts() const {
  const TechTable& tt = ctx().tech;
  ImcPe& pe = m_tile->pe();
  auto a = [&](const std::string& comp) { return tt.component(comp, path()).area_um2; };
  const double tiles = m_chip_tiles, pes = tiles * m_tile->pes();
  return {
      {"crossbars", pes * pe.xbars() * a(pe.xbar().tech())},
      {"adcs", pes * pe.adcs() * a(pe.adc().tech())},
      {"muxes", pes * pe.adcs() * a(pe.mux_tech())},
      {"shift_add", tiles * pe.adcs() * a(pe.shift_add_tech())},
      {"temp_buffers", tiles * a(pe.temp_tech())},
      {"tile_buffers", tiles * m_tile->buffer_kb() * a(m_tile->buffer_tech())},
      {"noc", tiles * a(m_noc->tech())},
      // SpikeSim's 22-bit membrane word (FACTS.md s2), scaled to the configured width.
      {"membrane_memory", m_area_neurons * a("membrane_mem") * m_tile->lif().membrane_bits() / 22.0},
      {"input_spike_memory", m_input_neurons * a("spike_mem")},
      {"global_buffer", ctx().ledger.area_um2(dynamic_cast<const Module&>(*m_glb).path())},
      {"exit_unit", ctx().ledger.area_um2(m_exit->path())},
  };
}

void SpikeFlow::report_mapping(Report& r) const {
  const int xr = m_tile->pe().xbar().rows(), wc = m_ctrl->map_config().wcols;
  r.set("mapping", "tiles_needed", int64_t(m_map.tiles));
  r.set("mapping", "tiles", int64_t(m_chip_tiles));
  r.set("mapping", "pes", int64_t(m_map.pes));
  r.set("mapping", "crossbars_allocated", int64_t(m_map.xbars_allocated));
  r.set("mapping", "crossbars_used", int64_t(m_map.xbars_used));
  r.set("mapping", "crossbar_utilisation_pct", 100.0 * m_map.utilisation(xr, wc), "%");
}

// For a merge of shards: layer.<i> (the per-layer integer counters, add), layer_actions.<i>
// (the ledger counts charged for the layer, add), layer_time.<i> (start and end of the last
// run's pipeline, from the last shard), run_latency_s (per sample, concatenated).
namespace {
std::vector<uint64_t*> layer_fields(ImcLayerStats& s) {
  return {&s.pe_cycles, &s.active_pe_cycles, &s.xbar_reads, &s.active_xbar_reads, &s.spikes_in,
          &s.spikes_out, &s.neuron_updates, &s.noc_bytes, &s.accumulates};
}
}  // namespace

PlatformState SpikeFlow::state() const {
  PlatformState p;
  const auto& ls = m_ctrl->executor().layer_stats();
  for (size_t i = 0; i < ls.size(); ++i) {
    ImcLayerStats s = ls[i];
    const std::string k = std::to_string(i);
    for (uint64_t* f : layer_fields(s)) p.sum["layer." + k].push_back(*f);
    p.sum["layer_actions." + k] = s.actions;
    p.last["layer_time." + k] = {s.start_ns, s.end_ns};
  }
  p.concat["run_latency_s"] = m_ctrl->executor().run_latency_s();
  return p;
}

void SpikeFlow::set_state(const PlatformState& p) {
  ImcExecutor& ex = m_ctrl->executor();
  std::vector<ImcLayerStats> ls = ex.layer_stats();
  for (size_t i = 0; i < ls.size(); ++i) {
    const std::string k = std::to_string(i);
    const auto f = p.sum.find("layer." + k), a = p.sum.find("layer_actions." + k);
    const auto t = p.last.find("layer_time." + k);
    if (f == p.sum.end() || a == p.sum.end() || t == p.last.end() || t->second.size() != 2)
      fail("spikeflow", "merge: layer " + k + ": expected its counters in every shard");
    const std::vector<uint64_t*> fields = layer_fields(ls[i]);
    for (size_t j = 0; j < fields.size() && j < f->second.size(); ++j) *fields[j] = f->second[j];
    ls[i].actions = a->second;
    ls[i].start_ns = t->second[0];
    ls[i].end_ns = t->second[1];
  }
  ex.set_layer_stats(std::move(ls));
  const auto r = p.concat.find("run_latency_s");
  ex.set_run_latency_s(r == p.concat.end() ? std::vector<double>() : r->second);
}

// Per layer (per inference; start and end of the layer in the pipeline of one inference).
void SpikeFlow::report_layers(const RunResults& run, Report& r) const {
  const double per = run.samples.empty() ? 0 : 1.0 / double(run.samples.size());
  auto& lt = r.table("layers", "Per layer (per inference)",
                     {"index", "layer", "op", "latency_us", "pes", "first_tile", "last_tile", "input_planes", "pe_cycles",
                      "active_pe_cycles", "xbar_reads", "active_xbar_reads", "accumulates", "spikes_in", "spikes_out",
                      "neuron_updates", "noc_bytes", "start_us", "end_us", "energy_uj"},
                     "layer");
  lt.brief = {"layer", "op", "latency_us", "pes", "pe_cycles", "spikes_out", "noc_bytes", "energy_uj"};
  const auto& lod = run.layer_of_desc;
  for (const auto& s : m_ctrl->executor().layer_stats()) {
    const size_t i = size_t(s.layer);
    const std::string name = i < lod.size() ? m_bundle.layers[size_t(lod[i])].name : std::to_string(i);
    lt.add_row({int64_t(s.layer), name, s.op, (s.end_ns - s.start_ns) * 1e-3, int64_t(s.pes), int64_t(s.first_tile),
                int64_t(s.last_tile), int64_t(s.planes), double(s.pe_cycles) * per, double(s.active_pe_cycles) * per,
                double(s.xbar_reads) * per, double(s.active_xbar_reads) * per, double(s.accumulates) * per,
                double(s.spikes_in) * per, double(s.spikes_out) * per, double(s.neuron_updates) * per,
                double(s.noc_bytes) * per, s.start_ns * 1e-3, s.end_ns * 1e-3,
                ctx().ledger.dynamic_pj(s.actions) * per * 1e-6});
  }
}

void SpikeFlow::calibrate(const RunResults& run, Report& r) {
  // BN adaptation (Bhattacharjee et al., FACTS.md s5): the real pre-BN value of channel k is
  // psum x weight_scale[k] x in_scale (FORMAT.md 4.3); its mean and variance over every
  // position, timestep and calibration sample become the new running statistics; gamma and
  // beta stay; the fixed-point integers are derived again and the bundle is written.
  bundle b = m_bundle;
  const auto& stats = m_ctrl->executor().psum_stats();
  auto& t = r.table("bn_adaptation", "BN adaptation: running statistics re-estimated on the non-ideal platform",
                    {"layer", "channels", "values_per_channel", "mean_shift_avg", "var_ratio_avg"});
  uint32_t desc = 0;
  for (auto& L : b.layers) {
    if (L.type == layer_type::flatten) continue;
    const uint32_t id = desc++;
    if (!L.bn || !L.fires()) continue;
    auto it = stats.find(id);
    if (it == stats.end() || it->second.count < 2) fail("spikeflow", "run.calibrate_out: no pre-BN statistics for layer " + L.name);
    const auto& ps = it->second;
    batch_norm& bn = *L.bn;
    const size_t K = bn.running_mean.size();
    double shift = 0, ratio = 0;
    for (size_t k = 0; k < K; ++k) {
      const double sc = double(L.weight_scale[L.weight_scale.size() == 1 ? 0 : k]) * L.in_scale;
      const double m = ps.sum[k] / ps.count;
      const double var_int = std::max(0.0, (ps.sumsq[k] / ps.count - m * m) * ps.count / (ps.count - 1));
      const double mean = m * sc, var = var_int * sc * sc;
      shift += std::fabs(mean - double(bn.running_mean[k])) / std::sqrt(double(bn.running_var[k]) + bn.eps);
      ratio += (var + bn.eps) / (double(bn.running_var[k]) + bn.eps);
      bn.running_mean[k] = float(mean);
      bn.running_var[k] = float(var);
    }
    t.add_row({L.name, int64_t(K), ps.count, shift / double(K), ratio / double(K)});
  }
  derive_fixed_points(b);
  // The calibration record: evaluation of the written bundle refuses these samples.
  b.calibration_first = m_first;
  b.calibration_samples = int(run.samples.size());
  b.name = m_bundle.name + "_bn_adapted";
  b.description = m_bundle.description + "; BN running statistics re-estimated on " + std::to_string(run.samples.size()) +
                  " samples from " + std::to_string(m_first) + " through a non-ideal SpikeFlow (spiketlm calibrate)";
  write_bundle(b, OutputSet::process().stage_dir(m_calibrate_out));  // in place at the run's commit
  r.set("calibration", "calibration_out", m_calibrate_out);
  r.set("calibration", "calibration_samples", int64_t(run.samples.size()));
  r.set("calibration", "calibration_first_sample", int64_t(m_first));
}

SPIKETLM_REGISTER_KIND(SpikeFlow, "platform.spikeflow", "platform",
                       "SpikeFlow (SpikeSim): RRAM crossbar tiles, ADCs, shift-add, LIF/IF units, H-tree/mesh NoC");

}  // namespace spiketlm
