// The SpikeFlow platform: bit-exact against the functional trace's reference in the ideal
// configuration; SpikeSim's published dense formulas (tiles, energy, area, latency) computed
// here from FACTS.md section 2 on VGG9 / CIFAR10 at T = 5; zero-spike savings; bad configs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {

const std::string k_fmnist = "traces/fmnist_snn";

bool have_fmnist() { return std::filesystem::exists(source_dir() + "/" + k_fmnist + "/trace.yaml"); }


// A copy of a workload bundle with another T.
std::string with_timesteps(const std::string& bundle, int T, const std::string& tag) {
  const std::string dir = scratch(tag);
  std::ifstream in(source_dir() + "/" + bundle + "/trace.yaml");
  std::ofstream out(dir + "/trace.yaml");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("timesteps:", 0) == 0) line = "timesteps: " + std::to_string(T);
    out << line << "\n";
  }
  return dir;
}

double cdiv(double a, double b) { return std::ceil(a / b); }

}  // namespace

TEST(SpikeFlow, IdealConfigurationIsBitExactOnTheFunctionalTrace) {
  if (!have_fmnist()) GTEST_SKIP() << k_fmnist << " is not there yet";
  const Json j = run_json("run platforms/spikeflow/spikeflow.yaml --trace " + k_fmnist + " --samples 300", "fm");
  EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0);
  EXPECT_EQ(j.get<int>("run.samples"), 300);
  EXPECT_GT(summary(j, "accuracy_pct"), 80.0);
}

TEST(SpikeFlow, BitSlicedCellsMeshAndPackedMappingAreBitExactToo) {
  if (!have_fmnist()) GTEST_SKIP() << k_fmnist << " is not there yet";
  const Json j = run_json("run platforms/spikeflow/spikeflow.yaml --trace " + k_fmnist +
                              " --samples 40 -c spikeflow.tile.pe.xbar.cells=bit_sliced -c spikeflow.tile.pe.xbar.cell_bits=2"
                              " -c spikeflow.noc.kind=noc.mesh -c spikeflow.ctrl.linear_mapping=packed"
                              " -c spikeflow.ctrl.packing=layer_per_tile -c spikeflow.ctrl.zero_skip=false",
                          "fm_bs");
  EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0);
}

TEST(SpikeFlow, AnAdcTooCoarseForTheColumnSumsBreaksExactness) {
  if (!have_fmnist()) GTEST_SKIP() << k_fmnist << " is not there yet";
  const Json j = run_json("run platforms/spikeflow/spikeflow.yaml --trace " + k_fmnist +
                              " --samples 20 -c spikeflow.tile.pe.adc.bits=5",
                          "fm_adc");
  EXPECT_GT(summary(j, "reference_mismatch_samples"), 0);
}

TEST(SpikeFlow, DenseModeEqualsSpikeSimFormulasOnVgg9Cifar10T5) {
  const int T = 5;
  const std::string b = with_timesteps("traces/workloads/vgg9_cifar10", T, "vgg9t5");
  const Json j = run_json("run platforms/spikeflow/spikeflow_spikesim.yaml --trace " + b, "vgg9");
  // Layers of the bundle (conv: Cin, Cout, input HxW, output HxW; fc: in, out).
  struct L {
    double cin, cout, in_hw, out_hw;
    bool fires;
  };
  const L layers[] = {{3, 64, 32, 32, true},     {64, 64, 32, 32, true},    {64, 128, 16, 16, true},
                      {128, 128, 16, 16, true},  {128, 256, 8, 8, true},    {256, 256, 8, 8, true},
                      {256, 256, 8, 8, true},    {4096, 1024, 1, 1, true},  {1024, 10, 1, 1, false}};
  // FACTS.md s2.
  const double xbar = 1.76423, adc = 2.03084, mux = 0.094245, htree = 19.64 * 8, fetch = 4.64, neuron = 1.274 * 4,
               sub = 1.15e-6, temp = 0.2, tilebuf = 397;
  const double pe = 9 * xbar + 8 * (adc + mux);
  const double pe_cycle_pj = htree + fetch + neuron + 8 * pe + 8 * 16 * sub + 8 * temp + tilebuf;
  EXPECT_NEAR(pe_cycle_pj, 828.5, 0.05);
  double pes = 0, energy = 0, in_neurons = 0, neurons = 0, halt = 0, cum = 0;
  for (const auto& l : layers) {
    const double p = cdiv(l.cin, 64) * cdiv(l.cout, 64);
    pes += p;
    energy += p * l.out_hw * l.out_hw * pe_cycle_pj * T;
    in_neurons += l.cin * l.in_hw * l.in_hw;
    if (l.fires) neurons += l.cout * l.out_hw * l.out_hw;
    const double outputs = l.out_hw * l.out_hw * l.cout;
    halt = outputs * T + cum;                 // this layer's halt
    cum += std::floor(0.75 * outputs) * T;    // the next starts after 75 %
  }
  const double tiles = cdiv(pes, 8);
  const double xbar_a = 26.2144, adc_a = 693.633, mux_a = 45.9, sub_a = 13411.41498, temp_a = 484.643999,
               tilebuf_a = 0.7391 * 8192, htree_a = 433660, mem_a = 0.7391 * 22;
  const double tile_area = 8 * sub_a + temp_a + tilebuf_a + 8 * (9 * xbar_a + 8 * (adc_a + mux_a)) + htree_a;
  const double area = tiles * tile_area + (in_neurons + neurons) * mem_a;
  const double latency_us = halt * 26 * (1000.0 / 250) * 1e-3;

  EXPECT_EQ(tiles, 136);
  EXPECT_EQ(summary(j, "tiles"), tiles);
  EXPECT_EQ(j.get<double>("mapping.pes"), pes);
  EXPECT_NEAR((1e6 * summary(j, "imc_energy_uj")), energy, energy * 1e-12);
  EXPECT_NEAR(1e6 * summary(j, "spikesim_model_area_mm2"), area, area * 1e-12);
  EXPECT_NEAR(summary(j, "latency_us"), latency_us, latency_us * 1e-12);
  EXPECT_NEAR(summary(j, "latency_cycles"), halt * 26, 1e-6 * halt);
}

// The bundled traces/workloads/vgg9_spikesim is SpikeSim's ELA example (ela_spikesim.py's
// in_ch/out_ch/in_dim/out_dim lists, T = 5). With spikeflow.area_rule=spikesim the area counts
// the membranes of the first five layers as that script does, so tiles, energy, area and latency
// all equal what the script prints (6 tiles, 8425528.76 um^2, 15906934.03 pJ, 62832640 ns;
// run 2026-12-05). The figures below are recomputed from its lists and FACTS.md section 2.
TEST(SpikeFlow, SpikeSimModeEqualsTheElaScriptOnItsExampleVgg9) {
  const std::string run = "run platforms/spikeflow/spikeflow_spikesim.yaml --trace traces/workloads/vgg9_spikesim";
  const Json j = run_json(run + " -c spikeflow.area_rule=spikesim", "ela");
  const Json phys = run_json(run, "ela_phys");
  const double in_ch[] = {3, 64, 64, 128, 128, 256, 256}, out_ch[] = {64, 64, 128, 128, 256, 256, 256},
               in_dim[] = {32, 32, 16, 16, 8, 8, 8}, out_dim[] = {32, 16, 16, 8, 8, 8, 4};
  const int T = 5;
  const double pe_cycle_pj = 19.64 * 8 + 4.64 + 1.274 * 4 + 8 * (9 * 1.76423 + 8 * (2.03084 + 0.094245)) +
                             8 * 16 * 1.15e-6 + 8 * 0.2 + 397;
  const double mem_a = 0.7391 * 22;
  double pes = 0, energy = 0, in_mem = 0, neuron_mem = 0, halt = 0, cum = 0;
  for (int i = 0; i < 7; ++i) {
    const double p = cdiv(in_ch[i], 64) * cdiv(out_ch[i], 64), outputs = out_ch[i] * out_dim[i] * out_dim[i];
    pes += p;
    energy += p * out_dim[i] * out_dim[i] * pe_cycle_pj * T;
    in_mem += in_ch[i] * in_dim[i] * in_dim[i] * mem_a;
    if (i < 5) neuron_mem += outputs * mem_a;  // the script's out_ch_list[0:5]
    halt = outputs * T + cum;
    cum += std::floor(0.75 * outputs) * T;
  }
  const double tiles = cdiv(pes, 8);
  const double tile_area = 8 * 13411.41498 + 484.643999 + 0.7391 * 64 * 128 +
                           8 * (9 * 26.2144 + 8 * (693.633 + 45.9)) + 216830 * 2;
  const double area = tile_area * tiles + in_mem + neuron_mem;
  const double latency_us = halt * 26 * 4.0 * 1e-3;
  // What the script prints, to the digits it prints.
  EXPECT_EQ(tiles, 6);
  EXPECT_NEAR(area, 8425528.755833998, 1e-6);
  EXPECT_NEAR(energy, 15906934.026240002, 1e-6);
  EXPECT_NEAR(latency_us * 1e3, 62832640.0, 1e-6);
  // spiketlm's report.
  EXPECT_EQ(summary(j, "tiles"), tiles);
  EXPECT_EQ(j.get<double>("mapping.pes"), pes);
  EXPECT_NEAR(1e6 * summary(j, "imc_energy_uj"), energy, energy * 1e-12);
  EXPECT_NEAR(1e6 * summary(j, "spikesim_model_area_mm2"), area, area * 1e-12);
  EXPECT_NEAR(summary(j, "latency_us"), latency_us, latency_us * 1e-12);
  // The physical rule also counts conv6's membranes (conv7 is the output layer: none); nothing
  // but the area changes.
  const double conv6 = 256 * 8 * 8 * mem_a;
  EXPECT_NEAR(1e6 * (summary(phys, "spikesim_model_area_mm2") - summary(j, "spikesim_model_area_mm2")), conv6, area * 1e-12);
  EXPECT_EQ(summary(phys, "imc_energy_uj"), summary(j, "imc_energy_uj"));
  EXPECT_EQ(summary(phys, "latency_us"), summary(j, "latency_us"));
  EXPECT_EQ(summary(phys, "energy_uj"), summary(j, "energy_uj"));
}

TEST(SpikeFlow, AreaRuleMustBeNamed) {
  const CliResult r = cli("run platforms/spikeflow/spikeflow_spikesim.yaml --trace traces/workloads/vgg9_spikesim"
                          " -c spikeflow.area_rule=spikeism --quiet");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("spikeflow.area_rule"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("physical"), std::string::npos) << r.err;
}

TEST(SpikeFlow, ZeroSpikesSaveCrossbarReadsAndChangeNoResult) {
  if (!have_fmnist()) GTEST_SKIP() << k_fmnist << " is not there yet";
  const std::string base = "run platforms/spikeflow/spikeflow.yaml --trace " + k_fmnist + " --samples 10";
  const Json skip = run_json(base, "zs1");
  const Json dense = run_json(base + " -c spikeflow.ctrl.zero_skip=false", "zs0");
  const auto reads_skip = column(skip, "layers", "active_xbar_reads"), reads_all = column(dense, "layers", "xbar_reads");
  const auto e_skip = column(skip, "energy_by_component", "energy_uj"), e_all = column(dense, "energy_by_component", "energy_uj");
  EXPECT_LT(e_skip[0], e_all[0]);  // crossbar energy
  EXPECT_LT(summary(skip, "imc_energy_uj"), summary(dense, "imc_energy_uj"));
  double rs = 0, ra = 0;
  for (size_t i = 0; i < reads_skip.size(); ++i) {
    rs += reads_skip[i];
    ra += reads_all[i];
  }
  EXPECT_LT(rs, ra);
  // Crossbar energy = reads x 1.76423 pJ exactly.
  EXPECT_NEAR(e_skip[0] * 1e6, rs * 1.76423, 1e-6 * rs);
  EXPECT_NEAR(e_all[0] * 1e6, ra * 1.76423, 1e-6 * ra);
  EXPECT_EQ(summary(skip, "reference_mismatch_samples"), 0);
  EXPECT_EQ(summary(dense, "reference_mismatch_samples"), 0);
  EXPECT_EQ(summary(skip, "latency_us"), summary(dense, "latency_us"));
}

TEST(SpikeFlow, EnergyAndLatencyGrowWithTimesteps) {
  double pe = 0, pl = 0;
  for (int T : {1, 2, 4}) {
    const std::string b = with_timesteps("traces/workloads/vgg9_cifar10", T, "et" + std::to_string(T));
    const Json j = run_json("run platforms/spikeflow/spikeflow.yaml --trace " + b, "et");
    EXPECT_GT(summary(j, "imc_energy_uj"), pe) << T;
    EXPECT_GT(summary(j, "latency_us"), pl) << T;
    pe = summary(j, "imc_energy_uj");
    pl = summary(j, "latency_us");
  }
}

namespace {
void expect_one_line_error(const std::string& args, const std::string& needle) {
  const std::string out = scratch("bad") + "/r.json";
  const CliResult r = cli(args + " --quiet --json " + out);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_EQ(r.err.rfind("spiketlm: error: ", 0), 0u) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_EQ(r.out, "");
}
}  // namespace

TEST(SpikeFlow, ALayerThatDoesNotFitTheChipIsAOneLineError) {
  expect_one_line_error("run platforms/spikeflow/spikeflow.yaml --trace traces/workloads/vgg9_cifar10 -c spikeflow.tile.count=8",
                        "spikeflow.tile.count: layer fc1 needs tiles 6..133 (1024 PEs), the chip has 8 tiles");
}

TEST(SpikeFlow, AnAdcWithZeroBitsIsAOneLineError) {
  expect_one_line_error("run platforms/spikeflow/spikeflow.yaml --trace traces/workloads/vgg9_cifar10 -c spikeflow.tile.pe.adc.bits=0",
                        "spikeflow.tile.pe.adc.bits: expected");
}

TEST(SpikeFlow, MoreRowsThanACrossbarHasIsAOneLineError) {
  expect_one_line_error("run platforms/spikeflow/spikeflow.yaml --trace traces/workloads/vgg9_cifar10 -c spikeflow.ctrl.rows_per_xbar=128",
                        "spikeflow.ctrl.rows_per_xbar: expected at most the 64 rows of a crossbar (spikeflow.tile.pe.xbar.rows), got 128");
}

TEST(SpikeFlow, MissingTraceIsAnError) {
  const CliResult r = cli("run platforms/spikeflow/spikeflow.yaml");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/spikeflow: spikeflow: no trace given (use --trace DIR or run.trace)\n");
}
