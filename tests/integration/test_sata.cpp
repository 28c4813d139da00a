// The SATA platform: dense timing against SCALE-Sim's closed form (computed here, from
// FACTS.md section 3), the tick-batch and bandwidth invariants, and refusals.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {

// A small workload bundle: spike input at `rate`, two convolutions and a linear output layer.
// Shapes chosen so that folds do not divide evenly on any array tried below.
std::string make_workload(const std::string& dir, int T, double rate, int in_c = 8, int hw = 12) {
  std::ofstream y(dir + "/trace.yaml");
  y << "format: spiketlm-trace\nversion: 1\nkind: workload\nname: dense_test\ntimesteps: " << T
    << "\nclasses: 10\ninput: {shape: [" << in_c << ", " << hw << ", " << hw << "], encoding: spikes}\n"
    << "spike_rates: {source: \"test: every spike present\", seed: 7}\nlayers:\n"
    << "  - {name: c1, type: conv2d, in_channels: " << in_c << ", out_channels: 20, kernel: 3, stride: 1, padding: 1, input_rate: " << rate
    << ", neuron: {model: lif}}\n"
    << "  - {name: c2, type: conv2d, in_channels: 20, out_channels: 12, kernel: 3, stride: 2, padding: 0, input_rate: " << rate
    << ", neuron: {model: lif}}\n"
    << "  - {name: fc, type: linear, in_features: " << 12 * ((hw - 3) / 2 + 1) * ((hw - 3) / 2 + 1)
    << ", out_features: 10, input_rate: " << rate << ", neuron: none}\n";
  return dir;
}

struct Shape {
  uint64_t npx, k, w;
};
uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// SCALE-Sim v2 (FACTS.md s3), one layer, one timestep.
uint64_t scalesim_os(uint64_t R, uint64_t C, Shape s) { return cdiv(s.npx, R) * cdiv(s.k, C) * (R + C + s.w - 2) - 1; }
uint64_t scalesim_ws(uint64_t R, uint64_t C, Shape s) { return cdiv(s.w, R) * cdiv(s.k, C) * (2 * R + C + s.npx - 2) - 1; }


}  // namespace

TEST(Sata, DenseComputeCyclesEqualScaleSimClosedForm) {
  const std::string bundle = make_workload(scratch("dense"), 2, 1.0);
  // c1: 12x12 out, 20 filters, W = 8*9; c2: 5x5 out, 12 filters, W = 20*9; fc: 1 px, 10, W = 12*5*5
  const Shape layers[] = {{144, 20, 72}, {25, 12, 180}, {1, 10, 300}};
  const std::pair<int, int> arrays[] = {{16, 8}, {8, 8}, {4, 16}, {32, 4}};
  for (const char* df : {"dataflow.os", "dataflow.ws"}) {
    for (auto [R, C] : arrays) {
      const Json j = run_json("run platforms/sata/sata.yaml --trace " + bundle + " -c sata.pe_array.rows=" +
                                  std::to_string(R) + " -c sata.pe_array.cols=" + std::to_string(C) +
                                  " -c sata.dataflow.kind=" + df,
                              "dense");
      const auto cyc = column(j, "layers", "compute_cycles");
      ASSERT_EQ(cyc.size(), 3u);
      for (int l = 0; l < 3; ++l) {
        const uint64_t per_t = std::string(df) == "dataflow.os" ? scalesim_os(R, C, layers[l]) : scalesim_ws(R, C, layers[l]);
        EXPECT_EQ(uint64_t(cyc[size_t(l)]), 2 * per_t) << df << " " << R << "x" << C << " layer " << l;
      }
      // Every spike present: accumulates = the kernel taps that land inside the 12x12 input
      // (padding contributes nothing), x Cin x K x T. Per dimension: 2 + 3*10 + 2 = 34 taps.
      const auto acc = column(j, "layers", "accumulates");
      EXPECT_EQ(uint64_t(acc[0]), 2ull * 34 * 34 * 8 * 20);
      // c2 has no padding: every tap lands, = npx * W * K * T
      EXPECT_EQ(uint64_t(acc[1]), 2ull * 25 * 180 * 12);
    }
  }
}

TEST(Sata, TickBatchMovesFewerBytesThanOutputStationary) {
  const std::string bundle = make_workload(scratch("tb"), 4, 0.2, 16, 16);
  const Json os = run_json("run platforms/sata/sata.yaml --trace " + bundle, "tb_os");
  const Json tb = run_json("run platforms/sata/sata_tick_batch.yaml --trace " + bundle, "tb_tb");
  const auto os_dram = column(os, "layers", "dram_bytes"), tb_dram = column(tb, "layers", "dram_bytes");
  const auto os_glb = column(os, "layers", "glb_bytes"), tb_glb = column(tb, "layers", "glb_bytes");
  double od = 0, td = 0, og = 0, tg = 0;
  for (size_t i = 0; i < os_dram.size(); ++i) {
    od += os_dram[i];
    td += tb_dram[i];
    og += os_glb[i];
    tg += tb_glb[i];
  }
  EXPECT_LT(td, od);
  EXPECT_LT(tg, og);
  // The same spikes go through both: the same accumulates.
  EXPECT_EQ(column(os, "layers", "accumulates"), column(tb, "layers", "accumulates"));
}

TEST(Sata, EnergyGrowsWithTimesteps) {
  double prev = 0;
  for (int T : {1, 2, 4, 8}) {
    const std::string bundle = make_workload(scratch("t" + std::to_string(T)), T, 0.15);
    for (const char* cfg : {"sata", "sata_tick_batch"}) {
      const Json j = run_json(std::string("run platforms/sata/") + cfg + ".yaml --trace " + bundle, "et");
      const double e = summary(j, "energy_uj");
      if (std::string(cfg) == "sata") {
        EXPECT_GT(e, prev) << "T=" << T;
        prev = e;
      }
    }
  }
}

TEST(Sata, HalvingDramBandwidthNeverMakesARunFaster) {
  const std::string bundle = make_workload(scratch("bw"), 2, 0.3, 16, 16);
  for (const char* cfg : {"sata", "sata_tick_batch"}) {
    double prev = 0, first = 0;
    for (int bits : {1024, 512, 256, 128, 64, 32, 16}) {
      const Json j = run_json(std::string("run platforms/sata/") + cfg + ".yaml --trace " + bundle +
                                  " -c sata.dram.bus_bits=" + std::to_string(bits),
                              "bw");
      const double lat = summary(j, "latency_cycles");
      EXPECT_GE(lat, prev) << cfg << " bus_bits=" << bits;
      if (bits == 1024) first = lat;
      prev = lat;
    }
    EXPECT_GT(prev, first) << cfg << ": a 64x narrower DRAM bus must show in the latency";
  }
}

TEST(Sata, ALayerThatDoesNotFitIsRefusedWithOneLine) {
  const std::string bundle = make_workload(scratch("nofit"), 1, 0.5);
  // With 128 PE columns one input channel of a filter tile is 3 x 3 x 128 = 1152 B of
  // weights: more than half of a 1 KB weight GLB, so not even a weight segment fits.
  const CliResult r = cli("run platforms/sata/sata.yaml --trace " + bundle +
                          " -c sata.glb_weight.capacity_kb=1 -c sata.pe_array.cols=128");
  EXPECT_EQ(r.code, 1);
  // The engine's reason follows the register values, with the sizes it compared.
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/sata: sata: the accelerator refused layer 0 (error code 3, descriptor word 0: "
                   "the weights of one input channel of a filter tile (" + std::to_string(3 * 3 * 128) +
                   " B) exceed half the weight GLB (" + std::to_string(1024 / 2) + " B))\n");
  EXPECT_EQ(r.out, "");
}

TEST(Sata, MissingTraceIsAnError) {
  const CliResult r = cli("run platforms/sata/sata.yaml");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/sata: sata: no trace given (use --trace DIR or run.trace)\n");
}
