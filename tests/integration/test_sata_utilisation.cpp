// SATA's per-layer utilisation_pct (platforms/sata/sata.cpp, report_layers) never exceeds
// 100 %: the MACs the PE array spends its fold cycles on cannot exceed rows x cols per cycle.
// Issue 22: with skip_zero_cycles it compared a dense pass's MACs with the shortened cycles and
// reached 280 %. Checked over the dataflows, the remedies, ANN traces and a workload, with and
// without skip_zero_cycles; with it, the figure is the accumulates done over the PE-cycles.
#include <gtest/gtest.h>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {
const std::string k_sata = "platforms/sata/sata.yaml";
const std::string k_tb = "platforms/sata/sata_tick_batch.yaml";
const std::string k_skip = " -c sata.pe_array.skip_zero_cycles=true";
}  // namespace

TEST(SataUtilisation, NeverAbove100PercentOverConfigs) {
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"os", k_sata + " --trace traces/fmnist_snn --samples 3"},
      {"os_skip", k_sata + " --trace traces/fmnist_snn --samples 3" + k_skip},
      {"ws_skip", k_sata + " --trace traces/fmnist_snn --samples 3 -c sata.dataflow.kind=dataflow.ws" + k_skip},
      {"tb_skip", k_tb + " --trace traces/fmnist_snn --samples 3" + k_skip},
      {"c4_skip", k_sata + " --trace traces/fmnist_snn_c4 --samples 3 -c sata.lif.kind=lif.shared -c sata.lif.share=4" + k_skip},
      {"ann8_skip", k_sata + " --trace traces/fmnist_ann8 --samples 3" + k_skip},
      {"ann4_tb", k_tb + " --trace traces/fmnist_ann4 --samples 3"},
      {"vgg9c_skip", k_sata + " --trace traces/workloads/vgg9_cifar10 --samples 1" + k_skip},
  };
  for (const auto& [tag, args] : runs) {
    const Json j = run_json("run " + args, "sata_util_" + tag);
    const auto util = column(j, "layers", "utilisation_pct"), cyc = column(j, "layers", "compute_cycles");
    const auto acc = column(j, "layers", "accumulates");
    const auto ops = text_column(j, "layers", "op");
    ASSERT_FALSE(util.empty()) << tag;
    for (size_t i = 0; i < util.size(); ++i) {
      EXPECT_LE(util[i], 100.0) << tag << " layer " << i;
      EXPECT_GE(util[i], 0.0) << tag << " layer " << i;
      if (ops[i] == "conv" || ops[i] == "linear") {
        EXPECT_GT(util[i], 0.0) << tag << " layer " << i;
        // Whatever streams, the accumulates done fit in rows x cols = 16 x 8 PEs per cycle.
        EXPECT_LE(acc[i], 128.0 * cyc[i]) << tag << " layer " << i;
      }
      // With skip_zero_cycles: the accumulates done over the 16 x 8 PE-cycles.
      if (tag.find("skip") != std::string::npos && cyc[i] > 0) {
        EXPECT_NEAR(util[i], 100.0 * acc[i] / (128.0 * cyc[i]), 1e-9) << tag << " layer " << i;
      }
    }
  }
}
