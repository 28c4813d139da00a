// spiketlm compare (sw/cli/compare.md): its table holds exactly the numbers of the individual
// `spiketlm run` reports, its ratios are those numbers divided, and bad input is a one-line error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {
const std::vector<std::string> kPlatforms = {"platforms/sata/sata.yaml", "platforms/spikeflow/spikeflow.yaml",
                                             "platforms/northpole/northpole.yaml"};
const std::vector<std::string> kMetrics = {"energy_uj", "latency_us", "edp_j_s", "accuracy_pct", "area_mm2"};
std::string text(const Json& j, const std::string& section, const std::string& key) {
  return j.get<std::string>(section + "." + key);
}


// The rows of table `compare` for `platforms` equal the reports of `spiketlm run` of each
// (platform, trace + extra) pair, value for value as text; the ratio rows are those values
// divided (accuracy: subtracted).
void expect_equal_to_runs(const Json& j, const std::vector<std::string>& platforms, const std::string& snn_args,
                          const std::string& ann_args, const std::string& tag) {
  const auto& rows = j.get_child("tables.compare");
  ASSERT_EQ(rows.size(), 2 * platforms.size());
  ASSERT_EQ(j.get_child("tables.snn_over_ann").size(), platforms.size());
  auto row = rows.begin();
  auto q = j.get_child("tables.snn_over_ann").begin();
  for (size_t p = 0; p < platforms.size(); ++p, ++q) {
    std::map<std::string, double> v[2];
    std::string platform;
    for (int ann = 0; ann < 2; ++ann, ++row) {
      const Json r = run_json("run " + platforms[p] + " " + (ann ? ann_args : snn_args), tag + std::to_string(p) + std::to_string(ann));
      platform = text(r, "run", "platform");
      EXPECT_EQ(row->second.get<std::string>("platform"), platform);
      EXPECT_EQ(row->second.get<std::string>("config"), platforms[p]);
      EXPECT_EQ(row->second.get<std::string>("network"), ann ? "ann" : "snn");
      for (const char* k : {"trace", "samples"}) EXPECT_EQ(row->second.get<std::string>(k), text(r, "run", k)) << k;
      for (const auto& m : kMetrics) {
        EXPECT_EQ(row->second.get<std::string>(m), text(r, "summary", m)) << platforms[p] << " " << m;
        v[ann][m] = summary(r, m);
      }
    }
    EXPECT_EQ(q->second.get<std::string>("platform"), platform);
    EXPECT_DOUBLE_EQ(q->second.get<double>("energy_ratio"), v[0]["energy_uj"] / v[1]["energy_uj"]);
    EXPECT_DOUBLE_EQ(q->second.get<double>("latency_ratio"), v[0]["latency_us"] / v[1]["latency_us"]);
    EXPECT_DOUBLE_EQ(q->second.get<double>("edp_ratio"), v[0]["edp_j_s"] / v[1]["edp_j_s"]);
    // A run without accuracy (an ANN converted by --ann BITS has no reference labels) has none.
    const double acc = v[0]["accuracy_pct"] - v[1]["accuracy_pct"];
    const std::string diff = q->second.get<std::string>("accuracy_diff_pct");
    if (std::isnan(acc)) EXPECT_TRUE(diff == "null" || diff.empty()) << diff;
    else EXPECT_DOUBLE_EQ(std::stod(diff), acc);
  }
}
}  // namespace

TEST(Compare, NumbersEqualTheIndividualRunReports) {
  const std::string dir = scratch("compare");
  const CliResult c = cli("compare --trace traces/fmnist_snn --ann-trace traces/fmnist_ann8 --samples 2 -q --json " + dir +
                          "/c.json --csv " + dir + "/c.csv");
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(c.out, "");
  EXPECT_NE(slurp(dir + "/c.csv").find("compare,"), std::string::npos);
  const Json j = load_json(dir + "/c.json");
  EXPECT_EQ(text(j, "run", "snn_trace"), "traces/fmnist_snn");
  EXPECT_EQ(text(j, "run", "ann_trace"), "traces/fmnist_ann8");
  expect_equal_to_runs(j, kPlatforms, "--trace traces/fmnist_snn --samples 2", "--trace traces/fmnist_ann8 --samples 2",
                       "compare_");
}

// --ann BITS: the ANN twin is the SNN trace run as `run --ann BITS`; --platform picks the
// platforms, in the order given; the text table goes to stdout.
TEST(Compare, AnnBitsAndChosenPlatforms) {
  const std::string dir = scratch("compare_bits");
  const std::vector<std::string> plats = {"platforms/northpole/northpole.yaml", "platforms/sata/sata.yaml"};
  const CliResult c = cli("compare --trace traces/fmnist_snn --ann 4 --samples 3 --platform " + plats[0] + " --platform " +
                          plats[1] + " --json " + dir + "/c.json");
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("SNN / ANN per platform"), std::string::npos) << c.out;
  const Json j = load_json(dir + "/c.json");
  EXPECT_EQ(text(j, "run", "ann_trace"), "traces/fmnist_snn (--ann 4)");
  expect_equal_to_runs(j, plats, "--trace traces/fmnist_snn --samples 3", "--trace traces/fmnist_snn --ann 4 --samples 3",
                       "compare_bits_");
}

TEST(Compare, BadInputIsAOneLineErrorAndNoOutputFile) {
  const std::string dir = scratch("compare_bad");
  const CliResult missing = cli("compare --samples 2");
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err, "spiketlm: compare: missing --trace SNN_DIR, expected spiketlm compare --trace SNN_DIR [options] (see "
                         "spiketlm compare --help)\n");
  const CliResult both = cli("compare --trace traces/fmnist_snn --ann 4 --ann-trace traces/fmnist_ann8");
  EXPECT_EQ(both.code, 1);
  EXPECT_EQ(both.err, "spiketlm: compare: --ann-trace and --ann exclude each other, expected one of them (see spiketlm compare "
                      "--help)\n");
  const CliResult bad = cli("compare --trace traces/fmnist_snn --ann-trace traces/no_such_bundle --samples 1 --json " + dir +
                            "/c.json");
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  EXPECT_EQ(bad.err.rfind("spiketlm: error: platforms/sata/sata.yaml: ", 0), 0u) << bad.err;
  EXPECT_NE(bad.err.find("no_such_bundle"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/c.json"));
  // A failure after runs that succeeded (the second platform's config) leaves an existing
  // output file as it was.
  std::ofstream(dir + "/old.json") << "old";
  const CliResult late = cli("compare --trace traces/fmnist_snn --ann 8 --samples 1 --platform platforms/sata/sata.yaml "
                             "--platform " + dir + "/missing.yaml --json " + dir + "/old.json --csv " + dir + "/c.csv");
  EXPECT_EQ(late.code, 1);
  EXPECT_EQ(late.out, "");
  EXPECT_EQ(std::count(late.err.begin(), late.err.end(), '\n'), 1) << late.err;
  EXPECT_EQ(late.err.rfind("spiketlm: error: " + dir + "/missing.yaml: ", 0), 0u) << late.err;
  EXPECT_EQ(slurp(dir + "/old.json"), "old");
  EXPECT_FALSE(std::filesystem::exists(dir + "/c.csv"));
}
