// The command line: bad configuration is one line on stderr, exit 1, and no output file;
// --dump-config writes a configuration that runs unchanged to the same result.
#include <gtest/gtest.h>

#include <systemc>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/cli.h"

using namespace spiketlm::test;
namespace fs = std::filesystem;

namespace {
const std::string kDemo = "run platforms/memdemo/memdemo.yaml";

// One line, exit code 1, nothing on stdout, no JSON written.
void expect_one_line_error(const std::string& args, const std::string& expected) {
  const std::string out = scratch("err") + "/r.json";
  const CliResult r = cli(args + " --json " + out);
  EXPECT_EQ(r.code, 1) << args;
  EXPECT_EQ(r.err, "spiketlm: error: " + expected + "\n") << args;
  EXPECT_EQ(r.out, "") << args;
  EXPECT_FALSE(fs::exists(out)) << args;
}
}  // namespace

TEST(Cli, UnknownKeyNamesTheKeyAndSuggests) {
  expect_one_line_error(kDemo + " -c memdemo.glb.capacity_kbb=64",
                        "spiketlm/params: -c: memdemo.glb.capacity_kbb: unknown key (did you mean 'memdemo.glb.capacity_kb'?)");
}

TEST(Cli, WrongTypeNamesOriginAndKey) {
  expect_one_line_error(kDemo + " -c memdemo.glb.banks=two",
                        "spiketlm/params: -c: memdemo.glb.banks: expected an integer in [1, 1024], got 'two'");
}

TEST(Cli, OutOfRangeNamesTheRange) {
  expect_one_line_error(kDemo + " -c memdemo.dma.buffers=0",
                        "spiketlm/params: -c: memdemo.dma.buffers: expected an integer in [1, 64], got '0'");
}

TEST(Cli, UnknownKindNamesTheKey) {
  expect_one_line_error(kDemo + " -c memdemo.dram.kind=dram.ddr5",
                        "spiketlm/factory: -c: memdemo.dram.kind: unknown kind 'dram.ddr5' (did you mean 'dram.ddr4'?); "
                        "`spiketlm list` shows all");
}

TEST(Cli, MissingTechActionIsAnErrorAtElaboration) {
  // A copy of the SATA table whose 32 KB buffer has no write energy.
  const std::string dir = scratch("tech");
  std::ifstream in(source_dir() + "/platforms/tech/sata_28nm.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = std::regex_replace(ss.str(), std::regex("(glb_144kb:[^\\n]*\\n(?:[^\\n]*\\n){3})[^\\n]*write[^\\n]*\\n"), "$1");
  ASSERT_NE(text, ss.str());
  std::ofstream(dir + "/sata_28nm.yaml") << text;
  fs::copy_file(source_dir() + "/platforms/tech/dram.yaml", dir + "/dram.yaml");
  std::ifstream y(source_dir() + "/platforms/memdemo/memdemo.yaml");
  std::stringstream ys;
  ys << y.rdbuf();
  std::ofstream(dir + "/demo.yaml") << std::regex_replace(ys.str(), std::regex("\\.\\./tech/"), "");
  expect_one_line_error("run " + dir + "/demo.yaml",
                        "spiketlm/tech: memdemo.glb: action 'write' of component 'glb_144kb' is missing from the technology table");
}

TEST(Cli, ATileOutsideTheDramIsRefusedBeforeItRuns) {
  // The tile's source rows would start 4 GB into a 512 MB DRAM. (An access past a memory's
  // capacity inside a run is covered by the memory units' own tests.)
  expect_one_line_error(kDemo + " -c memdemo.tile_row0=16777216",
                        "spiketlm/memdemo: memdemo.matrix_cols: the matrix does not fit in the DRAM");
}

TEST(Cli, MalformedYamlNamesFileAndLine) {
  const std::string dir = scratch("bad");
  std::ofstream(dir + "/p.yaml") << "tech: [x.yaml\nmemdemo:\n  kind: platform.memdemo\n";
  const CliResult r = cli("run " + dir + "/p.yaml");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("spiketlm: error: spiketlm/params: " + dir + "/p.yaml:", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("malformed YAML"), std::string::npos) << r.err;
}

TEST(Cli, DumpedConfigRunsUnchangedToTheSameReport) {
  const std::string dir = scratch("dump");
  const CliResult a = cli(kDemo + " -c memdemo.glb.banks=4 --dump-config " + dir + "/full.yaml --quiet --json " + dir + "/a.json");
  ASSERT_EQ(a.code, 0) << a.err;
  const std::string dumped = slurp(dir + "/full.yaml");
  EXPECT_NE(dumped.find("banks: 4"), std::string::npos) << dumped;
  EXPECT_NE(dumped.find("quantum_ns"), std::string::npos);  // defaults appear too
  const CliResult b = cli("run " + dir + "/full.yaml --quiet --json " + dir + "/b.json");
  ASSERT_EQ(b.code, 0) << b.err;
  // Same content except nothing: the JSON reports are identical.
  EXPECT_EQ(slurp(dir + "/a.json"), slurp(dir + "/b.json"));
}

TEST(Cli, ListNamesEveryBuiltInKind) {
  const CliResult r = cli("list");
  ASSERT_EQ(r.code, 0);
  for (const char* k : {"platform.sata", "platform.memdemo", "dram.sata", "dram.lpddr4", "dram.ddr4", "sram", "scratchpad",
                        "dma", "router", "pe_array.systolic", "lif.basic", "dataflow.os", "dataflow.ws",
                        "dataflow.tick_batch", "csr", "sequencer", "cpu"})
    EXPECT_NE(r.out.find("  " + std::string(k) + "  ["), std::string::npos) << k;
}

// --version names the CLI, the commit and the SystemC version it links (issue 23).
TEST(Cli, VersionNamesCommitAndSystemC) {
  const CliResult r = cli("--version");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("spiketlm ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("(git "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(std::string("SystemC ") + sc_core::sc_release()), std::string::npos) << r.out;
}
