// `sata.accounting: sata_sim` (platforms/sata/sata_sim_accounting.md): the run's own counts
// priced as SATA_Sim's inference-energy-cal prices its counts. Every row is checked against
// SATA_Sim's published powers (results/<m>/comp-stat.yaml, mem-stat.yaml) applied here to the
// run's statistics; the physical ledger is unchanged.
#include <gtest/gtest.h>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {

// Statistic `name` of `module` in the report's stats table.
double stat(const Json& j, const std::string& module, const std::string& name) {
  for (const auto& r : j.get_child("tables.stats"))
    if (r.second.get<std::string>("module") == module && r.second.get<std::string>("statistic") == name)
      return r.second.get<double>("value");
  throw std::runtime_error("no statistic " + module + "." + name);
}

// Energy (uJ) of row (unit, charge) of the sata_sim_accounting table.
double row(const Json& j, const std::string& unit, const std::string& charge) {
  for (const auto& r : j.get_child("tables.sata_sim_accounting"))
    if (r.second.get<std::string>("unit") == unit && r.second.get<std::string>("charge") == charge)
      return r.second.get<double>("energy_uj");
  throw std::runtime_error("no row " + unit + " / " + charge);
}

}  // namespace

TEST(SataSimAccounting, PricesTheRunsCountsWithSataSimsPowersAndLeavesTheLedgerAlone) {
  const std::string run = "run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 3";
  const Json phys = run_json(run, "satasim_phys");
  const Json j = run_json(run + " -c sata.accounting=sata_sim", "satasim");
  EXPECT_FALSE(phys.get_child_optional("tables.sata_sim_accounting"));
  EXPECT_EQ(summary(j, "energy_uj"), summary(phys, "energy_uj"));
  const double n = 3, cycle_ns = 2.5, pes = 16 * 8;  // SATA: 400 MHz, 16 x 8 PEs
  const double cycles = summary(j, "latency_cycles");  // per inference
  const double acc = stat(j, "sata.pe_array", "accumulates") / n, upd = stat(j, "sata.lif", "updates") / n;
  ASSERT_GT(acc, 0);
  ASSERT_GT(upd, 0);
  // SATA_Sim's units: gated mW x operations + ungated mW x cycles x PEs + leakage mW x cycles x PEs.
  struct Unit { const char* name; double gated, ungated, leak, ops; };
  for (const Unit& u : {Unit{"spike-MAC", 0.02511, 0.01924, 6.2e-05, acc}, Unit{"PE register files", 0.11241, 0.21233, 0.000523, acc},
                        Unit{"LIF", 0.01886, 0.05625, 8.4e-05, upd}}) {
    EXPECT_NEAR(row(j, u.name, "gated x operations"), u.gated * cycle_ns * u.ops * 1e-6, 1e-9 * u.ops) << u.name;
    EXPECT_NEAR(row(j, u.name, "ungated x cycles x PEs"), u.ungated * cycle_ns * cycles * pes * 1e-6, 1e-9 * cycles * pes) << u.name;
    EXPECT_NEAR(row(j, u.name, "leakage x time x PEs"), u.leak * cycle_ns * cycles * pes * 1e-6, 1e-12 * cycles * pes) << u.name;
  }
  // Memories: CACTI energy per byte (SATA_Sim charges an 8-bit element per access), buffer leakage.
  const double dram = (stat(j, "sata.dram", "bytes_read") + stat(j, "sata.dram", "bytes_written")) / n;
  EXPECT_NEAR(row(j, "DRAM", "CACTI access energy x bytes"), dram * 468.762e-6, 1e-9 * dram);
  EXPECT_NEAR(row(j, "GLB ifmap reads", "CACTI access energy x bytes"), stat(j, "sata.glb_ifmap", "bytes_read") / n * 11.0295e-6, 1e-6);
  EXPECT_NEAR(row(j, "GLB weight reads", "CACTI access energy x bytes"), stat(j, "sata.glb_weight", "bytes_read") / n * 28.6315e-6, 1e-6);
  EXPECT_NEAR(row(j, "GLB ofmap writes", "CACTI access energy x bytes"), stat(j, "sata.glb_ofmap", "bytes_written") / n * 12.772e-6, 1e-6);
  EXPECT_NEAR(row(j, "GLB weight reads", "leakage x time"), 24.9086 * cycle_ns * cycles * 1e-6, 1e-9 * cycles);
  EXPECT_NEAR(row(j, "GLB ifmap reads", "leakage x time"), 6.25862 * cycle_ns * cycles * 1e-6, 1e-9 * cycles);
  double total = 0;
  for (double e : column(j, "sata_sim_accounting", "energy_uj")) total += e;
  EXPECT_NEAR(summary(j, "sata_sim_energy_uj"), total, 1e-9 * total);
  EXPECT_EQ(column(j, "sata_sim_accounting", "energy_uj").size(), 16u);
}

TEST(SataSimAccounting, AnUnknownAccountingIsAOneLineErrorNamingTheKey) {
  const CliResult r = cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 1 -c sata.accounting=satasim -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("sata.accounting"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("physical"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sata_sim"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// Its counts are statistics, so a sharded run's merge prices the merged counts: the report of
// two shards merged equals the unsharded run's, byte for byte (sw/run/shard.md).
TEST(SataSimAccounting, ShardsMergeIntoTheUnshardedTable) {
  const std::string d = scratch("satasim_shards");
  const std::string run = "run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 6 -c sata.accounting=sata_sim -q";
  const CliResult one = cli(run + " --json " + d + "/one.json");
  ASSERT_EQ(one.code, 0) << one.err;
  const CliResult two = cli(run + " --shards 2 --json " + d + "/two.json");
  ASSERT_EQ(two.code, 0) << two.err;
  const std::string a = slurp(d + "/one.json");
  ASSERT_NE(a.find("sata_sim_accounting"), std::string::npos);
  EXPECT_EQ(slurp(d + "/two.json"), a);
}
