// Shipped workload bundles: they read, their shapes match the published architectures and
// their dense work equals a hand count.
#include "tests/helpers.h"
#include "tlm/error.h"
#include "traces/src/spikegen.h"
#include "traces/src/trace.h"

#include <gtest/gtest.h>

#include <array>
#include <numeric>

using namespace spiketlm;

namespace {
bundle load(const std::string& name) { return read_bundle(spiketlm::test::source_dir() + "/traces/workloads/" + name); }
std::uint64_t dense_macs(const bundle& b) {
  std::uint64_t s = 0;
  for (const auto& l : b.layers) s += l.dense_macs();
  return s;
}
}  // namespace

TEST(TraceWorkloads, Vgg9Cifar10) {
  const bundle b = load("vgg9_cifar10");
  EXPECT_EQ(b.kind, "workload");
  EXPECT_EQ(b.timesteps, 4);
  EXPECT_EQ(b.classes, 10);
  EXPECT_EQ(b.input_shape, (tensor_shape{3, 32, 32}));
  // conv: 32x32: 3->64, 64->64; 16x16: 64->128, 128->128; 8x8: 128->256, 256->256 x2 (x9 each);
  // fc 4096->1024, 1024->10:
  // 1769472 + 37748736 + 18874368 + 37748736 + 18874368 + 2 * 37748736 + 4194304 + 10240
  EXPECT_EQ(dense_macs(b), 194717696u);
  EXPECT_EQ(b.layers[b.layer_index("fc1")].in_channels, 4096);
  EXPECT_TRUE(b.layers[0].input_rate.empty());  // direct-coded first layer
  EXPECT_EQ(b.layers[1].input_rate, (std::vector<double>{0.1, 0.1, 0.1, 0.1}));
  EXPECT_FALSE(b.rate_source.empty());
}

TEST(TraceWorkloads, Vgg9TinyImagenet) {
  const bundle b = load("vgg9_tinyimagenet");
  EXPECT_EQ(b.classes, 200);
  EXPECT_EQ(b.input_shape, (tensor_shape{3, 64, 64}));
  // the seven convs at 4x the pixels of CIFAR10 (190513152 x 4) + fc 16384x1024 + 1024x200
  EXPECT_EQ(dense_macs(b), 762052608u + 16777216u + 204800u);
  EXPECT_EQ(b.layers[b.layer_index("conv7")].out_shape, (tensor_shape{256, 16, 16}));
}

TEST(TraceWorkloads, Vgg16TinyImagenet) {
  const bundle b = load("vgg16_tinyimagenet");
  int convs = 0, fcs = 0;
  for (const auto& l : b.layers) {
    convs += l.type == layer_type::conv2d;
    fcs += l.type == layer_type::linear;
  }
  EXPECT_EQ(convs, 13);
  EXPECT_EQ(fcs, 3);
  EXPECT_EQ(b.layers[b.layer_index("fc1")].in_channels, 2048);  // 512 x 2 x 2 after five pools
  EXPECT_EQ(b.layers.back().out_shape.c, 200);
}

TEST(TraceWorkloads, Resnet18TinyImagenet) {
  const bundle b = load("resnet18_tinyimagenet");
  int convs = 0, adds = 0, shortcuts = 0;
  for (const auto& l : b.layers) {
    convs += l.type == layer_type::conv2d;
    adds += l.type == layer_type::add;
    shortcuts += l.type == layer_type::conv2d && l.kernel == 1;
  }
  EXPECT_EQ(convs, 1 + 16 + 3);  // stem, 8 blocks x 2, three 1x1 downsampling shortcuts
  EXPECT_EQ(adds, 8);
  EXPECT_EQ(shortcuts, 3);
  const auto& add = b.layers[b.layer_index("layer4.1.add")];
  EXPECT_EQ(add.out_shape, (tensor_shape{512, 8, 8}));
  EXPECT_TRUE(add.fires());
  EXPECT_FALSE(b.layers[b.layer_index("layer4.1.conv_b")].fires());
  EXPECT_EQ(b.layers[b.layer_index("layer2.0.shortcut")].in_shape, (tensor_shape{64, 64, 64}));
  // The fc after the global average pool takes a multi-bit input: no spike rate.
  EXPECT_TRUE(b.layers.back().input_rate.empty());
  EXPECT_EQ(b.layers.back().in_channels, 512);
  // Generated spike maps have the stated rate exactly.
  const int l = b.layer_index("layer3.0.conv_b");
  const auto s = workload_spikes(b, l, 2);
  EXPECT_EQ(s.size(), 256u * 16 * 16);
  EXPECT_EQ(std::accumulate(s.begin(), s.end(), 0), 6554);  // round(0.1 * 65536) = 6553.6 -> 6554
}

TEST(TraceWorkloads, Resnet50Imagenet) {
  const bundle b = load("resnet50_imagenet");
  EXPECT_EQ(b.input_shape, (tensor_shape{3, 224, 224}));
  EXPECT_EQ(b.classes, 1000);
  int convs = 0, adds = 0;
  std::uint64_t weights = 0;
  for (const auto& l : b.layers) {
    convs += l.type == layer_type::conv2d;
    adds += l.type == layer_type::add;
    if (l.type == layer_type::conv2d) weights += std::uint64_t(l.in_channels) * l.out_channels * l.kernel * l.kernel;
    if (l.type == layer_type::linear) weights += std::uint64_t(l.in_channels) * l.out_channels;
  }
  EXPECT_EQ(convs, 1 + 16 * 3 + 4);  // stem, 16 bottlenecks x 3, four projection shortcuts
  EXPECT_EQ(adds, 16);
  // torchvision's resnet50 has 25,557,032 parameters: these weights, the fc's 1000 biases and
  // 2 x 26,560 BatchNorm parameters (64 + 1408 + 3584 + 10240 + 11264 BN channels per stage).
  EXPECT_EQ(weights, 25557032u - 1000u - 2u * 26560u);
  EXPECT_EQ(b.layers[b.layer_index("maxpool")].out_shape, (tensor_shape{64, 56, 56}));
  EXPECT_EQ(b.layers[b.layer_index("layer4.2.add")].out_shape, (tensor_shape{2048, 7, 7}));
  EXPECT_EQ(b.layers[b.layer_index("layer2.0.conv_b")].out_shape, (tensor_shape{128, 28, 28}));  // v1.5: stride on the 3x3
  EXPECT_EQ(b.layers.back().out_shape.c, 1000);
  // Dense MACs by hand: stem 7x7/2 at 112x112; per stage (width w, n blocks, input side hi, output
  // side ho): block 0 = 1x1 cin->w at hi, 3x3 w->w at ho, 1x1 w->4w and shortcut cin->4w at ho;
  // blocks 1.. = 1x1 4w->w, 3x3 w->w, 1x1 w->4w at ho; fc 2048 x 1000.
  std::uint64_t macs = 64ull * 3 * 49 * 112 * 112 + 2048ull * 1000;
  std::uint64_t cin = 64, hi = 56;
  for (auto [w, n, s] : {std::array<std::uint64_t, 3>{64, 3, 1}, {128, 4, 2}, {256, 6, 2}, {512, 3, 2}}) {
    const std::uint64_t ho = hi / s, p = ho * ho;
    macs += w * cin * hi * hi + 9 * w * w * p + 4 * w * w * p + 4 * w * cin * p;
    macs += (n - 1) * (4 * w * w * p + 9 * w * w * p + 4 * w * w * p);
    cin = 4 * w, hi = ho;
  }
  EXPECT_EQ(dense_macs(b), macs);
}
