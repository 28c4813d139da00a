// The NorthPole mapping plan (hw/northpole/plan.h), without SystemC: per-core cycles against
// the closed form written out here, placements and NoC hop counts worked by hand, fit and
// no-fit errors, and the layer pipeline's batch time against 1 / slowest stage.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "hw/northpole/plan.h"

using namespace spiketlm::np;

namespace {
LayerShape conv(const std::string& name, int K, int C, int k, int hw, int bits) {
  LayerShape L;
  L.name = name;
  L.op = LayerShape::Op::conv;
  L.K = K, L.C = C, L.kh = L.kw = k;
  L.in_h = L.in_w = L.out_h = L.out_w = hw;
  L.in_bits = L.out_bits = L.w_bits = bits;
  return L;
}
uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
}  // namespace

TEST(NorthPolePlan, PerCoreCyclesMatchTheClosedForm) {
  const CoreSpec s;  // 2048 / 4096 / 8192 MACs per cycle, 256 vector ops per cycle, 4 ops per requantize
  for (int bits : {8, 4, 2, 1}) {
    const LayerShape L = conv("c", 70, 32, 3, 16, bits);
    const Placement P = place(L, s, 4, 3, 1);
    // Largest slice: ceil(70/4) = 18 channels, ceil(16/3) = 6 rows of 16 pixels, all 32 x 9 taps.
    const uint64_t macs = 18ull * 32 * 9 * 6 * 16;
    const uint64_t ops = bits == 8 ? 2048 : bits == 4 ? 4096 : 8192;  // 1-bit spikes run in the 2-bit mode
    EXPECT_EQ(P.macs, macs);
    EXPECT_EQ(P.vmm_cycles, ceil_div(macs, ops)) << bits;
    EXPECT_EQ(P.vec_cycles, ceil_div(18ull * 6 * 16 * 4, 256)) << bits;
    EXPECT_EQ(P.cycles, std::max(P.vmm_cycles, P.vec_cycles));
    // Footprint: weights, the input rows of 6 output rows with the 3 x 3 halo (8 rows), output tile.
    EXPECT_EQ(P.weight_bytes, ceil_div(18ull * 32 * 9 * uint64_t(bits), 8));
    EXPECT_EQ(P.in_bytes, ceil_div(32ull * 8 * 16 * uint64_t(bits), 8));
    EXPECT_EQ(P.out_bytes, ceil_div(18ull * 6 * 16 * uint64_t(bits), 8));
  }
  // An input-channel split adds one partial-sum op per output on the vector unit; an SNN's LIF
  // keeps its membranes in core memory and costs ops_lif per output.
  LayerShape L = conv("c", 64, 64, 3, 8, 1);
  L.lif = true;
  const Placement P = place(L, s, 2, 1, 4);
  EXPECT_EQ(P.macs, 32ull * 16 * 9 * 64);
  EXPECT_EQ(P.vec_cycles, ceil_div(32ull * 64 * (6 + 1), 256));
  EXPECT_EQ(P.state_bytes, 32ull * 64 * 4);
}

TEST(NorthPolePlan, ShelfPackingAndHopCountsOfAKnownPlacement) {
  CoreSpec s;
  std::vector<Rect> r = {rect_for(20, s), rect_for(5, s), rect_for(12, s), rect_for(3, s)};
  int rows = 0;
  ASSERT_TRUE(pack(r, s, &rows));
  // 20 cores: 16 x 2 at (0, 0); 5 at (0, 2); 12 does not fit beside it (5 + 12 > 16): (0, 3); 3 at (12, 3).
  EXPECT_EQ(r[0].x, 0);
  EXPECT_EQ(r[0].y, 0);
  EXPECT_EQ(r[0].w, 16);
  EXPECT_EQ(r[0].h, 2);
  EXPECT_EQ(r[1].x, 0);
  EXPECT_EQ(r[1].y, 2);
  EXPECT_EQ(r[1].w, 5);
  EXPECT_EQ(r[2].x, 0);
  EXPECT_EQ(r[2].y, 3);
  EXPECT_EQ(r[3].x, 12);
  EXPECT_EQ(r[3].y, 3);
  EXPECT_EQ(rows, 4);
  // Two producer cores (0,0), (1,0) feed two consumer cores (3,2), (3,3) with 100 bytes each:
  // 50 bytes per pair over 5, 6, 4, 5 hops = 1000 byte-hops.
  int pairs = 0, longest = 0;
  const double bh = spread(Rect{0, 0, 2, 1}, 2, Rect{3, 2, 1, 2}, 2, 100.0, [&](int a, int b, int c, int d, double bytes) {
    ++pairs;
    longest = std::max(longest, hops(a, b, c, d));
    EXPECT_EQ(bytes, 50.0);
  });
  EXPECT_EQ(pairs, 4);
  EXPECT_EQ(longest, 6);
  EXPECT_DOUBLE_EQ(bh, 1000.0);
}

TEST(NorthPolePlan, ANetworkThatDoesNotFitNamesTheLayerAndTheBytes) {
  CoreSpec s;
  // 20 layers of 32 x 32 maps, 64 -> 64 channels at 8 bit on 32 KB cores: each needs 32 cores
  // (a 16 x 2 rectangle); 8 rectangles fill the 16 rows, the 9th is refused.
  std::vector<LayerShape> net;
  for (int i = 0; i < 20; ++i) net.push_back(conv("conv" + std::to_string(i), 64, 64, 3, 32, 8));
  s.mem_bytes = 32 * 1024;
  const Placement one = place(net[0], s, 1, 1, 1);
  ASSERT_GT(one.bytes(), s.mem_bytes);
  const NetPlan n = plan_network(net, s);
  ASSERT_FALSE(n.error.empty());
  const int per = rect_for(plan_network({net[0]}, s, false).layers[0].split(), s).cores();
  const int fit = s.cores() / per;
  ASSERT_EQ(per, 32);
  EXPECT_EQ(n.bad_layer, fit);
  EXPECT_NE(n.error.find("layer conv" + std::to_string(fit) + " does not fit"), std::string::npos) << n.error;
  EXPECT_EQ(n.short_bytes, uint64_t(per - (s.cores() - fit * per)) * s.mem_bytes) << n.error;
  EXPECT_NE(n.error.find("short by " + std::to_string(n.short_bytes) + " bytes"), std::string::npos) << n.error;
  EXPECT_EQ(n.error.find('\n'), std::string::npos);
  // A single layer larger than the whole chip: its weights alone exceed 256 x 768 KB.
  CoreSpec big;
  LayerShape fc;
  fc.name = "fc";
  fc.op = LayerShape::Op::linear;
  fc.K = 1000, fc.C = 200000, fc.in_bits = fc.w_bits = 8, fc.out_bits = 32;
  const NetPlan m = plan_network({fc}, big);
  EXPECT_EQ(m.bad_layer, 0);
  EXPECT_NE(m.error.find("layer fc does not fit"), std::string::npos) << m.error;
  EXPECT_GT(m.short_bytes, 0u);
  // The same network fits the chip when the cores are large enough, every layer in its memory.
  s.mem_bytes = 768 * 1024;
  const NetPlan ok = plan_network(net, s);
  ASSERT_TRUE(ok.error.empty()) << ok.error;
  for (const Placement& P : ok.layers) EXPECT_LE(P.bytes(), s.mem_bytes);
  EXPECT_LE(ok.cores_used, s.cores());
}

TEST(NorthPolePlan, SpareCoresGoToTheSlowestLayers) {
  CoreSpec s;
  const std::vector<LayerShape> net = {conv("a", 64, 64, 3, 32, 8), conv("b", 16, 16, 3, 32, 8)};
  const NetPlan min = plan_network(net, s, false), grown = plan_network(net, s, true);
  ASSERT_TRUE(grown.error.empty());
  EXPECT_LT(grown.layers[0].cycles, min.layers[0].cycles);
  EXPECT_GE(grown.layers[0].split(), grown.layers[1].split());  // the heavier layer has more cores
  EXPECT_LE(grown.rows_used, s.grid_h);
}

TEST(NorthPolePlan, BatchTimeIsFillPlusOneSlowestStagePerFrame) {
  std::mt19937 g(7);
  std::uniform_real_distribution<double> u(1, 100);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> st(size_t(2 + trial % 7));
    for (double& x : st) x = std::floor(u(g));  // integers: exact sums
    const double sum = std::accumulate(st.begin(), st.end(), 0.0), slow = *std::max_element(st.begin(), st.end());
    EXPECT_EQ(pipeline_end(st, 1), sum);
    for (uint64_t n : {2ull, 32ull, 100ull}) EXPECT_EQ(pipeline_end(st, n), sum + double(n - 1) * slow);
    // Throughput over a long batch tends to 1 / slowest stage.
    EXPECT_NEAR(1000.0 / pipeline_end(st, 1000), 1.0 / slow, 1.0 / slow * (sum / (999 * slow)));
  }
}

// Time-multiplexing cuts the layers into maximal runs that fit together: 20 layers of 32 x 32
// maps, 64 -> 64 channels at 8 bit, on 32 KB cores need 32 cores each (a 16 x 2 rectangle, 8
// per 16-row grid): segments of 8, 8 and 4, each packed from the top of the grid; a layer
// larger than the chip is still refused.
TEST(NorthPolePlan, TimeMultiplexedSegmentsAreMaximalRunsThatFit) {
  CoreSpec s;
  s.mem_bytes = 32 * 1024;
  std::vector<LayerShape> net;
  for (int i = 0; i < 20; ++i) net.push_back(conv("conv" + std::to_string(i), 64, 64, 3, 32, 8));
  ASSERT_EQ(plan_network({net[0]}, s, false).layers[0].split(), 32);
  EXPECT_FALSE(plan_network(net, s, false).error.empty());
  const NetPlan n = plan_time_multiplexed(net, s, false);
  ASSERT_TRUE(n.error.empty()) << n.error;
  EXPECT_EQ(n.segments(), 3);
  EXPECT_EQ(n.segment_first, (std::vector<size_t>{0, 8, 16}));
  for (size_t i = 0; i < net.size(); ++i) {
    EXPECT_EQ(n.segment[i], int(i / 8)) << i;
    EXPECT_EQ(n.layers[i].rect.y, int(i % 8) * 2) << i;   // two rows per layer, from row 0 in each segment
  }
  EXPECT_EQ(n.cores_used, 256);
  // A network that fits is one segment, the same plan as plan_network.
  const NetPlan one = plan_time_multiplexed({net.begin(), net.begin() + 8}, s, false);
  EXPECT_EQ(one.segments(), 1);
  EXPECT_EQ(one.segment, std::vector<int>(8, 0));
  // Too large for the whole chip even alone.
  LayerShape fc;
  fc.name = "fc";
  fc.op = LayerShape::Op::linear;
  fc.K = 1000, fc.C = 200000, fc.in_bits = fc.w_bits = 8, fc.out_bits = 32;
  const NetPlan bad = plan_time_multiplexed({net[0], fc}, CoreSpec{}, false);
  EXPECT_EQ(bad.bad_layer, 1);
  EXPECT_NE(bad.error.find("layer fc does not fit"), std::string::npos) << bad.error;
  EXPECT_NE(bad.error.find("(even alone: time-multiplexing cannot help)"), std::string::npos) << bad.error;
}
