// DT-SNN on SATA with the bundled SNN: a threshold keeps accuracy within 0.5 points of static
// T at fewer timesteps and lower energy; every sample that exits at t < T produced exactly
// the reference outputs of its first t timesteps.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {
Json run(const std::string& extra, const std::string& tag) {
  const std::string out = scratch(tag) + "/r.json";
  const CliResult r = cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 1000 --quiet --per-sample --json " + out +
                          " " + extra);
  EXPECT_EQ(r.code, 0) << r.err;
  return load_json(out);
}
}  // namespace

TEST(ExitSata, KeepsAccuracyAtFewerTimestepsAndLowerEnergy) {
  const Json stat = run("", "static");
  const Json dyn = run("--exit-threshold 0.9", "dyn");
  EXPECT_EQ(summary(stat, "average_timesteps"), 4.0);
  EXPECT_EQ(summary(stat, "exited_early_samples"), 0.0);
  EXPECT_LT(summary(dyn, "average_timesteps"), 3.0);
  EXPECT_GT(summary(dyn, "exited_early_samples"), 500.0);
  EXPECT_LE(std::fabs(summary(dyn, "accuracy_pct") - summary(stat, "accuracy_pct")), 0.5);
  EXPECT_LT(summary(dyn, "energy_uj"), summary(stat, "energy_uj"));
  EXPECT_LT(summary(dyn, "latency_us"), summary(stat, "latency_us"));
  // Exited samples: the outputs of the timesteps they ran equal the reference.
  EXPECT_EQ(summary(dyn, "reference_mismatch_samples"), 0.0);
  // The per-sample table: exit timesteps in [1, 4], their mean = average_timesteps.
  const auto ex = column(dyn, "samples", "exit_timestep");
  ASSERT_EQ(ex.size(), 1000u);
  double sum = 0;
  for (double e : ex) {
    EXPECT_GE(e, 1.0);
    EXPECT_LE(e, 4.0);
    sum += e;
  }
  EXPECT_DOUBLE_EQ(sum / 1000.0, summary(dyn, "average_timesteps"));
}

TEST(ExitSata, MaxProbVariantAlsoExitsEarly) {
  const Json dyn = run("--exit-threshold 0.9 -c sata.exit.kind=exit.maxprob --samples 100", "maxp");
  EXPECT_LT(summary(dyn, "average_timesteps"), 4.0);
  EXPECT_EQ(summary(dyn, "reference_mismatch_samples"), 0.0);
}

TEST(ExitSata, TickBatchCannotExitEarly) {
  // Tick-batch finishes every layer for all timesteps: the threshold is ignored.
  const std::string out = scratch("tbexit") + "/r.json";
  const CliResult r = cli("run platforms/sata/sata_tick_batch.yaml --trace traces/fmnist_snn --samples 20 "
                          "--exit-threshold 0.9 --quiet --json " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(summary(load_json(out), "average_timesteps"), 4.0);
}
