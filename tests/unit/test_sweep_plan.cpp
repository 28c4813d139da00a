// Sweep plans (sw/dse/plan.h): grid order, zipped axes, stepped and log ranges, random and
// Latin-hypercube sampling with a seed; sweep-file errors (sw/dse/spec.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "sw/dse/axis_values.h"
#include "sw/dse/plan.h"
#include "sw/dse/spec.h"
#include "tests/cli.h"

using namespace spiketlm;
using namespace spiketlm::dse;
using namespace spiketlm::test;

namespace {

// A sweep file in a scratch folder (base: the bundled SATA platform and Fashion-MNIST).
std::string sweep_file(const std::string& tag, const std::string& body, bool with_base = true) {
  const std::string d = scratch(tag);
  const std::string f = d + "/sweep.yaml";
  std::ofstream out(f);
  if (with_base)
    out << "base: {config: " << source_dir() << "/platforms/sata/sata.yaml, trace: " << source_dir()
        << "/traces/fmnist_snn, samples: 2}\n";
  out << body;
  return f;
}

std::vector<std::string> values_of(const std::vector<Point>& pts, size_t k) {
  std::vector<std::string> v;
  for (const auto& p : pts) v.push_back(p.values[k].second);
  return v;
}

std::string load_error(const std::string& tag, const std::string& body, bool with_base = true) {
  const std::string f = sweep_file(tag, body, with_base);
  const std::string e = error_of([&] { load_sweep(f); });
  return e.substr(0, 15) == "spiketlm/sweep:" ? e.substr(e.find(f) == std::string::npos ? 0 : e.find(f) + f.size()) : e;
}

}  // namespace

TEST(SweepPlan, GridIsTheProductWithTheLastAxisFastestAndZipsVaryTogether) {
  const SweepSpec s = load_sweep(sweep_file("grid",
      "axes:\n"
      "  - {key: sata.pe_array.rows, values: [8, 16]}\n"
      "  - zip:\n"
      "      - {key: sata.pe_array.cols, values: [4, 8, 16]}\n"
      "      - {key: run.exit_threshold, values: [0, 0.5, 0.9]}\n"));
  ASSERT_EQ(plan_size(s), 6);
  const std::vector<Point> p = make_plan(s);
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(values_of(p, 0), (std::vector<std::string>{"8", "8", "8", "16", "16", "16"}));
  EXPECT_EQ(values_of(p, 1), (std::vector<std::string>{"4", "8", "16", "4", "8", "16"}));
  EXPECT_EQ(values_of(p, 2), (std::vector<std::string>{"0", "0.5", "0.9", "0", "0.5", "0.9"}));
  EXPECT_EQ(p[4].values[1].first, "sata.pe_array.cols");
  EXPECT_EQ(p[5].index, 5);
}

TEST(SweepPlan, NoAxesIsOnePointWithTheBaseConfiguration) {
  const SweepSpec s = load_sweep(sweep_file("noaxes", ""));
  const std::vector<Point> p = make_plan(s);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(p[0].values.empty());
}

TEST(SweepPlan, SteppedAndLogRanges) {
  const SweepSpec s = load_sweep(sweep_file("ranges",
      "axes:\n"
      "  - {key: a, range: {from: 8, to: 32, step: 8}}\n"
      "  - {key: b, range: {from: 1, to: 2, step: 0.25}}\n"
      "  - {key: c, log: {from: 1, to: 1000, points: 4}}\n"
      "  - {key: d, log: {from: 0.5, to: 8, points: 5}}\n"
      "  - {key: e, range: {from: 0.1, to: 0.3, step: 0.1}}\n"));
  EXPECT_EQ(s.axes[0].keys[0].values, (std::vector<std::string>{"8", "16", "24", "32"}));
  EXPECT_EQ(s.axes[1].keys[0].values, (std::vector<std::string>{"1", "1.25", "1.5", "1.75", "2"}));
  EXPECT_EQ(s.axes[2].keys[0].values, (std::vector<std::string>{"1", "10", "100", "1000"}));
  EXPECT_EQ(s.axes[3].keys[0].values, (std::vector<std::string>{"0.5", "1", "2", "4", "8"}));
  // 0.1 + 2 x 0.1 is 0.30000000000000004: the end is inclusive, and the text is 10 digits.
  EXPECT_EQ(s.axes[4].keys[0].values, (std::vector<std::string>{"0.1", "0.2", "0.3"}));
  EXPECT_EQ(plan_size(s), 4 * 5 * 4 * 5 * 3);
}

TEST(SweepPlan, GridSizeSaturatesInsteadOfOverflowing) {
  std::string body = "axes:\n";
  for (int i = 0; i < 4; ++i) body += "  - {key: k" + std::to_string(i) + ", range: {from: 1, to: 100000, step: 1}}\n";
  EXPECT_EQ(plan_size(load_sweep(sweep_file("huge", body))), INT64_MAX);
}

TEST(SweepPlan, LatinHypercubeUsesEveryStratumOfEveryDimensionOnce) {
  const SweepSpec s = load_sweep(sweep_file("lhs",
      "sample: {method: lhs, points: 10, seed: 42}\n"
      "axes:\n"
      "  - {key: a, values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}\n"
      "  - {key: b, range: {from: 0.0, to: 1.0}}\n"
      "  - {key: c, log: {from: 1.0, to: 1024.0}}\n"
      "  - {key: d, range: {from: 0, to: 9}}\n"));
  const std::vector<Point> p = make_plan(s);
  ASSERT_EQ(p.size(), 10u);
  std::set<int> a, b, c, d;
  for (const auto& q : p) {
    a.insert(std::stoi(q.values[0].second));
    b.insert(int(std::floor(std::stod(q.values[1].second) * 10)));
    c.insert(int(std::floor(std::log2(std::stod(q.values[2].second)))));  // log2 in [0, 10)
    EXPECT_TRUE(is_integer_text(q.values[3].second)) << q.values[3].second;
    d.insert(std::stoi(q.values[3].second));
  }
  const std::set<int> all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(a, all);
  EXPECT_EQ(b, all);
  EXPECT_EQ(c, all);
  EXPECT_EQ(d, all);  // integers 0..9 from an interval of 10 strata: each exactly once
}

TEST(SweepPlan, ASeedGivesTheSamePointsAndAnotherSeedOthers) {
  auto plan = [&](const std::string& method, int seed) {
    const SweepSpec s = load_sweep(sweep_file("seed", "sample: {method: " + method + ", points: 8, seed: " +
                                                          std::to_string(seed) + "}\naxes:\n"
                                                          "  - {key: a, range: {from: 0.0, to: 1.0}}\n"
                                                          "  - {key: b, range: {from: 1, to: 64}}\n"));
    std::vector<std::string> v;
    for (const auto& p : make_plan(s)) v.push_back(p.values[0].second + "/" + p.values[1].second);
    return v;
  };
  for (const char* m : {"random", "lhs"}) {
    EXPECT_EQ(plan(m, 7), plan(m, 7)) << m;
    EXPECT_NE(plan(m, 7), plan(m, 8)) << m;
    for (const auto& v : plan(m, 7)) {
      const double a = std::stod(v.substr(0, v.find('/')));
      const int b = std::stoi(v.substr(v.find('/') + 1));
      EXPECT_TRUE(a >= 0 && a < 1 && b >= 1 && b <= 64) << v;
    }
  }
}

TEST(SweepSpec, ErrorsNameTheFileLineFieldAndWhatWasExpected) {
  EXPECT_EQ(load_error("e1", "axes:\n  - {key: a, values: []}\n"),
            ":3: axes[0].values: expected a non-empty list of values, got an empty list");
  EXPECT_EQ(load_error("e2", "axis:\n  - {key: a, values: [1]}\n"),
            ":2: axis: unknown field, expected one of name, base, axes, sample, objectives, plot, max_points, shards, out, "
            "slurm (did you mean 'axes'?)");
  EXPECT_EQ(load_error("e3", "axes:\n  - {key: a, range: {from: 1, to: 4}}\n"),
            ":3: axes[0].range.step: expected a step (a grid needs a finite number of values; random/lhs sample an "
            "interval)");
  EXPECT_EQ(load_error("e4", "axes:\n  - zip:\n    - {key: a, values: [1, 2]}\n    - {key: b, values: [1, 2, 3]}\n"),
            ":5: axes[0].zip[1]: expected 2 values like zip[0], got 3 (zipped axes vary together)");
  EXPECT_EQ(load_error("e5", "axes:\n  - {key: a, values: [1]}\n  - {key: a, values: [2]}\n"),
            ":4: axes[1]: key a is already varied by another axis, expected each key on one axis (zip keys that vary "
            "together)");
  EXPECT_EQ(load_error("e6", "axes:\n  - {key: a, log: {from: 1, to: 4, points: 6}}\n"),
            ":3: axes[0].log: 6 integer points from 1 to 4 repeat the value 1, expected fewer points or non-integer "
            "bounds");
  EXPECT_EQ(load_error("e7", "sample: {method: sobol, points: 3}\n"),
            ":2: sample.method: expected grid, random or lhs, got 'sobol'");
  EXPECT_EQ(load_error("e8", "objectives: {energy: smallest}\n"),
            ":2: objectives.energy: expected min or max, got 'smallest'");
  EXPECT_EQ(load_error("e9", "axes:\n  - {key: a, values: [1], range: {from: 1, to: 2, step: 1}}\n"),
            ":3: axes[0]: expected exactly one of values, range or log, got 2 of them");
  EXPECT_EQ(load_error("e10", "axes: []\n", false), ": base: expected the base configuration (config: platform YAML), got none");
}
