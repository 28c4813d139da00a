// SATA's timing policy (hw/compute/timing.md): timing.scalesim adds SCALE-Sim v2's USER
// bandwidth cycles per compute layer (checked against the closed forms and the step-by-step
// replay in tests/unit/scalesim_reference.h) and changes nothing else; bad options are one line.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "tests/cli.h"
#include "tests/unit/scalesim_reference.h"

using namespace spiketlm::test;
namespace ref = spiketlm::test::scalesim_ref;

namespace {

// Every spike present, T = 2: a padded 3x3 conv (8x12x12 -> 20), a stride-2 conv whose output
// is 5x5 with floor and 6x6 with SCALE-Sim's ceil, and a linear layer of 12x5x5 -> 10.
std::string make_workload(const std::string& dir) {
  std::ofstream y(dir + "/trace.yaml");
  y << "format: spiketlm-trace\nversion: 1\nkind: workload\nname: timing_test\ntimesteps: 2\nclasses: 10\n"
    << "input: {shape: [8, 12, 12], encoding: spikes}\nspike_rates: {source: \"test\", seed: 7}\nlayers:\n"
    << "  - {name: c1, type: conv2d, in_channels: 8, out_channels: 20, kernel: 3, stride: 1, padding: 1, "
       "input_rate: 1.0, neuron: {model: lif}}\n"
    << "  - {name: c2, type: conv2d, in_channels: 20, out_channels: 12, kernel: 3, stride: 2, padding: 0, "
       "input_rate: 1.0, neuron: {model: lif}}\n"
    << "  - {name: fc, type: linear, in_features: 300, out_features: 10, input_rate: 1.0, neuron: none}\n";
  return dir;
}

// The layers as SCALE-Sim topology rows: the padded input, one bit plane per spike.
const ref::Layer kRows[] = {{14, 14, 3, 3, 8, 20, 1}, {12, 12, 3, 3, 20, 12, 2}, {5, 5, 5, 5, 12, 10, 1}};

const char* kPhysical[] = {"compute_cycles", "lif_cycles", "stall_cycles", "span_cycles", "dram_bytes", "energy_uj"};

}  // namespace

TEST(SataTiming, ScaleSimModeReportsScaleSimsCyclesAndChangesNothingElse) {
  const std::string bundle = make_workload(scratch("timing"));
  const std::string base = "run platforms/sata/sata.yaml --trace " + bundle + " -c sata.pe_array.rows=8 " +
                           "-c sata.pe_array.cols=4 -c sata.dataflow.output_size=ceil -c sata.dataflow.kind=";
  const std::string scalesim = " -c sata.timing.kind=timing.scalesim -c sata.timing.bandwidth_words_per_cycle=3 "
                               "-c sata.timing.ifmap_sram_kb=1 -c sata.timing.filter_sram_kb=2 "
                               "-c sata.timing.ofmap_sram_kb=1";
  const ref::Config cfg{8, 4, 1, 2, 1, 3};
  for (const std::string df : {"os", "ws", "is"}) {
    const Json phys = run_json(base + "dataflow." + df, "phys_" + df);
    const Json ss = run_json(base + "dataflow." + df + scalesim, "ss_" + df);
    for (const char* col : kPhysical) EXPECT_EQ(column(phys, "layers", col), column(ss, "layers", col)) << df << col;
    EXPECT_EQ(summary(phys, "latency_us"), summary(ss, "latency_us")) << df;
    const auto compute = column(ss, "layers", "compute_cycles");
    const auto sc = column(ss, "layers", "scalesim_compute_cycles");
    const auto st = column(ss, "layers", "scalesim_stall_cycles");
    const auto tot = column(ss, "layers", "scalesim_total_cycles");
    ASSERT_EQ(sc.size(), 3u);
    long stalls = 0;
    for (size_t l = 0; l < 3; ++l) {
      const ref::Result r = ref::run(df, kRows[l], cfg);  // one timestep
      EXPECT_EQ(long(sc[l]), 2 * (r.rows - 1)) << df << " layer " << l;
      EXPECT_EQ(long(st[l]), 2 * r.stall) << df << " layer " << l;
      EXPECT_EQ(long(tot[l]), 2 * r.total) << df << " layer " << l;
      // With ceil output sizes the simulator's fold cycles are SCALE-Sim's compute cycles.
      EXPECT_EQ(compute[l], sc[l]) << df << " layer " << l;
      stalls += r.stall;
    }
    EXPECT_GT(stalls, 0) << df;
    EXPECT_THROW(column(phys, "layers", "scalesim_stall_cycles"), std::runtime_error) << "physical timing: no peer columns";
  }
}

TEST(SataTiming, BadScaleSimOptionsAreOneLineErrorsNamingTheFileAndKey) {
  const std::string dir = scratch("timing_bad");
  std::string y = slurp(source_dir() + "/platforms/sata/sata.yaml");
  y = std::regex_replace(y, std::regex("tech: \\[\\.\\./tech/"), "tech: [" + source_dir() + "/platforms/tech/");
  const std::string trace = " --trace traces/fmnist_snn --samples 1";
  struct Bad {
    std::string yaml, key;
  };
  const Bad bads[] = {
      {"  timing: {kind: timing.scalesim, bandwidth_words_per_cycle: 0}\n", "sata.timing.bandwidth_words_per_cycle"},
      {"  timing: {kind: timing.scalesim, ifmap_sram_kb: -4}\n", "sata.timing.ifmap_sram_kb"},
      {"  timing: {kind: timing.scalesim, ofmap_sram_kb: big}\n", "sata.timing.ofmap_sram_kb"},
      {"  timing: {kind: timing.scalesim, bandwith_words_per_cycle: 8}\n", "sata.timing.bandwith_words_per_cycle"},
      {"  timing: {kind: timing.physical, filter_sram_kb: 8}\n", "sata.timing.filter_sram_kb"},
      {"  timing: {kind: timing.scalesimm}\n", "timing.scalesimm"},
  };
  int i = 0;
  for (const Bad& b : bads) {
    const std::string file = dir + "/bad" + std::to_string(i++) + ".yaml";
    std::ofstream(file) << y << b.yaml;
    const CliResult r = cli("run " + file + trace);
    EXPECT_EQ(r.code, 1) << b.yaml;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(b.key), std::string::npos) << r.err;
  }
}
