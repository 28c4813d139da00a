// Bundle features for networks brought from other frameworks (issue 18): per-channel biases
// folded into the fixed-point offset (FORMAT.md 4.3) and an add's scale and bias (2.1), an
// optional fixed_point block (derived when absent), poisson / rate input encodings computed
// in the simulation (3.1, the same spikes as sw/python/spiketlm/encode.py), the first T' timesteps
// of a functional bundle (--timesteps), and the ANN workload of a functional SNN (--ann).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/cli.h"
#include "tests/integration/modified_bundle.h"
#include "tests/integration/residual_bundle.h"
#include "tests/unit/bundle_copy.h"
#include "traces/src/golden.h"
#include "traces/src/run_variants.h"
#include "traces/src/spikegen.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {

bool have_numpy_yaml() { return std::system("/usr/bin/python3 -c 'import numpy, yaml' >/dev/null 2>&1") == 0; }

// Runs a Python snippet from the source tree with sw/python (the spiketlm package) on the path.
int python(const std::string& code, const std::string& tag) {
  const std::string dir = scratch(tag);
  std::ofstream(dir + "/snippet.py") << "import sys\nsys.path.insert(0, 'sw/python')\nimport numpy as np\n" << code;
  const std::string cmd = "cd " + source_dir() + " && /usr/bin/python3 " + dir + "/snippet.py >" + dir + "/out.txt 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) ADD_FAILURE() << slurp(dir + "/out.txt");
  return rc;
}

// The numpy twin of the integer model (sw/python/spiketlm/intmodel.py) on the bundle in `dir`
// gives `outputs` (where numpy and PyYAML are installed).
void expect_numpy_twin(const std::string& dir, const std::vector<std::int32_t>& outputs, const std::string& tag) {
  if (!have_numpy_yaml()) return;
  ASSERT_EQ(python("from spiketlm import intmodel\nL, x, T, mb, enc = intmodel.load_bundle('" + dir + "')\n"
                   "o, c = intmodel.run(L, x, T, mb, encoding=enc)\nnp.save('" + dir + "/numpy_outputs.npy', o.astype(np.int32))\n",
                   tag),
            0);
  EXPECT_EQ(npy_read(dir + "/numpy_outputs.npy").values<std::int32_t>(), outputs);
}

// fmnist_snn with a bias on both firing convolutions (a fixed pattern in [-0.5, 0.5]).
bundle biased_fmnist() {
  bundle b = read_bundle(source_dir() + "/traces/fmnist_snn");
  for (auto& l : b.layers) {
    if (!l.is_compute() || !l.fires()) continue;
    l.bias.resize(size_t(l.out_channels));
    for (int k = 0; k < l.out_channels; ++k) l.bias[size_t(k)] = float((k * 37 % 21) - 10) / 20.0f;
  }
  derive_fixed_points(b);
  return b;
}

}  // namespace

TEST(BundleFeatures, BiasFoldsIntoTheOffsetAsDerived) {
  // k = gain * threshold = 0.75 * 256 = 192; a = 192 * 0.5 = 96; b = 192 * bias.
  // Largest shift with |round(96 * 2^s)| <= 32767: s = 8 (24576; 2^9 gives 49152).
  const std::vector<float> bias = {0.25f, -1.5f};
  const fixed_point f = golden::derive_fixed_point({0.5f}, 1.0, nullptr, 0.75, 256, 2, &bias);
  EXPECT_EQ(f.shift, 8);
  EXPECT_EQ(f.multiplier, (std::vector<std::int32_t>{24576, 24576}));
  EXPECT_EQ(f.offset, (std::vector<std::int32_t>{48 * 256 + 128, -288 * 256 + 128}));
  // With BN (gamma 2, beta 1, mean 3, var 4 - eps: r = 1): b = 192 * (1 - 1 * (3 - bias)).
  batch_norm bn;
  bn.eps = 0.5;
  bn.weight = {2.0f};
  bn.bias = {1.0f};
  bn.running_mean = {3.0f};
  bn.running_var = {3.5f};
  const std::vector<float> b1 = {0.5f};
  const fixed_point g = golden::derive_fixed_point({0.5f}, 1.0, &bn, 0.75, 256, 1, &b1);
  EXPECT_EQ(g.shift, 8);  // a = 192 * 1 * 0.5 = 96 again; b = 192 * (1 - 2.5) = -288
  EXPECT_EQ(g.multiplier, (std::vector<std::int32_t>{96 * 256}));
  EXPECT_EQ(g.offset, (std::vector<std::int32_t>{-288 * 256 + 128}));
}

TEST(BundleFeatures, BiasedBundleBitExactOnBothPlatformsAndNumpy) {
  const int n = 4;
  const std::string dir = write_modified_bundle(biased_fmnist(), n, "feat_bias");
  const bundle b = read_bundle(dir);
  ASSERT_EQ(b.layers[0].bias.size(), 16u);
  // The premise: the biases change the outputs.
  const bundle orig = read_bundle(source_dir() + "/traces/fmnist_snn");
  const golden::model m(b), mo(orig);
  int differ = 0;
  for (int s = 0; s < n; ++s) differ += m.run(s).outputs != mo.run(s).outputs;
  EXPECT_GT(differ, 0);
  // The numpy twin (sw/python/spiketlm/intmodel.py) derives the same fixed points and outputs.
  expect_numpy_twin(dir, b.ref_outputs, "feat_bias_py");
  expect_bit_exact(dir, n, "feat_bias");
}

TEST(BundleFeatures, AddScaleAndBiasBitExactOnBothPlatforms) {
  bundle b = residual_fmnist("fmnist_snn", lif_neuron(4), 1);
  // The add's sum scaled by 0.3 (threshold 4: a = 1.2) plus a bias of (c % 5 - 2) / 8
  // thresholds per channel c (b = 4 * bias); shift 14: 1.2 * 2^14 = 19660.8 -> 19661.
  layer& add = b.layers[size_t(b.layer_index("add"))];
  add.sum_scale = 0.3;
  for (int c = 0; c < 32; ++c) add.bias.push_back(float((c % 5) - 2) / 8.0f);
  const int n = 3;
  const std::string dir = write_modified_bundle(b, n, "feat_addbias");
  const bundle r = read_bundle(dir);
  const layer& ra = r.layers[size_t(r.layer_index("add"))];
  EXPECT_EQ(ra.fx.shift, 14);
  EXPECT_EQ(ra.fx.multiplier[0], 19661);
  for (int c = 0; c < 32; ++c)
    EXPECT_EQ(ra.fx.offset[size_t(c)], ((c % 5) - 2) * 4 * 16384 / 8 + 8192) << c;
  const bundle plain = read_bundle(write_modified_bundle(residual_fmnist("fmnist_snn", lif_neuron(4), 1), n, "feat_addplain"));
  const golden::model m(r), mp(plain);
  int differ = 0;
  for (int s = 0; s < n; ++s) differ += m.run(s).spike_counts != mp.run(s).spike_counts;
  EXPECT_GT(differ, 0);
  expect_bit_exact(dir, n, "feat_addbias");
}

TEST(BundleFeatures, FixedPointBlockIsOptional) {
  bundle_copy c(source_dir() + "/traces/fmnist_snn", "feat_nofx");
  c.edit([](YAML::Node& n) {
    for (auto l : n["layers"])
      if (l["fixed_point"]) l.remove("fixed_point");
  });
  const bundle stored = read_bundle(source_dir() + "/traces/fmnist_snn");
  const bundle derived = read_bundle(c.dir.string());
  for (size_t i = 0; i < stored.layers.size(); ++i) {
    EXPECT_EQ(derived.layers[i].fx.multiplier, stored.layers[i].fx.multiplier) << i;
    EXPECT_EQ(derived.layers[i].fx.offset, stored.layers[i].fx.offset) << i;
    EXPECT_EQ(derived.layers[i].fx.shift, stored.layers[i].fx.shift) << i;
  }
  // A stored block must still equal the derived one.
  bundle_copy d(source_dir() + "/traces/fmnist_snn", "feat_badfx");
  d.replace("      shift: ", "      shift: 1");
  EXPECT_NE(expect_one_line(d.error()).find("fixed_point.shift: expected "), std::string::npos);
}

TEST(BundleFeatures, PoissonAndRateEncodingsMatchThePythonReference) {
  for (const char* enc : {"poisson", "rate"}) {
    bundle b = read_bundle(source_dir() + "/traces/fmnist_snn");
    b.encoding = enc;
    b.input_seed = 11;
    b.input_scale = 1.0;
    b.layers[0].in_scale = 1.0;  // spikes into conv1
    derive_fixed_points(b);
    const std::string dir = write_modified_bundle(b, 3, std::string("feat_") + enc);
    const bundle r = read_bundle(dir);
    ASSERT_EQ(r.encoding, enc);
    ASSERT_EQ(r.layers[0].in_bits, 1);
    std::vector<std::int32_t> cpp;
    std::int64_t ones = 0;
    for (int s = 0; s < r.samples; ++s)
      for (int t = 0; t < r.timesteps; ++t) {
        const auto v = r.input(s, t);
        cpp.insert(cpp.end(), v.begin(), v.end());
        for (auto x : v) ones += x;
      }
    const auto* img = r.inputs.data<std::uint8_t>();
    double expect = 0;
    for (size_t i = 0; i < r.inputs.size(); ++i) expect += r.timesteps * img[i] / 255.0;
    // Spike count near T * v / 255 summed over pixels (rate: within one spike per pixel).
    EXPECT_NEAR(double(ones), expect, expect * 0.02 + 1) << enc;
    if (have_numpy_yaml()) {
      ASSERT_EQ(python("from spiketlm import encode\nx = np.load('" + dir + "/inputs.npy')\n"
                       "np.save('" + dir + "/py.npy', encode.encode(x, 4, '" + enc + "', 11).astype(np.int32))\n",
                       std::string("feat_py_") + enc),
                0);
      EXPECT_EQ(npy_read(dir + "/py.npy").values<std::int32_t>(), cpp) << enc;
    }
    // Another seed, other spikes.
    bundle o = r;
    o.input_seed = 12;
    EXPECT_NE(o.input(0, 0), r.input(0, 0)) << enc;
    expect_bit_exact(dir, 3, std::string("feat_") + enc);
  }
}

TEST(BundleFeatures, TimestepsPrefixOfAFunctionalBundle) {
  const bundle b = read_bundle(source_dir() + "/traces/fmnist_snn");
  const bundle c = truncate_timesteps(b, 2);
  ASSERT_EQ(c.timesteps, 2);
  for (int s = 0; s < 5; ++s)
    for (int t = 0; t < 2; ++t)
      for (int k = 0; k < b.classes; ++k) EXPECT_EQ(c.ref_output(s, t, k), b.ref_output(s, t, k));
  // The golden model of the prefix reproduces the first two timesteps of the reference.
  const golden::model m(c);
  for (int s = 0; s < 5; ++s) {
    const auto r = m.run(s);
    for (int t = 0; t < 2; ++t)
      for (int k = 0; k < b.classes; ++k) EXPECT_EQ(r.outputs[size_t(t) * b.classes + k], b.ref_output(s, t, k));
  }
  for (const char* pl : {"platforms/sata/sata.yaml", "platforms/sata/sata_tick_batch.yaml", "platforms/spikeflow/spikeflow.yaml"}) {
    const Json j = run_json(std::string("run ") + pl + " --trace traces/fmnist_snn --samples 3 --timesteps 2", "feat_t2");
    EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0.0) << pl;
    EXPECT_EQ(summary(j, "average_timesteps"), 2.0) << pl;
  }
  const CliResult e = cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 1 --timesteps 5");
  EXPECT_EQ(e.code, 1);
  EXPECT_NE(e.err.find("run.timesteps: expected 0 or at most 4 for the functional trace fmnist_snn"), std::string::npos) << e.err;
}

TEST(BundleFeatures, AnnOfAFunctionalSnnUsesMeasuredSpikeRates) {
  // conv3 of the residual bundle reads conv2's spikes directly: its measured input rate is
  // conv2's spike count (the golden model's per-layer counts) over its map size.
  const int n = 3;
  const std::string dir = write_modified_bundle(residual_fmnist("fmnist_snn", lif_neuron(4), 1), n, "feat_ann");
  const bundle b = read_bundle(dir);
  const golden::model m(b);
  double spikes2 = 0;
  for (int s = 0; s < n; ++s) {
    const auto r = m.run(s);
    for (int t = 0; t < b.timesteps; ++t) spikes2 += r.spike_counts[size_t(t) * 3 + 1];
  }
  const std::vector<double> rate = measured_input_rates(b, 0, n);
  const int c3 = b.layer_index("conv3");
  EXPECT_DOUBLE_EQ(rate[size_t(c3)], spikes2 / (double(n) * b.timesteps * 32 * 14 * 14));
  const bundle a = ann_from_functional(b, 8, 0, n);
  EXPECT_EQ(a.network, "ann");
  EXPECT_EQ(a.kind, "workload");
  EXPECT_EQ(a.layers[size_t(c3)].input_rate, std::vector<double>{rate[size_t(c3)]});
  EXPECT_TRUE(a.layers[0].input_rate.empty());  // the image, dense
  for (const char* pl : {"platforms/sata/sata.yaml", "platforms/spikeflow/spikeflow.yaml"}) {
    const Json j = run_json(std::string("run ") + pl + " --trace " + dir + " --ann 8 -c run.ann_rate_samples=3", "feat_ann");
    EXPECT_EQ(j.get<std::string>("run.network"), "ann") << pl;
    EXPECT_GT(summary(j, "energy_uj"), 0.0) << pl;
  }
}

// The output layer's bias (FORMAT.md 2): in units of its accumulation (weight_scale x input
// scale), added to every timestep's accumulations by the accelerators' write-back (DESC_OUT_FX).
TEST(BundleFeatures, OutputBiasAddsToEveryTimestepOnEveryPlatform) {
  const int n = 4;
  bundle b = read_bundle(source_dir() + "/traces/fmnist_snn");
  layer& out = b.layers.back();
  ASSERT_FALSE(out.fires());
  const double unit = double(out.weight_scale[0]) * out.in_scale;
  for (int k = 0; k < out.out_channels; ++k) out.bias.push_back(float((40.0 * k - 180.0) * unit));
  const std::string dir = write_modified_bundle(b, n, "feat_outbias");
  const bundle r = read_bundle(dir);
  const layer& ro = r.layers.back();
  ASSERT_EQ(ro.fx.offset.size(), size_t(r.classes));
  for (int k = 0; k < r.classes; ++k) {
    EXPECT_EQ(ro.fx.offset[size_t(k)], 40 * k - 180) << k;
    EXPECT_EQ(ro.fx.multiplier[size_t(k)], 1);
  }
  EXPECT_EQ(ro.fx.shift, 0);
  // Independently: the unbiased network's accumulations plus 40 k - 180 at every timestep.
  const bundle plain = read_bundle(write_modified_bundle(read_bundle(source_dir() + "/traces/fmnist_snn"), n, "feat_outplain"));
  for (size_t i = 0; i < r.ref_outputs.size(); ++i)
    ASSERT_EQ(r.ref_outputs[i], plain.ref_outputs[i] + 40 * int(i % size_t(r.classes)) - 180) << i;
  expect_numpy_twin(dir, r.ref_outputs, "feat_outbias_py");
  expect_bit_exact(dir, n, "feat_outbias");
  const Json j = run_json("run platforms/northpole/northpole.yaml --trace " + dir + " --samples " + std::to_string(n),
                          "feat_outbias_np");
  EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0.0);
}

TEST(BundleFeatures, ABiasOnAnAddOperandIsRefused) {
  const std::string dir = write_modified_bundle(residual_fmnist("fmnist_snn", lif_neuron(4), 1), 2, "feat_operand");
  bundle_copy c(dir, "feat_operandbias");
  c.edit([](YAML::Node& n) {
    YAML::Node layers = n["layers"];
    for (std::size_t i = 0; i + 1 < layers.size(); ++i)
      if (layers[i]["neuron"].IsScalar() && layers[i]["weight"]) layers[i]["bias"] = "operand.bias.npy";
  });
  const std::string e = error_of([&] { read_bundle(c.dir.string()); });
  EXPECT_NE(e.find(".bias: expected no bias on an add's operand"), std::string::npos) << e;
}
