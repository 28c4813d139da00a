// Compute layers whose input of one output row (all input channels, all bit planes) does not fit
// half the ifmap GLB run in input channel segments (hw/compute/engine.md): the outputs equal
// the golden model bit for bit and a run without segments (predictions, accumulates, spikes,
// fold cycles), on output-stationary and tick-batch, for ANN activation planes, direct-coded
// inputs, spikes over several timesteps and LIF membranes that outlive the call; a segmented
// layer's DRAM bytes are its bands' input (computed here from the shapes and the documented
// planning rule), its weights and its output; a layer of which not even one channel's row
// fits is refused with one line naming the sizes.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "tests/cli.h"
#include "tests/integration/modified_bundle.h"
#include "traces/src/golden.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {

constexpr int kCols = 8;             // PE columns of platforms/sata/*.yaml: filters per tile
constexpr uint64_t kMembraneB = 4;   // lif.basic membrane_bits: 32
uint64_t pitch(int w) { return (uint64_t(w) + 7) / 8; }

// A compute layer as the accelerator runs it: input C x H x W in `planes` bit planes, output
// K x OH x OW, a kh x kw kernel (a linear layer: the whole input).
struct Geo {
  int C, H, W, K, OH, OW, kh, kw, stride, pad, planes;
  uint64_t ntiles() const { return (uint64_t(K) + kCols - 1) / kCols; }
  uint64_t weights() const { return ntiles() * uint64_t(C) * kh * kw * kCols; }  // blocks of W x cols
  uint64_t map() const { return uint64_t(planes) * C * H * pitch(W); }
  // Input of a band of r output rows of c channels (the worst, inner band).
  uint64_t band(int r, int c) const { return uint64_t(planes) * c * uint64_t(std::min(H, (r - 1) * stride + kh)) * pitch(W); }
};
Geo geo(const bundle& b, const std::string& name, int planes) {
  const layer& L = b.layers[size_t(b.layer_index(name))];
  if (L.type == layer_type::conv2d)
    return {L.in_shape.c, L.in_shape.h, L.in_shape.w, L.out_shape.c, L.out_shape.h, L.out_shape.w,
            L.kernel, L.kernel, L.stride, L.padding, planes};
  // linear after flatten: the producer's map, the kernel covers it
  const int i = b.layer_index(name);
  EXPECT_EQ(b.layers[size_t(i) - 1].type, layer_type::flatten);
  const tensor_shape s = b.layers[size_t(i) - 2].out_shape;
  return {s.c, s.h, s.w, L.out_channels, 1, 1, s.h, s.w, 1, 0, planes};
}

// DRAM bytes of the input of one call of `nts` timesteps with half an ifmap GLB of `half`
// bytes and `out_row` bytes of one output row of a tile in half the ofmap GLB: the whole map
// once per timestep when all of it fits; else per filter tile, band and timestep the band's
// input rows of every channel (in segments of cs channels, the most for which one output row
// fits; bands as tall as fit for cs channels and the ofmap half).
uint64_t ifmap_dram(const Geo& g, uint64_t half, uint64_t out_row, uint64_t oh, int nts) {
  if (g.map() * uint64_t(nts) <= half) return g.map() * uint64_t(nts);
  const int cs = int(std::min<uint64_t>(uint64_t(g.C), half / g.band(1, 1)));
  int rb = g.OH;
  while (rb > 1 && g.band(rb, cs) > half) --rb;
  while (rb > 1 && out_row * uint64_t(rb) > oh) --rb;
  uint64_t rows = 0;
  for (int r0 = 0; r0 < g.OH; r0 += rb) {
    const int r1 = std::min(g.OH, r0 + rb);
    rows += uint64_t(std::min(g.H, (r1 - 1) * g.stride - g.pad + g.kh) - std::max(0, r0 * g.stride - g.pad));
  }
  return g.ntiles() * uint64_t(nts) * uint64_t(g.planes) * g.C * rows * pitch(g.W);
}
// One output row of a tile: a ReLU layer's activation planes, an output layer's int32 sums,
// a LIF layer's spikes (and membranes when they persist).
uint64_t relu_row(const Geo& g, int bits) { return uint64_t(kCols) * pitch(g.OW) * bits; }
uint64_t output_row(const Geo& g) { return uint64_t(kCols) * g.OW * 4; }
uint64_t lif_row(const Geo& g, bool persist) { return uint64_t(kCols) * (pitch(g.OW) + (persist ? g.OW * kMembraneB : 0)); }

// The premise of a segmented layer: one output row of all channels exceeds `half`, one
// channel's fits.
void expect_segments(const Geo& g, uint64_t half, const std::string& what) {
  EXPECT_GT(g.band(1, g.C), half) << what;
  EXPECT_LE(g.band(1, 1), half) << what;
}

// Every layer's work and output statistics of two runs are equal (the segments together are
// the same elements, the same sums; the fold cycles are the pixel tiles', whatever the bands).
// (Not the LIF cycles: the neuron units work per band, and the bands differ.)
void expect_same_work(const Json& a, const Json& b, const std::string& what) {
  for (const char* col : {"accumulates", "spikes_in", "spikes_out", "compute_cycles"})
    EXPECT_EQ(column(a, "layers", col), column(b, "layers", col)) << what << ": " << col;
}

// Functional runs: bit-exact with the golden model (the bundle's reference outputs) and with
// each other's predictions.
void expect_bit_exact(const Json& seg, const Json& whole, const std::string& what) {
  EXPECT_EQ(summary(seg, "reference_mismatch_samples"), 0.0) << what;
  EXPECT_EQ(summary(whole, "reference_mismatch_samples"), 0.0) << what;
  EXPECT_EQ(column(seg, "samples", "prediction"), column(whole, "samples", "prediction")) << what;
  expect_same_work(seg, whole, what);
}

// A copy of the Fashion-MNIST SNN without pool2, its fc reading conv2's 32 x 14 x 14 spikes
// (weights of the original fc, each repeated over the 2 x 2 window it pooled), cut to n
// samples, with the golden model's reference outputs. Returns the directory.
std::string snn_without_pool2(int n, const std::string& tag) {
  bundle b = read_bundle(source_dir() + "/traces/fmnist_snn");
  const int p = b.layer_index("pool2");
  EXPECT_EQ(b.layers[size_t(p)].in_shape.h, 14);
  b.layers.erase(b.layers.begin() + p);
  layer& F = b.layers[size_t(b.layer_index("fc"))];
  const int C = 32, H = 14, old_in = F.in_channels, new_in = C * H * H;
  EXPECT_EQ(old_in, C * 7 * 7);
  std::vector<int8_t> w(size_t(F.out_channels) * new_in);
  for (int o = 0; o < F.out_channels; ++o)
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < H; ++x)
          w[size_t(o) * new_in + (size_t(c) * H + y) * H + x] = F.weight[size_t(o) * old_in + (size_t(c) * 7 + y / 2) * 7 + x / 2];
  F.in_channels = new_in;
  F.weight = w;
  return write_modified_bundle(std::move(b), n, tag);
}

// A workload of wide maps over four timesteps: a direct-coded 3 x 16 x 64 input (8 planes),
// a 3x3 convolution to 64 channels, a 3x3 stride-2 convolution to 32 (LIF, C#share), a
// linear layer over 32 x 8 x 32.
std::string wide_workload(const std::string& tag, int share) {
  const std::string dir = scratch(tag);
  std::ofstream y(dir + "/trace.yaml");
  y << "format: spiketlm-trace\nversion: 1\nkind: workload\nname: wide_segments\ntimesteps: 4\nclasses: 10\n"
    << "input: {shape: [3, 16, 64], encoding: direct}\n"
    << "spike_rates: {source: \"test: input segments\", seed: 5}\nlayers:\n"
    << "  - {name: c1, type: conv2d, in_channels: 3, out_channels: 64, kernel: 3, stride: 1, padding: 1, "
       "neuron: {model: lif, share: " << share << "}}\n"
    << "  - {name: c2, type: conv2d, in_channels: 64, out_channels: 32, kernel: 3, stride: 2, padding: 1, "
       "input_rate: 0.2, neuron: {model: lif, share: " << share << "}}\n"
    << "  - {name: flatten, type: flatten}\n"
    << "  - {name: fc, type: linear, in_features: 8192, out_features: 10, neuron: none, input_rate: 0.1}\n";
  return dir;
}

const uint64_t k1KB = 512, kOfmapHalf = 16 * 1024;  // halves of a 1 KB ifmap and a 32 KB ofmap GLB

}  // namespace

TEST(SataInputSegments, AnnConvAndLinearInSegmentsAreBitExactOutputStationary) {
  const bundle b = read_bundle(source_dir() + "/traces/fmnist_ann8");
  const int bits = 8;
  const Geo conv2 = geo(b, "conv2", bits), fc = geo(b, "fc", bits);
  // conv2: 8 planes x 16 channels x 3 rows x 2 B = 768 B; fc: 8 x 32 x 7 x 1 = 1792 B.
  expect_segments(conv2, k1KB, "conv2");
  expect_segments(fc, k1KB, "fc");
  const std::string cmd = "run platforms/sata/sata.yaml --trace traces/fmnist_ann8 --samples 12";
  const Json seg = run_json(cmd + " -c sata.glb_ifmap.capacity_kb=1", "inseg_ann8_os");
  const Json whole = run_json(cmd, "inseg_ann8_os_w");
  expect_bit_exact(seg, whole, "ann8 os");
  // DRAM (per sample, T = 1): the bands' input, the weight blocks, the output (conv2: its
  // activation planes; fc: int32 sums). Descriptors: conv1, pool1, conv2, pool2, fc.
  const auto dram = column(seg, "layers", "dram_bytes"), dram_w = column(whole, "layers", "dram_bytes");
  const uint64_t conv2_out = uint64_t(bits) * conv2.K * conv2.OH * pitch(conv2.OW), fc_out = uint64_t(fc.K) * 4;
  EXPECT_EQ(dram.at(2), double(ifmap_dram(conv2, k1KB, relu_row(conv2, bits), kOfmapHalf, 1) + conv2.weights() + conv2_out));
  EXPECT_EQ(dram.at(4), double(ifmap_dram(fc, k1KB, output_row(fc), kOfmapHalf, 1) + fc.weights() + fc_out));
  // conv2: 14 bands of one output row (10 channels of 3 input rows fit, of 4 rows do not):
  // 2 + 12 x 3 + 2 input rows per tile, 4 tiles; fc: the whole map once per tile, 2 tiles.
  EXPECT_EQ(ifmap_dram(conv2, k1KB, relu_row(conv2, bits), kOfmapHalf, 1), 4ull * 8 * 16 * 40 * 2);
  EXPECT_EQ(ifmap_dram(fc, k1KB, output_row(fc), kOfmapHalf, 1), 2 * fc.map());
  // Without segments the input is staged once (it fits half of the 32 KB GLB).
  EXPECT_EQ(dram_w.at(2), double(conv2.map() + conv2.weights() + conv2_out));
  EXPECT_EQ(dram_w.at(4), double(fc.map() + fc.weights() + fc_out));
  // With weight segments too (a 2 KB weight GLB: conv2's 1152-B and fc's 12544-B blocks exceed
  // its 1 KB half): the same sums.
  EXPECT_GT(conv2.weights() / conv2.ntiles(), 1024u);
  EXPECT_GT(fc.weights() / fc.ntiles(), 1024u);
  const Json both = run_json(cmd + " -c sata.glb_ifmap.capacity_kb=1 -c sata.glb_weight.capacity_kb=2", "inseg_ann8_wseg");
  expect_bit_exact(both, whole, "ann8 os, weight segments");
}

TEST(SataInputSegments, AnnInSegmentsAreBitExactTickBatch) {
  for (const int bits : {8, 4}) {
    const std::string tr = "fmnist_ann" + std::to_string(bits), what = tr + " tick-batch";
    const bundle b = read_bundle(source_dir() + "/traces/" + tr);
    const Geo fc = geo(b, "fc", bits);
    expect_segments(fc, k1KB, what);
    const std::string cmd = "run platforms/sata/sata_tick_batch.yaml --trace traces/" + tr + " --samples 12";
    const Json seg = run_json(cmd + " -c sata.glb_ifmap.capacity_kb=1", "inseg_tb" + std::to_string(bits));
    const Json whole = run_json(cmd, "inseg_tb" + std::to_string(bits) + "_w");
    expect_bit_exact(seg, whole, what);
    EXPECT_EQ(column(seg, "layers", "dram_bytes").at(4),
              double(ifmap_dram(fc, k1KB, output_row(fc), kOfmapHalf, 1) + fc.weights() + uint64_t(fc.K) * 4))
        << what;
  }
}

TEST(SataInputSegments, SnnLinearOverFourTimestepsInSegmentsIsBitExact) {
  // fc over conv2's 32 x 14 x 14 spikes: one output row is 32 x 14 rows x 2 B = 896 B; 18
  // channels fit half of a 1 KB GLB: two segments, at every timestep.
  const int n = 12;
  const std::string dir = snn_without_pool2(n, "inseg_snn");
  const bundle b = read_bundle(dir);
  const Geo fc = geo(b, "fc", 1);
  ASSERT_EQ(fc.C, 32);
  ASSERT_EQ(fc.H, 14);
  expect_segments(fc, k1KB, "fc");
  const int T = b.timesteps;
  ASSERT_EQ(T, 4);
  const std::string base = " --trace " + dir + " --samples " + std::to_string(n);
  for (const char* platform : {"sata.yaml", "sata_tick_batch.yaml"}) {
    const bool tb = std::string(platform) == "sata_tick_batch.yaml";
    const std::string cmd = std::string("run platforms/sata/") + platform + base;
    const Json seg = run_json(cmd + " -c sata.glb_ifmap.capacity_kb=1", tb ? "inseg_snn_tb" : "inseg_snn_os");
    const Json whole = run_json(cmd, tb ? "inseg_snn_tb_w" : "inseg_snn_os_w");
    expect_bit_exact(seg, whole, platform);
    // Descriptors: conv1, pool1, conv2, fc. OS: one call per timestep, each with the weight
    // blocks; tick-batch: one call of T timesteps, the weights once. The sums of every timestep.
    const int calls = tb ? 1 : T, nts = tb ? T : 1;
    const uint64_t want = uint64_t(calls) * (ifmap_dram(fc, k1KB, output_row(fc), kOfmapHalf, nts) + fc.weights()) +
                          uint64_t(T) * fc.K * 4;
    EXPECT_EQ(ifmap_dram(fc, k1KB, output_row(fc), kOfmapHalf, nts), 2ull * nts * fc.map()) << platform;
    EXPECT_EQ(column(seg, "layers", "dram_bytes").at(3), double(want)) << platform;
  }
}

TEST(SataInputSegments, SnnConvWithMembranesInSegmentsMatchesTheUnsegmentedRun) {
  // c1: a direct-coded input of 3 channels x 8 planes (one output row: 576 B, two channels
  // fit); c2: 64 channels x 3 rows x 8 B = 1536 B (21 channels fit), stride 2; fc: 32 x 8 x 4 B
  // = 1024 B. Membranes go to DRAM between timesteps (OS), stay per band (tick-batch), and
  // with C#2 pass between the two groups of a timestep.
  struct Case {
    const char* platform;
    int share;
    std::string extra;
  };
  const Case cases[] = {{"sata.yaml", 1, ""},
                        {"sata_tick_batch.yaml", 1, ""},
                        {"sata.yaml", 2, " -c sata.lif.kind=lif.shared -c sata.lif.share=2"}};
  for (const Case& c : cases) {
    const bool tb = std::string(c.platform) == "sata_tick_batch.yaml";
    const std::string what = std::string(c.platform) + " C#" + std::to_string(c.share);
    const std::string tag = std::string("inseg_wide") + (tb ? "_tb" : "_os") + std::to_string(c.share);
    const std::string dir = wide_workload(tag, c.share);
    const bundle b = read_bundle(dir);
    const Geo c1 = geo(b, "c1", 8), c2 = geo(b, "c2", 1), fc = geo(b, "fc", 1);
    expect_segments(c1, k1KB, what + " c1");
    expect_segments(c2, k1KB, what + " c2");
    expect_segments(fc, k1KB, what + " fc");
    const std::string cmd = std::string("run platforms/sata/") + c.platform + " --trace " + dir + " --samples 2" + c.extra;
    const Json seg = run_json(cmd + " -c sata.glb_ifmap.capacity_kb=1", tag);
    const Json whole = run_json(cmd, tag + "_w");
    expect_same_work(seg, whole, what);
    EXPECT_GT(column(seg, "layers", "spikes_out").at(1), 0.0) << what;
    // DRAM: only the input staging differs (weights, membranes, outputs are the same bytes).
    const uint64_t whole_half = uint64_t(tb ? 8 : 32) * 1024 / 2;
    const int T = b.timesteps, calls = tb ? 1 : T, nts = tb ? T : 1;
    const bool persist = !tb;
    const Geo* g[] = {&c1, &c2, &fc};
    const uint64_t out_row[] = {lif_row(c1, persist), lif_row(c2, persist), output_row(fc)};
    const auto dram = column(seg, "layers", "dram_bytes"), dram_w = column(whole, "layers", "dram_bytes");
    for (int l = 0; l < 3; ++l) {
      const int64_t d = int64_t(ifmap_dram(*g[l], k1KB, out_row[l], kOfmapHalf, nts)) -
                        int64_t(ifmap_dram(*g[l], whole_half, out_row[l], kOfmapHalf, nts));
      EXPECT_GT(d, 0) << what << " layer " << l;
      EXPECT_EQ(dram.at(size_t(l)) - dram_w.at(size_t(l)), double(int64_t(calls) * d)) << what << " layer " << l;
    }
  }
}

TEST(SataInputSegments, ARowOfOneChannelThatDoesNotFitIsRefused) {
  // A direct-coded 1 x 8 x 256 input: one output row of its one channel is 8 planes x 3 rows
  // x 32 B = 768 B, more than half of a 1 KB ifmap GLB.
  const std::string dir = scratch("inseg_refuse");
  {
    std::ofstream y(dir + "/trace.yaml");
    y << "format: spiketlm-trace\nversion: 1\nkind: workload\nname: wide_row\ntimesteps: 1\nclasses: 10\n"
      << "input: {shape: [1, 8, 256], encoding: direct}\n"
      << "spike_rates: {source: \"test: a wide row\", seed: 3}\nlayers:\n"
      << "  - {name: c1, type: conv2d, in_channels: 1, out_channels: 8, kernel: 3, stride: 1, padding: 1, "
         "neuron: {model: lif}}\n"
      << "  - {name: pool, type: maxpool2d, kernel: 4, stride: 4}\n"
      << "  - {name: flatten, type: flatten}\n"
      << "  - {name: fc, type: linear, in_features: 1024, out_features: 10, neuron: none, input_rate: 0.1}\n";
  }
  const uint64_t row1 = 8ull * 3 * pitch(256);
  ASSERT_EQ(row1, 768u);
  const std::string cmd = "run platforms/sata/sata.yaml --trace " + dir;
  const CliResult r = cli(cmd + " -c sata.glb_ifmap.capacity_kb=1");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/sata: sata: the accelerator refused layer 0 (error code 3, descriptor word 0: "
                   "the input of one output row of one input channel (" + std::to_string(row1) +
                   " B) exceeds half the ifmap GLB (512 B))\n");
  // Segments are timed by their channels' share of the band's fold cycles, which zero
  // skipping makes depend on every segment's spikes: refused, naming the sizes.
  const CliResult z = cli("run platforms/sata/sata.yaml --trace traces/fmnist_ann8 --samples 1 -c sata.glb_ifmap.capacity_kb=1 "
                          "-c sata.pe_array.skip_zero_cycles=true");
  EXPECT_EQ(z.code, 1);
  EXPECT_EQ(z.err, "spiketlm: error: spiketlm/sata: sata: the accelerator refused layer 2 (error code 3, descriptor word 0: "
                   "the input of one output row (768 B) exceeds half the ifmap GLB (512 B) and input channel segments "
                   "are not modelled with skip_zero_cycles)\n");
}
