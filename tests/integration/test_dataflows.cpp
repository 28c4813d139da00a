// Dataflows as policies (hw/compute/dataflow.h): the fold cycles of output-, weight- and
// input-stationary against SCALE-Sim v2's closed forms computed here (per fold, per tile and
// per layer of real runs), output_size ceil changing only the timing, and the example plugin
// dataflow (hw/plugins/dataflow_example) selectable and running.
#include <gtest/gtest.h>

#include <filesystem>

#include "hw/compute/dataflow.h"
#include "tests/cli.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {

uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

struct Shape {
  uint64_t R, C, W, npx, K;
};
// Array and layer shapes: square and not, folds that divide and that do not, K < C, W < R.
const Shape kShapes[] = {{16, 8, 9, 784, 16},  {16, 8, 144, 196, 32}, {16, 8, 1568, 1, 10},
                         {32, 32, 27, 4096, 64}, {8, 16, 5, 7, 3},      {12, 7, 100, 50, 29}};

// The closed forms (FACTS.md s3): cycles per fold and folds, per dataflow.
uint64_t cpf(const std::string& df, const Shape& s) {
  if (df == "os") return s.R + s.C + s.W - 2;
  if (df == "ws") return 2 * s.R + s.C + s.npx - 2;
  return 2 * s.R + s.C + s.K - 2;  // is
}
uint64_t layer_folds(const std::string& df, const Shape& s) {
  if (df == "os") return cdiv(s.npx, s.R) * cdiv(s.K, s.C);
  if (df == "ws") return cdiv(s.W, s.R) * cdiv(s.K, s.C);
  return cdiv(s.W, s.R) * cdiv(s.npx, s.C);  // is
}

FoldShape tile(const Shape& s, uint64_t k0) {
  FoldShape f;
  f.R = s.R, f.C = s.C, f.W = s.W, f.npx = s.npx, f.K = s.K;
  f.k0 = k0;
  f.kvalid = std::min(s.C, s.K - k0);
  return f;
}

std::vector<std::string> str_column(const Json& j, const std::string& table, const std::string& col) {
  return text_column(j, table, col);
}

uint64_t stat(const Json& j, const std::string& module, const std::string& name) {
  for (const auto& row : j.get_child("tables.stats"))
    if (row.second.get<std::string>("module") == module && row.second.get<std::string>("statistic") == name)
      return std::stoull(row.second.get<std::string>("value"));
  throw std::runtime_error("no statistic " + module + " " + name);
}

const std::string kFmnist = "run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 1";

}  // namespace

TEST(Dataflow, FoldsOfEveryTileAddUpToScaleSimsClosedForms) {
  Context ctx;
  OutputStationary os("os", ctx);
  WeightStationary ws("ws", ctx);
  InputStationary is("is", ctx);
  const std::pair<std::string, const Dataflow*> dfs[] = {{"os", &os}, {"ws", &ws}, {"is", &is}};
  for (const Shape& s : kShapes)
    for (const auto& [name, df] : dfs) {
      uint64_t cycles = 0, folds = 0;
      for (uint64_t k0 = 0; k0 < s.K; k0 += s.C) {
        const FoldCount f = df->folds(tile(s, k0), 0, s.npx, nullptr, false, true);
        cycles += f.cycles;
        folds += f.folds;
      }
      const std::string at = name + " R" + std::to_string(s.R) + " C" + std::to_string(s.C) + " W" +
                             std::to_string(s.W) + " Npx" + std::to_string(s.npx) + " K" + std::to_string(s.K);
      EXPECT_EQ(folds, layer_folds(name, s)) << at;
      EXPECT_EQ(cycles - 1, layer_folds(name, s) * cpf(name, s) - 1) << at;  // SCALE-Sim's total
    }
}

TEST(Dataflow, OneFoldTakesTheClosedFormsCyclesPerFold) {
  Context ctx;
  OutputStationary os("os", ctx);
  WeightStationary ws("ws", ctx);
  for (const Shape& s : kShapes) {
    // OS: the R pixels of one fold, dense, and with skip_zero_cycles the busiest row's non-zeros.
    const uint64_t n = std::min(s.R, s.npx);
    EXPECT_EQ(os.folds(tile(s, 0), 0, n, nullptr, false, true).cycles, s.R + s.C + s.W - 2);
    std::vector<uint32_t> nnz(n, 0);
    nnz[n - 1] = 3;
    EXPECT_EQ(os.folds(tile(s, 0), 0, n, nnz.data(), true, true).cycles, s.R + s.C + 3 - 2);
    EXPECT_EQ(os.folds(tile(s, 0), 0, n, nnz.data(), false, true).cycles, s.R + s.C + s.W - 2);
    // WS with W <= R: one fold of 2R + C + Npx - 2.
    Shape one = s;
    one.W = std::min(s.W, s.R);
    EXPECT_EQ(ws.folds(tile(one, 0), 0, s.npx, nullptr, false, true).cycles, 2 * s.R + s.C + s.npx - 2);
  }
}

TEST(Dataflow, LayerCyclesOfOsWsIsEqualTheClosedFormsOnFashionMnist) {
  const bundle b = read_bundle(source_dir() + "/traces/fmnist_snn");
  const uint64_t R = 16, C = 8, T = uint64_t(b.timesteps);
  std::vector<Shape> layers;  // the compute layers, in order
  for (const layer& l : b.layers) {
    if (!l.is_compute()) continue;
    const bool linear = l.type == layer_type::linear;
    const uint64_t w = linear ? uint64_t(l.in_shape.size()) : uint64_t(l.kernel) * l.kernel * l.in_shape.c;
    const uint64_t npx = linear ? 1 : uint64_t(l.out_shape.h) * l.out_shape.w;
    layers.push_back({R, C, w * uint64_t(l.in_bits), npx, uint64_t(l.out_channels)});
  }
  for (const std::string df : {"os", "ws", "is"}) {
    const Json j = run_json(kFmnist + " -c sata.dataflow.kind=dataflow." + df, "df_" + df);
    EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0) << df;  // the dataflow never changes the result
    const auto ops = str_column(j, "layers", "op");
    const auto cycles = column(j, "layers", "compute_cycles");
    size_t k = 0;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (ops[i] != "conv" && ops[i] != "linear") {
        EXPECT_EQ(cycles[i], 0) << df << " layer " << i;
        continue;
      }
      ASSERT_LT(k, layers.size());
      const Shape& s = layers[k++];
      EXPECT_EQ(uint64_t(cycles[i]), T * (layer_folds(df, s) * cpf(df, s) - 1)) << df << " layer " << i;
    }
    EXPECT_EQ(k, layers.size());
  }
}

TEST(Dataflow, InputStationaryReadsEachInputOnceAndTheFiltersPerPixelFold) {
  const Json os = run_json(kFmnist, "df_traffic_os");
  const Json is = run_json(kFmnist + " -c sata.dataflow.kind=dataflow.is", "df_traffic_is");
  // The ifmap GLB streams each receptive field to the array once under IS, once per filter
  // tile under OS; the DRAM traffic (what the buffers hold) is the same.
  EXPECT_LT(stat(is, "sata.glb_ifmap", "bytes_read"), stat(os, "sata.glb_ifmap", "bytes_read"));
  EXPECT_EQ(stat(is, "sata.dram", "bytes_read"), stat(os, "sata.dram", "bytes_read"));
  EXPECT_EQ(column(is, "layers", "spikes_out"), column(os, "layers", "spikes_out"));
}

TEST(Dataflow, OutputSizeCeilChangesOnlyTheFoldCounts) {
  // ResNet18 (8-bit ANN, one timestep): its stride-2 layers have an odd H + 2p - k, where
  // SCALE-Sim's ceil((H + 2p - k) / s) + 1 is one more row and column than the layer's.
  const bundle b = read_bundle(source_dir() + "/traces/workloads/resnet18_tinyimagenet");
  const std::string run = "run platforms/sata/sata.yaml --trace traces/workloads/resnet18_tinyimagenet --samples 1 --ann 8";
  const Json fl = run_json(run, "df_floor"), ce = run_json(run + " -c sata.dataflow.output_size=ceil", "df_ceil");
  for (const char* col : {"spikes_in", "spikes_out", "accumulates", "dram_bytes"})
    EXPECT_EQ(column(fl, "layers", col), column(ce, "layers", col)) << col;
  const auto ops = str_column(fl, "layers", "op");
  const auto cf = column(fl, "layers", "compute_cycles"), cc = column(ce, "layers", "compute_cycles");
  size_t k = 0, changed = 0;
  std::vector<const layer*> compute;
  for (const layer& l : b.layers)
    if (l.is_compute()) compute.push_back(&l);
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i] != "conv" && ops[i] != "linear") continue;
    ASSERT_LT(k, compute.size());
    const layer& l = *compute[k++];
    if (l.type == layer_type::linear) {
      EXPECT_EQ(cf[i], cc[i]);
      continue;
    }
    const int span = l.in_shape.h + 2 * l.padding - l.kernel;
    const uint64_t out_f = uint64_t(span / l.stride + 1), out_c = cdiv(uint64_t(span), uint64_t(l.stride)) + 1;
    const uint64_t folds_k = cdiv(uint64_t(l.out_channels), 8), cpf = 16 + 8 + uint64_t(l.kernel) * l.kernel * l.in_shape.c - 2;
    const uint64_t extra = (cdiv(out_c * out_c, 16) - cdiv(out_f * out_f, 16)) * folds_k * cpf;
    EXPECT_EQ(uint64_t(cc[i] - cf[i]), extra) << "layer " << i << " " << l.name;
    changed += extra > 0;
  }
  EXPECT_EQ(k, compute.size());
  EXPECT_GE(changed, 3u);  // the stride-2 convolutions and shortcuts
}

TEST(Dataflow, ABadOutputSizeIsAOneLineError) {
  const CliResult r = cli(kFmnist + " --quiet -c sata.dataflow.output_size=round");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("sata.dataflow.output_size"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Dataflow, ThePluginDataflowIsSelectableAndRuns) {
  const std::string so = binary_dir() + "/plugins/libspiketlm_dataflow_example.so";
  ASSERT_TRUE(std::filesystem::exists(so)) << so;
  const std::string run = "run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 2";
  const Json ws = run_json(run + " -c sata.dataflow.kind=dataflow.ws", "df_plugin_ws");
  const Json pl = run_json(run + " --plugin " + so + " -c sata.dataflow.kind=dataflow.example_ws_batch", "df_plugin");
  EXPECT_EQ(pl.get<std::string>("run.dataflow"), "dataflow.example_ws_batch");
  EXPECT_EQ(summary(pl, "reference_mismatch_samples"), 0);
  // Weight-stationary folds, all timesteps per weight fold: the same fold cycles as WS, the
  // weights read from the weight GLB once instead of once per timestep, no membrane traffic.
  EXPECT_EQ(column(pl, "layers", "compute_cycles"), column(ws, "layers", "compute_cycles"));
  EXPECT_LT(stat(pl, "sata.glb_weight", "bytes_read"), stat(ws, "sata.glb_weight", "bytes_read"));
  EXPECT_LT(stat(pl, "sata.dram", "bytes_read"), stat(ws, "sata.dram", "bytes_read"));
}
