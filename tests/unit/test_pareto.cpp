// The Pareto front (sw/dse/pareto.h) and the sweep's progress line (sw/dse/progress.h).
#include <gtest/gtest.h>

#include <cmath>

#include "sw/dse/pareto.h"
#include "sw/dse/progress.h"

using namespace spiketlm::dse;

TEST(Pareto, TwoObjectivesMinimised) {
  // (energy, latency): b and d dominate nothing of each other; a is dominated by b; c by d.
  const std::vector<std::vector<double>> rows = {{5, 5}, {4, 5}, {3, 9}, {3, 8}, {9, 1}};
  EXPECT_EQ(pareto_front(rows, {false, false}), (std::vector<size_t>{1, 3, 4}));
}

TEST(Pareto, MaximisedObjectiveAndEqualRowsAndNaN) {
  // (energy min, accuracy max). Rows 0 and 1 are equal: both stay. Row 2 is better in
  // accuracy only. Row 3 is worse in both than row 2. Row 4 has no accuracy: never on it.
  const double nan = std::nan("");
  const std::vector<std::vector<double>> rows = {{2, 90}, {2, 90}, {3, 95}, {4, 94}, {1, nan}};
  EXPECT_EQ(pareto_front(rows, {false, true}), (std::vector<size_t>{0, 1, 2}));
  // Minimising accuracy instead: row 3 (94) is still worse in energy than row 0 or 1 (90).
  EXPECT_EQ(pareto_front(rows, {false, false}), (std::vector<size_t>{0, 1}));
}

TEST(Pareto, ThreeObjectives) {
  const std::vector<std::vector<double>> rows = {{1, 3, 3}, {3, 1, 3}, {3, 3, 1}, {2, 2, 2}, {3, 3, 3}};
  EXPECT_EQ(pareto_front(rows, {false, false, false}), (std::vector<size_t>{0, 1, 2, 3}));
}

TEST(Progress, LineCountsEveryStateAndEstimatesFromThroughput) {
  const std::map<std::string, int64_t> c = {{"done", 12}, {"failed", 1}, {"running", 2}, {"pending", 25}};
  // 10 points finished in 20 s of this session: 2 s a point, 27 left -> 54 s.
  EXPECT_EQ(Progress::line("sweep demo", c, 40, 20.0, 10), "sweep demo: 12/40 done, 1 failed, 2 running, 25 pending, ETA 54s");
  EXPECT_EQ(Progress::line("sweep demo", c, 40, 20.0, 0), "sweep demo: 12/40 done, 1 failed, 2 running, 25 pending");
  EXPECT_EQ(Progress::line("s", {{"done", 3}, {"queued", 2}}, 5, 300, 1), "s: 3/5 done, 2 queued, ETA 10m00s");
  EXPECT_EQ(duration_text(3725), "1h02m");
}
