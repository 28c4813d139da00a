// SpikeFlow with non-ideal crossbars on the bundled SNN: the non-ideal model with every
// non-ideality off is bit-exact; same seed same result, another seed another; the
// differential encoding raises the high-resistance share and recovers accuracy lost to IR
// drop; BN calibration writes a valid bundle (last samples), which runs and reports its
// reference mismatches without failing; BN adaptation recovers accuracy on samples it was not
// calibrated on, changes only the running statistics, is layer by layer (its result is a fixed
// point of calibration; one pass is not) and, on the ideal platform, gives conv1 the statistics
// of the calibration inputs computed here independently.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "tests/cli.h"
#include "traces/src/trace.h"

using namespace spiketlm::test;

namespace {
const std::string k_fmnist = "traces/fmnist_snn";
const std::string k_run = "run platforms/spikeflow/spikeflow.yaml --trace " + k_fmnist;
const std::string k_ni = " -c spikeflow.tile.pe.column.kind=imc.column.nonideal";
bool have_fmnist() { return std::filesystem::exists(source_dir() + "/" + k_fmnist + "/trace.yaml"); }
// Finite off state (200 kOhm, the NICE 1-bit Roff) without the digital leak correction: every
// active row adds an off-cell current to every column, a per-channel offset and gain error of
// the pre-BN values that BN re-estimation can absorb. No random draws: seed-independent.
const std::string k_roff = k_ni + " -c spikeflow.tile.pe.xbar.roff_kohm=200 -c spikeflow.tile.pe.column.leak_correction=false";

}  // namespace

TEST(SpikeFlowNonideal, AllNonidealitiesOffIsBitExact) {
  if (!have_fmnist()) GTEST_SKIP();
  const Json j = run_json(k_run + " --samples 40" + k_ni + " -c spikeflow.tile.pe.xbar.encoding=flip", "ni_off");
  EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0);
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
  EXPECT_EQ(summary(a, "accuracy_pct"), summary(b, "accuracy_pct"));
  EXPECT_NE(column(a, "layers", "spikes_out"), column(c, "layers", "spikes_out"));
  EXPECT_GT(summary(a, "reference_mismatch_samples"), 0);
}

TEST(SpikeFlowNonideal, DifferentialEncodingRecoversAccuracyUnderIrDrop) {
  if (!have_fmnist()) GTEST_SKIP();
  // ir_drop fast: equal to the nodal solve (ImcNodal.FastModelErrorAgainstNodalIsBounded,
  // FastAndNodalIrDropGiveTheSameRun) at a fifth of its run time.
  const std::string ir = k_run + " --samples 100" + k_ni + " -c spikeflow.tile.pe.column.ir_drop=fast -c spikeflow.tile.pe.column.wire_ohm=5";
  const Json off = run_json(ir, "ni_ir_off");
  const Json dif = run_json(ir + " -c spikeflow.tile.pe.xbar.encoding=differential", "ni_ir_diff");
  EXPECT_GT(summary(dif, "hrs_share_pct"), summary(off, "hrs_share_pct") + 20);
  EXPECT_DOUBLE_EQ(summary(dif, "hrs_share_offset_pct"), summary(off, "hrs_share_pct"));
  EXPECT_GT(summary(dif, "accuracy_pct"), summary(off, "accuracy_pct") + 20);
}

// The fast IR-drop model (transfer conductances) and the nodal solve give the same run: the
// same spikes in every layer and the same predictions (their currents differ by rounding only).
TEST(SpikeFlowNonideal, FastAndNodalIrDropGiveTheSameRun) {
  if (!have_fmnist()) GTEST_SKIP();
  const std::string ir = k_run + " --samples 20" + k_ni + " -c spikeflow.tile.pe.column.variation=lognormal"
                         " -c spikeflow.tile.pe.column.sigma=0.2 -c spikeflow.tile.pe.column.wire_ohm=1";
  const Json f = run_json(ir + " -c spikeflow.tile.pe.column.ir_drop=fast", "ni_ir_fast");
  const Json n = run_json(ir + " -c spikeflow.tile.pe.column.ir_drop=nodal", "ni_ir_nodal");
  const Json z = run_json(ir + " -c spikeflow.tile.pe.column.ir_drop=none", "ni_ir_none");
  EXPECT_EQ(column(f, "layers", "spikes_out"), column(n, "layers", "spikes_out"));
  EXPECT_EQ(column(f, "samples", "prediction"), column(n, "samples", "prediction"));
  EXPECT_NE(column(f, "layers", "spikes_out"), column(z, "layers", "spikes_out"));  // the IR drop is felt
}

TEST(SpikeFlowNonideal, CalibrateWritesABundleThatRunsAndReportsMismatches) {
  if (!have_fmnist()) GTEST_SKIP();
  const std::string out = scratch("ni_cal") + "/bundle";
  const std::string ni = k_ni + " -c spikeflow.tile.pe.xbar.encoding=differential -c spikeflow.tile.pe.column.ir_drop=fast"
                                " -c spikeflow.tile.pe.column.wire_ohm=10";
  const std::string rep = scratch("ni_cal_rep") + "/c.json";
  const CliResult c = cli("calibrate platforms/spikeflow/spikeflow.yaml --trace " + k_fmnist + " --samples 50" + ni +
                          " --out " + out + " --quiet --json " + rep);
  ASSERT_EQ(c.code, 0) << c.err;
  const Json cj = load_json(rep);
  EXPECT_EQ(cj.get<int>("calibration.calibration_first_sample"), 950);  // the last 50 samples
  EXPECT_EQ(cj.get<int>("calibration.calibration_passes"), 2);          // conv1, conv2: one pass per BN layer
  ASSERT_TRUE(std::filesystem::exists(out + "/trace.yaml"));
  const Json j = run_json("run platforms/spikeflow/spikeflow.yaml --trace " + out + " --samples 50", "ni_cal_run");
  EXPECT_GT(summary(j, "reference_mismatch_samples"), 0);  // reported, not fatal
  EXPECT_GT(summary(j, "accuracy_pct"), 50.0);
  // calibrate without --out is a usage error; on a workload trace a one-line error.
  EXPECT_EQ(cli("calibrate platforms/spikeflow/spikeflow.yaml --trace " + k_fmnist).code, 1);
  const CliResult w = cli("calibrate platforms/spikeflow/spikeflow.yaml --trace traces/workloads/vgg9_cifar10 --out " + out + "2");
  EXPECT_EQ(w.code, 1);
  EXPECT_NE(w.err.find("run.calibrate_out"), std::string::npos) << w.err;
  EXPECT_FALSE(std::filesystem::exists(out + "2"));  // a failed calibration writes nothing
}

namespace {
const spiketlm::batch_norm& bn_of(const spiketlm::bundle& b, const std::string& name) {
  const int i = b.layer_index(name);
  if (i < 0 || !b.layers[size_t(i)].bn) throw std::runtime_error("no BN layer " + name);
  return *b.layers[size_t(i)].bn;
}
// Largest |a - b| over channels, in units of the standard deviation sqrt(var_b + eps).
double max_mean_diff(const spiketlm::batch_norm& a, const spiketlm::batch_norm& b) {
  double d = 0;
  for (size_t k = 0; k < a.running_mean.size(); ++k)
    d = std::max(d, std::fabs(double(a.running_mean[k]) - double(b.running_mean[k])) / std::sqrt(double(b.running_var[k]) + b.eps));
  return d;
}
double max_var_ratio_diff(const spiketlm::batch_norm& a, const spiketlm::batch_norm& b) {
  double d = 0;
  for (size_t k = 0; k < a.running_var.size(); ++k)
    d = std::max(d, std::fabs((double(a.running_var[k]) + a.eps) / (double(b.running_var[k]) + b.eps) - 1.0));
  return d;
}
}  // namespace

// On a clearly non-ideal platform (finite Roff, no leak correction: 61 % vs 93 % ideal on the
// first 100 samples), BN adaptation on the last 50 samples lifts accuracy on the first 100
// (measured 61 -> 90; 62.3 -> 92.3 on 300 samples; 61 -> 89 with 20 calibration samples).
// Margin 15 points: half the measured gain, more than 2.5 standard errors of a difference of
// two accuracies on 100 samples (<= 5.7 points at 60 % / 90 %). The calibrated bundle keeps
// every BN weight and bias (scale and shift), the int8 weights, inputs and labels; only running
// mean and variance change. Evaluating the calibration samples is refused.
TEST(SpikeFlowNonideal, BnAdaptationRecoversAccuracyAndChangesOnlyRunningStatistics) {
  if (!have_fmnist()) GTEST_SKIP();
  const std::string out = scratch("ni_bn_gain") + "/bundle";
  const std::string rep = scratch("ni_bn_gain_rep") + "/c.json";
  const CliResult c = cli("calibrate platforms/spikeflow/spikeflow.yaml --trace " + k_fmnist + " --samples 50" + k_roff +
                          " --out " + out + " --quiet --json " + rep);
  ASSERT_EQ(c.code, 0) << c.err;
  const Json cj = load_json(rep);
  EXPECT_EQ(cj.get<int>("calibration.calibration_first_sample"), 950);
  EXPECT_EQ(cj.get<int>("calibration.calibration_samples"), 50);
  const Json before = run_json(k_run + " --samples 100" + k_roff, "ni_bn_before");
  const Json after = run_json("run platforms/spikeflow/spikeflow.yaml --trace " + out + " --samples 100" + k_roff, "ni_bn_after");
  EXPECT_GT(summary(after, "accuracy_pct"), summary(before, "accuracy_pct") + 15);

  const spiketlm::bundle a = spiketlm::read_bundle(source_dir() + "/" + k_fmnist), b = spiketlm::read_bundle(out);
  EXPECT_EQ(b.calibration_first, 950);
  EXPECT_EQ(b.calibration_samples, 50);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.inputs.bytes, b.inputs.bytes);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  int bn_layers = 0;
  for (size_t i = 0; i < a.layers.size(); ++i) {
    SCOPED_TRACE(a.layers[i].name);
    EXPECT_EQ(a.layers[i].weight, b.layers[i].weight);
    EXPECT_EQ(a.layers[i].weight_scale, b.layers[i].weight_scale);
    ASSERT_EQ(bool(a.layers[i].bn), bool(b.layers[i].bn));
    if (!a.layers[i].bn) continue;
    ++bn_layers;
    const auto &x = *a.layers[i].bn, &y = *b.layers[i].bn;
    EXPECT_EQ(x.weight, y.weight);  // float32, read back exactly (write_bundle: 17 digits)
    EXPECT_EQ(x.bias, y.bias);
    EXPECT_DOUBLE_EQ(x.eps, y.eps);
    ASSERT_EQ(x.running_mean.size(), y.running_mean.size());
    size_t changed = 0;
    for (size_t k = 0; k < x.running_mean.size(); ++k)
      changed += x.running_mean[k] != y.running_mean[k] && x.running_var[k] != y.running_var[k];
    EXPECT_EQ(changed, x.running_mean.size());  // re-estimated on the non-ideal platform
  }
  EXPECT_EQ(bn_layers, 2);
  // The calibration samples are not evaluation samples.
  const CliResult o = cli("run platforms/spikeflow/spikeflow.yaml --trace " + out + " --samples 100 -c run.first_sample=900 --quiet");
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("run.first_sample: samples 900..999 overlap samples 950..999"), std::string::npos) << o.err;
}

// Layer by layer: conv2's statistics are estimated behind the adapted conv1. Then calibrating
// the calibrated bundle again changes nothing (its pass 1 reproduces conv1, its pass 2 sees
// the same conv1 BN as before), while a single pass (run.calibrate_out alone: every layer
// behind the trace's original BN) gives the same conv1 but another conv2. Each writes the
// calibration record.
TEST(SpikeFlowNonideal, BnAdaptationIsLayerByLayer) {
  if (!have_fmnist()) GTEST_SKIP();
  const std::string d = scratch("ni_bn_lbl");
  const std::string cal = "calibrate platforms/spikeflow/spikeflow.yaml --samples 30 --quiet" + k_roff;
  ASSERT_EQ(cli(cal + " --trace " + k_fmnist + " --out " + d + "/b").code, 0);
  ASSERT_EQ(cli(cal + " --trace " + d + "/b --out " + d + "/b2").code, 0);
  const CliResult one = cli(k_run + " --samples 30 --quiet" + k_roff + " -c run.calibrate_out=" + d + "/p");
  ASSERT_EQ(one.code, 0) << one.err;
  const spiketlm::bundle b = spiketlm::read_bundle(d + "/b"), b2 = spiketlm::read_bundle(d + "/b2"),
                         p = spiketlm::read_bundle(d + "/p");
  for (const char* l : {"conv1", "conv2"}) {
    SCOPED_TRACE(l);
    EXPECT_LT(max_mean_diff(bn_of(b2, l), bn_of(b, l)), 1e-6);
    EXPECT_LT(max_var_ratio_diff(bn_of(b2, l), bn_of(b, l)), 1e-6);
  }
  EXPECT_LT(max_mean_diff(bn_of(p, "conv1"), bn_of(b, "conv1")), 1e-6);
  EXPECT_GT(max_mean_diff(bn_of(p, "conv2"), bn_of(b, "conv2")), 1e-2);
  // Every calibrated bundle records its calibration samples (the last 30), the single pass too.
  for (const spiketlm::bundle* x : {&b, &b2, &p}) {
    EXPECT_EQ(x->calibration_first, x->samples - 30);
    EXPECT_EQ(x->calibration_samples, 30);
  }
}

// On the ideal platform conv1's pre-BN value of channel k at a position is the integer
// convolution of the uint8 input with the int8 weights (padding 1) x weight_scale[k] x input
// scale, the same at every timestep. Its mean and unbiased variance over the calibration
// samples, positions and timesteps, computed here from the trace's tensors, are conv1's new
// running statistics.
TEST(SpikeFlowNonideal, IdealCalibrationGivesConv1TheStatisticsOfTheCalibrationInputs) {
  if (!have_fmnist()) GTEST_SKIP();
  const std::string out = scratch("ni_bn_ideal") + "/b";
  const int N = 10;
  ASSERT_EQ(cli("calibrate platforms/spikeflow/spikeflow.yaml --trace " + k_fmnist + " --samples " + std::to_string(N) +
                " --out " + out + " --quiet").code, 0);
  const spiketlm::bundle a = spiketlm::read_bundle(source_dir() + "/" + k_fmnist), b = spiketlm::read_bundle(out);
  const spiketlm::layer& L = a.layers[size_t(a.layer_index("conv1"))];
  ASSERT_EQ(L.in_channels, 1);
  ASSERT_EQ(L.kernel, 3);
  ASSERT_EQ(L.padding, 1);
  const int H = a.input_shape.h, W = a.input_shape.w, K = L.out_channels, T = a.timesteps;
  std::vector<double> s1(static_cast<size_t>(K), 0.0), s2(static_cast<size_t>(K), 0.0);
  for (int n = a.samples - N; n < a.samples; ++n) {
    const std::vector<int32_t> x = a.input(n);
    for (int k = 0; k < K; ++k)
      for (int y = 0; y < H; ++y)
        for (int z = 0; z < W; ++z) {
          int64_t acc = 0;
          for (int dy = 0; dy < 3; ++dy)
            for (int dz = 0; dz < 3; ++dz) {
              const int iy = y + dy - 1, iz = z + dz - 1;
              if (iy < 0 || iy >= H || iz < 0 || iz >= W) continue;
              acc += int64_t(x[size_t(iy) * W + iz]) * L.weight[size_t(k) * 9 + size_t(dy * 3 + dz)];
            }
          const double v = double(acc) * L.weight_scale[L.weight_scale.size() == 1 ? 0 : size_t(k)] * a.input_scale;
          s1[size_t(k)] += T * v;
          s2[size_t(k)] += T * v * v;
        }
  }
  const double cnt = double(N) * H * W * T;
  const spiketlm::batch_norm& bn = bn_of(b, "conv1");
  for (int k = 0; k < K; ++k) {
    const double m = s1[size_t(k)] / cnt, v = (s2[size_t(k)] / cnt - m * m) * cnt / (cnt - 1);
    EXPECT_NEAR(bn.running_mean[size_t(k)], m, 1e-5 * (std::fabs(m) + std::sqrt(v))) << "channel " << k;
    EXPECT_NEAR(bn.running_var[size_t(k)], v, 1e-5 * v) << "channel " << k;
  }
}

