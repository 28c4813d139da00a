// The controller's `busy` in the VCD is stamped at the initiators' local times, not at the
// SystemC time its thread ran at (hw/README "What the times mean"). On SATA, SpikeFlow and
// NorthPole, at a VCD resolution of 1 ps, each run's busy pulse starts where the firmware's
// CTRL.START write reached the CSR and ends where the interrupt was taken (both from the
// transaction log), and its length is the report's per-sample latency (START to interrupt,
// measured by the firmware) to the picosecond.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "tests/cli.h"
#include "tests/vcd.h"

using namespace spiketlm::test;

namespace {

using Changes = std::vector<std::pair<uint64_t, double>>;

// Times (VCD ticks) where a 1-bit signal goes from 0 to `to` (the initial value counts as a change from 0).
std::vector<uint64_t> edges(const Changes& c, double to) {
  std::vector<uint64_t> e;
  double prev = 0;
  for (const auto& x : c) {
    if (x.second != prev && x.second == to) e.push_back(x.first);
    prev = x.second;
  }
  return e;
}

// The firmware's times in the transaction log (ns, three decimals: exact picoseconds) of the
// lines that contain `what`, in picoseconds.
std::vector<uint64_t> txlog_ps(const std::string& log, const std::string& what) {
  std::vector<uint64_t> t;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line))
    if (line[0] != '#' && line.find(what) != std::string::npos) t.push_back(uint64_t(std::llround(std::stod(line) * 1e3)));
  return t;
}

// ctrl: the controller module (`seq` on SATA, `ctrl` on SpikeFlow).
void check_busy_edges(const std::string& yaml, const std::string& top, const std::string& ctrl) {
  const std::string d = scratch("vcd_busy_" + top);
  // The bus at 1000 GB/s: the 4-byte START write reaches the CSR 4 ps after the firmware issued
  // it (router: latency_ns 0 + bytes / bandwidth), and the firmware's latency counts from the issue.
  const uint64_t start_write_ps = 4;
  const CliResult r = cli("run " + yaml + " --trace traces/fmnist_snn --samples 2 --quiet --per-sample --json " + d +
                          "/r.json --txlog " + d + "/tx.log --vcd " + d + "/w.vcd -c sim.vcd_resolution_ns=0.001 -c " +
                          top + ".bus.bandwidth_gbps=1000 --trace-filter '" + top + "." + ctrl + ".busy' --trace-filter '" + top +
                          ".csr.irq'");
  ASSERT_EQ(r.code, 0) << r.err;
  const Vcd v = read_vcd(d + "/w.vcd");
  ASSERT_EQ(v.timescale, "1 ps");
  const std::vector<uint64_t> rise = edges(v.of(top + "." + ctrl + ".busy"), 1),
                              fall = edges(v.of(top + "." + ctrl + ".busy"), 0);
  const std::vector<uint64_t> irq = edges(v.of(top + ".csr.irq"), 1);
  const std::vector<double> latency_us = column(load_json(d + "/r.json"), "samples", "latency_us");
  const std::string log = slurp(d + "/tx.log");
  const std::vector<uint64_t> started = txlog_ps(log, " CTRL 0x00000001"), taken = txlog_ps(log, " IRQ taken");
  ASSERT_EQ(latency_us.size(), 2u);
  ASSERT_EQ(rise.size(), 2u);
  ASSERT_EQ(fall.size(), 2u);
  ASSERT_EQ(irq.size(), 2u);
  ASSERT_EQ(started.size(), 2u);
  ASSERT_EQ(taken.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(rise[i], started[i] + start_write_ps) << top << " sample " << i;
    EXPECT_EQ(fall[i], taken[i]) << top << " sample " << i;
    EXPECT_EQ(irq[i], fall[i]) << top << " sample " << i;
    EXPECT_EQ(fall[i] - rise[i] + start_write_ps, uint64_t(std::llround(latency_us[i] * 1e6))) << top << " sample " << i;
  }
}

}  // namespace

TEST(VcdBusy, SataBusyEdgesAreTheRunsStartAndInterrupt) {
  check_busy_edges("platforms/sata/sata.yaml", "sata", "seq");
}

TEST(VcdBusy, SpikeFlowBusyEdgesAreTheRunsStartAndInterrupt) {
  check_busy_edges("platforms/spikeflow/spikeflow.yaml", "spikeflow", "ctrl");
}

TEST(VcdBusy, NorthPoleBusyEdgesAreTheRunsStartAndInterrupt) {
  check_busy_edges("platforms/northpole/northpole.yaml", "northpole", "ctrl");
}
