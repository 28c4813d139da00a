// ANN mode of the traces (FORMAT.md section 8): the reader's network/relu validation, the
// golden model on the shipped ANN bundles (bit-exact with the numpy integer model's reference,
// accuracy equal to the README), the relu arithmetic on a hand-built network, to_ann() on the
// workloads with the activation generator, and the FLOP-based estimate against hand counts.
#include "tests/unit/bundle_copy.h"
#include "tlm/error.h"
#include "traces/src/flops.h"
#include "traces/src/golden.h"
#include "traces/src/spikegen.h"
#include "traces/src/to_ann.h"
#include "traces/src/trace.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>

namespace fs = std::filesystem;
using namespace spiketlm;

namespace {

const std::string k_src = spiketlm::test::source_dir();
const std::string k_ann8 = k_src + "/traces/fmnist_ann8";
const std::string k_ann4 = k_src + "/traces/fmnist_ann4";
const std::string k_snn = k_src + "/traces/fmnist_snn";

using spiketlm::test::bundle_copy;
using spiketlm::test::error_of;
using spiketlm::test::expect_one_line;



// The integer accuracy figure of the README table row of the shipped samples, in percent.
double readme_accuracy(const std::string& dir) {
  std::ifstream f(dir + "/README.md");
  std::string line;
  const std::regex row("^\\| integer \\(this bundle's reference outputs\\) \\| first ([0-9]+) \\| ([0-9]+\\.[0-9]{2}) \\|$");
  std::smatch m;
  while (std::getline(f, line))
    if (std::regex_match(line, m, row)) return std::stod(m[2]);
  ADD_FAILURE() << "no accuracy row in " << dir << "/README.md";
  return -1;
}

// input (direct, 1 value) -> linear 1->4, relu `bits` -> linear 4->2 (output); ANN, T = 1.
bundle tiny_ann(int bits) {
  bundle b;
  b.kind = "functional";
  b.network = "ann";
  b.timesteps = 1;
  b.classes = 2;
  b.input_shape = {1, 1, 1};
  layer l1;
  l1.name = "hidden";
  l1.type = layer_type::linear;
  l1.in_channels = 1;
  l1.out_channels = 4;
  l1.in_shape = {1, 1, 1};
  l1.out_shape = {4, 1, 1};
  l1.weight = {100, 20, -50, 3};
  l1.weight_scale = {1.0f};
  neuron_params p;
  p.model = "relu";
  p.bits = bits;
  p.scale = 1.0;
  l1.neuron = p;
  l1.fx.multiplier = {1, 1, 1, 3};
  l1.fx.offset = {0, 8, 0, 0};
  l1.fx.shift = 4;
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

void check_ann_bundle(const std::string& dir, int bits) {
  const bundle b = read_bundle(dir);
  ASSERT_TRUE(b.ann());
  ASSERT_EQ(b.timesteps, 1);
  ASSERT_EQ(b.samples, 1000);
  ASSERT_EQ(b.firing_layers(), 2u);
  ASSERT_EQ(b.ref_nonzero_counts.size(), 2000u);
  for (const layer& l : b.layers)
    if (l.fires()) {
      EXPECT_TRUE(l.neuron->relu());
      EXPECT_EQ(l.neuron->bits, bits);
    }
  const golden::model m(b);
  const std::int32_t top = (1 << bits) - 1;
  int correct = 0, mismatched = 0;
  std::int64_t nonzero[2] = {0, 0};
  for (int n = 0; n < b.samples; ++n) {
    bool in_range = true;
    const golden::result r = m.run(n, [&](int, int li, const std::vector<std::int32_t>&, const std::vector<std::int32_t>& out) {
      if (b.layers[static_cast<std::size_t>(li)].fires())
        for (auto v : out) in_range = in_range && v >= 0 && v <= top;
    });
    EXPECT_TRUE(in_range) << "activation outside [0, " << top << "] in sample " << n;
    bool same = true;
    for (int c = 0; c < b.classes; ++c) same = same && r.outputs[static_cast<std::size_t>(c)] == b.ref_output(n, 0, c);
    for (int f = 0; f < 2; ++f) {
      same = same && r.spike_counts[static_cast<std::size_t>(f)] == b.ref_nonzero_counts[static_cast<std::size_t>(n) * 2 + f];
      nonzero[f] += r.spike_counts[static_cast<std::size_t>(f)];
    }
    mismatched += !same;
    // Accuracy from the reference logits alone: argmax, ties to the lowest class.
    int best = 0;
    for (int c = 1; c < b.classes; ++c)
      if (b.ref_output(n, 0, c) > b.ref_output(n, 0, best)) best = c;
    correct += best == b.labels[static_cast<std::size_t>(n)];
  }
  EXPECT_EQ(mismatched, 0) << dir;
  EXPECT_NEAR(100.0 * correct / b.samples, readme_accuracy(dir), 0.005) << dir;
  // Not a degenerate network: it classifies, and its activations are neither all zero nor all on.
  EXPECT_GT(correct, 850);
  for (int f = 0; f < 2; ++f) {
    const double d = static_cast<double>(nonzero[f]) / (static_cast<double>(b.samples) *
                                                         b.layers[f == 0 ? 0 : 2].out_shape.size());
    EXPECT_GT(d, 0.05);
    EXPECT_LT(d, 0.95);
  }
}

}  // namespace

// ---------------------------------------------------------------- reader

TEST(AnnReader, ReadsShippedAnnBundle) {
  const bundle b = read_bundle(k_ann8);
  EXPECT_EQ(b.network, "ann");
  EXPECT_EQ(b.timesteps, 1);
  ASSERT_EQ(b.layers.size(), 6u);
  const layer &c1 = b.layers[0], &c2 = b.layers[2], &fc = b.layers[5];
  ASSERT_TRUE(c1.fires() && c2.fires());
  EXPECT_EQ(c1.neuron->model, "relu");
  EXPECT_EQ(c1.neuron->bits, 8);
  EXPECT_GT(c1.neuron->scale, 0.0);
  // The fold gives the activation in units of scale: gain 1/scale, threshold 1.
  EXPECT_EQ(c1.neuron->gain, 1.0 / c1.neuron->scale);
  EXPECT_EQ(c1.neuron->threshold, 1);
  // The input scale after a relu layer is its activation step.
  EXPECT_EQ(c2.in_scale, c1.neuron->scale);
  EXPECT_EQ(fc.in_scale, c2.neuron->scale);
  EXPECT_EQ(c1.in_bits, 8);
  EXPECT_EQ(c2.in_bits, 8);
  EXPECT_EQ(fc.in_bits, 8);
  EXPECT_EQ(read_bundle(k_ann4).layers[5].in_bits, 4);
  EXPECT_TRUE(b.ref_spike_counts.empty());
  // The SNN bundle reads as before: network snn, spike inputs are 1 bit wide.
  const bundle s = read_bundle(k_snn);
  EXPECT_EQ(s.network, "snn");
  EXPECT_EQ(s.layers[0].in_bits, 8);
  EXPECT_EQ(s.layers[2].in_bits, 1);
  EXPECT_EQ(s.layers[5].in_bits, 1);
  EXPECT_EQ(s.layers[2].in_scale, 1.0);
  EXPECT_EQ(s.layers[0].neuron->bits, 0);
}

TEST(AnnReader, SameInputsAsTheSnnBundle) {
  const bundle a = read_bundle(k_ann8), s = read_bundle(k_snn), q = read_bundle(k_ann4);
  EXPECT_EQ(a.labels, s.labels);
  EXPECT_EQ(q.labels, s.labels);
  EXPECT_EQ(a.input_scale, s.input_scale);
  ASSERT_EQ(a.inputs.size(), s.inputs.size());
  for (int n = 0; n < s.samples; n += 97) {
    EXPECT_EQ(a.input(n), s.input(n)) << n;
    EXPECT_EQ(q.input(n), s.input(n)) << n;
  }
}

TEST(AnnReader, ReluInSnnBundle) {
  bundle_copy c(k_snn, "relu_in_snn");
  c.edit([](YAML::Node& n) {
    YAML::Node r;
    r["model"] = "relu";
    r["bits"] = 8;
    r["scale"] = 0.5;
    n["layers"][2]["neuron"] = r;
  });
  EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("trace.yaml") +
                                     ": layers[2].neuron.model: expected lif or if (network snn; relu needs network: "
                                     "ann), got 'relu'");
}

TEST(AnnReader, LifInAnnBundle) {
  bundle_copy c(k_ann8, "lif_in_ann");
  c.edit([](YAML::Node& n) {
    YAML::Node l;
    l["model"] = "lif";
    l["threshold"] = 256;
    n["layers"][2]["neuron"] = l;
  });
  EXPECT_EQ(expect_one_line(c.error()),
            "spiketlm/trace: " + c.path("trace.yaml") + ": layers[2].neuron.model: expected relu (network ann), got 'lif'");
  // A neuron map without model defaults to lif, which an ann bundle refuses too.
  bundle_copy d(k_ann8, "default_in_ann");
  d.edit([](YAML::Node& n) { n["layers"][0]["neuron"].remove("model"); });
  EXPECT_EQ(expect_one_line(d.error()), "spiketlm/trace: " + d.path("trace.yaml") +
                                     ": layers[0].neuron.model: expected relu (network ann), got 'lif' (the default)");
}

TEST(AnnReader, BitsOutOfRange) {
  for (const char* bits : {"9", "1", "0", "eight"}) {
    bundle_copy c(k_ann8, std::string("bits") + bits);
    c.replace("bits: 8", std::string("bits: ") + bits);
    const std::string got = std::string(bits) == "eight" ? "expected an integer, got 'eight'"
                                                          : std::string("expected an integer in [2, 8], got ") + bits;
    EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("trace.yaml") + ": layers[0].neuron.bits: " + got);
  }
  bundle_copy m(k_ann8, "nobits");
  m.edit([](YAML::Node& n) { n["layers"][2]["neuron"].remove("bits"); });
  EXPECT_EQ(expect_one_line(m.error()), "spiketlm/trace: " + m.path("trace.yaml") + ": layers[2].neuron.bits: missing (required)");
}

TEST(AnnReader, TimestepsMustBeOne) {
  bundle_copy c(k_ann8, "timesteps");
  c.replace("timesteps: 1", "timesteps: 4");
  EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("trace.yaml") +
                                     ": timesteps: expected 1 for network ann (an ANN runs one pass), got 4");
}

TEST(AnnReader, OtherFields) {
  bundle_copy c(k_ann8, "network");
  c.replace("network: ann", "network: bnn");
  EXPECT_EQ(expect_one_line(c.error()),
            "spiketlm/trace: " + c.path("trace.yaml") + ": network: expected one of snn, ann, got 'bnn'");
  // The scale is what the fixed-point fold is checked against: required, positive, and a
  // changed scale no longer matches the stored multipliers.
  bundle_copy s(k_ann8, "noscale");
  s.edit([](YAML::Node& n) { n["layers"][0]["neuron"].remove("scale"); });
  EXPECT_EQ(expect_one_line(s.error()), "spiketlm/trace: " + s.path("trace.yaml") + ": layers[0].neuron.scale: missing (required)");
  bundle_copy z(k_ann8, "zeroscale");
  z.edit([](YAML::Node& n) { n["layers"][0]["neuron"]["scale"] = -0.5; });
  EXPECT_EQ(expect_one_line(z.error()),
            "spiketlm/trace: " + z.path("trace.yaml") + ": layers[0].neuron.scale: expected a positive number, got -0.5");
  bundle_copy d(k_ann8, "scale2");
  d.edit([](YAML::Node& n) { n["layers"][0]["neuron"]["scale"] = n["layers"][0]["neuron"]["scale"].as<double>() * 1.5; });
  EXPECT_TRUE(std::regex_match(
      expect_one_line(d.error()),
      std::regex("spiketlm/trace: (.*/conv1\\.fx\\.(multiplier|offset)\\.npy: \\[[0-9]+\\]|.*/trace\\.yaml: "
                 "layers\\[0\\]\\.fixed_point\\.shift): expected -?[0-9]+ \\(derived, FORMAT\\.md section 4\\), got -?[0-9]+")))
      << d.error();
  // LIF keys on a relu and SNN reference keys in an ann bundle are unknown keys.
  bundle_copy k(k_ann8, "share");
  k.edit([](YAML::Node& n) { n["layers"][0]["neuron"]["share"] = 1; });
  EXPECT_EQ(expect_one_line(k.error()), "spiketlm/trace: " + k.path("trace.yaml") +
                                     ": layers[0].neuron.share: unknown key (expected one of model, bits, scale)");
  bundle_copy r(k_ann8, "membrane");
  r.edit([](YAML::Node& n) { n["reference"]["membrane_bits"] = 32; });
  EXPECT_EQ(expect_one_line(r.error()), "spiketlm/trace: " + r.path("trace.yaml") +
                                     ": reference.membrane_bits: unknown key (expected one of outputs, nonzero_counts)");
  bundle_copy e(k_ann8, "encoding");
  e.replace("encoding: direct", "encoding: spikes");
  EXPECT_EQ(expect_one_line(e.error()), "spiketlm/trace: " + e.path("trace.yaml") +
                                     ": input.encoding: expected direct for network ann (multi-bit input values), got 'spikes'");
  bundle_copy v(k_ann8, "counts");
  auto cnt = npy_read(v.path("ref_nonzero_counts.npy")).values<std::int32_t>();
  cnt[3] = 6273;  // conv2 has 32 x 14 x 14 = 6272 outputs
  npy_write<std::int32_t>(v.path("ref_nonzero_counts.npy"), {1000, 1, 2}, cnt);
  EXPECT_EQ(expect_one_line(v.error()),
            "spiketlm/trace: " + v.path("ref_nonzero_counts.npy") + ": [3]: expected a count in [0, 6272], got 6273");
}

TEST(AnnReader, WriterRoundTrip) {
  const bundle b = read_bundle(k_ann4);
  const fs::path d = fs::temp_directory_path() / ("spiketlm_ann_write_" + std::to_string(::getpid()));
  fs::remove_all(d);
  write_bundle(b, d.string());
  const bundle c = read_bundle(d.string());
  fs::remove_all(d);
  EXPECT_EQ(c.network, "ann");
  ASSERT_EQ(c.layers.size(), b.layers.size());
  for (std::size_t i = 0; i < b.layers.size(); ++i) {
    ASSERT_EQ(c.layers[i].fires(), b.layers[i].fires());
    if (!b.layers[i].fires()) continue;
    EXPECT_EQ(c.layers[i].neuron->scale, b.layers[i].neuron->scale);
    EXPECT_EQ(c.layers[i].neuron->bits, 4);
    EXPECT_EQ(c.layers[i].fx.multiplier, b.layers[i].fx.multiplier);
  }
  EXPECT_EQ(c.ref_outputs, b.ref_outputs);
  EXPECT_EQ(c.ref_nonzero_counts, b.ref_nonzero_counts);
}

TEST(AnnReader, AnnWorkloadYaml) {
  const fs::path d = fs::temp_directory_path() / ("spiketlm_ann_wl_" + std::to_string(::getpid()));
  fs::create_directories(d);
  auto write = [&](const std::string& timesteps, const std::string& rate) {
    std::ofstream(d / "trace.yaml")
        << "{format: spiketlm-trace, version: 1, kind: workload, network: ann, name: w, timesteps: " << timesteps
        << ", classes: 10, input: {shape: [3, 8, 8], encoding: direct}, spike_rates: {source: s, seed: 7}, layers: ["
           "{name: c1, type: conv2d, in_channels: 3, out_channels: 8, kernel: 3, padding: 1, neuron: {model: relu, bits: 4}},"
           "{name: p, type: avgpool2d, kernel: 2},"
           "{name: c2, type: conv2d, in_channels: 8, out_channels: 8, kernel: 3, padding: 1, neuron: {model: relu, bits: 4}},"
           "{name: f, type: flatten},"
           "{name: fc, type: linear, in_features: 128, out_features: 10, "
        << rate << "neuron: none}]}";
  };
  write("1", "input_rate: 0.5, ");
  const bundle b = read_bundle(d.string());
  EXPECT_EQ(b.layers[0].in_bits, 8);
  EXPECT_EQ(b.layers[2].in_bits, 6);  // 4-bit activations summed over a 2x2 window
  EXPECT_EQ(b.layers[4].in_bits, 4);
  EXPECT_EQ(b.layers[4].input_rate, std::vector<double>{0.5});
  EXPECT_EQ(b.layers[0].neuron->scale, 0.0);
  write("2", "input_rate: 0.5, ");
  EXPECT_EQ(expect_one_line(error_of([&] { read_bundle(d.string()); })),
            "spiketlm/trace: " + (d / "trace.yaml").string() +
                ": timesteps: expected 1 for network ann (an ANN runs one pass), got 2");
  write("1", "");  // a layer fed by relu activations needs its density
  EXPECT_EQ(expect_one_line(error_of([&] { read_bundle(d.string()); })),
            "spiketlm/trace: " + (d / "trace.yaml").string() + ": layers[4].input_rate: missing (required)");
  fs::remove_all(d);
}

// ---------------------------------------------------------------- golden

TEST(AnnGolden, ReluArithmetic) {
  using arith::relu_quantize;
  EXPECT_EQ(relu_quantize(-1, 8), 0);
  EXPECT_EQ(relu_quantize(0, 8), 0);
  EXPECT_EQ(relu_quantize(255, 8), 255);
  EXPECT_EQ(relu_quantize(256, 8), 255);
  EXPECT_EQ(relu_quantize(16, 4), 15);
  EXPECT_EQ(relu_quantize(7, 4), 7);
  EXPECT_EQ(relu_quantize(std::int64_t(1) << 40, 2), 3);
}

TEST(AnnGolden, TinyNetworkByHand) {
  const bundle b = tiny_ann(2);
  const golden::model m(b);
  // input 2: psums 200, 40, -100, 6; currents (psum * mult + offset) >> 4 (floor):
  // 200 >> 4 = 12 -> 3 (saturated, 2 bits); (40 + 8) >> 4 = 3 -> 3; -100 >> 4 = -7 -> 0;
  // 18 >> 4 = 1 -> 1. Output: [3*1 + 3*2 + 0*4 + 1*8, 1*1] = [17, 1]; 3 non-zero activations.
  const golden::result r = m.run_input({2});
  EXPECT_EQ(r.outputs, (std::vector<std::int32_t>{17, 1}));
  EXPECT_EQ(r.spike_counts, (std::vector<std::int32_t>{3}));
  // 4 bits: 12 and 3 stay: [12 + 6 + 0 + 8, 1] = [26, 1].
  EXPECT_EQ(golden::model(tiny_ann(4)).run_input({2}).outputs, (std::vector<std::int32_t>{26, 1}));
  // input 1: psums 100, 20, -50, 3 -> 6 -> 3, (20 + 8) >> 4 = 1, -50 >> 4 = -4 -> 0, 9 >> 4 = 0.
  EXPECT_EQ(m.run_input({1}).outputs, (std::vector<std::int32_t>{3 + 2, 0}));
  EXPECT_EQ(m.run_input({1}).spike_counts, (std::vector<std::int32_t>{2}));
}

TEST(AnnGolden, ReproducesReferenceAnn8) { check_ann_bundle(k_ann8, 8); }

TEST(AnnGolden, ReproducesReferenceAnn4) { check_ann_bundle(k_ann4, 4); }

TEST(AnnGolden, LayerOutputsFollowTheFormula) {
  // conv1's activations of one sample recomputed here from the bundle's tensors: a direct
  // 3x3 convolution of the pixels, the fixed-point fold and the clamp.
  const bundle b = read_bundle(k_ann4);
  const layer& l = b.layers[0];
  const std::vector<std::int32_t> x = b.input(5);
  std::vector<std::int32_t> seen;
  golden::model(b).run(5, [&](int, int li, const std::vector<std::int32_t>&, const std::vector<std::int32_t>& out) {
    if (li == 0) seen = out;
  });
  ASSERT_EQ(seen.size(), 16u * 28 * 28);
  int nonzero = 0;
  for (int k = 0; k < 16; ++k)
    for (int y = 0; y < 28; ++y)
      for (int xx = 0; xx < 28; ++xx) {
        std::int64_t acc = 0;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            const int yy = y + dy, x2 = xx + dx;
            if (yy < 0 || yy >= 28 || x2 < 0 || x2 >= 28) continue;
            acc += static_cast<std::int64_t>(l.weight[static_cast<std::size_t>(k * 9 + (dy + 1) * 3 + dx + 1)]) *
                   x[static_cast<std::size_t>(yy * 28 + x2)];
          }
        const std::int64_t num = acc * l.fx.multiplier[static_cast<std::size_t>(k)] + l.fx.offset[static_cast<std::size_t>(k)];
        const std::int64_t den = std::int64_t(1) << l.fx.shift;
        std::int64_t q = num / den;
        if (num % den != 0 && num < 0) --q;  // floor
        const std::int64_t want = std::min<std::int64_t>(15, std::max<std::int64_t>(0, q));
        ASSERT_EQ(seen[static_cast<std::size_t>((k * 28 + y) * 28 + xx)], want) << k << " " << y << " " << xx;
        nonzero += want != 0;
      }
  EXPECT_EQ(nonzero, b.ref_nonzero_counts[5 * 2 + 0]);
}

TEST(AnnGolden, NoMembraneInAnAnn) {
  // The membrane width is an SNN notion: 6 bits changes nothing on an ANN bundle.
  const bundle b = read_bundle(k_ann8);
  EXPECT_EQ(golden::model(b, golden::options{6}).run(0).outputs, golden::model(b).run(0).outputs);
}

// ---------------------------------------------------------------- to_ann, activations

TEST(AnnWorkload, ToAnnConvertsVgg9) {
  const bundle s = read_bundle(k_src + "/traces/workloads/vgg9_cifar10");
  const bundle a = to_ann(s, 4, 0.5);
  EXPECT_EQ(a.network, "ann");
  EXPECT_EQ(a.timesteps, 1);
  EXPECT_EQ(a.seed, s.seed);
  ASSERT_EQ(a.layers.size(), s.layers.size());
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    const layer &x = s.layers[i], &y = a.layers[i];
    EXPECT_EQ(y.name, x.name);
    EXPECT_EQ(y.in_shape, x.in_shape);
    EXPECT_EQ(y.out_shape, x.out_shape);
    EXPECT_EQ(y.dense_macs(), x.dense_macs());
    ASSERT_EQ(y.fires(), x.fires()) << x.name;
    if (y.fires()) {
      EXPECT_TRUE(y.neuron->relu());
      EXPECT_EQ(y.neuron->bits, 4);
    }
    if (x.input_rate.empty()) {
      EXPECT_TRUE(y.input_rate.empty()) << x.name;
    } else {
      EXPECT_EQ(y.input_rate, std::vector<double>{0.5}) << x.name;
    }
  }
  EXPECT_EQ(a.layers[0].in_bits, 8);   // pixels
  EXPECT_EQ(a.layers[1].in_bits, 4);   // conv1's activations
  EXPECT_EQ(a.layers[11].in_bits, 4);  // fc1 after pool + flatten
  EXPECT_EQ(s.layers[1].in_bits, 1);   // spikes in the SNN
  // The default density is the Cnvlutin assumption.
  EXPECT_EQ(to_ann(s).layers[1].input_rate, std::vector<double>{0.56});
  EXPECT_EQ(to_ann(s).layers[1].neuron->bits, 8);
}

TEST(AnnWorkload, ToAnnResidualNetwork) {
  const bundle s = read_bundle(k_src + "/traces/workloads/resnet18_tinyimagenet");
  const bundle a = to_ann(s, 8, 0.3);
  int adds = 0, relus = 0;
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    const layer &x = s.layers[i], &y = a.layers[i];
    EXPECT_EQ(y.fires(), x.fires());
    relus += y.fires();
    if (x.type == layer_type::add && x.fires()) ++adds;
    if (!x.input_rate.empty()) {
      EXPECT_EQ(y.input_rate, std::vector<double>{0.3});
    }
    // Every layer fed by activations (a relu's output, possibly through pooling) gets the
    // density and the activation width.
    if (!y.input_rate.empty()) {
      EXPECT_EQ(y.in_bits, 8) << y.name;
    }
  }
  EXPECT_GT(adds, 0);
  EXPECT_EQ(static_cast<std::size_t>(relus), s.firing_layers());
}

TEST(AnnWorkload, ToAnnErrors) {
  const bundle s = read_bundle(k_src + "/traces/workloads/vgg9_cifar10");
  const std::string d = s.dir + ": to_ann: ";
  EXPECT_EQ(expect_one_line(error_of([&] { to_ann(s, 9, 0.5); })), "spiketlm/trace: " + d + "bits: expected an integer in [2, 8], got 9");
  EXPECT_EQ(expect_one_line(error_of([&] { to_ann(s, 1, 0.5); })), "spiketlm/trace: " + d + "bits: expected an integer in [2, 8], got 1");
  EXPECT_EQ(expect_one_line(error_of([&] { to_ann(s, 8, 1.5); })),
            "spiketlm/trace: " + d + "density: expected a value in [0, 1], got 1.500000");
  EXPECT_EQ(expect_one_line(error_of([&] { to_ann(to_ann(s), 8, 0.5); })),
            "spiketlm/trace: " + d + "network: expected snn, got ann (already converted)");
  const bundle f = read_bundle(k_snn);
  EXPECT_EQ(expect_one_line(error_of([&] { to_ann(f, 8, 0.5); })).rfind("spiketlm/trace: " + f.dir + ": to_ann: kind: expected workload", 0),
            0u);
  EXPECT_EQ(expect_one_line(error_of([&] { workload_activations(s, 1); })),
            "spiketlm/trace: " + s.dir + ": network: expected ann for activation maps (see to_ann), got snn");
  EXPECT_EQ(expect_one_line(error_of([&] { workload_activations(to_ann(s), 0); })),
            "spiketlm/trace: " + s.dir + ": layers[0].input_rate: expected an activation density, got none (conv1 has a dense "
                                         "multi-bit input)");
}

TEST(AnnWorkload, ActivationMapsExactCountAndRange) {
  const bundle a = to_ann(read_bundle(k_src + "/traces/workloads/vgg9_cifar10"), 4, 0.56);
  const layer& l = a.layers[1];  // conv2: 64 x 32 x 32 input
  const std::size_t n = l.in_shape.size();
  ASSERT_EQ(n, 65536u);
  const std::vector<std::uint8_t> m = workload_activations(a, 1, 0);
  std::size_t nz = 0;
  for (auto v : m) {
    ASSERT_LE(v, 15);
    nz += v != 0;
  }
  EXPECT_EQ(nz, static_cast<std::size_t>(std::llround(0.56 * 65536)));  // 36700.16 -> 36700
  // Reproducible, different per sample and per layer, and the non-zero positions are the
  // spike map the SNN generator draws at the same rate.
  EXPECT_EQ(workload_activations(a, 1, 0), m);
  EXPECT_NE(workload_activations(a, 1, 1), m);
  const std::vector<std::uint8_t> mask = workload_spikes(a, 1, 0, 0);
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(mask[i] != 0, m[i] != 0) << i;
  EXPECT_EQ(generate_spikes(a.seed, 1, 0, 0.56, n, 0), mask);
  // Extreme densities.
  for (auto v : generate_activations(3, 1, 0, 1.0, 1000, 8)) ASSERT_GE(v, 1);
  for (auto v : generate_activations(3, 1, 0, 0.0, 1000, 8)) ASSERT_EQ(v, 0);
}

TEST(AnnWorkload, ActivationDensityAndValuesWithinBinomialBounds) {
  // The total count is exact; locally, the number of non-zeros in a window of m positions is
  // hypergeometric (k of n drawn without replacement), whose variance is at most the binomial
  // m p (1 - p). Each of 64 windows must lie within 5 binomial standard deviations of m p.
  // The values 1 .. 2^B - 1 are uniform: each level's count among the k non-zeros is
  // Binomial(k, 1 / (2^B - 1)), checked within 5 standard deviations.
  for (const int bits : {2, 4, 8}) {
    for (const double p : {0.1, 0.56, 0.9}) {
      const std::size_t n = 1 << 16;
      const std::vector<std::uint8_t> a = generate_activations(11, 3, 0, p, n, bits, 2);
      const std::size_t m = n / 64;
      const double sd_w = std::sqrt(m * p * (1 - p));
      std::size_t k = 0;
      for (std::size_t w = 0; w < 64; ++w) {
        std::size_t c = 0;
        for (std::size_t i = w * m; i < (w + 1) * m; ++i) c += a[i] != 0;
        EXPECT_LE(std::fabs(static_cast<double>(c) - m * p), 5 * sd_w) << "bits " << bits << " p " << p << " window " << w;
        k += c;
      }
      EXPECT_EQ(k, static_cast<std::size_t>(std::llround(p * n)));
      const int levels = (1 << bits) - 1;
      std::vector<std::size_t> hist(static_cast<std::size_t>(levels) + 1, 0);
      for (auto v : a) ++hist[v];
      const double q = 1.0 / levels, sd_v = std::sqrt(k * q * (1 - q));
      for (int v = 1; v <= levels; ++v)
        EXPECT_LE(std::fabs(static_cast<double>(hist[static_cast<std::size_t>(v)]) - k * q), 5 * sd_v)
            << "bits " << bits << " p " << p << " value " << v;
    }
  }
}

// ---------------------------------------------------------------- FLOP estimate

TEST(AnnFlops, Vgg9Cifar10MacsByHand) {
  const bundle b = read_bundle(k_src + "/traces/workloads/vgg9_cifar10");
  // conv: out H x W x K x (C x 3 x 3); 'same' padding, 2x2 max pools after conv2, conv4, conv7.
  const std::vector<std::pair<std::string, std::uint64_t>> want = {
      {"conv1", 32ULL * 32 * 64 * 3 * 9},    {"conv2", 32ULL * 32 * 64 * 64 * 9},   {"conv3", 16ULL * 16 * 128 * 64 * 9},
      {"conv4", 16ULL * 16 * 128 * 128 * 9}, {"conv5", 8ULL * 8 * 256 * 128 * 9},   {"conv6", 8ULL * 8 * 256 * 256 * 9},
      {"conv7", 8ULL * 8 * 256 * 256 * 9},   {"fc1", 4096ULL * 1024},               {"fc2", 1024ULL * 10}};
  // Accumulates as a platform would count them (arbitrary here), one per layer, 0 on pools.
  std::vector<std::uint64_t> acs(b.layers.size(), 0);
  std::uint64_t sum_acs = 0, sum_macs = 0;
  for (std::size_t i = 0; i < b.layers.size(); ++i)
    if (b.layers[i].is_compute()) {
      acs[i] = 1000003ULL * (i + 1);
      sum_acs += acs[i];
    }
  for (const int inferences : {1, 3}) {
    const flop_estimate_result r = flop_estimate(b, acs, inferences);
    ASSERT_EQ(r.layers.size(), want.size());
    sum_macs = 0;
    for (std::size_t j = 0; j < want.size(); ++j) {
      EXPECT_EQ(r.layers[j].name, want[j].first);
      EXPECT_EQ(r.layers[j].macs, want[j].second * inferences) << want[j].first;
      EXPECT_EQ(r.layers[j].acs, acs[static_cast<std::size_t>(r.layers[j].layer)]);
      EXPECT_DOUBLE_EQ(r.layers[j].e_ann_pj, 4.6 * static_cast<double>(want[j].second * inferences));
      EXPECT_DOUBLE_EQ(r.layers[j].e_snn_pj, 0.9 * static_cast<double>(r.layers[j].acs));
      sum_macs += want[j].second * inferences;
    }
    EXPECT_EQ(r.macs, sum_macs);
    EXPECT_EQ(r.acs, sum_acs);
    EXPECT_NEAR(r.e_ann_pj, 4.6 * static_cast<double>(sum_macs), 1e-9 * r.e_ann_pj);
    EXPECT_NEAR(r.e_snn_pj, 0.9 * static_cast<double>(sum_acs), 1e-9 * r.e_snn_pj);
  }
  EXPECT_EQ(flop_estimate(b, {}).macs, 1769472ULL + 37748736 + 18874368 + 37748736 + 18874368 + 37748736 + 37748736 +
                                          4194304 + 10240);
  EXPECT_EQ(flop_estimate(b, {}).acs, 0u);
}

TEST(AnnFlops, FmnistAndSnnAccumulates) {
  // The FMNIST network (same shape for the SNN and the ANN bundles).
  const bundle b = read_bundle(k_ann8);
  const flop_estimate_result r = flop_estimate(b, {});
  ASSERT_EQ(r.layers.size(), 3u);
  EXPECT_EQ(r.layers[0].macs, 28ULL * 28 * 16 * 1 * 9);
  EXPECT_EQ(r.layers[1].macs, 14ULL * 14 * 32 * 16 * 9);
  EXPECT_EQ(r.layers[2].macs, 1568ULL * 10);
  // SNN accumulates of conv2 and fc over the 4 timesteps of one sample, counted here from the
  // golden model's spike maps: each spike at (c, y, x) of conv2's 16x14x14 input reaches
  // K = 32 outputs per kernel tap that lands inside the map; each fc input spike reaches 10.
  const bundle s = read_bundle(k_snn);
  std::uint64_t conv2 = 0, fc = 0;
  golden::model(s).run(0, [&](int, int li, const std::vector<std::int32_t>&, const std::vector<std::int32_t>& out) {
    if (li == 1)  // pool1 output = conv2 input
      for (int c = 0; c < 16; ++c)
        for (int y = 0; y < 14; ++y)
          for (int x = 0; x < 14; ++x) {
            if (!out[static_cast<std::size_t>((c * 14 + y) * 14 + x)]) continue;
            const int ny = (y == 0 || y == 13) ? 2 : 3, nx = (x == 0 || x == 13) ? 2 : 3;
            conv2 += 32ULL * ny * nx;
          }
    if (li == 4)
      for (auto v : out) fc += v ? 10 : 0;
  });
  ASSERT_GT(conv2, 0u);
  const flop_estimate_result e = flop_estimate(s, {0, 0, conv2, 0, 0, fc});
  EXPECT_EQ(e.acs, conv2 + fc);
  EXPECT_DOUBLE_EQ(e.layers[1].e_snn_pj, 0.9 * static_cast<double>(conv2));
  // conv2's input spike rate is well below 1/4: fewer ACs over 4 timesteps than dense MACs.
  EXPECT_LT(conv2, r.layers[1].macs);
}

TEST(AnnFlops, Errors) {
  const bundle b = read_bundle(k_ann8);
  EXPECT_EQ(expect_one_line(error_of([&] { flop_estimate(b, {1, 2, 3}); })),
            "spiketlm/trace: " + b.dir + ": flop_estimate: accumulates: expected 6 counts (one per layer) or none, got 3");
  EXPECT_EQ(expect_one_line(error_of([&] { flop_estimate(b, {1, 2, 3, 0, 0, 0}); })),
            "spiketlm/trace: " + b.dir + ": flop_estimate: accumulates[1]: expected 0 for pool1 (maxpool2d, not a "
                                         "conv2d/linear), got 2");
  EXPECT_EQ(expect_one_line(error_of([&] { flop_estimate(b, {}, 0); })),
            "spiketlm/trace: " + b.dir + ": flop_estimate: inferences: expected an integer >= 1, got 0");
}
