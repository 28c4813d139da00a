// The leaky readout membrane of the output layer (FORMAT.md 2.2, issue 18): the outputs stay the
// accumulations, the argmax and exit units keep z = ((z * leak_num) >> leak_shift) + out per
// class. Every platform's predictions, the accuracy after each timestep and the exit decisions
// are checked against z computed here from the bundle's reference outputs; a readout where it
// does not belong is a one-line error naming the key.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "hw/exit/exit_unit.h"
#include "tests/cli.h"
#include "tests/integration/modified_bundle.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {

const int kSamples = 200;

// fmnist_snn's first kSamples samples with a readout of leak 1/4 on its output layer.
std::string leaky_fmnist(const std::string& tag, int num = 1, int shift = 2) {
  bundle b = read_bundle(source_dir() + "/traces/fmnist_snn");
  b.layers.back().readout = {num, shift};
  return write_modified_bundle(b, kSamples, tag);
}

// z after timesteps 0..t of sample n, from the stored outputs (independent of the simulator).
std::vector<int64_t> membrane(const bundle& b, int n, int t, int num, int shift) {
  std::vector<int64_t> z(size_t(b.classes), 0);
  for (int u = 0; u <= t; ++u)
    for (int c = 0; c < b.classes; ++c) {
      const __int128 leaked = (__int128(z[size_t(c)]) * num) >> shift;
      z[size_t(c)] = int64_t(leaked) + b.ref_output(n, u, c);
    }
  return z;
}

int argmax(const std::vector<int64_t>& z) {
  int best = 0;
  for (size_t c = 1; c < z.size(); ++c)
    if (z[c] > z[size_t(best)]) best = int(c);
  return best;
}

}  // namespace

TEST(Readout, EveryPlatformPredictsTheArgmaxOfTheLeakyMembrane) {
  const std::string dir = leaky_fmnist("readout_li");
  const bundle b = read_bundle(dir);
  ASSERT_EQ(b.layers.back().readout.num, 1);
  ASSERT_EQ(b.layers.back().readout.shift, 2);
  const int T = b.timesteps;
  std::vector<int> expect(kSamples);
  int differ = 0;
  for (int n = 0; n < kSamples; ++n) {
    expect[size_t(n)] = argmax(membrane(b, n, T - 1, 1, 2));
    differ += expect[size_t(n)] != argmax(membrane(b, n, T - 1, 1, 0));  // the plain sum
  }
  EXPECT_GT(differ, 0) << "the leak must change some predictions, or this test could not fail";
  std::vector<double> acc(size_t(T), 0);
  for (int t = 0; t < T; ++t) {
    for (int n = 0; n < kSamples; ++n) acc[size_t(t)] += argmax(membrane(b, n, t, 1, 2)) == b.labels[size_t(n)];
    acc[size_t(t)] *= 100.0 / kSamples;
  }
  for (const std::string platform : {"platforms/sata/sata.yaml", "platforms/sata/sata_tick_batch.yaml",
                                     "platforms/spikeflow/spikeflow.yaml", "platforms/northpole/northpole.yaml"}) {
    SCOPED_TRACE(platform);
    const Json j = run_json("run " + platform + " --trace " + dir + " --per-sample --samples 200", "readout_run");
    EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0);
    const auto pred = column(j, "samples", "prediction");
    ASSERT_EQ(pred.size(), size_t(kSamples));
    int same = 0;
    for (int n = 0; n < kSamples; ++n) same += int(pred[size_t(n)]) == expect[size_t(n)];
    EXPECT_EQ(same, kSamples);
    const auto at = column(j, "accuracy", "accuracy_pct");
    ASSERT_EQ(at.size(), size_t(T));
    for (int t = 0; t < T; ++t) EXPECT_NEAR(at[size_t(t)], acc[size_t(t)], 1e-9) << t;
  }
}

// The exit unit decides on the leaky membrane: exit timestep and prediction as ExitMath gives
// them on z computed here.
TEST(Readout, TheExitUnitDecidesOnTheLeakyMembrane) {
  const std::string dir = leaky_fmnist("readout_exit", 3, 2);
  const bundle b = read_bundle(dir);
  const layer& out = b.layers.back();
  const int64_t scale_q24 = std::llround(double(out.weight_scale[0]) * out.in_scale * 16777216.0);
  const double threshold = 0.97;
  const ExitMath m(ExitConfig{});
  const Json j = run_json("run platforms/sata/sata.yaml --trace " + dir + " --per-sample --samples 200 --exit-threshold 0.97", "readout_ex");
  const auto pred = column(j, "samples", "prediction"), steps = column(j, "samples", "exit_timestep");
  ASSERT_EQ(pred.size(), size_t(kSamples));
  int early = 0;
  for (int n = 0; n < kSamples; ++n) {
    int t = 0;
    while (t < b.timesteps - 1 &&
           !m.decide(membrane(b, n, t, 3, 2), scale_q24, uint32_t(std::lround(threshold * 65536.0))).exit)
      ++t;
    early += t + 1 < b.timesteps;
    EXPECT_EQ(int(steps[size_t(n)]), t + 1) << n;
    EXPECT_EQ(int(pred[size_t(n)]), argmax(membrane(b, n, t, 3, 2))) << n;
  }
  EXPECT_GT(early, 0);
  EXPECT_LT(early, kSamples);
}

TEST(Readout, BadReadoutsAreOneLineErrors) {
  const std::string src = source_dir() + "/traces/fmnist_snn";
  const bundle orig = read_bundle(src);
  struct Case {
    std::string readout_line, where, what;
    bool on_output;
  };
  const Case cases[] = {
      {"readout: {model: li, leak_num: 5, leak_shift: 2}", "readout.leak_num", "expected an integer in [0, 4]", true},
      {"readout: {model: li, leak_num: 1, leak_shift: 17}", "readout.leak_shift", "expected an integer in [0, 16]", true},
      {"readout: {model: lif, leak_num: 1, leak_shift: 1}", "readout.model", "expected one of li, sum", true},
      {"readout: {model: li, leak_num: 1, leak_shift: 1}", "readout", "expected a readout only on the output layer", false},
      {"readout: {model: sum, leak_num: 1}", "readout.model", "expected no leak_num or leak_shift with model sum", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.readout_line);
    const std::string dir = scratch("readout_bad");
    std::filesystem::copy(src, dir, std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
    // Insert the line after the chosen layer's `name:` line in trace.yaml.
    const std::string target = "name: " + (c.on_output ? orig.layers.back().name : orig.layers.front().name);
    std::ifstream in(dir + "/trace.yaml");
    std::string text, line;
    bool done = false;
    while (std::getline(in, line)) {
      text += line + "\n";
      if (!done && line.find(target) != std::string::npos && line.find("- ") != std::string::npos) {
        text += std::string(line.find("- ") + 2, ' ') + c.readout_line + "\n";
        done = true;
      }
    }
    in.close();
    ASSERT_TRUE(done);
    std::ofstream(dir + "/trace.yaml") << text;
    const CliResult r = cli("run platforms/sata/sata.yaml --trace " + dir + " --samples 1 --quiet");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find(c.where), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.what), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}
