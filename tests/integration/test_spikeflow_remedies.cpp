// The paper's remedies on SpikeFlow (issue 6): the DT-SNN exit unit in the IMC controller
// (timestep-outer execution, stop after timestep t) and C#n LIF sharing in the IMC neurons.
// Checked against the golden model and independent computations: an exited sample's outputs
// and its exit decision follow from the golden model's first t timesteps; SpikeFlow and SATA
// take the same decisions; skipped timesteps cost no time and no energy (SpikeSim's dense
// formulas over the timesteps run); C#2 / C#4 runs equal the golden model; membrane area and
// circuits divide by n; one circuit serving n channels costs the last pixel's chain.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "hw/exit/exit_unit.h"
#include "tests/cli.h"
#include "traces/src/golden.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {

const std::string kSf = "run platforms/spikeflow/spikeflow.yaml --trace traces/fmnist_snn";



double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

// The exit decision the hardware must take, from the golden model's outputs: the first t
// whose cumulative logits pass the fixed-point test (default exit-unit widths), else T; the
// prediction = argmax of the cumulative logits at that t (ties to the lowest).
struct Expected {
  int exit_t, prediction;
};
Expected expected_exit(const bundle& b, const golden::result& g, double threshold, bool max_prob) {
  const layer& out = b.layers.back();
  const double sc = double(out.weight_scale.empty() ? 1.0f : out.weight_scale[0]) * out.in_scale;
  const int64_t scale_q24 = std::llround(sc * 16777216.0);
  const uint32_t theta = uint32_t(std::lround(threshold * 65536.0));
  ExitConfig cfg;
  cfg.max_prob = max_prob;
  const ExitMath m(cfg);
  std::vector<int64_t> z(size_t(b.classes), 0);
  for (int t = 0; t < b.timesteps; ++t) {
    for (int c = 0; c < b.classes; ++c) z[size_t(c)] += g.outputs[size_t(t) * b.classes + c];
    if (m.decide(z, scale_q24, theta).exit || t == b.timesteps - 1) return {t + 1, g.predicted(t)};
  }
  return {b.timesteps, g.predicted(b.timesteps - 1)};
}

// SpikeSim's PE-cycle energy (FACTS.md s2), as tests/integration/test_spikeflow.cpp.
double spikesim_pe_cycle_pj() {
  const double xbar = 1.76423, adc = 2.03084, mux = 0.094245, htree = 19.64 * 8, fetch = 4.64, neuron = 1.274 * 4,
               sub = 1.15e-6, temp = 0.2, tilebuf = 397;
  const double pe = 9 * xbar + 8 * (adc + mux);
  return htree + fetch + neuron + 8 * pe + 8 * 16 * sub + 8 * temp + tilebuf;
}

}  // namespace

TEST(SpikeFlowRemedies, ExitedSamplesFollowTheGoldenModelsFirstTimesteps) {
  const int n = 200;
  const bundle b = read_bundle(source_dir() + "/traces/fmnist_snn");
  const golden::model gm(b);
  for (const bool maxp : {false, true}) {
    const Json j = run_json(kSf + " --samples " + std::to_string(n) + " --exit-threshold 0.9" +
                           (maxp ? " -c spikeflow.exit.kind=exit.maxprob" : ""),
                       maxp ? "sfx_mp" : "sfx_en");
    // Every output of every timestep run equals the trace's reference...
    EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0.0);
    const auto ex = column(j, "samples", "exit_timestep"), pred = column(j, "samples", "prediction");
    ASSERT_EQ(ex.size(), size_t(n));
    int early = 0;
    for (int s = 0; s < n; ++s) {
      const golden::result g = gm.run(s);
      // ... which is the golden model's, and the decision follows from the golden logits.
      for (int t = 0; t < b.timesteps; ++t)
        for (int c = 0; c < b.classes; ++c)
          ASSERT_EQ(g.outputs[size_t(t) * b.classes + c], b.ref_output(s, t, c)) << s << " " << t << " " << c;
      const Expected e = expected_exit(b, g, 0.9, maxp);
      EXPECT_EQ(int(ex[size_t(s)]), e.exit_t) << "sample " << s;
      EXPECT_EQ(int(pred[size_t(s)]), e.prediction) << "sample " << s;
      early += e.exit_t < b.timesteps;
    }
    EXPECT_GT(early, n / 2);
    EXPECT_EQ(summary(j, "exited_early_samples"), double(early));
    EXPECT_DOUBLE_EQ(summary(j, "average_timesteps"), sum(ex) / n);
  }
}

TEST(SpikeFlowRemedies, SpikeFlowAndSataTakeTheSameExitDecisions) {
  const std::string common = " --trace traces/fmnist_snn --samples 300 --exit-threshold 0.8";
  const Json sf = run_json("run platforms/spikeflow/spikeflow.yaml" + common, "agree_sf");
  const Json sata = run_json("run platforms/sata/sata.yaml" + common, "agree_sata");
  EXPECT_EQ(column(sf, "samples", "exit_timestep"), column(sata, "samples", "exit_timestep"));
  EXPECT_EQ(column(sf, "samples", "prediction"), column(sata, "samples", "prediction"));
  EXPECT_LT(summary(sf, "average_timesteps"), 4.0);
}

TEST(SpikeFlowRemedies, ExitKeepsAccuracyAtFewerTimestepsWithLowerEnergyAndEdp) {
  const Json stat = run_json(kSf + " --samples 1000", "sf_static");
  const Json dyn = run_json(kSf + " --samples 1000 --exit-threshold 0.9", "sf_dyn");
  EXPECT_EQ(summary(stat, "average_timesteps"), 4.0);
  EXPECT_EQ(summary(stat, "exited_early_samples"), 0.0);
  EXPECT_LT(summary(dyn, "average_timesteps"), 2.0);
  EXPECT_LE(std::fabs(summary(dyn, "accuracy_pct") - summary(stat, "accuracy_pct")), 0.5);
  EXPECT_LT(summary(dyn, "imc_energy_uj"), summary(stat, "imc_energy_uj"));
  EXPECT_LT(summary(dyn, "energy_uj"), summary(stat, "energy_uj"));
  EXPECT_LT(summary(dyn, "latency_us"), summary(stat, "latency_us"));
  EXPECT_LT(summary(dyn, "edp_j_s"), summary(stat, "edp_j_s"));
  EXPECT_EQ(summary(dyn, "reference_mismatch_samples"), 0.0);
  // Skipped timesteps are neither computed nor charged: every neuron updates once per
  // timestep run (16 x 28 x 28 + 32 x 14 x 14 neurons), 1.274 pJ each (FACTS.md s2).
  const double avg_t = summary(dyn, "average_timesteps");
  const double neurons = 16 * 28 * 28 + 32 * 14 * 14;
  EXPECT_NEAR(sum(column(dyn, "layers", "neuron_updates")), avg_t * neurons, 1e-9 * neurons);
  EXPECT_NEAR(table_cell(dyn, "energy_by_component", "neuron", "energy_uj"), avg_t * neurons * 1.274e-6, 1e-9);
  // The exit unit's decisions: one per timestep run.
  double decisions = -1;
  for (const auto& row : dyn.get_child("tables.stats")) {
    std::vector<std::string> f;
    for (const auto& c : row.second) f.push_back(c.second.get_value<std::string>());
    if (f.size() >= 3 && f[0] == "spikeflow.exit" && f[1] == "decisions") decisions = std::stod(f[2]);
  }
  EXPECT_NEAR(decisions, avg_t * 1000, 1e-6);
}

TEST(SpikeFlowRemedies, DenseModeChargesSpikeSimsFormulasOverTheTimestepsRun) {
  // SpikeSim's dense formulas per timestep on the Fashion-MNIST network (conv 1->16 at 28x28,
  // conv 16->32 at 14x14, fc 1568->10): PEs x OH x OW PE cycles; the pipeline of one
  // timestep = floor(0.75 x 16 x 784) + floor(0.75 x 32 x 196) + 10 outputs, 104 ns each;
  // with early exit every timestep runs its pipeline, then the decision (10 classes + 18
  // cycles at 250 MHz).
  const Json stat = run_json("run platforms/spikeflow/spikeflow_spikesim.yaml --trace traces/fmnist_snn --samples 100", "dn_s");
  const Json dyn = run_json("run platforms/spikeflow/spikeflow_spikesim.yaml --trace traces/fmnist_snn --samples 100 "
                       "--exit-threshold 0.9",
                       "dn_d");
  const double pe_cycles = 1 * 784 + 1 * 196 + 25 * 1;
  const double pipe_ns = (std::floor(0.75 * 16 * 784) + std::floor(0.75 * 32 * 196) + 10) * 104.0;
  const double decision_ns = (10 + 18) * 4.0;
  EXPECT_NEAR((1e6 * summary(stat, "imc_energy_uj")), 4 * pe_cycles * spikesim_pe_cycle_pj(), 1e-9 * (1e6 * summary(stat, "imc_energy_uj")));
  EXPECT_NEAR(summary(stat, "latency_us"), 4 * pipe_ns * 1e-3, 1e-9);
  const double avg_t = summary(dyn, "average_timesteps");
  EXPECT_LT(avg_t, 2.0);
  EXPECT_NEAR((1e6 * summary(dyn, "imc_energy_uj")), avg_t * pe_cycles * spikesim_pe_cycle_pj(), 1e-9 * (1e6 * summary(dyn, "imc_energy_uj")));
  EXPECT_NEAR(summary(dyn, "latency_us"), avg_t * (pipe_ns + decision_ns) * 1e-3, 1e-9);
}

namespace {
double golden_accuracy(const bundle& b, int n) {
  const golden::model m(b);
  int correct = 0;
  for (int s = 0; s < n; ++s) correct += m.run(s).predicted(b.timesteps - 1) == b.labels[size_t(s)];
  return 100.0 * correct / n;
}
}  // namespace

TEST(SpikeFlowRemedies, CnBundlesOnSharedNeuronsEqualGoldenWithAnNthOfTheMembranes) {
  const Json c1 = run_json(kSf + " --samples 50", "sfc1");
  const double neurons = 16 * 28 * 28 + 32 * 14 * 14;
  const double mem_um2 = 0.7391 * 22 * 32 / 22.0;  // FACTS.md s2 per 22-bit word, at the YAML's 32 bits
  EXPECT_NEAR(table_cell(c1, "area_by_component", "membrane_memory", "area_um2"), neurons * mem_um2, 1e-6);
  EXPECT_EQ(summary(c1, "lif_circuits"), 16.0 + 32.0);
  for (int n : {2, 4}) {
    const std::string tr = "traces/fmnist_snn_c" + std::to_string(n);
    const bundle b = read_bundle(source_dir() + "/" + tr);
    for (const auto& l : b.layers) {
      if (l.fires()) {
        ASSERT_EQ(l.neuron->share, n);
      }
    }
    const Json j = run_json("run platforms/spikeflow/spikeflow.yaml --trace " + tr +
                           " --samples 50 -c spikeflow.tile.lif.kind=neuron.imc.shared -c spikeflow.tile.lif.share=" +
                           std::to_string(n),
                       "sfc" + std::to_string(n));
    EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0.0) << n;
    EXPECT_DOUBLE_EQ(summary(j, "accuracy_pct"), golden_accuracy(b, 50)) << n;
    EXPECT_NEAR(table_cell(j, "area_by_component", "membrane_memory", "area_um2"), neurons / n * mem_um2, 1e-6) << n;
    EXPECT_NEAR(1e6 * (summary(c1, "area_mm2") - summary(j, "area_mm2")), neurons * (1 - 1.0 / n) * mem_um2, 1e-6) << n;
    EXPECT_EQ(summary(j, "lif_circuits"), (16.0 + 32.0) / n) << n;
    // Every channel still updates once per timestep: SpikeSim's per-update neuron energy.
    EXPECT_NEAR(table_cell(j, "energy_by_component", "neuron", "energy_uj"), 4 * neurons * 1.274e-6, 1e-9) << n;
    // The C#n network needs C#n neurons: plain ones refuse its descriptors.
    const CliResult r = cli("run platforms/spikeflow/spikeflow.yaml --trace " + tr + " --samples 1 --quiet");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("refused layer 0 (error code 4, descriptor word 29: the LIF units serve 1 channel(s) per circuit)"),
              std::string::npos)
        << r.err;
  }
}

TEST(SpikeFlowRemedies, ServingNChannelsWithOneCircuitCostsTheLastPixelsChain) {
  // One C#1 network, one sample, on neurons serving 1 or 4 channels per circuit (no membrane
  // sharing). A chain of 4 one-clock updates per pixel hides behind the PE cycles (26 clocks);
  // each firing layer's last pixel adds 3 clocks (4 ns each) at its end. In this network every
  // layer's end is bounded by its producer's end + one PE cycle, so the two firing layers'
  // drains add up at the last layer's end.
  const Json c1 = run_json(kSf + " --samples 1", "chain1");
  const Json c4 = run_json(kSf + " --samples 1 -c spikeflow.tile.lif.kind=neuron.imc.shared -c spikeflow.tile.lif.share=4",
                      "chain4");
  EXPECT_EQ(summary(c4, "reference_mismatch_samples"), 0.0);
  EXPECT_EQ(summary(c4, "lif_circuits"), 4.0 + 8.0);
  EXPECT_EQ(table_cell(c4, "area_by_component", "membrane_memory", "area_um2"), table_cell(c1, "area_by_component", "membrane_memory", "area_um2"));  // a C#1 network keeps its membranes
  const auto e1 = column(c1, "layers", "end_us"), e4 = column(c4, "layers", "end_us");
  ASSERT_EQ(e1.size(), 5u);
  const double cyc_us = 0.104, drain_us = 3 * 0.004;
  ASSERT_NEAR(e1[2], e1[0] + cyc_us, 1e-9);  // conv2 ends one PE cycle after conv1
  ASSERT_NEAR(e1[4], e1[2] + cyc_us, 1e-9);  // fc one after conv2
  EXPECT_NEAR(e4[0] - e1[0], drain_us, 1e-9);
  EXPECT_NEAR(e4[2] - e1[2], 2 * drain_us, 1e-9);
  EXPECT_NEAR(e4[4] - e1[4], 2 * drain_us, 1e-9);
}
