// Residual add layers on SpikeFlow (the IMC chip): the add sums operand 1 (the block's last
// convolution, int32, produced on chip) and operand 2 (the shortcut: spikes, ANN activations or
// int32) and fires through the tile's neuron units with its own membranes (ANN: ReLU +
// requantize). Here the ResNet18 workload is the test network (a functional residual block
// against the golden model: test_golden_residual.cpp): both platforms
// run the same descriptors, weights and generated input maps, and every add layer's operands
// and outputs of every timestep on SpikeFlow are compared bit for bit with SATA's (read back
// from DRAM) and with LIF / ReLU of the sum computed here with the golden model's update.
// The add's counters (neuron updates, NoC bytes of the shortcut and the output, no PEs) are
// checked against the shapes.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <systemc>

#include "hw/ctrl/csr.h"
#include "hw/imc/imc_controller.h"
#include "sw/run/simulation.h"
#include "sw/fw/firmware.h"
#include "tests/cli.h"
#include "traces/src/golden.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {

const std::string k_resnet = "traces/workloads/resnet18_tinyimagenet";

// SATA's add layers as they read and wrote them in DRAM, every timestep, as values.
struct SataAdd {
  LayerDesc d{};
  int layer = 0;                                // bundle layer
  std::vector<int32_t> fx;                      // multiplier[K], offset[K]
  std::vector<std::vector<int32_t>> a, b, out;  // [t][K * H * W]
};
struct SataCapture {
  int T = 1;  // set by the test before the run
  std::map<uint32_t, SataAdd> adds;  // by descriptor index
  bool done = false;
} g_sata;

// Values of a bit-plane map [planes][K][H][pitch].
std::vector<int32_t> unplane(const std::vector<uint8_t>& m, int planes, int K, int H, int W) {
  const size_t pitch = (size_t(W) + 7) / 8, plane = size_t(K) * H * pitch;
  std::vector<int32_t> v(size_t(K) * H * W, 0);
  for (int pl = 0; pl < planes; ++pl)
    for (int k = 0; k < K; ++k)
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x)
          if ((m[size_t(pl) * plane + (size_t(k) * H + y) * pitch + size_t(x) / 8] >> (x % 8)) & 1)
            v[(size_t(k) * H + y) * W + x] |= int32_t(1) << pl;
  return v;
}

void sata_capture_fw(Hal& hal, FirmwareContext& fc) {
  Runtime& rt = *fc.runtime;
  rt.load();
  fc.results->push_back(rt.run(0));
  g_sata.adds.clear();
  for (size_t i = 0; i < rt.descriptors().size(); ++i) {
    const LayerDesc& d = rt.descriptors()[i];
    if (d.op != OP_ADD) continue;
    SataAdd c;
    c.d = d;
    c.layer = rt.layer_of_desc()[i];
    const int K = int(d.out_c), H = int(d.out_h), W = int(d.out_w);
    const uint64_t n = uint64_t(K) * H * W, plane = uint64_t(K) * H * ((W + 7) / 8);
    const bool spikes2 = d.flags & DESC_IN2_SPIKES;
    const int oplanes = (d.flags & DESC_RELU) ? int(d.act_bits) : 1;
    c.fx.resize(size_t(2) * K);
    hal.host_read(spiketlm_desc_addr(d.fx_addr_lo, d.fx_addr_hi), c.fx.data(), c.fx.size() * 4);
    for (int t = 0; t < g_sata.T; ++t) {
      std::vector<int32_t> a(n);
      hal.host_read(spiketlm_desc_addr(d.in_addr_lo, d.in_addr_hi) + uint64_t(t) * n * 4, a.data(), n * 4);
      c.a.push_back(a);
      if (spikes2) {
        std::vector<uint8_t> m(plane * d.in_planes);
        hal.host_read(spiketlm_desc_addr(d.in2_addr_lo, d.in2_addr_hi) + uint64_t(t) * m.size(), m.data(), m.size());
        c.b.push_back(unplane(m, int(d.in_planes), K, H, W));
      } else {
        std::vector<int32_t> b(n);
        hal.host_read(spiketlm_desc_addr(d.in2_addr_lo, d.in2_addr_hi) + uint64_t(t) * n * 4, b.data(), n * 4);
        c.b.push_back(b);
      }
      std::vector<uint8_t> o(plane * uint64_t(oplanes));
      hal.host_read(spiketlm_desc_addr(d.out_addr_lo, d.out_addr_hi) + uint64_t(t) * o.size(), o.data(), o.size());
      c.out.push_back(unplane(o, oplanes, K, H, W));
    }
    g_sata.adds[uint32_t(i)] = std::move(c);
  }
  g_sata.done = true;
}
SPIKETLM_REGISTER_FIRMWARE(sata_capture_fw, "test_sf_residual_sata_capture",
                           "test: runs sample 0, then reads back every add layer's operands and outputs of every timestep");

std::vector<std::pair<std::string, std::string>> run_params(bool ann, const std::string& fw) {
  std::vector<std::pair<std::string, std::string>> p = {{"run.trace", source_dir() + "/" + k_resnet}, {"run.samples", "1"}};
  if (ann) {
    p.push_back({"run.network", "ann"});
    p.push_back({"run.ann_bits", "8"});
  }
  if (!fw.empty()) p.push_back({"run.firmware", fw});
  return p;
}

void run_sata(bool ann) {
  Simulation sim;
  RunRequest req;
  req.config = source_dir() + "/platforms/sata/sata.yaml";
  // ANN: a 64 KB ifmap GLB keeps the run free of pooling channel groups and input segments
  // (tested on their own; as in test_sata_ann_residual.cpp); the add layers do not depend on it.
  if (ann) req.overrides = {"sata.glb_ifmap.capacity_kb=64"};
  req.run_params = run_params(ann, "test_sf_residual_sata_capture");
  sim.configure(req);
  sim.elaborate();
  sim.run();
}

// g_sata.adds to and from a file (descriptor, layer, fx, then every map: count, values).
void put(std::FILE* f, const void* p, size_t n) { std::fwrite(p, 1, n, f); }
bool get(std::FILE* f, void* p, size_t n) { return std::fread(p, 1, n, f) == n; }
void put_vec(std::FILE* f, const std::vector<int32_t>& v) {
  const uint64_t n = v.size();
  put(f, &n, 8);
  put(f, v.data(), n * 4);
}
bool get_vec(std::FILE* f, std::vector<int32_t>& v) {
  uint64_t n = 0;
  if (!get(f, &n, 8) || n > (uint64_t(1) << 28)) return false;
  v.resize(n);
  return get(f, v.data(), n * 4);
}
bool save(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  const uint64_t n = g_sata.adds.size();
  put(f, &n, 8);
  for (const auto& [desc, c] : g_sata.adds) {
    put(f, &desc, 4);
    put(f, &c.d, sizeof(LayerDesc));
    put(f, &c.layer, 4);
    put_vec(f, c.fx);
    for (const auto* maps : {&c.a, &c.b, &c.out})
      for (const auto& m : *maps) put_vec(f, m);
  }
  return std::fclose(f) == 0;
}
bool load(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  g_sata.adds.clear();
  uint64_t n = 0;
  bool ok = get(f, &n, 8);
  for (uint64_t i = 0; ok && i < n; ++i) {
    uint32_t desc = 0;
    SataAdd c;
    ok = get(f, &desc, 4) && get(f, &c.d, sizeof(LayerDesc)) && get(f, &c.layer, 4) && get_vec(f, c.fx);
    for (auto* maps : {&c.a, &c.b, &c.out}) {
      maps->resize(size_t(g_sata.T));
      for (auto& m : *maps) ok = ok && get_vec(f, m);
    }
    g_sata.adds[desc] = std::move(c);
  }
  std::fclose(f);
  return ok;
}

// Every add layer on SpikeFlow against SATA (operands and outputs, every timestep) and against
// the golden model's neuron update of the sum.
void check_adds(bool ann) {
  const bundle b = read_bundle(source_dir() + "/" + k_resnet);
  const int T = ann ? 1 : b.timesteps;
  g_sata.T = T;
  g_sata.done = false;
  // SystemC runs one simulation per process: SATA runs in a child process, which writes what
  // it read back to a file, and SpikeFlow in this one.
  const std::string file = scratch(ann ? "sfres_sata_ann" : "sfres_sata_snn") + "/adds.bin";
  std::fflush(nullptr);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int rc = 1;
    try {
      run_sata(ann);
      if (g_sata.done) rc = save(file) ? 0 : 1;
    } catch (...) {
    }
    _exit(rc);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the SATA run in the child process failed";
  ASSERT_TRUE(load(file));
  ASSERT_EQ(g_sata.adds.size(), 8u);  // two BasicBlocks per stage, four stages
  std::map<uint32_t, ImcExecutor::AddMaps> sf;
  {
    Simulation sim;
    RunRequest req;
    req.config = source_dir() + "/platforms/spikeflow/spikeflow.yaml";
    req.run_params = run_params(ann, "");
    sim.configure(req);
    sim.elaborate();
    auto* ctrl = dynamic_cast<ImcController*>(sc_core::sc_find_object("spikeflow.ctrl"));
    ASSERT_NE(ctrl, nullptr);
    ctrl->executor().enable_add_capture();
    sim.run();
    sf = ctrl->executor().add_maps();
  }
  ASSERT_EQ(sf.size(), g_sata.adds.size());
  uint64_t ones = 0, zeros = 0, needs_operand2 = 0, int32_shortcuts = 0;
  for (const auto& [desc, s] : g_sata.adds) {
    ASSERT_TRUE(sf.count(desc)) << "descriptor " << desc;
    const ImcExecutor::AddMaps& m = sf.at(desc);
    const layer& L = b.layers[size_t(s.layer)];
    ASSERT_EQ(L.type, layer_type::add);
    ASSERT_EQ(m.out.size(), size_t(T)) << L.name;
    const LayerDesc& d = s.d;
    const size_t K = d.out_c, n = K * d.out_h * d.out_w, npx = size_t(d.out_h) * d.out_w;
    int32_shortcuts += !(d.flags & DESC_IN2_SPIKES);
    const neuron_params& np = *L.neuron;
    std::vector<int64_t> mem(ann ? 0 : n / size_t(np.share), 0), mem1 = mem;
    for (int t = 0; t < T; ++t) {
      const size_t ts = size_t(t);
      ASSERT_EQ(m.a[ts].size(), n);
      ASSERT_EQ(m.b[ts].size(), n);
      ASSERT_EQ(m.out[ts].size(), n);
      uint64_t wrong = 0, diff_a = 0, diff_b = 0, diff_out = 0;
      for (size_t i = 0; i < n; ++i) {
        diff_a += m.a[ts][i] != s.a[ts][i];
        diff_b += m.b[ts][i] != s.b[ts][i];
        diff_out += m.out[ts][i] != s.out[ts][i];
        const size_t k = i / npx;
        auto current = [&](int64_t x) { return arith::neuron_current(x, s.fx[k], s.fx[K + k], int(d.fx_shift)); };
        const int64_t sum = int64_t(s.a[ts][i]) + s.b[ts][i];
        int64_t want, without;
        if (ann) {
          want = arith::relu_quantize(current(sum), int(d.act_bits));
          without = arith::relu_quantize(current(s.a[ts][i]), int(d.act_bits));
        } else {
          const size_t g = i % mem.size();
          want = arith::lif_update(mem[g], current(sum), np, 32);
          without = arith::lif_update(mem1[g], current(s.a[ts][i]), np, 32);
        }
        wrong += m.out[ts][i] != want;
        (want ? ones : zeros) += 1;
        needs_operand2 += want != without;
      }
      EXPECT_EQ(diff_a, 0u) << L.name << " t=" << t << ": operand 1 values that differ from SATA's";
      EXPECT_EQ(diff_b, 0u) << L.name << " t=" << t << ": operand 2 values that differ from SATA's";
      EXPECT_EQ(diff_out, 0u) << L.name << " t=" << t << ": outputs that differ from SATA's";
      EXPECT_EQ(wrong, 0u) << L.name << " t=" << t << ": outputs that are not the neuron update of operand 1 + operand 2";
    }
  }
  // The comparison has power: outputs of both values, the shortcut changes outputs, and both
  // kinds of shortcut (a firing layer's map and a 1x1 convolution's int32 map) occur.
  EXPECT_GT(ones, 0u);
  EXPECT_GT(zeros, 0u);
  EXPECT_GT(needs_operand2, 0u);
  EXPECT_EQ(int32_shortcuts, 3u);
}

// The row of each bundle layer in the report's "layers" table (flatten has none: -1).
std::vector<int> report_rows(const bundle& b) {
  std::vector<int> row(b.layers.size(), -1);
  int next = 0;
  for (size_t i = 0; i < b.layers.size(); ++i)
    if (b.layers[i].type != layer_type::flatten) row[i] = next++;
  return row;
}

// The add rows of the report against the shapes: no PEs or PE cycles, one neuron update per
// output element and timestep, NoC bytes = the shortcut (1 bit per spike, act_bits per
// activation, 32 per int32 value) plus the output map, per timestep.
void check_counts(bool ann) {
  const bundle b = read_bundle(source_dir() + "/" + k_resnet);
  const uint64_t T = ann ? 1 : uint64_t(b.timesteps), bits = ann ? 8 : 1;
  const Json j = run_json("run platforms/spikeflow/spikeflow.yaml --trace " + k_resnet + " --samples 1" +
                              (ann ? " --ann 8" : ""),
                          ann ? "sfres_ann" : "sfres_snn");
  const auto op = column(j, "layers", "pes"), pc = column(j, "layers", "pe_cycles"),
             nu = column(j, "layers", "neuron_updates"), noc = column(j, "layers", "noc_bytes"),
             in = column(j, "layers", "spikes_in"), out = column(j, "layers", "spikes_out"),
             st = column(j, "layers", "start_us"), en = column(j, "layers", "end_us");
  const std::vector<int> row = report_rows(b);
  int adds = 0;
  for (size_t i = 0; i < b.layers.size(); ++i) {
    const layer& L = b.layers[i];
    if (L.type != layer_type::add) continue;
    ++adds;
    const size_t r = size_t(row[i]), sc = size_t(b.layer_index(L.inputs[1]));
    const bool planes = b.layers[sc].fires();
    const uint64_t n = uint64_t(L.out_shape.size());
    const uint64_t shortcut = (n * (planes ? bits : 32) + 7) / 8, output = (n * bits + 7) / 8;
    EXPECT_EQ(op[r], 0.0) << L.name;
    EXPECT_EQ(pc[r], 0.0) << L.name;
    EXPECT_EQ(nu[r], double(T * n)) << L.name;
    EXPECT_EQ(noc[r], double(T * (shortcut + output))) << L.name;
    if (!ann) {
      EXPECT_EQ(in[r], planes ? out[size_t(row[sc])] : 0.0) << L.name << ": the shortcut's spikes";
    }
    EXPECT_GT(out[r], 0.0) << L.name;
    // A pipeline stage after its operand 1's convolution.
    const size_t r1 = size_t(row[size_t(b.layer_index(L.inputs[0]))]);
    EXPECT_GE(st[r], st[r1]) << L.name;
    EXPECT_GT(en[r], en[r1]) << L.name;
  }
  EXPECT_EQ(adds, 8);
  EXPECT_GT(j.get<double>("summary.latency_us"), 0.0);
  EXPECT_GT(j.get<double>("summary.energy_uj"), 0.0);
}

// The first add's descriptor broken one way, then sample 0 run: mode 1 clears DESC_FIRES, mode 2
// points operand 2 at the network's input map in DRAM (not a map produced on chip).
struct BadAdd {
  int mode = 0;
  uint32_t layer = 0;
  SampleResult r;
  bool done = false;
} g_bad;

void bad_add_fw(Hal&, FirmwareContext& fc) {
  Runtime& rt = *fc.runtime;
  rt.load();
  std::vector<LayerDesc>& ds = rt.descriptors();
  for (size_t i = 0; i < ds.size(); ++i) {
    LayerDesc& d = ds[i];
    if (d.op != OP_ADD) continue;
    if (g_bad.mode == 1) d.flags &= ~DESC_FIRES;
    else {
      d.in2_addr_lo = ds[0].in_addr_lo;
      d.in2_addr_hi = ds[0].in_addr_hi;
    }
    g_bad.layer = uint32_t(i);
    break;
  }
  rt.write_descriptors();
  g_bad.r = rt.run(0);
  g_bad.done = true;
}
SPIKETLM_REGISTER_FIRMWARE(bad_add_fw, "test_sf_residual_bad_add", "test: the first add layer's descriptor broken");

void check_refused(int mode, uint32_t code, const std::string& why) {
  g_bad = BadAdd{};
  g_bad.mode = mode;
  Simulation sim;
  RunRequest req;
  req.config = source_dir() + "/platforms/spikeflow/spikeflow.yaml";
  req.run_params = run_params(false, "test_sf_residual_bad_add");
  sim.configure(req);
  sim.elaborate();
  sim.run();
  ASSERT_TRUE(g_bad.done);
  ASSERT_GT(g_bad.layer, 0u);
  EXPECT_EQ(g_bad.r.status & STATUS_ERROR, STATUS_ERROR);
  EXPECT_EQ(g_bad.r.err_code, code);
  EXPECT_EQ(g_bad.r.err_layer, g_bad.layer);
  auto* csr = dynamic_cast<Csr*>(sc_core::sc_find_object("spikeflow.csr"));
  ASSERT_NE(csr, nullptr);
  EXPECT_NE(csr->refusal_reason().find(why), std::string::npos) << csr->refusal_reason();
}

}  // namespace

TEST(SpikeFlowResidual, AnAddThatDoesNotFireIsRefused) { check_refused(1, ERR_BAD_PARAM, "an add layer must fire"); }

TEST(SpikeFlowResidual, AnAddOperandNotProducedOnChipIsRefused) {
  check_refused(2, ERR_BAD_ADDRESS, "add: an operand is not a map produced on chip");
}

TEST(SpikeFlowResidual, SnnAddsMatchSataBitForBitAndTheLifOfTheSum) { check_adds(false); }

TEST(SpikeFlowResidual, AnnAddsMatchSataBitForBitAndTheReluOfTheSum) { check_adds(true); }

TEST(SpikeFlowResidual, SnnAddCountsFollowFromTheShapes) { check_counts(false); }

TEST(SpikeFlowResidual, AnnAddCountsFollowFromTheShapes) { check_counts(true); }
