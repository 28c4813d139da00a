// LIF sharing (C#n) and membrane quantization: platform runs equal the golden model with the
// same C#n / membrane width, bit for bit, on both platforms; the hardware effects show.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/cli.h"
#include "traces/src/golden.h"
#include "traces/src/requantize.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {
// Accuracy at T of the golden model over the first n samples.
double golden_accuracy(bundle b, int n) {
  const golden::model m(b);
  int correct = 0;
  for (int s = 0; s < n; ++s) correct += m.run(s).predicted(b.timesteps - 1) == b.labels[size_t(s)];
  return 100.0 * correct / n;
}
}  // namespace

TEST(LifSharing, C2OnSharedLifEqualsGoldenAndHalvesLifCircuits) {
  const std::string tr = source_dir() + "/traces/fmnist_snn_c2";
  const bundle b = read_bundle(tr);
  ASSERT_EQ(b.layers[0].neuron->share, 2);
  const Json j = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_snn_c2 --samples 300 -c sata.lif.kind=lif.shared "
                     "-c sata.lif.share=2", "c2");
  EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0.0);
  EXPECT_DOUBLE_EQ(summary(j, "accuracy_pct"), golden_accuracy(b, 300));
  // The same network needs C#2 hardware: plain LIF units refuse its descriptors.
  const CliResult r = cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn_c2 --samples 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("refused layer 0 (error code 4, descriptor word 29: the LIF units serve 1 channel(s) per circuit)"),
            std::string::npos)
      << r.err;
}

TEST(LifSharing, SharingCutsLifPowerAndAreaByTheSharingFactor) {
  // One C#1 network on C#1 hardware and on hardware whose circuits are shared by 4 channels
  // in time (share 4 with a C#1 trace: 32 circuits, no membrane sharing).
  const Json c1 = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 20", "s1");
  const Json c4 = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 20 -c sata.lif.kind=lif.shared "
                      "-c sata.lif.share=4", "s4");
  EXPECT_EQ(summary(c4, "reference_mismatch_samples"), 0.0);
  // Area scales with the circuits: exactly a quarter.
  EXPECT_NEAR(table_cell(c4, "area_by_module", "sata.lif", "area_um2"),
              table_cell(c1, "area_by_module", "sata.lif", "area_um2") / 4, 1e-6);
  // Always-on LIF energy: a quarter of the circuits, over a run that is a little longer.
  const double e1 = table_cell(c1, "energy_by_component", "lif", "energy_uj");
  const double e4 = table_cell(c4, "energy_by_component", "lif", "energy_uj");
  EXPECT_LT(e4, 0.4 * e1);
  EXPECT_GT(summary(c4, "latency_us"), summary(c1, "latency_us"));  // one circuit serves 4 channels
}

TEST(LifSharing, TickBatchRefusesSharing) {
  const CliResult r = cli("run platforms/sata/sata_tick_batch.yaml --trace traces/fmnist_snn_c2 --samples 1 "
                          "-c sata.lif.kind=lif.shared -c sata.lif.share=2");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("refused layer 0 (error code 4"), std::string::npos) << r.err;
}

TEST(LifSharing, C4BundleOnSharedLifEqualsGolden) {
  const std::string tr = source_dir() + "/traces/fmnist_snn_c4";
  if (!std::filesystem::exists(tr + "/trace.yaml")) GTEST_SKIP() << "traces/fmnist_snn_c4 is not bundled";
  const Json j = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_snn_c4 --samples 200 -c sata.lif.kind=lif.shared "
                     "-c sata.lif.share=4", "c4");
  EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0.0);
  EXPECT_DOUBLE_EQ(summary(j, "accuracy_pct"), golden_accuracy(read_bundle(tr), 200));
}

TEST(MembraneQuantization, BothPlatformsEqualGoldenAtEveryWidth) {
  for (int bits : {16, 8, 4}) {
    bundle b = read_bundle(source_dir() + "/traces/fmnist_snn");
    const int changed = requantize_membrane(b, bits);
    EXPECT_EQ(changed > 0, bits <= 9) << bits;  // threshold 256 fits 2^(bits-2) from 10 bits up
    const double g = golden_accuracy(b, 200);
    const std::string w = std::to_string(bits);
    const Json sata = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 200 -c sata.lif.membrane_bits=" + w, "ms");
    const Json sf = run_json("run platforms/spikeflow/spikeflow.yaml --trace traces/fmnist_snn --samples 200 "
                        "-c spikeflow.tile.lif.membrane_bits=" + w, "mf");
    EXPECT_EQ(summary(sata, "reference_mismatch_samples"), 0.0) << bits;
    EXPECT_EQ(summary(sf, "reference_mismatch_samples"), 0.0) << bits;
    EXPECT_DOUBLE_EQ(summary(sata, "accuracy_pct"), g) << bits;
    EXPECT_DOUBLE_EQ(summary(sf, "accuracy_pct"), g) << bits;
  }
}

TEST(MembraneQuantization, NarrowerMembranesCostLessLifEnergyAndArea) {
  const Json m32 = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 20", "m32");
  const Json m8 = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 20 -c sata.lif.membrane_bits=8", "m8");
  EXPECT_LT(table_cell(m8, "area_by_module", "sata.lif", "area_um2"), table_cell(m32, "area_by_module", "sata.lif", "area_um2"));
  EXPECT_LT(table_cell(m8, "energy_by_component", "lif", "energy_uj"), table_cell(m32, "energy_by_component", "lif", "energy_uj"));
  // 1-byte membranes: less DRAM traffic than 4-byte ones.
  EXPECT_LT(table_cell(m8, "energy_by_component", "dram", "energy_uj"), table_cell(m32, "energy_by_component", "dram", "energy_uj"));
}

TEST(LifSharing, LifAreaIsTheSumOfItsPartsForC1C2C4) {
  // One circuit's parts, FACTS.md s1 (SATA_Sim hw_kernels.py areas, um^2): 16-bit subtractor
  // (adder kernel) 45.024, 16-bit comparator 32.424, 4-bit threshold register 17.47, and the
  // 32-bit membrane register (sata.yaml's membrane_bits) 136.08 (tech table membrane_reg_32b).
  // Under C#n every part is shared (hw/neuron/lif.md), so 128 / n circuits.
  const double circuit = 45.024 + 32.424 + 17.47 + 136.08;
  double area[3];
  const int shares[3] = {1, 2, 4};
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(shares[i]);
    const Json j = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 1 -c sata.lif.kind=lif.shared "
                            "-c sata.lif.share=" + n, "parts" + n);
    area[i] = table_cell(j, "area_by_module", "sata.lif", "area_um2");
    EXPECT_NEAR(area[i], 128 / shares[i] * circuit, 1e-6) << "C#" << n;
  }
  EXPECT_NEAR(area[0] / area[1], 2.0, 1e-12);  // no part of the circuit stays per channel
  EXPECT_NEAR(area[0] / area[2], 4.0, 1e-12);
}
