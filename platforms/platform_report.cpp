// The part of every inference platform's report that does not depend on its hardware: the
// summary, energy by component, accuracy, memory traffic, the FLOP estimate, warnings.
// Layout and names: tlm/report.md.
#include <algorithm>

#include "platforms/energy_categories.h"
#include "platforms/platform.h"
#include "traces/src/flops.h"
#include "traces/src/requantize.h"

namespace spiketlm {

Platform::EnergySplit Platform::split_energy(const EnergyLedger& ledger, double seconds, const EnergyCategories& cats,
                                             int skip) {
  EnergySplit e;
  for (size_t k = 0; k < cats.names().size(); ++k)
    if (int(k) != skip) e.order.push_back(cats.names()[k]);
  for (const auto& c : e.order) e.dynamic_pj[c] = e.leakage_pj[c] = 0;
  for (const auto& l : ledger.lines(seconds)) {
    const int k = cats.of(l);
    if (k == skip) continue;
    const std::string& c = cats.names()[size_t(k)];
    if (l.action == "leakage") {
      e.leakage_pj[c] += l.energy_pj;
      e.leakage_total_pj += l.energy_pj;
    } else {
      e.dynamic_pj[c] += l.energy_pj;
      e.dynamic_total_pj += l.energy_pj;
    }
  }
  return e;
}

void Platform::report_summary(Report& r, const std::vector<SampleResult>& samples, double seconds, double cycles,
                              const EnergySplit& e, double area_um2) {
  const int n = int(samples.size());
  const double per = n ? 1.0 / n : 0, lat_s = seconds * per;
  const double dyn = e.dynamic_total_pj * per, leak = e.leakage_total_pj * per, total = dyn + leak;
  const Outcome o = report_samples(r, samples);
  const bool functional = m_bundle.functional();
  r.set("summary", "latency_us", lat_s * 1e6, "us/inference");
  r.set("summary", "latency_cycles", cycles * per, "cycles/inference");
  r.set("summary", "energy_uj", total * 1e-6, "uJ/inference");
  r.set("summary", "dynamic_energy_uj", dyn * 1e-6, "uJ/inference");
  r.set("summary", "leakage_energy_uj", leak * 1e-6, "uJ/inference");
  r.set("summary", "edp_j_s", total * 1e-12 * lat_s, "J*s/inference");
  r.set("summary", "accuracy_pct", functional ? Value(o.accuracy_pct) : Value(), "%");
  r.set("summary", "area_mm2", area_um2 * 1e-6, "mm^2 on chip");
  r.set("summary", "average_timesteps", o.average_timesteps);
  r.set("summary", "exited_early_samples", o.exited, "samples");
  r.set("summary", "reference_mismatch_samples", functional ? Value(o.mismatched) : Value(), "samples");

  auto& t = r.table("energy_by_component", "Energy by component (per inference)",
                    {"component", "dynamic_uj", "leakage_uj", "energy_uj", "share_pct"}, "component");
  for (const auto& c : e.order) {
    const double d = e.dynamic_pj.at(c), l = e.leakage_pj.at(c);
    t.add_row({c, d * per * 1e-6, l * per * 1e-6, (d + l) * per * 1e-6,
               total > 0 ? 100.0 * (d + l) * per / total : 0.0});
  }
}

double Platform::total(const AreaParts& parts) {
  double t = 0;
  for (const auto& p : parts) t += p.second;
  return t;
}

void Platform::report_area(Report& r, const AreaParts& parts) {
  const double area = total(parts);
  auto& t = r.table("area_by_component", "Area by component (on chip)", {"component", "area_um2", "share_pct"}, "component");
  for (const auto& p : parts) t.add_row({p.first, p.second, area > 0 ? 100.0 * p.second / area : 0.0});
}

// Accuracy after each timestep (over the samples that ran that far), accuracy at the exit (the
// prediction the hardware returned), average timesteps, agreement with the trace's reference
// outputs over the timesteps run, and (run.per_sample) one row per sample.
Platform::Outcome Platform::report_samples(Report& r, const std::vector<SampleResult>& samples) {
  const bundle& b = m_bundle;
  const int n = int(samples.size()), T = b.timesteps, K = b.classes;
  Outcome o;
  double steps = 0;
  for (const auto& s : samples) {
    steps += s.exit_timestep ? s.exit_timestep : uint32_t(T);
    o.exited += (s.status & STATUS_EXITED_EARLY) != 0;
  }
  o.average_timesteps = n ? steps / n : 0.0;
  if (!b.functional()) return o;
  std::vector<int> correct(size_t(T), 0), reached(size_t(T), 0);
  const arith::readout_leak readout = b.layers.back().readout;  // FORMAT.md 2.2
  int correct_exit = 0;
  Table* st = m_per_sample ? &r.table("samples", "Per sample", {"sample", "label", "prediction", "exit_timestep", "latency_us"},
                                      "sample")
                           : nullptr;
  for (int i = 0; i < n; ++i) {
    const SampleResult& s = samples[size_t(i)];
    const int idx = m_first + i, ran = int(s.outputs.size()) / K;
    bool same = ran >= 1;
    std::vector<int64_t> z(size_t(K), 0);
    for (int t = 0; t < ran; ++t) {
      int best = 0;
      for (int c = 0; c < K; ++c) {
        same = same && s.outputs[size_t(t) * K + c] == b.ref_output(idx, t, c);
        z[size_t(c)] = arith::readout_step(z[size_t(c)], s.outputs[size_t(t) * K + c], readout);
        if (z[size_t(c)] > z[size_t(best)]) best = c;
      }
      ++reached[size_t(t)];
      correct[size_t(t)] += best == b.labels[size_t(idx)];
    }
    o.mismatched += !same;
    correct_exit += int(s.prediction) == b.labels[size_t(idx)];
    if (st) st->add_row({int64_t(idx), int64_t(b.labels[size_t(idx)]), int64_t(s.prediction), int64_t(ran), s.seconds * 1e6});
  }
  auto& at = r.table("accuracy", "Accuracy after each timestep (samples that ran that far)",
                     {"timestep", "samples", "accuracy_pct"}, "more");
  for (int t = 0; t < T; ++t)
    at.add_row({int64_t(t + 1), int64_t(reached[size_t(t)]),
                reached[size_t(t)] ? 100.0 * correct[size_t(t)] / reached[size_t(t)] : 0.0});
  o.accuracy_pct = n ? 100.0 * correct_exit / n : 0.0;
  return o;
}

void Platform::report_flops(Report& r, const bundle& b, const std::vector<uint64_t>& accumulates, int inferences,
                            double modelled_pj_per_inference) {
  if (inferences < 1) return;
  std::vector<uint64_t> acs(b.layers.size(), 0);
  double mac_side_snn = 0;  // SNN layers with a multi-bit input, as dense MACs every timestep
  for (size_t i = 0; i < b.layers.size() && i < accumulates.size(); ++i) {
    const layer& L = b.layers[i];
    if (!L.is_compute()) continue;
    if (!b.ann() && L.in_bits > 1) mac_side_snn += double(L.dense_macs()) * b.timesteps * k_flop_mac_pj;
    else acs[i] = accumulates[i];
  }
  const flop_estimate_result f = flop_estimate(b, acs, inferences);
  const double per = 1.0 / inferences;
  r.set("flop_estimate", "dense_macs", double(f.macs) * per, "MAC/inference");
  r.set("flop_estimate", "flop_note", std::string("FACTS.md s6: 0.9 pJ per AC, 4.6 pJ per MAC (45 nm, 32-bit FP); ") +
                                          (b.ann() ? "ANN: every MAC, dense" :
                                                     "SNN: counted ACs of spike inputs, direct-coded layers as MACs x T"));
  const double flop_pj = b.ann() ? f.e_ann_pj * per : f.e_snn_pj * per + mac_side_snn;
  if (!b.ann()) r.set("flop_estimate", "counted_acs", double(f.acs) * per, "AC/inference");
  r.set("flop_estimate", "flop_energy_uj", flop_pj * 1e-6, "uJ/inference");
  r.set("flop_estimate", "ann_flop_energy_uj", f.e_ann_pj * per * 1e-6, "uJ/inference");
  r.set("flop_estimate", "modelled_over_flop", flop_pj > 0 ? modelled_pj_per_inference / flop_pj : 0.0);
}

void Platform::report_traffic(Report& r, int inferences,
                              const std::vector<std::tuple<std::string, double, double>>& extra) {
  const double per = inferences > 0 ? 1.0 / double(inferences) : 0;
  auto& t = r.table("memory_traffic", "Memory traffic per inference", {"level", "read_bytes", "written_bytes"}, "component");
  for (const Module* m : ctx().modules()) {
    const Stat* rd = m->find_stat("bytes_read");
    const Stat* wr = m->find_stat("bytes_written");
    if (rd && wr) t.add_row({m->path(), double(rd->count) * per, double(wr->count) * per});
  }
  for (const auto& [level, rd, wr] : extra) t.add_row({level, rd * per, wr * per});
}

int Platform::fit_membrane(int bits, const std::string& key) {
  std::vector<int32_t> before;
  for (const auto& l : m_bundle.layers) before.push_back(l.fires() ? l.neuron->threshold : 0);
  const int changed = requantize_membrane(m_bundle, bits);
  if (!changed) return 0;
  std::string layers;
  for (size_t i = 0; i < m_bundle.layers.size(); ++i) {
    const layer& l = m_bundle.layers[i];
    if (l.fires() && l.neuron->threshold != before[i])
      layers += (layers.empty() ? "" : ", ") + l.name + " " + std::to_string(before[i]) + " -> " +
                std::to_string(l.neuron->threshold);
  }
  ctx().warn(key + " = " + std::to_string(bits) + ": thresholds refitted to the " + std::to_string(bits) +
             "-bit membrane (" + layers + "; traces/src/requantize.h); reference outputs recomputed at " +
             std::to_string(bits) + " bits");
  return changed;
}

}  // namespace spiketlm
