// Swapping modules is a one-line YAML edit: the DRAM kind changes time and energy and leaves
// every computed value alone; the LIF kind (the example plugin's IF neurons) changes the spikes.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {
// platforms/sata/sata.yaml with one line replaced (and paths made absolute).
std::string edited(const std::string& dir, const std::string& name, const std::string& from, const std::string& to) {
  std::string y = slurp(source_dir() + "/platforms/sata/sata.yaml");
  // Both runs get both tables (the LPDDR4 energies live in dram.yaml).
  y = std::regex_replace(y, std::regex("tech: \\[\\.\\./tech/sata_28nm\\.yaml\\]"),
                         "tech: [" + source_dir() + "/platforms/tech/sata_28nm.yaml, " + source_dir() + "/platforms/tech/dram.yaml]");
  EXPECT_TRUE(std::regex_search(y, std::regex(from))) << from;
  y = std::regex_replace(y, std::regex(from), to);
  std::ofstream(dir + "/" + name) << y;
  return dir + "/" + name;
}
Json run(const std::string& dir, const std::string& yaml, const std::string& name) {
  const CliResult r = cli("run " + yaml + " --trace traces/fmnist_snn --samples 8 --quiet --json " + dir + "/" + name);
  EXPECT_EQ(r.code, 0) << r.err;
  return load_json(dir + "/" + name);
}
}  // namespace

TEST(Swap, DramKindChangesTimeAndEnergyNotResults) {
  const std::string dir = scratch("swap_dram");
  const Json sata = run(dir, edited(dir, "a.yaml", "kind: dram\\.sata", "kind: dram.sata"), "a.json");
  const Json lp = run(dir, edited(dir, "b.yaml", "kind: dram\\.sata", "kind: dram.lpddr4"), "b.json");
  // Functional outputs identical (both bit-exact with the reference), accuracy identical.
  EXPECT_EQ(summary(sata, "reference_mismatch_samples"), 0);
  EXPECT_EQ(summary(lp, "reference_mismatch_samples"), 0);
  EXPECT_EQ(summary(sata, "accuracy_pct"), summary(lp, "accuracy_pct"));
  EXPECT_EQ(column(sata, "layers", "spikes_out"), column(lp, "layers", "spikes_out"));
  EXPECT_EQ(column(sata, "layers", "dram_bytes"), column(lp, "layers", "dram_bytes"));
  // A 16-bit LPDDR4 channel is slower than SATA's 128-bit DDR4 bus and costs other energy.
  EXPECT_GT(summary(lp, "latency_cycles"), summary(sata, "latency_cycles"));
  const double e_sata = column(sata, "energy_by_component", "energy_uj")[0];
  const double e_lp = column(lp, "energy_by_component", "energy_uj")[0];
  EXPECT_NE(e_sata, e_lp);
  EXPECT_EQ(sata.get<std::string>("run.platform"), "platform.sata");
}

TEST(Swap, LifKindChangesTheSpikes) {
  const std::string dir = scratch("swap_lif");
  const std::string so = binary_dir() + "/plugins/libspiketlm_if_neuron.so";
  const Json lif = run(dir, edited(dir, "a.yaml", "kind: lif\\.basic", "kind: lif.basic"), "a.json");
  const Json iff = run(dir, edited(dir, "b.yaml", "tech: \\[", "plugins: [" + so + "]\ntech: ["), "b0.json");
  EXPECT_EQ(column(lif, "layers", "spikes_out"), column(iff, "layers", "spikes_out"));  // plugin alone: no change
  std::string y = slurp(dir + "/b.yaml");
  y = std::regex_replace(y, std::regex("kind: lif\\.basic"), "kind: lif.example_if");
  std::ofstream(dir + "/c.yaml") << y;
  const Json c = run(dir, dir + "/c.yaml", "c.json");
  EXPECT_NE(column(lif, "layers", "spikes_out"), column(c, "layers", "spikes_out"));
  EXPECT_EQ(summary(lif, "reference_mismatch_samples"), 0);
  EXPECT_GT(summary(c, "reference_mismatch_samples"), 0);
  // The same hardware otherwise: the DRAM traffic of weights does not depend on spikes, the
  // LIF unit's energy per update is the same kind's.
  EXPECT_EQ(c.get<std::string>("run.dataflow"), lif.get<std::string>("run.dataflow"));
}
