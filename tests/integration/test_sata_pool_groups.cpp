// Pooling layers whose one output row of all channels does not fit half the ifmap GLB run in
// channel groups (the most channels for which one row fits, then bands of rows): the outputs
// equal the golden model bit for bit and a run without groups, the pool layer's counters equal
// the whole-channel run's and its DRAM bytes are the input and output maps (windows that do not
// overlap read every input byte once); a layer of which not even one channel's row fits is
// refused with one line naming the sizes.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/cli.h"
#include "tests/integration/modified_bundle.h"
#include "traces/src/golden.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {

uint64_t pitch(int w) { return (uint64_t(w) + 7) / 8; }
// Bit planes that hold every value up to max_value.
int planes_for(uint64_t max_value) {
  int p = 1;
  while ((uint64_t(1) << p) <= max_value) ++p;
  return p;
}

// A copy of a bundled Fashion-MNIST trace whose pool2 (32 x 14 x 14) becomes a global pool of
// `type` (14 x 14 windows, stride 14: 32 x 1 x 1) and whose fc reads those 32 values (weights
// taken from the original fc, one per channel), cut to n samples; its reference outputs are the
// golden model's. Returns the directory.
std::string global_pool_variant(const std::string& src, layer_type type, int n, const std::string& tag) {
  bundle b = read_bundle(source_dir() + "/traces/" + src);
  layer& P = b.layers[size_t(b.layer_index("pool2"))];
  layer& F = b.layers[size_t(b.layer_index("fc"))];
  EXPECT_EQ(P.in_shape.h, 14);
  EXPECT_EQ(P.in_shape.w, 14);
  P.type = type;
  P.kernel = P.stride = P.in_shape.h;
  P.padding = 0;
  const int C = P.in_shape.c, old_in = F.in_channels, px = P.in_shape.h / 2 * (P.in_shape.w / 2);
  std::vector<int8_t> w(size_t(F.out_channels) * C);
  for (int o = 0; o < F.out_channels; ++o)
    for (int c = 0; c < C; ++c) w[size_t(o) * C + c] = F.weight[size_t(o) * old_in + size_t(c) * px + px / 2];
  F.in_channels = C;
  F.weight = w;
  return write_modified_bundle(std::move(b), n, tag);
}

// The pool layer's row of the layers table (per sample).
struct PoolRow {
  std::string op;
  double spikes_in, spikes_out, dram, glb;
};
PoolRow pool_row(const Json& j, size_t i) {
  return {text_column(j, "layers", "op").at(i), column(j, "layers", "spikes_in").at(i), column(j, "layers", "spikes_out").at(i),
          column(j, "layers", "dram_bytes").at(i), column(j, "layers", "glb_bytes").at(i)};
}

// Runs variant `dir` with a small ifmap GLB (pool2 in channel groups) and without, checks
// both against the golden model and the pool layer's traffic against the shapes.
void check_variant(const std::string& dir, const std::string& platform, int n, int ifmap_kb, const std::string& tag) {
  const bundle b = read_bundle(dir);
  const layer& P = b.layers[size_t(b.layer_index("pool2"))];
  const int C = P.in_shape.c, planes = P.in_bits, T = b.timesteps;
  const int oplanes = P.type == layer_type::avgpool2d ? planes_for(uint64_t(P.kernel) * P.kernel * ((1u << planes) - 1))
                                                      : planes;
  // The premise: one output row of all channels (all 14 input rows) exceeds half the small
  // ifmap GLB, one channel's fits.
  const uint64_t half = uint64_t(ifmap_kb) * 1024 / 2;
  const uint64_t row_all = uint64_t(planes) * C * P.in_shape.h * pitch(P.in_shape.w);
  ASSERT_GT(row_all, half) << tag;
  ASSERT_LE(row_all / C, half) << tag;
  const std::string cmd = "run platforms/sata/" + platform + " --trace " + dir + " --samples " + std::to_string(n);
  const Json grouped = run_json(cmd + " -c sata.glb_ifmap.capacity_kb=" + std::to_string(ifmap_kb), tag + "_g");
  const Json whole = run_json(cmd, tag + "_w");
  // Bit-exact with the golden model (the bundle's reference outputs), every sample and timestep.
  EXPECT_EQ(summary(grouped, "reference_mismatch_samples"), 0.0) << tag;
  EXPECT_EQ(summary(whole, "reference_mismatch_samples"), 0.0) << tag;
  EXPECT_EQ(column(grouped, "samples", "prediction"), column(whole, "samples", "prediction")) << tag;
  // Descriptor 3 (conv1, pool1, conv2, pool2; flatten has none).
  const PoolRow g = pool_row(grouped, 3), w = pool_row(whole, 3);
  EXPECT_EQ(g.op, P.type == layer_type::avgpool2d ? "avgpool" : "maxpool") << tag;
  const double in_map = double(planes) * C * P.in_shape.h * pitch(P.in_shape.w);
  const double out_map = double(oplanes) * C * P.out_shape.h * pitch(P.out_shape.w);
  EXPECT_EQ(g.dram, T * (in_map + out_map)) << tag;
  EXPECT_EQ(g.glb, 2 * T * (in_map + out_map)) << tag;  // written and read once in each GLB
  EXPECT_EQ(g.dram, w.dram) << tag;
  EXPECT_EQ(g.glb, w.glb) << tag;
  EXPECT_EQ(g.spikes_in, w.spikes_in) << tag;
  EXPECT_EQ(g.spikes_out, w.spikes_out) << tag;
  EXPECT_GT(g.spikes_out, 0.0) << tag;
}

// A workload: a direct-coded 1 x 16 x 128 input, a 3x3 convolution to 8 channels, an 8x8 average pool
// (8 x 2 x 16) and a linear layer; run with --ann 8.
std::string wide_pool_workload() {
  const std::string dir = scratch("poolgrp_wide");
  std::ofstream y(dir + "/trace.yaml");
  y << "format: spiketlm-trace\nversion: 1\nkind: workload\nname: wide_pool\ntimesteps: 1\nclasses: 10\n"
    << "input: {shape: [1, 16, 128], encoding: direct}\n"
    << "spike_rates: {source: \"test: half the inputs\", seed: 3}\nlayers:\n"
    << "  - {name: c1, type: conv2d, in_channels: 1, out_channels: 8, kernel: 3, stride: 1, padding: 1, "
       "neuron: {model: lif}}\n"
    << "  - {name: pool, type: avgpool2d, kernel: 8, stride: 8}\n"
    << "  - {name: flatten, type: flatten}\n"
    << "  - {name: fc, type: linear, in_features: 256, out_features: 10, neuron: none}\n";
  return dir;
}

}  // namespace

TEST(SataPoolGroups, SnnGlobalAveragePoolInGroupsIsBitExact) {
  // (A global max pool of spikes is 1 for nearly every channel: it would hide a group that
  // read the wrong channels. The spike counts of an average pool do not.)
  const std::string dir = global_pool_variant("fmnist_snn", layer_type::avgpool2d, 12, "poolgrp_snn");
  // 1 KB ifmap: 32 channels x 14 rows x 2 B = 896 B > 512 B; groups of 18 channels; the
  // window sums (up to 196) leave as 8 planes.
  check_variant(dir, "sata.yaml", 12, 1, "poolgrp_snn_os");
  // Tick-batch: all four timesteps in one call, each through the groups.
  check_variant(dir, "sata_tick_batch.yaml", 12, 1, "poolgrp_snn_tb");
}

TEST(SataPoolGroups, AnnGlobalMaxAndAveragePoolInGroupsAreBitExact) {
  // 8-bit activations: 8 planes x 32 x 14 x 2 B = 7168 B > 1 KB (2 KB ifmap); groups of 4
  // channels, one transfer per bit plane.
  const std::string mx = global_pool_variant("fmnist_ann8", layer_type::maxpool2d, 12, "poolgrp_annmax");
  check_variant(mx, "sata.yaml", 12, 2, "poolgrp_annmax");
  // Window sums of 196 8-bit values: 16 output planes, written one plane per transfer.
  const std::string av = global_pool_variant("fmnist_ann8", layer_type::avgpool2d, 12, "poolgrp_annavg");
  check_variant(av, "sata.yaml", 12, 2, "poolgrp_annavg");
}

TEST(SataPoolGroups, ResNet18AnnFinalPoolRunsInGroups) {
  // The 8x8 average pool over 512 channels x 8 planes: 32 KB per output row, more than half of
  // the 32 KB ifmap GLB. It now runs in two groups of 256 channels; with a 64 KB ifmap GLB it
  // runs whole. The pool layer's counters agree, its DRAM bytes are its input and output maps.
  const std::string cmd = "run platforms/sata/sata.yaml --trace traces/workloads/resnet18_tinyimagenet --samples 1 --ann 8";
  const Json grouped = run_json(cmd, "poolgrp_r18");
  const Json whole = run_json(cmd + " -c sata.glb_ifmap.capacity_kb=64", "poolgrp_r18w");
  const auto ops = text_column(grouped, "layers", "layer");
  ASSERT_EQ(ops.size(), 30u);
  const PoolRow g = pool_row(grouped, 28), w = pool_row(whole, 28);
  ASSERT_EQ(g.op, "avgpool");
  const int C = 512, H = 8, planes = 8;
  const int oplanes = planes_for(64 * 255);  // 14
  EXPECT_EQ(g.dram, double(planes) * C * H * pitch(H) + double(oplanes) * C * 1 * pitch(1));
  EXPECT_EQ(g.glb, 2 * g.dram);
  EXPECT_EQ(g.dram, w.dram);
  EXPECT_EQ(g.glb, w.glb);
  EXPECT_EQ(g.spikes_in, w.spikes_in);
  EXPECT_EQ(g.spikes_out, w.spikes_out);
  // The linear layer reads the pool's output: the same data gives the same non-zero count.
  EXPECT_EQ(column(grouped, "layers", "spikes_in").at(29), column(whole, "layers", "spikes_in").at(29));
  EXPECT_EQ(column(grouped, "layers", "accumulates").at(29), column(whole, "layers", "accumulates").at(29));
}

TEST(SataPoolGroups, OneChannelPerGroupRunsAndARowOfOneChannelThatDoesNotFitIsRefused) {
  const std::string dir = wide_pool_workload();
  const std::string cmd = "run platforms/sata/sata.yaml --trace " + dir + " --ann 8";
  // One output row of one channel: 8 planes x 8 rows x 16 B in, 14 planes x 2 B out.
  const uint64_t in1 = 8ull * 8 * pitch(128), out1 = uint64_t(planes_for(64 * 255)) * pitch(16);
  ASSERT_EQ(in1, 1024u);
  // 2 KB ifmap: one channel fills half of it exactly: groups of one channel.
  const Json j = run_json(cmd + " -c sata.glb_ifmap.capacity_kb=2", "poolgrp_one");
  const PoolRow g = pool_row(j, 1);
  ASSERT_EQ(g.op, "avgpool");
  EXPECT_EQ(g.dram, double(8 * in1 * 2 + 8 * out1 * 2));  // 8 channels, 2 output rows
  // 1 KB ifmap: not even one channel's row fits.
  const CliResult r = cli(cmd + " -c sata.glb_ifmap.capacity_kb=1");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/sata: sata: the accelerator refused layer 1 (error code 3, descriptor word 0: "
                   "pooling: one output row of one channel needs " + std::to_string(in1) + " B of input and " +
                   std::to_string(out1) + " B of output; half GLBs hold 512 and " + std::to_string(32 * 1024 / 2) +
                   " B)\n");
}
