#include "platforms/platform.h"

#include "hw/neuron/network_mode.h"
#include "platforms/dram_fit.h"
#include "traces/src/run_variants.h"
#include "traces/src/to_ann.h"

#include <algorithm>
#include <cmath>

namespace spiketlm {

bundle Platform::load_trace() {
  Params& p = ctx().params;
  const std::string dir = p.get_string("run.trace", "", {"trace bundle directory (--trace)"});
  if (dir.empty()) fail(unit_kind().substr(unit_kind().find('.') + 1), path() + ": no trace given (use --trace DIR or run.trace)");
  bundle b = read_bundle(dir);
  const int64_t t = p.get_int("run.timesteps", 0,
                              {"timesteps to run (0: the trace's own; a functional trace runs its first T, checked against those reference outputs; --timesteps)", "", 0, 64});
  if (t > 0 && t != b.timesteps && b.functional()) {
    // The first T' timesteps of the run the reference describes (checked against them).
    if (t > b.timesteps)
      fail("config", p.origin("run.timesteps") + ": run.timesteps: expected 0 or at most " + std::to_string(b.timesteps) +
                         " for the functional trace " + b.name + " (its reference outputs are for T = " +
                         std::to_string(b.timesteps) + "), got " + std::to_string(t));
    b = truncate_timesteps(b, int(t));
  }
  if (t > 0 && t != b.timesteps) {
    for (auto& l : b.layers) {
      if (l.input_rate.empty()) continue;
      if (std::adjacent_find(l.input_rate.begin(), l.input_rate.end(), std::not_equal_to<double>()) != l.input_rate.end())
        fail("config", p.origin("run.timesteps") + ": run.timesteps: layer " + l.name +
                           " of " + b.name + " has a rate per timestep; expected T = " + std::to_string(b.timesteps) +
                           ", got " + std::to_string(t));
      l.input_rate.assign(size_t(t), l.input_rate.front());
    }
    b.timesteps = int(t);
  }
  // The ANN version of a workload (issue #10): --ann BITS or run.network = ann.
  const std::string net = p.get_string("run.network", b.network,
                                       {"snn or ann; ann turns a workload trace into its B-bit ANN (--ann BITS)", "", 0, 0,
                                        {"snn", "ann"}});
  const int bits = int(p.get_int("run.ann_bits", 8, {"ANN activation bits when run.network = ann turns a workload into an ANN", "bit", 2, 8}));
  const double density = p.get_double("run.ann_density", k_ann_default_density,
                                      {"non-zero share of a converted ANN workload's activations (default: Cnvlutin, ISCA 2016)", "", 0, 1});
  if (net != b.network) {
    if (net == "snn")
      fail("config", p.origin("run.network") + ": run.network: expected ann for the ANN trace " + b.name + ", got snn");
    if (t > 0 && t != 1 && !b.functional())
      fail("config", p.origin("run.timesteps") + ": run.timesteps: expected 0 or 1 for an ANN run, got " + std::to_string(t));
    if (b.functional()) {
      // The ANN workload of the functional SNN: its shapes, each layer's activity the input
      // spike rate the golden model measures on the bundle's first samples.
      const int n = int(p.get_int("run.ann_rate_samples", std::min(16, b.samples),
                                  {"samples of a functional SNN whose measured spike rates become the ANN's activation "
                                   "densities (--ann on a functional trace)", "", 1, double(b.samples)}));
      b = ann_from_functional(b, bits, 0, n);
    } else {
      b = to_ann(b, bits, density);
    }
  }
  return b;
}

void Platform::load_run(const std::function<int64_t(int)>& first_default) {
  Params& p = ctx().params;
  m_bundle = load_trace();
  // An ANN run: the units built next pick their hardware from the activation width.
  ann_bits(ctx()) = 0;
  if (m_bundle.ann())
    for (const auto& L : m_bundle.layers)
      if (L.fires() && L.neuron->relu()) ann_bits(ctx()) = std::max(ann_bits(ctx()), L.neuron->bits);
  const int64_t max_samples = m_bundle.functional() ? m_bundle.samples : 1 << 20;
  m_samples = int(p.get_int("run.samples", m_bundle.functional() ? std::min(100, m_bundle.samples) : 1,
                            {"samples to run (--samples)", "", 1, double(max_samples)}));
  m_per_sample = p.get_bool("run.per_sample", false, {"the report's per-sample table (--per-sample)"});
  const int64_t first_def = first_default ? first_default(m_samples) : 0;
  m_first = int(p.get_int("run.first_sample", first_def, {"index of the first sample", "", 0, double(max_samples - 1)}));
  if (m_bundle.functional() && m_first + m_samples > m_bundle.samples)
    fail(unit_kind().substr(unit_kind().find('.') + 1),
         "run.samples: expected at most " + std::to_string(m_bundle.samples - m_first) + " samples from sample " +
             std::to_string(m_first) + ", got " + std::to_string(m_samples));
  // A BN-adapted bundle is evaluated on samples it was not calibrated on (a calibration pass,
  // run.calibrate_out, may reuse them).
  const int cf = m_bundle.calibration_first, cn = m_bundle.calibration_samples;
  if (cn > 0 && !p.has("run.calibrate_out") && m_first < cf + cn && cf < m_first + m_samples)
    fail(unit_kind().substr(unit_kind().find('.') + 1),
         "run.first_sample: samples " + std::to_string(m_first) + ".." + std::to_string(m_first + m_samples - 1) +
             " overlap samples " + std::to_string(cf) + ".." + std::to_string(cf + cn - 1) + " the BN statistics of " +
             m_bundle.dir + " were calibrated on (trace.yaml calibration); expected evaluation samples outside them");
}

void Platform::attach_host(Cpu& cpu, Csr& csr, const FirmwareTarget& target, const std::string& dram) {
  check_dram_fit(m_bundle, target, dram);
  m_host = {&cpu, &csr, target};
}

uint32_t Platform::exit_threshold_q16() {
  const double th = ctx().params.get_double(
      "run.exit_threshold", 0, {"DT-SNN exit threshold on 1 - H/ln K (0: no early exit; --exit-threshold)", "", 0, 0.99998});
  return uint32_t(std::lround(th * 65536.0));
}

}  // namespace spiketlm
