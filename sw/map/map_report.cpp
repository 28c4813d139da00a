#include "sw/map/map_report.h"

#include <sstream>

namespace spiketlm::map {

namespace {

double ratio(double base, double best) { return best > 0 ? base / best : 0; }

void comparison(Report& rep, const Cost& a, const Cost& b, double clk) {
  Table& t = rep.table("comparison", "Baseline (output-stationary order) vs best mapping",
                       {"metric", "unit", "baseline", "best", "baseline_over_best"});
  auto row = [&](const std::string& m, const std::string& u, double x, double y) { t.add_row({m, u, x, y, ratio(x, y)}); };
  row("energy", "uJ", a.energy_pj() * 1e-6, b.energy_pj() * 1e-6);
  row("energy_dram", "uJ", a.e_dram * 1e-6, b.e_dram * 1e-6);
  row("energy_glb", "uJ", a.e_glb * 1e-6, b.e_glb * 1e-6);
  row("energy_scratchpads", "uJ", a.e_spad * 1e-6, b.e_spad * 1e-6);
  row("energy_compute", "uJ", a.e_compute * 1e-6, b.e_compute * 1e-6);
  row("energy_neuron", "uJ", a.e_neuron * 1e-6, b.e_neuron * 1e-6);
  row("energy_leakage", "uJ", a.e_leak * 1e-6, b.e_leak * 1e-6);
  row("latency", "ms", a.latency_s(clk) * 1e3, b.latency_s(clk) * 1e3);
  row("edp", "uJ*ms", a.energy_pj() * 1e-6 * a.latency_s(clk) * 1e3, b.energy_pj() * 1e-6 * b.latency_s(clk) * 1e3);
  row("offchip", "B", double(a.offchip_bytes()), double(b.offchip_bytes()));
  for (int o = 0; o < kOperands; ++o)
    row(std::string("offchip_") + operand_name(o), "B", double(a.dram[size_t(o)]), double(b.dram[size_t(o)]));
  row("onchip_state", "B", double(a.onchip_state), double(b.onchip_state));
}

void per_layer(Report& rep, const CostModel& model, const Mapping& base, const Mapping& best) {
  std::vector<Cost> a, b;
  model.evaluate(base, &a);
  model.evaluate(best, &b);
  Table& t = rep.table("layers", "Per layer: off-chip bytes and energy (without leakage)",
                       {"layer", "offchip_baseline_bytes", "offchip_best_bytes", "energy_baseline_uj", "energy_best_uj", "state"});
  const Network& n = model.network();
  for (size_t l = 0; l < n.layers.size(); ++l)
    t.add_row({n.layers[l].name, a[l].offchip_bytes(), b[l].offchip_bytes(), a[l].energy_pj() * 1e-6,
               b[l].energy_pj() * 1e-6, n.layers[l].state_bytes ? state_name(best.state[l]) : "-"});
}

std::string groups_text(const Mapping& m, const Network& n) {
  std::ostringstream s;
  for (size_t i = 0; i < m.groups.size(); ++i) {
    const Group& g = m.groups[i];
    s << (i ? " | " : "") << n.layers[size_t(g.first)].name;
    if (g.last != g.first) s << ".." << n.layers[size_t(g.last)].name;
    s << " Tb=" << g.time_batch << (g.fuse ? " fused" : "");
  }
  return s.str();
}

void pareto(Report& rep, const CostModel& model, const SearchResult& r) {
  Table& t = rep.table("pareto", "Pareto set (energy, latency, off-chip bytes)",
                       {"energy_uj", "latency_ms", "offchip_bytes", "onchip_state_bytes", "groups"});
  const double clk = model.hierarchy().clock_hz;
  for (const Candidate& c : r.pareto)
    t.add_row({c.cost.energy_pj() * 1e-6, c.cost.latency_s(clk) * 1e3, c.cost.offchip_bytes(), c.cost.onchip_state,
               groups_text(c.mapping, model.network())});
}

}  // namespace

Report map_report(const CostModel& model, const Mapping& base, const SearchResult& r, const SearchOptions& o) {
  Report rep("spiketlm map: " + model.network().name + " on " + model.hierarchy().platform);
  rep.set("search", "objective", objective_name(o.objective));
  rep.set("search", "method", r.method);
  rep.set("search", "space_mappings", r.space, "mappings");
  rep.set("search", "evaluated_mappings", r.evaluated, "mappings");
  rep.set("search", "feasible_mappings", r.feasible, "mappings");
  rep.set("search", "search_time_s", r.seconds, "s");
  rep.set("search", "mappings_per_s", r.seconds > 0 ? double(r.evaluated) / r.seconds : 0.0, "mappings/s");
  rep.set("search", "seed", o.seed);
  rep.set("best", "groups", groups_text(r.best.mapping, model.network()));
  const Cost b0 = model.evaluate(base);
  comparison(rep, b0, r.best.cost, model.hierarchy().clock_hz);
  per_layer(rep, model, base, r.best.mapping);
  pareto(rep, model, r);
  return rep;
}

}  // namespace spiketlm::map
