// Progress on stderr (sw/run/progress.h): counted from the STARTs the firmware writes, only
// with --progress here (ctest's stderr is no terminal), never in the report or its files.
#include <gtest/gtest.h>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {
const std::string kRun = "run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 20";
}  // namespace

TEST(Progress, CountsEverySampleOnStderrOnly) {
  const std::string dir = scratch("progress");
  const CliResult with = cli(kRun + " --progress --json " + dir + "/p.json --csv " + dir + "/p.csv");
  const CliResult without = cli(kRun + " --json " + dir + "/q.json --csv " + dir + "/q.csv");
  ASSERT_EQ(with.code, 0) << with.err;
  ASSERT_EQ(without.code, 0) << without.err;
  EXPECT_EQ(without.err, "");   // not a terminal, no --progress: silent
  // Every redraw is one "\r"-led line; the last one counts all 20 samples and ends the line.
  ASSERT_FALSE(with.err.empty());
  EXPECT_EQ(with.err[0], '\r');
  std::istringstream in(with.err.substr(1));
  std::string part, last;
  while (std::getline(in, part, '\r')) {
    EXPECT_EQ(part.rfind("spiketlm: ", 0), 0u) << part;
    last = part;
  }
  EXPECT_EQ(last.rfind("spiketlm: 20/20 samples in ", 0), 0u) << last;
  EXPECT_EQ(last.back(), '\n');
  // The report and its files are the same with and without it.
  EXPECT_EQ(with.out, without.out);
  EXPECT_EQ(slurp(dir + "/p.csv"), slurp(dir + "/q.csv"));
  const std::string pj = slurp(dir + "/p.json");
  EXPECT_EQ(pj.find("spiketlm: "), std::string::npos);
  EXPECT_EQ(pj, slurp(dir + "/q.json"));
}

TEST(Progress, NoProgressAndQuietStaySilent) {
  const CliResult r = cli(kRun + " --no-progress --quiet");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "");
}
