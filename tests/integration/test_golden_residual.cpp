// Residual add layers in functional trace bundles (traces/FORMAT.md section 2.1): the golden
// model on a tiny block whose outputs are computed here by hand-written loops; the
// Fashion-MNIST SNN with a residual block (conv3 without neuron + conv2's spikes into an add's
// LIF) bit-exact on SATA (output-stationary and tick-batch) and SpikeFlow against the golden
// reference outputs; and the reader's one-line errors for badly wired adds.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/cli.h"
#include "tests/integration/modified_bundle.h"
#include "tests/integration/residual_bundle.h"
#include "tests/unit/bundle_copy.h"
#include "traces/src/golden.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {

neuron_params if_neuron(int threshold) {
  neuron_params p;
  p.model = "if";
  p.threshold = threshold;
  p.gain = 1.0;
  p.leak_num = 1;
  p.leak_shift = 0;
  return p;
}

// Plain 3x3, padding 1, one channel, 4x4 map.
std::vector<std::int64_t> conv4x4(const std::vector<std::int64_t>& in, const std::int8_t* w) {
  std::vector<std::int64_t> out(16, 0);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int yy = y + dy, xx = x + dx;
          if (yy >= 0 && yy < 4 && xx >= 0 && xx < 4) out[size_t(y * 4 + x)] += w[(dy + 1) * 3 + (dx + 1)] * in[size_t(yy * 4 + xx)];
        }
  return out;
}

neuron_params relu_neuron(int bits, double scale) {
  neuron_params p;
  p.model = "relu";
  p.bits = bits;
  p.scale = scale;
  p.gain = 1.0 / scale;
  p.threshold = 1;
  p.leak_shift = 0;
  return p;
}

}  // namespace

TEST(GoldenResidual, TinyBlockMatchesHandComputation) {
  // Input 1x4x4 spikes, T = 3. c1: 3x3 IF (threshold 2, weight scale 0.5: current = psum);
  // c2: 3x3 without neuron; add = c2 + c1's spikes into a LIF (threshold 3, v <- v/2, soft
  // reset); fc: 16 -> 2 without neuron.
  const std::int8_t w1[9] = {1, 0, 1, 0, 1, 0, 1, 0, 1};
  const std::int8_t w2[9] = {2, -1, 0, 1, 3, -2, 0, 1, 1};
  const int T = 3, N = 2;
  bundle b;
  b.kind = "functional";
  b.name = "tiny_residual";
  b.timesteps = T;
  b.classes = 2;
  b.samples = N;
  b.input_shape = {1, 4, 4};
  b.encoding = "spikes";
  std::vector<std::uint8_t> in(size_t(N) * T * 16);
  for (size_t j = 0; j < in.size(); ++j) in[j] = std::uint8_t((j * 5 + j / 7) % 3 == 0);
  b.inputs = npy_array::make<std::uint8_t>({size_t(N), size_t(T), 1, 4, 4}, in);
  b.labels = {0, 1};
  layer c1 = conv_layer("c1", 1, 1, 3, 1, std::vector<std::int8_t>(w1, w1 + 9), 0.5f);
  c1.neuron = if_neuron(2);
  layer c2 = conv_layer("c2", 1, 1, 3, 1, std::vector<std::int8_t>(w2, w2 + 9), 0.25f);
  c2.inputs = {"c1"};
  layer add;
  add.name = "add";
  add.type = layer_type::add;
  add.inputs = {"c2", "c1"};
  neuron_params lp;
  lp.threshold = 3;
  lp.leak_num = 1;
  lp.leak_shift = 1;
  add.neuron = lp;
  layer fl;
  fl.name = "flat";
  fl.type = layer_type::flatten;
  layer fc;
  fc.name = "fc";
  fc.type = layer_type::linear;
  fc.in_channels = 16;
  fc.out_channels = 2;
  for (int o = 0; o < 2; ++o)
    for (int i = 0; i < 16; ++i) fc.weight.push_back(std::int8_t(o == 0 ? 1 : (i % 5) - 2));
  fc.weight_scale = {0.1f};
  b.layers = {c1, c2, add, fl, fc};
  b.ref_outputs.assign(size_t(N) * T * 2, 0);
  for (auto& l : b.layers) l.in_scale = 1.0;
  derive_fixed_points(b);
  const std::string dir = scratch("gres_tiny");
  write_bundle(b, dir);
  const bundle r = read_bundle(dir);
  ASSERT_EQ(r.layers.size(), 5u);
  EXPECT_EQ(r.layers[2].type, layer_type::add);
  EXPECT_EQ(r.layers[2].in_shape, (tensor_shape{1, 4, 4}));
  EXPECT_EQ(r.layers[2].fx.multiplier, std::vector<std::int32_t>{1});
  EXPECT_EQ(r.layers[2].fx.offset, std::vector<std::int32_t>{0});
  EXPECT_EQ(r.layers[2].fx.shift, 0);
  EXPECT_EQ(r.firing_layers(), 2u);
  const golden::model m(r);
  int add_spikes_total = 0;
  for (int s = 0; s < N; ++s) {
    // Independent computation: c1's current is its psum (2 x 0.5 x psum, exactly), IF.
    std::vector<std::int64_t> v1(16, 0), va(16, 0);
    std::vector<std::int32_t> outs, counts;
    for (int t = 0; t < T; ++t) {
      std::vector<std::int64_t> x(16);
      for (int j = 0; j < 16; ++j) x[size_t(j)] = in[(size_t(s) * T + t) * 16 + j];
      const auto p1 = conv4x4(x, w1);
      std::vector<std::int64_t> s1(16);
      int n1 = 0, na = 0;
      for (int j = 0; j < 16; ++j) {
        v1[size_t(j)] += p1[size_t(j)];
        s1[size_t(j)] = v1[size_t(j)] >= 2;
        if (s1[size_t(j)]) v1[size_t(j)] -= 2, ++n1;
      }
      const auto p2 = conv4x4(s1, w2);
      std::vector<std::int64_t> sa(16);
      for (int j = 0; j < 16; ++j) {
        const std::int64_t cur = p2[size_t(j)] + s1[size_t(j)];
        va[size_t(j)] = (va[size_t(j)] >> 1) + cur;  // floor(v / 2)
        sa[size_t(j)] = va[size_t(j)] >= 3;
        if (sa[size_t(j)]) va[size_t(j)] -= 3, ++na;
      }
      for (int o = 0; o < 2; ++o) {
        std::int64_t acc = 0;
        for (int j = 0; j < 16; ++j) acc += std::int64_t(o == 0 ? 1 : (j % 5) - 2) * sa[size_t(j)];
        outs.push_back(std::int32_t(acc));
      }
      counts.push_back(n1);
      counts.push_back(na);
      add_spikes_total += na;
    }
    const golden::result g = m.run(s);
    EXPECT_EQ(g.outputs, outs) << "sample " << s;
    EXPECT_EQ(g.spike_counts, counts) << "sample " << s;
  }
  // The premise: the add fires, and not everywhere.
  EXPECT_GT(add_spikes_total, 0);
  EXPECT_LT(add_spikes_total, N * T * 16);
}

TEST(GoldenResidual, FmnistResidualBitExactOnSataAndSpikeFlow) {
  const int n = 6;
  const std::string dir = write_modified_bundle(residual_fmnist("fmnist_snn", lif_neuron(4), 1), n, "gres_fmnist");
  const bundle b = read_bundle(dir);
  ASSERT_EQ(b.layer_index("add"), 4);
  EXPECT_EQ(b.layers[4].inputs, (std::vector<std::string>{"conv3", "conv2"}));
  EXPECT_EQ(b.layers[5].in_shape, (tensor_shape{32, 14, 14}));
  // The premise: the add's LIF is neither silent nor saturated, and the block changes the
  // network's outputs (conv2's spikes alone would give the shipped bundle's).
  const golden::model m(b);
  const bundle orig = read_bundle(source_dir() + "/traces/fmnist_snn");
  const golden::model mo(orig);
  std::int64_t add_spikes = 0, differ = 0;
  const std::size_t add_f = 2;  // firing layers: conv1, conv2, add
  for (int s = 0; s < n; ++s) {
    const golden::result g = m.run(s), go = mo.run(s);
    for (int t = 0; t < b.timesteps; ++t) add_spikes += g.spike_counts[size_t(t) * 3 + add_f];
    differ += g.outputs != go.outputs;
  }
  const std::int64_t size = std::int64_t(n) * b.timesteps * 32 * 14 * 14;
  EXPECT_GT(add_spikes, size / 100);
  EXPECT_LT(add_spikes, size * 9 / 10);
  EXPECT_GT(differ, 0);
  expect_bit_exact(dir, n, "gres_snn");
}

TEST(GoldenResidual, FmnistAnnResidualBitExactOnSataAndSpikeFlow) {
  // The 8-bit ANN: the add's ReLU on conv3's accumulations + conv2's activations (no
  // membrane), its output activations in units of conv2's scale.
  const bundle src = read_bundle(source_dir() + "/traces/fmnist_ann8");
  const neuron_params& p2 = *src.layers[size_t(src.layer_index("conv2"))].neuron;
  const int n = 6;
  const std::string dir =
      write_modified_bundle(residual_fmnist("fmnist_ann8", relu_neuron(p2.bits, p2.scale), 23), n, "gres_ann");
  const bundle b = read_bundle(dir);
  const golden::model m(b);
  std::int64_t nonzero = 0;
  for (int s = 0; s < n; ++s) nonzero += m.run(s).spike_counts.at(2);
  const std::int64_t size = std::int64_t(n) * 32 * 14 * 14;
  EXPECT_GT(nonzero, size / 100);
  EXPECT_LT(nonzero, size * 9 / 10);
  expect_bit_exact(dir, n, "gres_ann");
}

TEST(GoldenResidual, ReaderRefusesBadlyWiredAdds) {
  const std::string dir = write_modified_bundle(residual_fmnist("fmnist_snn", lif_neuron(4), 1), 2, "gres_reader");
  ASSERT_NO_THROW(read_bundle(dir));
  // Operand 1 must be an accumulation map (a conv without neuron), not a firing layer.
  {
    bundle_copy c(dir, "gres_op1");
    c.replace("inputs: [\"conv3\", \"conv2\"]", "inputs: [\"conv2\", \"conv3\"]");
    EXPECT_EQ(expect_one_line(c.error()),
              "spiketlm/trace: " + c.path("trace.yaml") +
                  ": layers[4].inputs[0]: expected a conv2d or linear layer without neuron (the block's last "
                  "convolution), got 'conv2' (a firing conv2d)");
  }
  // Operand 2 must be a firing layer or an accumulation map (not a pool).
  {
    bundle_copy c(dir, "gres_op2");
    c.replace("inputs: [\"conv3\", \"conv2\"]", "inputs: [\"conv3\", \"pool1\"]");
    EXPECT_EQ(expect_one_line(c.error()),
              "spiketlm/trace: " + c.path("trace.yaml") +
                  ": layers[4].inputs[1]: expected a firing layer or a conv2d/linear without neuron (the shortcut), "
                  "got 'pool1' (a maxpool2d)");
  }
  // Shapes must agree.
  {
    bundle_copy c(dir, "gres_shape");
    c.replace("inputs: [\"conv3\", \"conv2\"]", "inputs: [\"conv3\", \"conv1\"]");
    EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("trace.yaml") +
                                              ": layers[4].inputs: expected two inputs of the same shape, got "
                                              "32x14x14 and 16x28x28");
  }
  // A conv without neuron that feeds no add (pool2 reads the add, nothing reads conv3).
  {
    bundle_copy c(dir, "gres_noadd");
    c.edit([](YAML::Node& n) {
      // A second accumulation map conv4 (reading conv2) becomes the add's operand 1.
      YAML::Node l = YAML::Clone(n["layers"][3]);
      l["name"] = "conv4";
      l["input"] = "conv2";
      YAML::Node ls(YAML::NodeType::Sequence);
      for (std::size_t i = 0; i < n["layers"].size(); ++i) {
        ls.push_back(n["layers"][i]);
        if (i == 3) ls.push_back(l);
      }
      ls[5]["inputs"][0] = "conv4";
      n["layers"] = ls;
    });
    EXPECT_EQ(expect_one_line(c.error()),
              "spiketlm/trace: " + c.path("trace.yaml") +
                  ": layers[3].neuron: expected a neuron (a conv2d/linear without neuron is the output layer or an "
                  "add's operand), got none ('conv3' feeds no add)");
  }
  // A layer other than an add must not read an accumulation map.
  {
    bundle_copy c(dir, "gres_consumer");
    c.edit([](YAML::Node& n) { n["layers"][5]["input"] = "conv3"; });
    EXPECT_EQ(expect_one_line(c.error()),
              "spiketlm/trace: " + c.path("trace.yaml") +
                  ": layers[5].input: expected a layer that is not an accumulation map (a conv2d/linear without neuron "
                  "feeds only adds), got 'conv3' (conv2d without neuron)");
  }
  // An add in a functional bundle fires, and its current has no gain.
  {
    bundle_copy c(dir, "gres_addnone");
    c.edit([](YAML::Node& n) { n["layers"][4]["neuron"] = "none"; });
    EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("trace.yaml") +
                                              ": layers[4].neuron: expected a map (an add fires in a functional "
                                              "bundle), got none");
  }
  {
    bundle_copy c(dir, "gres_gain");
    c.edit([](YAML::Node& n) { n["layers"][4]["neuron"]["gain"] = "0.75"; });
    EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("trace.yaml") +
                                              ": layers[4].neuron.gain: expected no gain on an add (its input current "
                                              "is the sum of its operands, FORMAT.md section 2.1), got '0.75'");
  }
}
