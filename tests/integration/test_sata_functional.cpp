// SATA on the bundled trained SNN: every sample's per-timestep outputs equal the reference
// (the golden model's) bit for bit under every dataflow, and the accuracy equals the golden
// model's, computed here.
#include <gtest/gtest.h>

#include "tests/cli.h"
#include "traces/src/golden.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {
void check_dataflow(const std::string& config, const std::string& extra) {
  const std::string bundle_dir = source_dir() + "/traces/fmnist_snn";
  const bundle b = read_bundle(bundle_dir);
  const golden::model m(b);
  const golden::evaluation ev = golden::evaluate(m, b.samples);
  ASSERT_EQ(ev.mismatched_samples, 0u);

  const std::string out = scratch("func") + "/r.json";
  const CliResult r = cli("run " + config + " --trace traces/fmnist_snn --samples " + std::to_string(b.samples) +
                          " --quiet --json " + out + " " + extra);
  ASSERT_EQ(r.code, 0) << r.err;
  const Json j = load_json(out);
  EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0.0);
  const auto acc = column(j, "accuracy", "accuracy_pct");
  ASSERT_EQ(acc.size(), size_t(b.timesteps));
  for (int t = 0; t < b.timesteps; ++t) EXPECT_NEAR(acc[size_t(t)], 100.0 * ev.accuracy[size_t(t)], 1e-9) << "t=" << t;
}
}  // namespace

TEST(SataFunctional, OutputStationaryEqualsGoldenOnAllSamples) { check_dataflow("platforms/sata/sata.yaml", ""); }
TEST(SataFunctional, WeightStationaryEqualsGoldenOnAllSamples) {
  check_dataflow("platforms/sata/sata.yaml", "-c sata.dataflow.kind=dataflow.ws");
}
TEST(SataFunctional, TickBatchEqualsGoldenOnAllSamples) { check_dataflow("platforms/sata/sata_tick_batch.yaml", ""); }
TEST(SataFunctional, SkipZeroCyclesChangesTimingNotResults) {
  check_dataflow("platforms/sata/sata.yaml", "-c sata.pe_array.skip_zero_cycles=true");
}

TEST(SataFunctional, TickBatchHasIdenticalOutputsAndMovesFewerBytes) {
  const std::string o1 = scratch("fos") + "/r.json", o2 = scratch("ftb") + "/r.json";
  ASSERT_EQ(cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 20 --quiet --json " + o1).code, 0);
  ASSERT_EQ(cli("run platforms/sata/sata_tick_batch.yaml --trace traces/fmnist_snn --samples 20 --quiet --json " + o2).code, 0);
  const Json os = load_json(o1), tb = load_json(o2);
  EXPECT_EQ(summary(os, "reference_mismatch_samples"), 0.0);
  EXPECT_EQ(summary(tb, "reference_mismatch_samples"), 0.0);
  // The same spikes are produced, layer by layer.
  EXPECT_EQ(column(os, "layers", "spikes_out"), column(tb, "layers", "spikes_out"));
  double od = 0, td = 0, og = 0, tg = 0;
  for (double v : column(os, "layers", "dram_bytes")) od += v;
  for (double v : column(tb, "layers", "dram_bytes")) td += v;
  for (double v : column(os, "layers", "glb_bytes")) og += v;
  for (double v : column(tb, "layers", "glb_bytes")) tg += v;
  EXPECT_LT(td, od);
  EXPECT_LT(tg, og);
}

TEST(SataFunctional, SkipZeroCyclesIsFasterOnSparseSpikes) {
  const std::string o1 = scratch("sz0") + "/r.json", o2 = scratch("sz1") + "/r.json";
  ASSERT_EQ(cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 5 --quiet --json " + o1).code, 0);
  ASSERT_EQ(cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 5 --quiet --json " + o2 +
                " -c sata.pe_array.skip_zero_cycles=true").code, 0);
  const auto dense = column(load_json(o1), "layers", "compute_cycles");
  const auto sparse = column(load_json(o2), "layers", "compute_cycles");
  ASSERT_EQ(dense.size(), sparse.size());
  double d = 0, s = 0;
  for (size_t i = 0; i < dense.size(); ++i) {
    EXPECT_LE(sparse[i], dense[i]) << "layer " << i;
    d += dense[i];
    s += sparse[i];
  }
  EXPECT_LT(s, d);
}
