// SpikeFlow with non-ideal crossbars on the bundled SNN: the non-ideal model with every
// non-ideality off is bit-exact; same seed same result, another seed another; the
// differential encoding raises the high-resistance share and recovers accuracy lost to IR
// drop; BN calibration writes a valid bundle (last samples), which runs and reports its
// reference mismatches without failing.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {
const std::string k_fmnist = "traces/fmnist_snn";
const std::string k_run = "run platforms/spikeflow/spikeflow.yaml --trace " + k_fmnist;
const std::string k_ni = " -c spikeflow.tile.pe.column.kind=imc.column.nonideal";
bool have_fmnist() { return std::filesystem::exists(source_dir() + "/" + k_fmnist + "/trace.yaml"); }

Json run_json(const std::string& args, const std::string& tag) {
  const std::string out = scratch(tag + "_report") + "/r.json";
  const CliResult r = cli(args + " --quiet --json " + out);
  EXPECT_EQ(r.code, 0) << r.err;
  return load_json(out);
}
}  // namespace

TEST(SpikeFlowNonideal, AllNonidealitiesOffIsBitExact) {
  if (!have_fmnist()) GTEST_SKIP();
  const Json j = run_json(k_run + " --samples 40" + k_ni + " -c spikeflow.tile.pe.xbar.encoding=flip", "ni_off");
  EXPECT_EQ(summary(j, "reference_mismatches"), 0);
  EXPECT_EQ(j.get<std::string>("run.column_model"), "imc.column.nonideal");
}

TEST(SpikeFlowNonideal, SameSeedSameResultOtherSeedOtherResult) {
  if (!have_fmnist()) GTEST_SKIP();
  const std::string v = k_run + " --samples 30" + k_ni +
                        " -c spikeflow.tile.pe.column.variation=lognormal -c spikeflow.tile.pe.column.sigma=0.3";
  const Json a = run_json(v + " -c spikeflow.tile.pe.column.seed=5", "ni_s5a");
  const Json b = run_json(v + " -c spikeflow.tile.pe.column.seed=5", "ni_s5b");
  const Json c = run_json(v + " -c spikeflow.tile.pe.column.seed=6", "ni_s6");
  EXPECT_EQ(column(a, "layers", "spikes_out"), column(b, "layers", "spikes_out"));
  EXPECT_EQ(summary(a, "accuracy"), summary(b, "accuracy"));
  EXPECT_NE(column(a, "layers", "spikes_out"), column(c, "layers", "spikes_out"));
  EXPECT_GT(summary(a, "reference_mismatches"), 0);
}

TEST(SpikeFlowNonideal, DifferentialEncodingRecoversAccuracyUnderIrDrop) {
  if (!have_fmnist()) GTEST_SKIP();
  const std::string ir = k_run + " --samples 100" + k_ni + " -c spikeflow.tile.pe.column.ir_drop=nodal -c spikeflow.tile.pe.column.wire_ohm=5";
  const Json off = run_json(ir, "ni_ir_off");
  const Json dif = run_json(ir + " -c spikeflow.tile.pe.xbar.encoding=differential", "ni_ir_diff");
  EXPECT_GT(summary(dif, "hrs_share"), summary(off, "hrs_share") + 20);
  EXPECT_DOUBLE_EQ(summary(dif, "hrs_share_offset"), summary(off, "hrs_share"));
  EXPECT_GT(summary(dif, "accuracy"), summary(off, "accuracy") + 20);
}

TEST(SpikeFlowNonideal, CalibrateWritesABundleThatRunsAndReportsMismatches) {
  if (!have_fmnist()) GTEST_SKIP();
  const std::string out = scratch("ni_cal") + "/bundle";
  const std::string ni = k_ni + " -c spikeflow.tile.pe.xbar.encoding=differential -c spikeflow.tile.pe.column.ir_drop=nodal"
                                " -c spikeflow.tile.pe.column.wire_ohm=10";
  const std::string rep = scratch("ni_cal_rep") + "/c.json";
  const CliResult c = cli("calibrate platforms/spikeflow/spikeflow.yaml --trace " + k_fmnist + " --samples 50" + ni +
                          " --out " + out + " --quiet --json " + rep);
  ASSERT_EQ(c.code, 0) << c.err;
  const Json cj = load_json(rep);
  EXPECT_EQ(cj.get<int>("calibration.first_sample"), 950);  // the last 50 samples
  ASSERT_TRUE(std::filesystem::exists(out + "/trace.yaml"));
  const Json j = run_json("run platforms/spikeflow/spikeflow.yaml --trace " + out + " --samples 50", "ni_cal_run");
  EXPECT_GT(summary(j, "reference_mismatches"), 0);  // reported, not fatal
  EXPECT_GT(summary(j, "accuracy"), 50.0);
  // calibrate without --out is a usage error; on a workload trace a one-line error.
  EXPECT_EQ(cli("calibrate platforms/spikeflow/spikeflow.yaml --trace " + k_fmnist).code, 2);
  const CliResult w = cli("calibrate platforms/spikeflow/spikeflow.yaml --trace traces/workloads/vgg9_cifar10 --out " + out + "2");
  EXPECT_EQ(w.code, 1);
  EXPECT_NE(w.err.find("run.calibrate_out"), std::string::npos) << w.err;
}
