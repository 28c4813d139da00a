// The exit unit's fixed-point datapath against double precision, over many random logit
// vectors. Stated bound: the fixed-point score (1 - H/ln K, or max p) is within 0.01 of the
// double-precision score for every vector, so the decisions agree whenever the double score
// is more than 0.01 away from the threshold; we also report the raw agreement rate.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <random>

#include "hw/exit/exit_unit.h"

using namespace spiketlm;

namespace {
struct Stats {
  double max_err = 0;
  int agree = 0, decisive = 0, decisive_agree = 0, n = 0;
};

Stats compare(bool max_prob, int classes, uint64_t seed) {
  ExitConfig c;
  c.max_prob = max_prob;
  ExitMath m(c);
  std::mt19937_64 rng(seed);
  Stats s;
  for (int i = 0; i < 20000; ++i) {
    // Accumulations like the output layer's: a spread chosen per vector so the scores cover [0, 1].
    const double spread = std::exp(std::uniform_real_distribution<double>(std::log(5.0), std::log(5000.0))(rng));
    std::normal_distribution<double> nd(0, spread);
    std::vector<int64_t> z(static_cast<size_t>(classes));
    for (auto& v : z) v = int64_t(std::llround(nd(rng)));
    const double scale = 1.0 / 256.0;  // Q8.24: 65536
    const uint32_t theta_q16 = uint32_t(std::uniform_int_distribution<int>(1000, 64000)(rng));
    const auto r = m.decide(z, 65536, theta_q16);
    const double ref = ExitMath::score_double(z, scale, max_prob);
    const double got = double(r.score_q) / double(1 << c.frac_bits);
    s.max_err = std::max(s.max_err, std::fabs(got - ref));
    const double theta = theta_q16 / 65536.0;
    const bool ref_exit = ref > theta;
    s.agree += (ref_exit == r.exit);
    if (std::fabs(ref - theta) > 0.01) {
      ++s.decisive;
      s.decisive_agree += (ref_exit == r.exit);
    }
    // The argmax is exact (ties to the lowest index).
    int best = 0;
    for (int k = 1; k < classes; ++k)
      if (z[size_t(k)] > z[size_t(best)]) best = k;
    EXPECT_EQ(r.argmax, best);
    ++s.n;
  }
  return s;
}
}  // namespace

TEST(ExitUnit, EntropyScoreWithinBoundOfDoublePrecision) {
  for (int classes : {2, 10, 200}) {
    const Stats s = compare(false, classes, 11 + classes);
    EXPECT_LT(s.max_err, 0.01) << classes << " classes";
    EXPECT_EQ(s.decisive_agree, s.decisive) << classes << " classes";
    EXPECT_GT(s.decisive, s.n / 2);  // the test covers decisions on both sides
    std::cout << "entropy, " << classes << " classes: max |error| " << s.max_err << ", decisions agree "
              << 100.0 * s.agree / s.n << " %\n";
  }
}

TEST(ExitUnit, MaxProbScoreWithinBoundOfDoublePrecision) {
  for (int classes : {2, 10, 200}) {
    const Stats s = compare(true, classes, 7 + classes);
    EXPECT_LT(s.max_err, 0.01) << classes << " classes";
    EXPECT_EQ(s.decisive_agree, s.decisive) << classes << " classes";
    std::cout << "max-prob, " << classes << " classes: max |error| " << s.max_err << ", decisions agree "
              << 100.0 * s.agree / s.n << " %\n";
  }
}

TEST(ExitUnit, ConfidentAndUncertainExtremes) {
  ExitMath m{ExitConfig{}};
  // All classes equal: H = ln K, score 0: never exits for a positive threshold.
  EXPECT_FALSE(m.decide(std::vector<int64_t>(10, 500), 65536, 1).exit);
  EXPECT_EQ(m.decide(std::vector<int64_t>(10, 500), 65536, 1).score_q, 0);
  // One class far ahead: score ~ 1: exits even at a threshold of 0.99.
  std::vector<int64_t> z(10, 0);
  z[3] = 100000;
  const auto r = m.decide(z, 65536, uint32_t(0.99 * 65536));
  EXPECT_TRUE(r.exit);
  EXPECT_EQ(r.argmax, 3);
}
