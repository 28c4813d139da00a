// Plugins: the example plugin (hw/plugins/if_neuron, built with the repository) loads with
// --plugin and from a YAML `plugins:` list, registers "lif.example_if" and changes what the
// network computes; the guide's out-of-tree build command works; load failures, a kind
// registered twice and a kind that does not fit its slot are one-line errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/cli.h"

using namespace spiketlm::test;
namespace fs = std::filesystem;

namespace {
std::string plugin() { return binary_dir() + "/plugins/libspiketlm_if_neuron.so"; }
const std::string kRun = "run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 4 --quiet";

void expect_one_line_error(const CliResult& r, const std::string& starts) {
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("spiketlm: error: " + starts, 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.out, "");
}

// The SATA configuration with `plugins:` and the LIF slot's kind changed in the YAML.
std::string yaml_with_plugin(const std::string& dir, const std::string& so) {
  std::string y = slurp(source_dir() + "/platforms/sata/sata.yaml");
  y = std::regex_replace(y, std::regex("tech: \\[\\.\\./tech/"), "plugins: [" + so + "]\ntech: [" + source_dir() + "/platforms/tech/");
  y = std::regex_replace(y, std::regex("kind: lif\\.basic"), "kind: lif.example_if");
  std::ofstream(dir + "/sata_if.yaml") << y;
  return dir + "/sata_if.yaml";
}
}  // namespace

TEST(Plugin, ExamplePluginIsBuiltWithTheRepository) { EXPECT_TRUE(fs::exists(plugin())) << plugin(); }

TEST(Plugin, LoadsWithTheFlagAndChangesTheSpikes) {
  const std::string dir = scratch("plugin_flag");
  const CliResult base = cli(kRun + " --json " + dir + "/lif.json");
  ASSERT_EQ(base.code, 0) << base.err;
  const CliResult r = cli(kRun + " --plugin " + plugin() + " -c sata.lif.kind=lif.example_if --json " + dir + "/if.json");
  ASSERT_EQ(r.code, 0) << r.err;
  const Json lif = load_json(dir + "/lif.json"), iff = load_json(dir + "/if.json");
  // The LIF run reproduces the trace's reference outputs; the IF neurons keep their whole
  // membrane, so they fire more and no longer match it.
  EXPECT_EQ(summary(lif, "reference_mismatch_samples"), 0);
  EXPECT_GT(summary(iff, "reference_mismatch_samples"), 0);
  double s_lif = 0, s_if = 0;
  for (double x : column(lif, "layers", "spikes_out")) s_lif += x;
  for (double x : column(iff, "layers", "spikes_out")) s_if += x;
  EXPECT_GT(s_if, s_lif);
  // The plugin's own statistic is reported under the unit it replaced.
  bool found = false;
  for (const auto& row : iff.get_child("tables.stats")) {
    std::vector<std::string> c;
    for (const auto& x : row.second) c.push_back(x.second.get_value<std::string>());
    found = found || (c[0] == "sata.lif" && c[1] == "if_jobs" && std::stoull(c[2]) > 0);
  }
  EXPECT_TRUE(found);
}

TEST(Plugin, LoadsFromTheYamlListToTheSameResult) {
  const std::string dir = scratch("plugin_yaml");
  const CliResult a = cli(kRun + " --plugin " + plugin() + " -c sata.lif.kind=lif.example_if --json " + dir + "/a.json");
  ASSERT_EQ(a.code, 0) << a.err;
  const std::string y = yaml_with_plugin(dir, plugin());
  const CliResult b = cli("run " + y + " --trace traces/fmnist_snn --samples 4 --quiet --json " + dir + "/b.json");
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(summary(load_json(dir + "/a.json"), "energy_uj"), summary(load_json(dir + "/b.json"), "energy_uj"));
  EXPECT_EQ(column(load_json(dir + "/a.json"), "layers", "spikes_out"),
            column(load_json(dir + "/b.json"), "layers", "spikes_out"));
  // Its parameters are set from the YAML/-c like any unit's, with their range checked.
  const CliResult c = cli("run " + y + " --trace traces/fmnist_snn --samples 1 --quiet -c sata.lif.threshold_scale=1000");
  expect_one_line_error(c, "spiketlm/params: -c: sata.lif.threshold_scale: expected a number in");
}

TEST(Plugin, TheGuidesOutOfTreeBuildWorks) {
  // hw/README.md: build a plugin from its one source file against the headers and library.
  const std::string dir = scratch("plugin_oot");
  const std::string so = dir + "/libmy_if.so";
  const std::string cmd = "c++ -std=c++17 -O1 -shared -fPIC -DSC_INCLUDE_DYNAMIC_PROCESSES -I" + source_dir() + " " +
                          source_dir() + "/hw/plugins/if_neuron/if_neuron.cpp -o " + so + " -L" + binary_dir() +
                          " -lspiketlm_hw -lspiketlm_tlm $(pkg-config --cflags --libs systemc yaml-cpp) > " + dir + "/cc.log 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(dir + "/cc.log");
  const CliResult r = cli("list lif.example_if --plugin " + so);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("lif.example_if  [neuron]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(from " + so + ")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("threshold_scale"), std::string::npos) << r.out;
}

TEST(Plugin, AMissingFileIsAOneLineError) {
  const CliResult r = cli(kRun + " --plugin /nonexistent/libnope.so");
  expect_one_line_error(r, "spiketlm/factory: /nonexistent/libnope.so: plugin failed to load: ");
}

TEST(Plugin, AFileThatIsNotALibraryIsAOneLineError) {
  const std::string dir = scratch("plugin_junk");
  std::ofstream(dir + "/junk.so") << "not an ELF file\n";
  expect_one_line_error(cli(kRun + " --plugin " + dir + "/junk.so"),
                        "spiketlm/factory: " + dir + "/junk.so: plugin failed to load: ");
}

TEST(Plugin, AKindRegisteredTwiceIsAOneLineError) {
  // A second copy of the library registers lif.example_if again.
  const std::string dir = scratch("plugin_twice");
  fs::copy_file(plugin(), dir + "/copy.so");
  expect_one_line_error(cli(kRun + " --plugin " + plugin() + " --plugin " + dir + "/copy.so"),
                        "spiketlm/factory: " + dir + "/copy.so: kind 'lif.example_if' is registered twice (first by " +
                            plugin() + ")");
}

TEST(Plugin, AKindThatDoesNotFitItsSlotIsAOneLineError) {
  expect_one_line_error(cli(kRun + " -c sata.lif.kind=sram"),
                        "spiketlm/factory: -c: sata.lif.kind: kind 'sram' (family memory) does not fit here: "
                        "this slot needs a spiketlm::LifUnit");
  expect_one_line_error(cli(kRun + " -c sata.lif.kind=lif.example_if"),
                        "spiketlm/factory: -c: sata.lif.kind: unknown kind 'lif.example_if'");
}
