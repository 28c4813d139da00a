// ANN mode on SATA (issue #10): the same arrays with multiply-accumulate PEs and ReLU units run
// the functional ANN bundles bit for bit; the first layer's timing and MAC count follow from
// the shapes and the input images; workload traces convert with --ann; bad requests fail.
#include <gtest/gtest.h>

#include "tests/cli.h"
#include "hw/compute/scalesim.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::test;

TEST(SataAnn, Ann8AndAnn4BundlesAreBitExactUnderEveryDataflow) {
  for (const char* tr : {"fmnist_ann8", "fmnist_ann4"}) {
    for (const char* cfg : {"sata.yaml", "sata_tick_batch.yaml"}) {
      const Json j = run_json("run " + std::string("platforms/sata/") + cfg + " --trace traces/" + tr + " --samples 40",
                              std::string("ann_") + tr + cfg);
      EXPECT_EQ(j.get<std::string>("run.network"), "ann") << tr;
      EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0.0) << tr << " " << cfg;
      EXPECT_EQ(summary(j, "average_timesteps"), 1.0);
    }
    const Json ws = run_json("run " + std::string("platforms/sata/sata.yaml -c sata.dataflow.kind=dataflow.ws --trace traces/") +
                                 tr + " --samples 20",
                             std::string("ann_ws_") + tr);
    EXPECT_EQ(summary(ws, "reference_mismatch_samples"), 0.0) << tr;
  }
}

TEST(SataAnn, FirstLayerCyclesAndMacsFollowFromShapesAndImages) {
  const int n = 10;
  const bundle b = read_bundle(source_dir() + "/traces/fmnist_ann8");
  const Json j = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_ann8 --samples " + std::to_string(n), "ann_l0");
  const layer& L = b.layers[0];
  ASSERT_EQ(L.type, layer_type::conv2d);
  // SCALE-Sim output-stationary closed form with one element per PE step (a MAC PE takes the
  // whole 8-bit pixel; the SNN streams 8 bit planes): folds x (R + C + W - 2) - 1.
  const uint64_t R = 16, C = 8, W = uint64_t(L.in_shape.c) * L.kernel * L.kernel;
  const uint64_t npx = uint64_t(L.out_shape.h) * L.out_shape.w, K = uint64_t(L.out_channels);
  const uint64_t folds = ((npx + R - 1) / R) * ((K + C - 1) / C);
  EXPECT_EQ(column(j, "layers", "compute_cycles")[0], double(folds * (R + C + W - 2) - 1));
  // MACs: every non-zero pixel times the output positions its taps reach, times K.
  uint64_t macs = 0;
  const int H = L.in_shape.h, Wd = L.in_shape.w, k = L.kernel, p = L.padding;
  for (int s = 0; s < n; ++s) {
    const auto img = b.input(s);
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < Wd; ++x) {
        if (!img[size_t(y) * Wd + x]) continue;
        for (int ky = 0; ky < k; ++ky)
          for (int kx = 0; kx < k; ++kx) {
            const int oy = y + p - ky, ox = x + p - kx;  // stride 1
            if (oy >= 0 && ox >= 0 && oy < L.out_shape.h && ox < L.out_shape.w) macs += K;
          }
      }
  }
  EXPECT_DOUBLE_EQ(column(j, "layers", "accumulates")[0], double(macs) / n);
}

TEST(SataAnn, AnnHardwareIsTheMacArrayAndReluUnits) {
  const Json snn = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 2", "ann_hw_snn");
  const Json ann = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_ann8 --samples 2", "ann_hw_ann");
  // Area: 128 PEs of pe_acc (90.216 um^2) become pe_mac (214.536); 128 LIF circuits (94.918)
  // with 32-bit membranes (136.08) become ReLU units (66.694) (platforms/tech/sata_28nm.yaml).
  const double d_pe = 128 * (214.536 - 90.216), d_neuron = 128 * (66.694 - (94.918 + 136.08));
  EXPECT_NEAR(1e6 * (summary(ann, "area_mm2") - summary(snn, "area_mm2")), d_pe + d_neuron, 1e-6);
}

TEST(SataAnn, WorkloadsConvertWithAnnAndTheFlopEstimateIsReported) {
  const Json snn = run_json("run platforms/sata/sata.yaml --trace traces/workloads/vgg9_cifar10", "ann_w_snn");
  const Json ann = run_json("run platforms/sata/sata.yaml --trace traces/workloads/vgg9_cifar10 --ann 4", "ann_w_ann");
  EXPECT_EQ(ann.get<std::string>("run.network"), "ann");
  EXPECT_EQ(ann.get<double>("run.activation_bits"), 4.0);
  EXPECT_EQ(ann.get<double>("run.timesteps"), 1.0);
  // FLOP estimate: the same dense MACs for both; the ANN's = MACs x 4.6 pJ.
  const bundle b = read_bundle(source_dir() + "/traces/workloads/vgg9_cifar10");
  uint64_t macs = 0;
  for (const auto& L : b.layers)
    if (L.is_compute()) macs += L.dense_macs();
  EXPECT_EQ(ann.get<double>("flop_estimate.dense_macs"), double(macs));
  EXPECT_EQ(snn.get<double>("flop_estimate.dense_macs"), double(macs));
  EXPECT_NEAR(ann.get<double>("flop_estimate.flop_energy_uj"), double(macs) * 4.6e-6, 1e-9 * double(macs));
  EXPECT_NEAR(ann.get<double>("flop_estimate.modelled_over_flop") * ann.get<double>("flop_estimate.flop_energy_uj"),
              summary(ann, "energy_uj"), 1e-12 * summary(ann, "energy_uj"));
  // SNN: counted ACs x 0.9 pJ + the direct-coded first layer as MACs x T x 4.6 pJ.
  const double acs = snn.get<double>("flop_estimate.counted_acs");
  const double first = double(b.layers[0].dense_macs()) * b.timesteps * 4.6;
  EXPECT_NEAR(snn.get<double>("flop_estimate.flop_energy_uj"), (acs * 0.9 + first) * 1e-6, 1e-6);
}

TEST(SataAnn, BadAnnRequestsFailWithOneLine) {
  // A functional SNN runs as the ANN workload of its measured spike rates (issue 18); the
  // number of samples measured must be within the bundle.
  CliResult r = cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn --ann 8 --samples 1 -c run.ann_rate_samples=0");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("run.ann_rate_samples"), std::string::npos) << r.err;
  r = cli("run platforms/sata/sata.yaml --trace traces/workloads/vgg9_cifar10 --ann 9");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("run.ann_bits"), std::string::npos) << r.err;
  r = cli("run platforms/sata/sata.yaml --trace traces/fmnist_ann8 -c run.network=snn --samples 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("run.network: expected ann for the ANN trace fmnist_ann8, got snn"), std::string::npos) << r.err;
}
