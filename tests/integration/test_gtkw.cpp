// The waveform's defaults: the gtkwave save file opens on the whole run (zoom to fit), and
// membranes (signed) are written in two's complement and shown as signed decimals.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {
const std::string kProbed = "run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 2 --quiet "
                            "-c 'sata.lif.probe_neurons=[0:1:100,0:5:300]'";
}  // namespace

TEST(Gtkw, OpensOnTheWholeRun) {
  const std::string dir = scratch("gtkw_zoom");
  const CliResult r = cli(kProbed + " --vcd " + dir + "/w.vcd");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string vcd = slurp(dir + "/w.vcd"), gtkw = slurp(dir + "/w.gtkw");
  std::smatch ts, last, zoom;
  ASSERT_TRUE(std::regex_search(vcd, ts, std::regex("\\$timescale (1|10|100) ([munpf]?s) \\$end")));
  ASSERT_TRUE(std::regex_search(vcd, last, std::regex("\\n#([0-9]+)\\n$")));
  ASSERT_TRUE(std::regex_search(gtkw, zoom, std::regex("\\n\\*(-?[0-9.]+) -1( -1){26}\\n")));
  EXPECT_NE(gtkw.find("\n[timestart] 0\n"), std::string::npos);
  // gtkwave draws 2^-zoom time units per pixel: the wave pane's 900 pixels span the run.
  const double end = std::stod(last[1]) * std::stod(ts[1]);
  EXPECT_GT(end, 100000.0);   // two inferences of ~260 us in ns
  EXPECT_NEAR(std::pow(2.0, -std::stod(zoom[1])) * 900.0 / end, 1.0, 1e-5);
}

TEST(Gtkw, MembranesAreSignedTwosComplement) {
  const std::string dir = scratch("gtkw_signed");
  const CliResult r = cli(kProbed + " -c sata.lif.membrane_bits=16 --vcd " + dir + "/w.vcd");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string vcd = slurp(dir + "/w.vcd"), gtkw = slurp(dir + "/w.gtkw");
  for (const char* n : {"membrane_l0_c1_p100", "membrane_l0_c5_p300"})
    EXPECT_NE(gtkw.find(std::string("\n@424\nsata.lif.") + n + "[31:0]\n"), std::string::npos) << n;  // signed decimal
  int negative = 0, values = 0;
  for (const char* n : {"membrane_l0_c1_p100", "membrane_l0_c5_p300"}) {
    std::smatch id;
    ASSERT_TRUE(std::regex_search(vcd, id, std::regex(std::string("\\$var wire 32 (\\S+) ") + n + " ")));
    const std::regex change("\\nb([01]+) " + std::regex_replace(id[1].str(), std::regex("[^A-Za-z0-9]"), "\\$&") + "\\n");
    for (auto it = std::sregex_iterator(vcd.begin(), vcd.end(), change); it != std::sregex_iterator(); ++it) {
      const std::string b = (*it)[1];
      ++values;
      if (b.size() < 32) continue;   // non-negative (leading zeros dropped)
      ++negative;
      // Sign-extended from the 16-bit membrane: bits 31..15 all ones.
      EXPECT_EQ(b.substr(0, 17), std::string(17, '1')) << n << " " << b;
    }
  }
  EXPECT_GT(values, 4);
  EXPECT_GT(negative, 0);   // these neurons go below zero (before: clamped to 0 in the VCD)
}
