// Residual add layers of an ANN (--ann) on SATA: the add reads its shortcut as the producer
// wrote it (a ReLU layer's act_bits bit planes, or an int32 accumulation map), applies ReLU +
// requantize (no membrane) and writes act_bits planes; its counters and DRAM bytes follow from
// the maps and shapes. SNN add layers: DRAM bytes from the shapes, spikes_in = the shortcut's
// spikes. The firmware only sets DESC_IN2_SPIKES with the operand's planes, the sequencer
// refuses an int32 operand 2 with planes. (SpikeFlow's adds: test_spikeflow_residual.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "platforms/sata/sata.h"
#include "sw/run/simulation.h"
#include "sw/fw/firmware.h"
#include "tests/cli.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {

const std::string k_resnet = "traces/workloads/resnet18_tinyimagenet";

// What an add layer read and wrote, read back from DRAM after the run (T = 1: one map each).
struct AddCapture {
  LayerDesc d{};
  size_t desc = 0;
  int layer = 0;                 // index into the bundle's layers
  std::vector<int32_t> a;        // operand 1, int32 [K][H][W]
  std::vector<uint8_t> b;        // operand 2 as stored (bit planes or int32)
  std::vector<int32_t> fx;       // multiplier[K], offset[K]
  std::vector<uint8_t> out;      // the output map as stored
};
struct Captured {
  SampleResult r;
  std::vector<AddCapture> adds;
  std::vector<LayerDesc> descs;
  bool done = false;
} g_cap;

void capture_fw(Hal& hal, FirmwareContext& fc) {
  Runtime& rt = *fc.runtime;
  rt.load();
  g_cap.r = rt.run(0);
  fc.results->push_back(g_cap.r);
  g_cap.descs = rt.descriptors();
  for (size_t i = 0; i < rt.descriptors().size(); ++i) {
    const LayerDesc& d = rt.descriptors()[i];
    if (d.op != OP_ADD) continue;
    AddCapture c;
    c.d = d;
    c.desc = i;
    c.layer = rt.layer_of_desc()[i];
    const uint64_t n = uint64_t(d.out_c) * d.out_h * d.out_w, plane = uint64_t(d.out_c) * d.out_h * ((d.out_w + 7) / 8);
    c.a.resize(n);
    hal.host_read(spiketlm_desc_addr(d.in_addr_lo, d.in_addr_hi), c.a.data(), n * 4);
    c.b.resize((d.flags & DESC_IN2_SPIKES) ? d.in_planes * plane : n * 4);
    hal.host_read(spiketlm_desc_addr(d.in2_addr_lo, d.in2_addr_hi), c.b.data(), c.b.size());
    c.fx.resize(size_t(2) * d.out_c);
    hal.host_read(spiketlm_desc_addr(d.fx_addr_lo, d.fx_addr_hi), c.fx.data(), c.fx.size() * 4);
    c.out.resize(((d.flags & DESC_RELU) ? d.act_bits : 1) * plane);
    hal.host_read(spiketlm_desc_addr(d.out_addr_lo, d.out_addr_hi), c.out.data(), c.out.size());
    g_cap.adds.push_back(std::move(c));
  }
  g_cap.done = true;
}
SPIKETLM_REGISTER_FIRMWARE(capture_fw, "test_ann_residual_capture",
                           "test: runs sample 0, then reads back every add layer's operands and output");

// Runs once with the first add whose operand 2 is int32 claiming 8 planes.
struct Refused {
  SampleResult r;
  uint32_t layer = 0;
  bool done = false;
} g_bad;

void bad_add_fw(Hal&, FirmwareContext& fc) {
  Runtime& rt = *fc.runtime;
  rt.load();
  for (size_t i = 0; i < rt.descriptors().size(); ++i) {
    LayerDesc& d = rt.descriptors()[i];
    if (d.op == OP_ADD && !(d.flags & DESC_IN2_SPIKES)) {
      d.in_planes = 8;
      g_bad.layer = uint32_t(i);
      break;
    }
  }
  rt.write_descriptors();
  g_bad.r = rt.run(0);
  g_bad.done = true;
}
SPIKETLM_REGISTER_FIRMWARE(bad_add_fw, "test_ann_residual_bad_add", "test: an int32 add operand with planes");

// The ANN ResNet18 (8-bit activations) in process, with a 64 KB ifmap GLB: the 32 KB (OS) /
// 8 KB (tick-batch) buffers would need pooling channel groups and input segments, which are
// tested on their own (test_sata_pool_groups.cpp, test_sata_input_segments.cpp); the add layers
// do not depend on it.
Sata& run_ann(Simulation& sim, const std::string& cfg, const std::string& fw) {
  RunRequest req;
  req.config = source_dir() + "/platforms/sata/" + cfg;
  req.overrides = {"sata.glb_ifmap.capacity_kb=64"};
  req.run_params = {{"run.trace", source_dir() + "/" + k_resnet},
                    {"run.samples", "1"},
                    {"run.network", "ann"},
                    {"run.ann_bits", "8"},
                    {"run.firmware", fw}};
  sim.configure(req);
  Sata& s = dynamic_cast<Sata&>(sim.elaborate());
  sim.run();
  return s;
}

// Every add layer's output against ReLU + requantize of the sum computed here from the maps
// it read, and its counters against that computation and the shapes.
void check_ann_adds(const std::string& cfg) {
  Simulation sim;
  Sata& s = run_ann(sim, cfg, "test_ann_residual_capture");
  ASSERT_TRUE(g_cap.done);
  ASSERT_EQ(g_cap.r.status & (STATUS_DONE | STATUS_ERROR), STATUS_DONE) << "refused layer " << g_cap.r.err_layer;
  const bundle& b = s.trace();
  ASSERT_TRUE(b.ann());
  const std::vector<LayerStats>& stats = s.executor().layer_stats();
  ASSERT_EQ(g_cap.adds.size(), 8u);  // two BasicBlocks per stage, four stages
  int plane_adds = 0, int32_adds = 0;
  uint64_t needs_high_planes = 0, needs_operand2 = 0, mid_values = 0;
  for (const AddCapture& c : g_cap.adds) {
    const LayerDesc& d = c.d;
    const layer& L = b.layers[size_t(c.layer)];
    ASSERT_EQ(L.type, layer_type::add);
    ASSERT_TRUE(L.fires());
    const int bits = L.neuron->bits;
    const layer& shortcut = b.layers[size_t(b.layer_index(L.inputs[1]))];
    const int K = L.out_shape.c, H = L.out_shape.h, W = L.out_shape.w;
    const uint64_t pitch = (uint64_t(W) + 7) / 8, plane = uint64_t(K) * H * pitch, n = uint64_t(K) * H * W;
    // The descriptor: ReLU of `bits` bits, no membrane; operand 2 as its producer wrote it (a
    // ReLU layer: `bits` planes; a layer without neuron: int32).
    EXPECT_TRUE(d.flags & DESC_FIRES);
    EXPECT_TRUE(d.flags & DESC_RELU) << L.name;
    EXPECT_EQ(d.act_bits, uint32_t(bits));
    EXPECT_EQ(spiketlm_desc_addr(d.mem_addr_lo, d.mem_addr_hi), 0u) << L.name;
    const bool planes = shortcut.fires();
    EXPECT_EQ(bool(d.flags & DESC_IN2_SPIKES), planes) << L.name;
    EXPECT_EQ(d.in_planes, planes ? uint32_t(bits) : 1u) << L.name;
    (planes ? plane_adds : int32_adds)++;
    const int64_t top = (int64_t(1) << bits) - 1;
    auto bit = [&](const std::vector<uint8_t>& m, int pl, int k, int y, int x) -> int64_t {
      return (m[size_t(pl) * plane + (size_t(k) * H + y) * pitch + size_t(x) / 8] >> (x % 8)) & 1;
    };
    uint64_t wrong = 0, nonzero = 0, set_bits = 0;
    for (int k = 0; k < K; ++k)
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) {
          const size_t i = (size_t(k) * H + y) * W + x;
          int64_t v2 = 0;
          if (planes) {
            for (int pl = 0; pl < bits; ++pl) v2 |= bit(c.b, pl, k, y, x) << pl;
            set_bits += uint64_t(__builtin_popcountll(uint64_t(v2)));
          } else {
            int32_t w;
            std::memcpy(&w, c.b.data() + i * 4, 4);
            v2 = w;
          }
          auto relu = [&](int64_t sum) {
            return std::clamp<int64_t>((sum * c.fx[size_t(k)] + c.fx[size_t(K + k)]) >> d.fx_shift, 0, top);
          };
          const int64_t want = relu(int64_t(c.a[i]) + v2);
          int64_t got = 0;
          for (int pl = 0; pl < bits; ++pl) got |= bit(c.out, pl, k, y, x) << pl;
          wrong += got != want;
          nonzero += want != 0;
          mid_values += want > 0 && want < top;
          needs_operand2 += relu(c.a[i]) != want;
          if (planes) needs_high_planes += relu(int64_t(c.a[i]) + (v2 & 1)) != want;
        }
    EXPECT_EQ(wrong, 0u) << L.name << ": outputs that are not ReLU(operand 1 + operand 2)";
    const LayerStats& st = stats[c.desc];
    EXPECT_EQ(st.spikes_out, nonzero) << L.name << ": non-zero activations";
    EXPECT_EQ(st.spikes_in, planes ? set_bits : 0u) << L.name << ": set bits of operand 2's planes";
    // DRAM: operand 1 (int32), operand 2 (its planes or int32), the output's planes; no membranes.
    EXPECT_EQ(st.dram_bytes, n * 4 + (planes ? uint64_t(bits) * plane : n * 4) + uint64_t(bits) * plane) << L.name;
    EXPECT_GT(st.lif_cycles, 0u);
  }
  EXPECT_EQ(plane_adds, 5);  // shortcut = conv1's or the previous add's activations
  EXPECT_EQ(int32_adds, 3);  // shortcut = a 1x1 convolution without neuron
  // The comparison has power: operand 2 changes outputs, its upper planes too, and some
  // outputs lie strictly inside (0, 2^bits - 1).
  EXPECT_GT(needs_operand2, 0u);
  EXPECT_GT(needs_high_planes, 0u);
  EXPECT_GT(mid_values, 0u);
}

}  // namespace

TEST(SataAnnResidual, AddLayersAreReluOfTheSumWrittenAsActivationPlanesOs) { check_ann_adds("sata.yaml"); }

TEST(SataAnnResidual, AddLayersAreReluOfTheSumWrittenAsActivationPlanesTickBatch) {
  check_ann_adds("sata_tick_batch.yaml");
}

TEST(SataAnnResidual, AnInt32AddOperandWithPlanesIsRefusedWithItsField) {
  Simulation sim;
  run_ann(sim, "sata.yaml", "test_ann_residual_bad_add");
  ASSERT_TRUE(g_bad.done);
  ASSERT_GT(g_bad.layer, 0u);
  EXPECT_EQ(g_bad.r.status & STATUS_ERROR, STATUS_ERROR);
  EXPECT_EQ(g_bad.r.err_code, uint32_t(ERR_BAD_SHAPE));
  EXPECT_EQ(g_bad.r.err_layer, g_bad.layer);
  EXPECT_STREQ(spiketlm_desc_field_name(g_bad.r.err_field), "in_planes");
}

// The row of each bundle layer in the report's "layers" table (flatten has none: -1).
static std::vector<int> report_rows(const bundle& b) {
  std::vector<int> row(b.layers.size(), -1);
  int next = 0;
  for (size_t i = 0; i < b.layers.size(); ++i)
    if (b.layers[i].type != layer_type::flatten) row[i] = next++;
  return row;
}

// The default OS platform with 4-bit activations (its GLBs hold every layer): the add layers'
// DRAM bytes follow from the shapes, and their activations feed the next add.
TEST(SataAnnResidual, Ann4OnTheDefaultPlatformMovesActBitsPlanes) {
  const Json j = run_json("run platforms/sata/sata.yaml --trace " + k_resnet + " --samples 1 --ann 4", "annres_a4");
  const bundle b = read_bundle(source_dir() + "/" + k_resnet);
  const auto dram = column(j, "layers", "dram_bytes"), in = column(j, "layers", "spikes_in"),
             out = column(j, "layers", "spikes_out");
  const std::vector<int> desc = report_rows(b);
  ASSERT_EQ(dram.size(), size_t(*std::max_element(desc.begin(), desc.end()) + 1));
  int adds = 0;
  for (size_t i = 0; i < b.layers.size(); ++i) {
    const layer& L = b.layers[i];
    if (L.type != layer_type::add) continue;
    ++adds;
    const size_t sc = size_t(b.layer_index(L.inputs[1]));
    const bool planes = b.layers[sc].fires();
    const uint64_t K = uint64_t(L.out_shape.c), H = uint64_t(L.out_shape.h), W = uint64_t(L.out_shape.w);
    const uint64_t n = K * H * W, plane = K * H * ((W + 7) / 8);
    EXPECT_EQ(dram[size_t(desc[i])], double(n * 4 + (planes ? 4 * plane : n * 4) + 4 * plane)) << L.name;
    if (planes) {
      // 4-bit activations: at least one and at most four set bits per non-zero value.
      const double fed = in[size_t(desc[i])], nz = out[size_t(desc[sc])];
      EXPECT_GE(fed, nz) << L.name;
      EXPECT_LE(fed, 4 * nz) << L.name;
      EXPECT_GT(nz, 0.0);
    } else {
      EXPECT_EQ(in[size_t(desc[i])], 0.0) << L.name;
    }
    EXPECT_GT(out[size_t(desc[i])], 0.0);
    EXPECT_LT(out[size_t(desc[i])], double(n));
  }
  EXPECT_EQ(adds, 8);
}

// SNN ResNet18 (T = 4): an add layer moves per timestep operand 1 (int32), operand 2 (one spike
// plane or int32) and one spike plane out; output stationary adds its membranes (stored after
// every timestep but the last, loaded before every one but the first), tick-batch keeps them.
// spikes_in of a spike shortcut = the spikes its producer fired.
TEST(SataAnnResidual, SnnAddLayersMoveSpikePlanesAndMembranesAsTheShapesSay) {
  const bundle b = read_bundle(source_dir() + "/" + k_resnet);
  const uint64_t T = uint64_t(b.timesteps), mbytes = 4;  // membrane_bits 32 in both YAMLs
  ASSERT_EQ(T, 4u);
  for (const char* cfg : {"sata.yaml", "sata_tick_batch.yaml"}) {
    const bool os = std::string(cfg) == "sata.yaml";
    const Json j = run_json("run platforms/sata/" + std::string(cfg) + " --trace " + k_resnet + " --samples 1",
                            std::string("annres_snn_") + cfg);
    const auto dram = column(j, "layers", "dram_bytes"), in = column(j, "layers", "spikes_in"),
               out = column(j, "layers", "spikes_out");
    const std::vector<int> desc = report_rows(b);
    for (size_t i = 0; i < b.layers.size(); ++i) {
      const layer& L = b.layers[i];
      if (L.type != layer_type::add) continue;
      const size_t sc = size_t(b.layer_index(L.inputs[1]));
      const bool spikes = b.layers[sc].fires();
      const uint64_t K = uint64_t(L.out_shape.c), H = uint64_t(L.out_shape.h), W = uint64_t(L.out_shape.w);
      const uint64_t n = K * H * W, plane = K * H * ((W + 7) / 8);
      const uint64_t want = T * (n * 4 + (spikes ? plane : n * 4) + plane) + (os ? 2 * (T - 1) * n * mbytes : 0);
      EXPECT_EQ(dram[size_t(desc[i])], double(want)) << cfg << " " << L.name;
      EXPECT_EQ(in[size_t(desc[i])], spikes ? out[size_t(desc[sc])] : 0.0) << cfg << " " << L.name;
    }
  }
}

// A workload whose add takes the network input as operand 2: the bundle reader refuses it in
// one line naming the file and field (both platforms; workloads are checked as functional
// bundles are), and no report is written.
TEST(SataAnnResidual, AnAddOperandFromTheNetworkInputIsAOneLineError) {
  const std::string dir = scratch("add_from_input");
  std::ofstream(dir + "/trace.yaml")
      << "format: spiketlm-trace\nversion: 1\nkind: workload\nname: addin\ntimesteps: 2\nclasses: 4\n"
         "input: {shape: [1, 8, 8], encoding: direct}\nspike_rates: {source: test, seed: 1}\nlayers:\n"
         "  - {name: c1, type: conv2d, in_channels: 1, out_channels: 1, kernel: 3, stride: 1, padding: 1, neuron: none}\n"
         "  - {name: a1, type: add, inputs: [c1, input], neuron: {model: lif, share: 1}}\n"
         "  - {name: f, type: flatten}\n"
         "  - {name: fc, type: linear, in_features: 64, out_features: 4, input_rate: 0.1, neuron: none}\n";
  for (const char* cfg : {"platforms/sata/sata.yaml", "platforms/spikeflow/spikeflow.yaml"}) {
    const CliResult r = cli(std::string("run ") + cfg + " --trace " + dir + " --samples 1 --json " + dir + "/r.json");
    EXPECT_NE(r.code, 0) << cfg;
    EXPECT_EQ(r.err, "spiketlm: error: spiketlm/trace: " + dir +
                         "/trace.yaml: layers[1].inputs[1]: expected a firing layer or a conv2d/linear without neuron "
                         "(the shortcut), got the network input\n")
        << cfg;
    EXPECT_FALSE(std::filesystem::exists(dir + "/r.json")) << cfg;
  }
}
