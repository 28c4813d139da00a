// VCD waveforms: a SATA run with --vcd holds the documented signals with sensible values at
// their simulated times, survives gtkwave's own converters (vcd2fst, then fst2vcd back), comes
// with a gtkwave save file grouping the signals by unit, honours --trace-filter, and a failed
// run leaves neither file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "tests/cli.h"
#include "tests/vcd.h"
#include "traces/src/golden.h"

using namespace spiketlm::test;
namespace fs = std::filesystem;

namespace {

const std::string kRun = "run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 2 --quiet";

// One traced SATA run shared by the tests of this file (each TEST is its own process).
struct Traced {
  std::string dir, vcd, json;
  CliResult r;
};
Traced traced_run(const std::string& extra = "") {
  Traced t;
  t.dir = scratch("vcd");
  t.vcd = t.dir + "/run.vcd";
  t.json = t.dir + "/r.json";
  t.r = cli(kRun + " --vcd " + t.vcd + " --json " + t.json + " " + extra);
  return t;
}

bool monotone(const std::vector<std::pair<uint64_t, double>>& c) {
  for (size_t i = 1; i < c.size(); ++i)
    if (c[i].second < c[i - 1].second || c[i].first < c[i - 1].first) return false;
  return true;
}

}  // namespace

TEST(Vcd, HoldsTheDocumentedSignalsWithSensibleValues) {
  const Traced t = traced_run();
  ASSERT_EQ(t.r.code, 0) << t.r.err;
  const Vcd v = read_vcd(t.vcd);
  EXPECT_EQ(v.timescale, "1 ns");
  for (const char* s : {"sata.seq.busy", "sata.seq.layer", "sata.seq.timestep", "sata.seq.spikes", "sata.dma.busy",
                        "sata.dma.bytes", "sata.dram.bw_bytes", "sata.dram.bytes_read", "sata.glb_weight.bw_bytes",
                        "sata.glb_ifmap.bw_bytes", "sata.glb_ofmap.bw_bytes", "sata.pe_array.busy",
                        "sata.pe_array.util_pct", "sata.csr.irq", "sata.csr.reg_write_addr", "sata.csr.reg_write_data",
                        "sata.csr.reg_writes"})
    EXPECT_TRUE(v.has(s)) << s;

  const Json j = load_json(t.json);
  const size_t layers = text_column(j, "layers", "layer").size();
  const int T = j.get<int>("run.timesteps");
  // The sequencer walks every layer and every timestep, and is busy once per sample.
  std::set<double> want_layers, want_t;
  for (size_t i = 0; i < layers; ++i) want_layers.insert(double(i));
  for (int i = 0; i < T; ++i) want_t.insert(i);
  EXPECT_EQ(v.values("sata.seq.layer"), want_layers);
  EXPECT_EQ(v.values("sata.seq.timestep"), want_t);
  int rises = 0;
  for (const auto& c : v.of("sata.seq.busy")) rises += c.second == 1;
  EXPECT_EQ(rises, 2);  // two samples
  // The interrupt rises after each inference (and the firmware acknowledges it).
  int irqs = 0;
  for (const auto& c : v.of("sata.csr.irq")) irqs += c.second == 1;
  EXPECT_EQ(irqs, 2);
  // Each IRQ rises after the sequencer went idle, at the same simulated time or later.
  const auto& busy = v.of("sata.seq.busy");
  const auto& irq = v.of("sata.csr.irq");
  ASSERT_FALSE(busy.empty());
  ASSERT_FALSE(irq.empty());
  EXPECT_GE(irq.back().first, busy.back().first);
  // Cumulative byte counters never decrease; bandwidth bins are positive while data moves
  // and return to 0; the total over the DRAM's bins is what it moved.
  EXPECT_TRUE(monotone(v.of("sata.dram.bytes_read")));
  EXPECT_TRUE(monotone(v.of("sata.dma.bytes")));
  // A bin holds its value for one interval (1000 ns, the quantum); equal consecutive bins are
  // one value change in the VCD, so the total integrates the signal over time.
  double dram_bins = 0, peak = 0;
  const auto& bw = v.of("sata.dram.bw_bytes");
  for (size_t i = 0; i + 1 < bw.size(); ++i) {
    const uint64_t span = bw[i + 1].first - bw[i].first;
    if (bw[i].second != 0) {
      EXPECT_EQ(span % 1000, 0u) << "bin at " << bw[i].first;
    }
    dram_bins += bw[i].second * double(span / 1000);
    peak = std::max(peak, bw[i].second);
  }
  EXPECT_GT(peak, 0);
  EXPECT_EQ(v.of("sata.dram.bw_bytes").back().second, 0);
  // Bins of 1000 ns; a bin over 0 and a transaction of up to 4 GB/ns... at least: the sum of
  // the bins is the DRAM's whole traffic of the run (reads + writes).
  uint64_t dram_stat = 0;
  for (const auto& row : j.get_child("tables.stats")) {
    std::vector<std::string> cells;
    for (const auto& c : row.second) cells.push_back(c.second.get_value<std::string>());
    if (cells[0] == "sata.dram" && (cells[1] == "bytes_read" || cells[1] == "bytes_written")) dram_stat += std::stoull(cells[2]);
  }
  EXPECT_EQ(uint64_t(dram_bins), dram_stat);
  // PE utilisation is a percentage, non-zero in compute layers; spikes appear per call.
  std::set<double> util = v.values("sata.pe_array.util_pct");
  EXPECT_GT(*util.rbegin(), 1.0);
  EXPECT_LE(*util.rbegin(), 100.0);
  EXPECT_GT(*v.values("sata.seq.spikes").rbegin(), 0);
  // Register writes: the firmware writes CTRL (offset 0) to start each sample.
  EXPECT_TRUE(v.values("sata.csr.reg_write_addr").count(0) || v.of("sata.csr.reg_write_addr").size() > 1);
  EXPECT_GE(v.of("sata.csr.reg_writes").back().second, 4);
}

TEST(Vcd, ValuesAppearAtTheirSimulatedTimesNotAtSyncPoints) {
  // With a 1 ms quantum the sequencer runs whole inferences ahead of SystemC time; the layer
  // changes must still be spread over the inference, at the same times as with no decoupling.
  const Traced a = traced_run("-c sim.quantum_ns=1000000");
  ASSERT_EQ(a.r.code, 0) << a.r.err;
  const std::string dir = scratch("vcd_q0");
  const CliResult b = cli(kRun + " --vcd " + dir + "/q0.vcd -c sim.quantum_ns=0");
  ASSERT_EQ(b.code, 0) << b.err;
  const Vcd va = read_vcd(a.vcd), vb = read_vcd(dir + "/q0.vcd");
  // The quantum changes the model's timing only slightly (polling and DMA synchronisation):
  // the same changes, each within 1 us, although a 1 ms quantum is longer than an inference.
  for (const char* s : {"sata.seq.layer", "sata.seq.timestep", "sata.pe_array.util_pct", "sata.dma.busy"}) {
    const auto &x = va.of(s), &y = vb.of(s);
    ASSERT_EQ(x.size(), y.size()) << s;
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(x[i].second, y[i].second) << s << " change " << i;
      EXPECT_LE(std::abs(double(x[i].first) - double(y[i].first)), 1000.0) << s << " change " << i;
    }
  }
  EXPECT_GT(va.of("sata.seq.layer").size(), 8u);
  EXPECT_GT(va.of("sata.seq.layer").back().first, 100000u);  // spread over the run, not at 0
}

TEST(Vcd, SurvivesGtkwaveConvertersAndBack) {
  if (std::system("command -v vcd2fst >/dev/null 2>&1 && command -v fst2vcd >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "gtkwave's vcd2fst/fst2vcd not installed (.ci/setup installs gtkwave)";
  const Traced t = traced_run();
  ASSERT_EQ(t.r.code, 0) << t.r.err;
  const std::string fst = t.dir + "/run.fst", back = t.dir + "/back.vcd";
  ASSERT_EQ(std::system(("vcd2fst " + t.vcd + " " + fst + " >/dev/null 2>&1").c_str()), 0);
  ASSERT_EQ(std::system(("fst2vcd " + fst + " > " + back + " 2>/dev/null").c_str()), 0);
  // vcd2fst exits 0 even on junk: compare what came back with what went in.
  const Vcd a = read_vcd(t.vcd), b = read_vcd(back);
  ASSERT_FALSE(a.changes.empty());
  for (const auto& kv : a.changes) {
    ASSERT_TRUE(b.has(kv.first)) << kv.first;
    std::vector<std::pair<uint64_t, double>> x = kv.second, y = b.of(kv.first);
    // fst2vcd writes the initial value at time 0 like the original; compare the final values
    // and the changes (fst2vcd may drop repeated values).
    EXPECT_EQ(x.back().second, y.back().second) << kv.first;
    EXPECT_EQ(a.values(kv.first), b.values(kv.first)) << kv.first;
  }
}

TEST(Vcd, GtkwaveSaveFileGroupsSignalsByUnit) {
  const Traced t = traced_run();
  ASSERT_EQ(t.r.code, 0) << t.r.err;
  const std::string gtkw = slurp(t.dir + "/run.gtkw");
  EXPECT_NE(gtkw.find("[dumpfile] \"" + t.vcd + "\""), std::string::npos) << gtkw;
  for (const char* unit : {"sata.seq", "sata.dma", "sata.dram", "sata.pe_array", "sata.csr"}) {
    EXPECT_NE(gtkw.find("@800200\n-" + std::string(unit) + "\n"), std::string::npos) << unit;
    EXPECT_NE(gtkw.find("@1000200\n-" + std::string(unit) + "\n"), std::string::npos) << unit;
  }
  EXPECT_NE(gtkw.find("\nsata.seq.layer[15:0]\n"), std::string::npos);
  EXPECT_NE(gtkw.find("\nsata.csr.irq\n"), std::string::npos);
  // gtkwave itself loads both (exits non-zero on a bad VCD header or save file).
  if (std::system("command -v xvfb-run >/dev/null 2>&1 && command -v gtkwave >/dev/null 2>&1") == 0) {
    const std::string cmd = "cd " + t.dir + " && timeout 60 xvfb-run -a gtkwave -x run.vcd run.gtkw >gtkwave.log 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << slurp(t.dir + "/gtkwave.log");
  }
}

TEST(Vcd, FilterKeepsOnlyMatchingNames) {
  const Traced t = traced_run("--trace-filter 'sata.seq.*' --trace-filter '*.irq'");
  ASSERT_EQ(t.r.code, 0) << t.r.err;
  const Vcd v = read_vcd(t.vcd);
  std::set<std::string> names;
  for (const auto& kv : v.id_of) names.insert(kv.first);
  EXPECT_EQ(names, (std::set<std::string>{"sata.seq.busy", "sata.seq.layer", "sata.seq.timestep", "sata.seq.spikes",
                                          "sata.csr.irq"}));
}

TEST(Vcd, AFailedRunLeavesNoWaveform) {
  const std::string dir = scratch("vcd_fail");
  const CliResult r = cli(kRun + " --vcd " + dir + "/bad.vcd -c sata.dram.kind=dram.nope");
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(fs::exists(dir + "/bad.vcd"));
  EXPECT_FALSE(fs::exists(dir + "/bad.gtkw"));
  // And a run that fails while simulating (a refused layer) too.
  const CliResult r2 = cli(kRun + " --vcd " + dir + "/bad2.vcd -c sata.pe_array.psum_spad_bytes=1");
  if (r2.code != 0) {
    EXPECT_FALSE(fs::exists(dir + "/bad2.vcd"));
    EXPECT_FALSE(fs::exists(dir + "/bad2.gtkw"));
  }
}

TEST(Vcd, ResolutionMustBeAPowerOfTen) {
  const std::string dir = scratch("vcd_res");
  const CliResult r = cli(kRun + " --vcd " + dir + "/r.vcd -c sim.vcd_resolution_ns=3");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("sim.vcd_resolution_ns: expected a power of ten"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  EXPECT_FALSE(fs::exists(dir + "/r.vcd"));
}

// The membrane of a chosen neuron (lif.probe_neurons) in the waveform equals the membrane
// computed here independently: conv1's partial sum at that pixel from the trace's weights and
// the input image, the fixed-point current, and the LIF update, timestep by timestep.
TEST(Vcd, ChosenNeuronMembraneEqualsAnIndependentComputation) {
  const int ch = 3, y = 9, x = 12, pixel = y * 28 + x;
  const Traced t = traced_run("--samples 1 -c sata.lif.probe_neurons=[0:" + std::to_string(ch) + ":" + std::to_string(pixel) + "]");
  ASSERT_EQ(t.r.code, 0) << t.r.err;
  const Vcd v = read_vcd(t.vcd);
  std::string name;
  for (const auto& kv : v.id_of)
    if (kv.first.find("membrane_l0_c3_p" + std::to_string(pixel)) != std::string::npos) name = kv.first;
  ASSERT_FALSE(name.empty()) << "no membrane signal";
  const spiketlm::bundle b = spiketlm::read_bundle(source_dir() + "/traces/fmnist_snn");
  const spiketlm::layer& L = b.layers[0];
  ASSERT_EQ(L.kernel, 3);
  const std::vector<int32_t> img = b.input(0);
  int64_t psum = 0;  // 3x3 kernel, padding 1, one input channel
  for (int ky = 0; ky < 3; ++ky)
    for (int kx = 0; kx < 3; ++kx) {
      const int iy = y + ky - L.padding, ix = x + kx - L.padding;
      if (iy < 0 || ix < 0 || iy >= 28 || ix >= 28) continue;
      psum += int64_t(L.weight[size_t(ch) * 9 + size_t(ky) * 3 + kx]) * img[size_t(iy) * 28 + ix];
    }
  const int64_t cur = spiketlm::arith::neuron_current(psum, L.fx.multiplier[ch], L.fx.offset[ch], L.fx.shift);
  // Expected membrane after each timestep; the waveform holds its distinct consecutive values.
  std::vector<double> expect;
  int64_t mem = 0;
  for (int s = 0; s < b.timesteps; ++s) {
    spiketlm::arith::lif_update(mem, cur, *L.neuron, 32);
    const double u = double(uint32_t(int32_t(mem)));
    if (expect.empty() || expect.back() != u) expect.push_back(u);
  }
  std::vector<double> got;
  for (const auto& c : v.of(name))
    if (got.empty() || got.back() != c.second) got.push_back(c.second);
  if (!got.empty() && got.front() == 0 && (expect.empty() || expect.front() != 0)) got.erase(got.begin());  // initial 0
  ASSERT_GE(expect.size(), 2u) << "pick a neuron whose membrane moves";
  EXPECT_EQ(got, expect);
  // The LIF units' busy signal toggles.
  bool busy = false;
  for (const auto& kv : v.id_of)
    if (kv.first.find("lif.busy") != std::string::npos) busy = v.values(kv.first).count(1.0) > 0;
  EXPECT_TRUE(busy);
}
