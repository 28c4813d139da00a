// `spiketlm CMD --help` / `spiketlm help CMD`: every command's usage with examples, and the
// examples run as written (from a directory holding platforms/, traces/ and sw/, spiketlm on PATH).
#include <gtest/gtest.h>

#include <regex>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {

const std::vector<std::string> kCommands = {"run", "list", "calibrate", "export", "map", "import", "sweep", "merge", "compare"};

// The example command lines of a help text (after "examples:"; "\" continues a line).
std::vector<std::string> examples(const std::string& help) {
  std::vector<std::string> v;
  const size_t at = help.find("\nexamples:\n");
  if (at == std::string::npos) return v;
  std::istringstream in(help.substr(at + 11));
  std::string line, cur;
  while (std::getline(in, line)) {
    const bool cont = !cur.empty();
    if (!cont && line.rfind("  spiketlm ", 0) != 0) continue;
    cur += (cont ? " " : "") + line.substr(line.find_first_not_of(' '));
    if (cur.size() >= 2 && cur.substr(cur.size() - 2) == " \\") {
      cur.resize(cur.size() - 2);
      continue;
    }
    v.push_back(cur);
    cur.clear();
  }
  return v;
}

// Placeholders (MODEL.nir, BUNDLE, X.npy) name files the user brings.
bool has_placeholder(const std::string& cmd) { return std::regex_search(cmd, std::regex("\\b[A-Z]{1,}[A-Z0-9_]*(\\.[a-z]+)?\\b")); }

}  // namespace

TEST(Help, EveryCommandPrintsItsUsageWithExamples) {
  for (const auto& c : kCommands) {
    const CliResult r = cli(c + " --help");
    EXPECT_EQ(r.code, 0) << c << ": " << r.err;
    EXPECT_EQ(r.out.rfind("usage: spiketlm " + c + " ", 0), 0u) << r.out;
    EXPECT_FALSE(examples(r.out).empty()) << c << ": no examples in\n" << r.out;
    EXPECT_EQ(r.err, "") << c;
    const CliResult h = cli("help " + c);
    EXPECT_EQ(h.code, 0) << c;
    EXPECT_EQ(h.out, r.out) << c;
  }
}

TEST(Help, HelpAmongOtherArgumentsWinsAndRunsNothing) {
  const CliResult r = cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn -h");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.find("Summary"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--samples N               samples to run; default min(100, the trace's samples)"), std::string::npos);
}

TEST(Help, UnknownCommandIsAUsageError) {
  const CliResult r = cli("help frobnicate");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: help: frobnicate: unknown command, expected run, list, calibrate, map, import, export, sweep, "
                   "merge, compare or plot (see spiketlm --help)\n");
}

TEST(Help, ExamplesRunAsWritten) {
  const std::string dir = scratch("help_examples");
  for (const char* d : {"platforms", "traces", "sw"}) std::filesystem::create_directory_symlink(source_dir() + "/" + d, dir + "/" + d);
  int ran = 0;
  for (const auto& c : kCommands) {
    for (const auto& ex : examples(cli(c + " --help").out)) {
      if (has_placeholder(ex)) continue;
      const std::string cmd = "cd " + dir + " && PATH=" + binary_dir() + ":$PATH SC_COPYRIGHT_MESSAGE=DISABLE " + ex +
                              " >out.txt 2>err.txt";
      const int rc = std::system(cmd.c_str());
      EXPECT_EQ(rc, 0) << ex << ": " << slurp(dir + "/err.txt");
      ++ran;
    }
  }
  EXPECT_GE(ran, 10);   // only import/export need a model of the user's
  EXPECT_TRUE(std::filesystem::exists(dir + "/run.json"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/best.yaml"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/adapted/trace.yaml"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/demo.sweep/results.csv"));
}
