// Golden model: the integer arithmetic helpers against hand-computed values, C#n sharing on a
// tiny hand-built network, and bit-exact agreement with the shipped bundle's reference outputs.
#include "tests/helpers.h"
#include "tlm/error.h"
#include "traces/src/golden.h"
#include "traces/src/trace.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>

using namespace spiketlm;
using namespace spiketlm::golden;
using namespace spiketlm::arith;

namespace {

const std::string k_bundle = spiketlm::test::source_dir() + "/traces/fmnist_snn";

// input (direct, 1 value) -> linear 1->4 (IF or LIF, C#share) -> linear 4->2 (output)
bundle tiny(int share, int leak_shift, int T) {
  bundle b;
  b.kind = "functional";
  b.timesteps = T;
  b.classes = 2;
  b.input_shape = {1, 1, 1};
  b.samples = 0;
  layer l1;
  l1.name = "hidden";
  l1.type = layer_type::linear;
  l1.in_channels = 1;
  l1.out_channels = 4;
  l1.in_shape = {1, 1, 1};
  l1.out_shape = {4, 1, 1};
  l1.weight = {100, 20, 50, 0};
  l1.weight_scale = {1.0f};
  neuron_params p;
  p.model = leak_shift ? "lif" : "if";
  p.threshold = 64;
  p.leak_num = 1;
  p.leak_shift = leak_shift;
  p.share = share;
  l1.neuron = p;
  l1.fx.multiplier = {1, 1, 1, 1};  // current = psum
  l1.fx.offset = {0, 0, 0, 0};
  l1.fx.shift = 0;
  layer l2;
  l2.name = "out";
  l2.type = layer_type::linear;
  l2.in_channels = 4;
  l2.out_channels = 2;
  l2.in_shape = {4, 1, 1};
  l2.out_shape = {2, 1, 1};
  l2.weight = {1, 2, 4, 8, 0, 0, 0, 1};
  l2.weight_scale = {1.0f};
  b.layers = {l1, l2};
  return b;
}

std::vector<double> readme_accuracy(const std::string& file) {
  std::ifstream f(file);
  std::string line;
  std::vector<double> acc;
  while (std::getline(f, line)) {
    if (line.rfind("| integer (this bundle's reference outputs)", 0) != 0) continue;
    std::regex num("\\| ([0-9]+\\.[0-9]{2})");
    for (std::sregex_iterator it(line.begin(), line.end(), num), end; it != end; ++it)
      acc.push_back(std::stod((*it)[1]));
  }
  return acc;
}

}  // namespace

TEST(GoldenArith, RoundHalfAwayFromZero) {
  EXPECT_EQ(round_half_away(2.5), 3);
  EXPECT_EQ(round_half_away(-2.5), -3);
  EXPECT_EQ(round_half_away(1.4999999999999998), 1);
  EXPECT_EQ(round_half_away(0.49999999999999994), 0);  // floor(x + 0.5) would give 1
  EXPECT_EQ(round_half_away(-0.5), -1);
  EXPECT_EQ(round_half_away(3.0), 3);
  EXPECT_EQ(round_half_away(-7.75), -8);
}

TEST(GoldenArith, FixedPointDerivation) {
  // No BN: a = 0.75 * 256 * 0.5 * 1 = 96 -> largest shift with round(96 * 2^s) <= 32767 is 8.
  fixed_point f = derive_fixed_point({0.5f}, 1.0, nullptr, 0.75, 256, 2);
  EXPECT_EQ(f.shift, 8);
  EXPECT_EQ(f.multiplier, (std::vector<std::int32_t>{24576, 24576}));
  EXPECT_EQ(f.offset, (std::vector<std::int32_t>{128, 128}));
  // BN: gamma 2, var 3, eps 1 -> gamma / sqrt(var + eps) = 1; mean 1, beta 0.5:
  // a = 192 * 1 * 0.5 = 96, b = 192 * (0.5 - 1 * 1) = -96 -> offset = -96 * 256 + 128.
  batch_norm bn;
  bn.eps = 1.0;
  bn.weight = {2.0f};
  bn.bias = {0.5f};
  bn.running_mean = {1.0f};
  bn.running_var = {3.0f};
  f = derive_fixed_point({0.5f}, 1.0, &bn, 0.75, 256, 1);
  EXPECT_EQ(f.shift, 8);
  EXPECT_EQ(f.multiplier, std::vector<std::int32_t>{24576});
  EXPECT_EQ(f.offset, std::vector<std::int32_t>{-24448});
}

TEST(GoldenArith, FixedPointShiftLimitedByOffset) {
  // a = 0.75 * 256 * 1 = 192 (mult alone would allow shift 7); b = 192 * 2^20 = 201326592,
  // b * 2^3 = 1610612736 + 4 fits int32, b * 2^4 does not -> shift 3.
  batch_norm bn;
  bn.eps = 1.0;
  bn.weight = {2.0f};
  bn.bias = {1048577.0f};
  bn.running_mean = {1.0f};
  bn.running_var = {3.0f};
  const fixed_point f = derive_fixed_point({1.0f}, 1.0, &bn, 0.75, 256, 1);
  EXPECT_EQ(f.shift, 3);
  EXPECT_EQ(f.multiplier, std::vector<std::int32_t>{1536});
  EXPECT_EQ(f.offset, std::vector<std::int32_t>{1610612736 + 4});
}

TEST(GoldenArith, NeuronCurrentFloors) {
  EXPECT_EQ(neuron_current(3, 24576, 128, 8), 288);     // (73728 + 128) / 256 = 288.5 -> 288
  EXPECT_EQ(neuron_current(-3, 24576, 128, 8), -288);   // (-73728 + 128) / 256 = -287.5 -> -288
  EXPECT_EQ(neuron_current(1, 100, 0, 0), 100);
  EXPECT_EQ(neuron_current(-1, 1, 0, 1), -1);           // arithmetic shift: floor(-0.5) = -1
}

TEST(GoldenArith, LifUpdate) {
  neuron_params p;  // lif, threshold 256, leak v/4, soft reset
  std::int64_t v = 0;
  EXPECT_TRUE(lif_update(v, 300, p, 32));
  EXPECT_EQ(v, 44);
  EXPECT_FALSE(lif_update(v, 0, p, 32));
  EXPECT_EQ(v, 11);
  v = -7;
  EXPECT_FALSE(lif_update(v, 0, p, 32));
  EXPECT_EQ(v, -2);  // floor(-7 / 4)
  v = 100;
  EXPECT_TRUE(lif_update(v, 240, p, 32));  // 25 + 240 = 265 -> 9
  EXPECT_EQ(v, 9);
  p.reset = reset_mode::hard;
  v = 100;
  EXPECT_TRUE(lif_update(v, 240, p, 32));
  EXPECT_EQ(v, 0);
  // Saturation: 8-bit membrane, threshold 200 is never reached (clamped at 127).
  p.reset = reset_mode::soft;
  p.threshold = 200;
  v = 0;
  EXPECT_FALSE(lif_update(v, 1000, p, 8));
  EXPECT_EQ(v, 127);
  v = 0;
  EXPECT_FALSE(lif_update(v, -1000, p, 8));
  EXPECT_EQ(v, -128);
  EXPECT_EQ(saturate(40000, 16), 32767);
  EXPECT_EQ(saturate(-40000, 16), -32768);
}

TEST(GoldenModel, ChannelSharingIF) {
  // C#2 with IF neurons, threshold 64: channels {0,1} then {2,3} share membranes {0,1}.
  // Hand-run (currents 100, 20, 50, 0): t0 v0 100->36 fires ch0, v1 20; v0 36+50=86->22 fires
  // ch2, v1 20. t1 v0 122->58 (ch0), v1 40; v0 108->44 (ch2), v1 40. t2 v0 144->80 (ch0),
  // v1 60; v0 130->66 (ch2), v1 60. t3 v0 166->102 (ch0), v1 80->16 (ch1); v0 152->88 (ch2), v1 16.
  const bundle b = tiny(2, 0, 4);
  const model m(b);
  const result r = m.run_input({1});
  EXPECT_EQ(r.outputs, (std::vector<std::int32_t>{5, 0, 5, 0, 5, 0, 7, 0}));
  EXPECT_EQ(r.spike_counts, (std::vector<std::int32_t>{2, 2, 2, 3}));
  // Without sharing ch2 alone: 50, 100->36 (fires), 86->22, 72->8 and ch1: 20,40,60,80->16.
  const bundle b1 = tiny(1, 0, 4);
  const result r1 = model(b1).run_input({1});
  EXPECT_EQ(r1.outputs, (std::vector<std::int32_t>{1, 0, 5, 0, 5, 0, 7, 0}));
}

TEST(GoldenModel, ChannelSharingLeaksBetweenGroups) {
  // C#2 with leak v/2: t0 v0 100->36 (ch0), v1 20; v0 18+50=68->4 (ch2), v1 10.
  // t1 v0 2+100=102->38 (ch0), v1 5+20=25; v0 19+50=69->5 (ch2), v1 12.
  // t2 v0 2+100->38 (ch0), v1 6+20=26; v0 69->5 (ch2), v1 13.
  const bundle b = tiny(2, 1, 3);
  const result r = model(b).run_input({1});
  EXPECT_EQ(r.outputs, (std::vector<std::int32_t>{5, 0, 5, 0, 5, 0}));
  EXPECT_EQ(r.predicted(0), 0);
  // Ties go to the lowest class: outputs of class 0 and 1 equal -> 0.
  result tie;
  tie.timesteps = 1;
  tie.classes = 3;
  tie.outputs = {4, 7, 7};
  EXPECT_EQ(tie.predicted(0), 1);
}

TEST(GoldenModel, SpikeEncodedInput) {
  // Same tiny C#2 IF net, input as spikes: 1 at t0, 0 at t1. t0 as in ChannelSharingIF
  // (ch0, ch2 fire; membranes 22, 20); t1 currents 0: 22 and 20 stay below 64.
  bundle b = tiny(2, 0, 2);
  b.encoding = "spikes";
  const result r = model(b).run_input({1, 0});
  EXPECT_EQ(r.outputs, (std::vector<std::int32_t>{5, 0, 0, 0}));
  EXPECT_EQ(r.spike_counts, (std::vector<std::int32_t>{2, 0}));
}

TEST(GoldenModel, KernelsAgainstHandValues) {
  // 1x3x3 input, 3x3 kernel of ones, pad 1, stride 2 -> 2x2 output of the corner sums.
  const std::vector<std::int32_t> in = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<std::int8_t> w(9, 1);
  std::vector<std::int32_t> out(4);
  conv2d_dense(in.data(), {1, 3, 3}, w.data(), 3, 2, 1, {1, 2, 2}, out.data());
  EXPECT_EQ(out, (std::vector<std::int32_t>{12, 16, 24, 28}));
  // Event form on a 0/1 map equals the dense form.
  const std::vector<std::int32_t> s = {1, 0, 1, 0, 0, 1, 1, 1, 0};
  std::vector<std::int8_t> w2 = {1, -2, 3, -4, 5, -6, 7, -8, 9, 2, 2, 2, 2, 2, 2, 2, 2, 2};  // 2 filters
  std::vector<std::int32_t> d(18), e(18);
  conv2d_dense(s.data(), {1, 3, 3}, w2.data(), 3, 1, 1, {2, 3, 3}, d.data());
  conv2d_events({0, 2, 5, 6, 7}, {1, 3, 3}, transpose_conv_weight(w2, 2, 1, 3).data(), 3, 1, 1, {2, 3, 3}, e.data());
  EXPECT_EQ(d, e);
  EXPECT_EQ(d[4], 1 * 1 + 3 * 1 + -6 * 1 + 7 * 1 + -8 * 1);  // centre: s[0]w0 + s[2]w2 + s[5]w5 + s[6]w6 + s[7]w7
  std::vector<std::int32_t> mp(1), ap(1);
  maxpool2d(s.data(), {1, 3, 3}, 2, 2, 0, {1, 1, 1}, mp.data());
  avgpool2d(in.data(), {1, 3, 3}, 2, 2, 0, {1, 1, 1}, ap.data());
  EXPECT_EQ(mp[0], 1);
  EXPECT_EQ(ap[0], 1 + 2 + 4 + 5);
}

// Golden outputs and spike counts == the bundle's reference, all samples and timesteps;
// accuracy == the README's row and == the accuracy recomputed from the stored outputs.
static void check_bundle(const std::string& dir, int share) {
  const bundle b = read_bundle(dir);
  for (const auto& l : b.layers) {
    if (l.fires()) {
      EXPECT_EQ(l.neuron->share, share) << l.name;
    }
  }
  const model m(b);
  const std::size_t F = b.firing_layers();
  std::size_t bad_values = 0;
  for (int n = 0; n < b.samples; ++n) {
    const result r = m.run(n);
    for (int t = 0; t < b.timesteps; ++t) {
      for (int c = 0; c < b.classes; ++c) {
        const std::int32_t got = r.outputs[static_cast<std::size_t>(t) * b.classes + c];
        if (got != b.ref_output(n, t, c) && bad_values++ < 5)
          ADD_FAILURE() << "sample " << n << " t " << t << " class " << c << ": golden " << got << ", reference "
                        << b.ref_output(n, t, c);
      }
      for (std::size_t f = 0; f < F; ++f)
        if (r.spike_counts[static_cast<std::size_t>(t) * F + f] !=
                b.ref_spike_counts[(static_cast<std::size_t>(n) * b.timesteps + t) * F + f] &&
            bad_values++ < 5)
          ADD_FAILURE() << "sample " << n << " t " << t << " layer " << f << ": spike count differs";
    }
  }
  EXPECT_EQ(bad_values, 0u);
  const evaluation e = evaluate(m);
  EXPECT_EQ(e.mismatched_samples, 0u);
  const std::vector<double> readme = readme_accuracy(dir + "/README.md");
  ASSERT_EQ(readme.size(), static_cast<std::size_t>(b.timesteps));
  ASSERT_EQ(e.accuracy.size(), static_cast<std::size_t>(b.timesteps));
  for (std::size_t t = 0; t < e.accuracy.size(); ++t) {
    char got[16], want[16];
    std::snprintf(got, sizeof got, "%.2f", 100.0 * e.accuracy[t]);
    std::snprintf(want, sizeof want, "%.2f", readme[t]);
    EXPECT_EQ(std::string(got), std::string(want)) << "t = " << t + 1;
  }
  // Independently of the model: accuracy from the stored reference outputs.
  for (int t = 0; t < b.timesteps; ++t) {
    int correct = 0;
    for (int n = 0; n < b.samples; ++n) {
      std::vector<std::int64_t> cum(static_cast<std::size_t>(b.classes), 0);
      for (int u = 0; u <= t; ++u)
        for (int c = 0; c < b.classes; ++c) cum[static_cast<std::size_t>(c)] += b.ref_output(n, u, c);
      int best = 0;
      for (int c = 1; c < b.classes; ++c)
        if (cum[static_cast<std::size_t>(c)] > cum[static_cast<std::size_t>(best)]) best = c;
      correct += best == b.labels[static_cast<std::size_t>(n)];
    }
    EXPECT_DOUBLE_EQ(e.accuracy[static_cast<std::size_t>(t)], static_cast<double>(correct) / b.samples);
  }
  EXPECT_GT(e.accuracy.back(), 0.85);
}

TEST(GoldenModel, ReproducesReferenceFmnist) {
  check_bundle(k_bundle, 1);
  // The accuracy the numpy integer model (traces/tools/intmodel.py) reported at export.
  const evaluation e = evaluate(model(read_bundle(k_bundle)));
  EXPECT_EQ(e.accuracy, (std::vector<double>{0.893, 0.915, 0.922, 0.920}));
}

TEST(GoldenModel, ReproducesReferenceFmnistC2) {
  check_bundle(spiketlm::test::source_dir() + "/traces/fmnist_snn_c2", 2);
  const evaluation e = evaluate(model(read_bundle(spiketlm::test::source_dir() + "/traces/fmnist_snn_c2")));
  EXPECT_EQ(e.accuracy, (std::vector<double>{0.912, 0.919, 0.917, 0.918}));  // intmodel.py at export
}

TEST(GoldenModel, ReproducesReferenceFmnistC4) {
  check_bundle(spiketlm::test::source_dir() + "/traces/fmnist_snn_c4", 4);
  const evaluation e = evaluate(model(read_bundle(spiketlm::test::source_dir() + "/traces/fmnist_snn_c4")));
  EXPECT_EQ(e.accuracy, (std::vector<double>{0.906, 0.919, 0.918, 0.918}));  // intmodel.py at export
}

TEST(GoldenModel, MembraneWidthIsAParameter) {
  const bundle b = read_bundle(k_bundle);
  // 32 bits never saturates on this network: same as the reference. 6 bits (|v| <= 31, below
  // the threshold 256) can never fire: the output layer then sees no spikes at all.
  EXPECT_EQ(model(b, options{32}).run(0).outputs, model(b).run(0).outputs);
  const result r = model(b, options{6}).run(0);
  for (auto v : r.spike_counts) EXPECT_EQ(v, 0);
  for (auto v : r.outputs) EXPECT_EQ(v, 0);
}

TEST(GoldenModel, ObserverSeesEveryLayer) {
  const bundle b = read_bundle(k_bundle);
  const model m(b);
  std::vector<std::vector<std::int32_t>> psums(b.layers.size()), outs(b.layers.size());
  int calls = 0;
  std::int64_t conv1_spikes_t0 = -1;
  const result r = m.run(3, [&](int t, int li, const std::vector<std::int32_t>& psum, const std::vector<std::int32_t>& out) {
    ++calls;
    const auto i = static_cast<std::size_t>(li);
    if (t == 0 && li == 0) {
      // t = 0, membrane 0: spike iff the current alone reaches the threshold.
      const layer& l = b.layers[0];
      std::int64_t n = 0;
      for (std::size_t j = 0; j < psum.size(); ++j) {
        const std::size_t c = j / (28 * 28);
        const bool s = neuron_current(psum[j], l.fx.multiplier[c], l.fx.offset[c], l.fx.shift) >= 256;
        EXPECT_EQ(out[j], s ? 1 : 0) << j;
        n += s;
      }
      conv1_spikes_t0 = n;
    }
    if (t == 2) {
      psums[i] = psum;
      outs[i] = out;
    }
  });
  EXPECT_EQ(calls, 4 * 6);
  EXPECT_EQ(conv1_spikes_t0, r.spike_counts[0]);
  // pool1 = 2x2 OR of conv1's spikes; conv2's psums = dense convolution of pool1's map.
  for (int c = 0; c < 16; ++c)
    for (int y = 0; y < 14; ++y)
      for (int x = 0; x < 14; ++x) {
        const auto at = [&](int yy, int xx) { return outs[0][static_cast<std::size_t>((c * 28 + yy) * 28 + xx)]; };
        const int o = at(2 * y, 2 * x) | at(2 * y, 2 * x + 1) | at(2 * y + 1, 2 * x) | at(2 * y + 1, 2 * x + 1);
        EXPECT_EQ(outs[1][static_cast<std::size_t>((c * 14 + y) * 14 + x)], o);
      }
  std::vector<std::int32_t> dense(32 * 14 * 14);
  conv2d_dense(outs[1].data(), {16, 14, 14}, b.layers[2].weight.data(), 3, 1, 1, {32, 14, 14}, dense.data());
  EXPECT_EQ(psums[2], dense);
  std::vector<std::int32_t> fc(10);
  linear_dense(outs[4].data(), 1568, b.layers[5].weight.data(), 10, fc.data());
  EXPECT_EQ(fc, std::vector<std::int32_t>(r.outputs.begin() + 20, r.outputs.begin() + 30));
}
