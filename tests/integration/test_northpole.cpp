// The NorthPole platform (issue #20): the fmnist ANN (8 and 4 bit) and SNN bundles bit for
// bit; per-core cycles of the run against the closed form from the bundle's shapes; the model
// NoC's byte-hops against the placement in the report; batch throughput = 1 / slowest stage;
// a network that does not fit is a one-line error with the layer and the bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "hw/northpole/plan.h"
#include "tests/cli.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {
const std::string kNp = "run platforms/northpole/northpole.yaml";
uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

double stat(const Json& j, const std::string& module, const std::string& name) {
  for (const auto& r : j.get_child("tables.stats"))
    if (r.second.get<std::string>("module") == module && r.second.get<std::string>("statistic") == name)
      return std::stod(r.second.get<std::string>("value"));
  throw std::runtime_error("no statistic " + module + " " + name);
}
}  // namespace

TEST(NorthPole, FmnistAnnAndSnnBundlesAreBitExact) {
  for (const char* tr : {"fmnist_ann8", "fmnist_ann4", "fmnist_snn"}) {
    const Json j = run_json(kNp + " --trace traces/" + tr + " --samples 30", std::string("np_") + tr);
    EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0.0) << tr;
    EXPECT_GT(summary(j, "accuracy_pct"), 80.0) << tr;
    EXPECT_GT(summary(j, "frames_per_s"), 0.0);
  }
}

TEST(NorthPole, PerCoreCyclesFollowTheClosedFormOfTheShapes) {
  const bundle b = read_bundle(source_dir() + "/traces/fmnist_ann8");
  const Json j = run_json(kNp + " --trace traces/fmnist_ann8 --samples 2", "np_cycles");
  const auto kc = column(j, "layers", "kc"), sp = column(j, "layers", "sp"), ic = column(j, "layers", "ic");
  const auto cyc = column(j, "layers", "cycles"), bits = column(j, "layers", "bits");
  // Descriptors: conv1, pool1, conv2, pool2, fc (the flatten moves no data).
  const std::vector<size_t> layer = {0, 1, 2, 3, 5};
  ASSERT_EQ(cyc.size(), layer.size());
  for (size_t d = 0; d < layer.size(); ++d) {
    const auto& L = b.layers[layer[d]];
    const uint64_t K = uint64_t(L.is_compute() ? L.out_channels : L.out_shape.c), H = uint64_t(L.out_shape.h),
                   W = uint64_t(L.out_shape.w);
    const uint64_t Kc = cdiv(K, uint64_t(kc[d])), rows = cdiv(H, uint64_t(sp[d]));
    const uint64_t outputs = Kc * rows * W;
    uint64_t vmm = 0, vec = 0;
    if (L.is_compute()) {
      const bool lin = L.type == layer_type::linear;
      const uint64_t C = uint64_t(L.in_shape.c), taps = lin ? uint64_t(L.in_shape.h) * L.in_shape.w : uint64_t(L.kernel) * L.kernel;
      const uint64_t macs = Kc * cdiv(C, uint64_t(ic[d])) * taps * rows * W;
      vmm = cdiv(macs, bits[d] == 8 ? 2048 : bits[d] == 4 ? 4096 : 8192);
      vec = cdiv(outputs * (L.fires() ? 4 : 0), 256);  // ReLU + requantize: 4 vector ops
    } else {
      vec = cdiv(outputs * uint64_t(L.kernel) * L.kernel, 256);  // one op per window element
    }
    EXPECT_EQ(cyc[d], double(std::max(vmm, vec))) << "descriptor " << d;
  }
  // The 8-bit image and int8 weights: every compute layer in the 8-bit mode.
  EXPECT_EQ(bits[0], 8.0);
}

TEST(NorthPole, ModelNocByteHopsMatchThePlacementInTheReport) {
  const Json j = run_json(kNp + " --trace traces/fmnist_ann8 --samples 1", "np_noc");
  const auto x = column(j, "layers", "x"), y = column(j, "layers", "y"), w = column(j, "layers", "w"), h = column(j, "layers", "h");
  const auto kc = column(j, "layers", "kc"), sp = column(j, "layers", "sp"), ic = column(j, "layers", "ic");
  const bundle b = read_bundle(source_dir() + "/traces/fmnist_ann8");
  // Weights enter at the frame buffer's port, one hop above core (0, 0); each core of a layer
  // receives its weight slice: ceil(K / kc) x ceil(C / ic) x taps bytes (8 bit).
  const std::vector<size_t> layer = {0, 1, 2, 3, 5};
  double expect = 0, bytes = 0;
  for (size_t d = 0; d < layer.size(); ++d) {
    const auto& L = b.layers[layer[d]];
    if (!L.is_compute()) continue;
    const bool lin = L.type == layer_type::linear;
    const uint64_t taps = lin ? uint64_t(L.in_shape.h) * L.in_shape.w : uint64_t(L.kernel) * L.kernel;
    const double slice = double(cdiv(uint64_t(L.out_channels), uint64_t(kc[d])) * cdiv(uint64_t(L.in_shape.c), uint64_t(ic[d])) * taps);
    const int cores = int(kc[d] * sp[d] * ic[d]);
    for (int q = 0; q < cores; ++q) {
      const int cx = int(x[d]) + q % int(w[d]), cy = int(y[d]) + q / int(w[d]);
      expect += slice * (std::abs(cx - 0) + std::abs(cy + 1));
    }
    bytes += slice * cores;
  }
  EXPECT_NEAR(stat(j, "northpole.noc_model", "byte_hops"), expect, 1e-6 * expect);
  EXPECT_EQ(stat(j, "northpole.noc_model", "bytes"), bytes);
  // No layer is split over input channels: nothing on the partial-sum NoC.
  EXPECT_EQ(stat(j, "northpole.noc_psum", "bytes"), 0.0);
}

TEST(NorthPole, BatchThroughputIsOneOverTheSlowestStage) {
  for (const char* tr : {"fmnist_ann4", "fmnist_snn"}) {
    const Json j = run_json(kNp + " --trace traces/" + tr + " --samples 1 -c northpole.batch=16", std::string("np_batch_") + tr);
    const auto st = column(j, "layers", "stage_us");
    const double slow = *std::max_element(st.begin(), st.end()), sum = std::accumulate(st.begin(), st.end(), 0.0);
    const double T = j.get<double>("run.timesteps");
    EXPECT_NEAR(summary(j, "steady_frames_per_s"), 1e6 / (slow * T), 1e-9 * 1e6 / (slow * T));
    // 16 frames of T passes each: the pipeline fills once, then one slowest stage per pass.
    const double batch = sum + (16 * T - 1) * slow;
    EXPECT_NEAR(summary(j, "batch_latency_us"), batch, 1e-9 * batch);
    EXPECT_NEAR(summary(j, "batch_frames_per_s"), 16e6 / batch, 1e-9 * 16e6 / batch);
    EXPECT_GT(summary(j, "batch_frames_per_s"), summary(j, "frames_per_s"));
  }
}

TEST(NorthPole, ANetworkThatDoesNotFitIsAOneLineError) {
  const std::string out = scratch("np_nofit") + "/r.json";
  const CliResult r = cli(kNp + " --trace traces/fmnist_ann8 --samples 1 --json " + out +
                          " -c northpole.core.grid_width=2 -c northpole.core.grid_height=2 -c northpole.core_memory.banks=4"
                          " -c northpole.core_memory.bank_kb=2");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("does not fit"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("short by"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bytes"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  const CliResult b = cli(kNp + " --trace traces/fmnist_ann8 --samples 1 -c northpole.core_memory.banks=8");
  EXPECT_EQ(b.code, 1);
  EXPECT_NE(b.err.find("northpole.core_memory.banks: expected one bank per core (256"), std::string::npos) << b.err;
  const CliResult c = cli(kNp + " --trace traces/fmnist_ann8 --samples 1 -c northpole.ctrl.weight_bits=3");
  EXPECT_EQ(c.code, 1);
  EXPECT_NE(c.err.find("northpole.ctrl.weight_bits: expected 0, 2, 4 or 8, got 3"), std::string::npos) << c.err;
}

// Time-multiplexed weights (northpole.md): the fmnist ANN8 on a 2 x 2 chip of 16 KB cores
// (the network does not fit) runs in two segments, bit-exact; the reload's bytes, time and
// energy per frame and the latencies, by hand from the trace's weight shapes, the placement
// and the tech tables.
TEST(NorthPole, TimeMultiplexedWeightsAreReloadedEveryFrame) {
  const std::string chip = " -c northpole.core.grid_width=2 -c northpole.core.grid_height=2 -c northpole.core_memory.banks=4"
                           " -c northpole.core_memory.bank_kb=16 -c northpole.ctrl.spread=false";
  // Without time_multiplex the network is refused, in one line naming the layer and the bytes.
  const CliResult no = cli(kNp + " --trace traces/fmnist_ann8 --samples 1" + chip);
  EXPECT_EQ(no.code, 1);
  EXPECT_EQ(std::count(no.err.begin(), no.err.end(), '\n'), 1) << no.err;
  EXPECT_NE(no.err.find("layer L4.linear does not fit"), std::string::npos) << no.err;
  // 4 cores hold layers 0-3 (two rows of two); the linear layer needs 2 more of 16384 bytes.
  EXPECT_NE(no.err.find("it needs 2 cores (32768 bytes of core memory), 0 cores are left after the layers before it (short by "
                        "32768 bytes) (time_multiplex: true reloads"),
            std::string::npos)
      << no.err;

  const Json ref = run_json(kNp + " --trace traces/fmnist_ann8 --samples 2", "np_tm_ref");
  const Json j = run_json(kNp + " --trace traces/fmnist_ann8 --samples 2 -c northpole.ctrl.time_multiplex=true" + chip, "np_tm");
  EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0);
  EXPECT_EQ(column(j, "samples", "prediction"), column(ref, "samples", "prediction"));
  // Segments: conv1, pool, conv2, pool fit the 4 cores together, the linear layer (2 cores of
  // 7840 weight bytes) does not fit beside them. Placement: conv1 on core (0, 0), conv2 on
  // (0, 1), the linear layer on (0, 0) and (1, 0).
  EXPECT_EQ(summary(j, "segments"), 2);
  EXPECT_EQ(column(j, "layers", "segment"), (std::vector<double>{0, 0, 0, 0, 1}));
  EXPECT_EQ(column(j, "layers", "x"), (std::vector<double>{0, 1, 0, 1, 0}));
  EXPECT_EQ(column(j, "layers", "y"), (std::vector<double>{0, 0, 1, 1, 0}));
  EXPECT_EQ(column(j, "layers", "kc"), (std::vector<double>{1, 1, 1, 1, 2}));
  // Weights (int8, one byte each): conv1 16x1x3x3 = 144, conv2 32x16x3x3 = 4608, fc 10x1568 =
  // 15680 in two slices of 7840. Every frame reloads both segments.
  const double seg0 = 144 + 4608, seg1 = 15680;
  EXPECT_EQ(summary(j, "reload_bytes"), seg0 + seg1);
  // Time: bytes / 7.88 GB/s (offchip_gbps) = ns.
  EXPECT_NEAR(summary(j, "reload_time_us"), (seg0 + seg1) / 7.88 * 1e-3, 1e-12);
  // Energy per frame, per slice: off-chip reads of 64-B bursts (dram_ddr4_2400 read 4494.202 pJ,
  // platforms/tech/dram.yaml), the frame buffer written and read (21.07 pJ per 8-B word), the
  // core memory written (4.214 pJ per word), the model NoC from the frame buffer's port one hop
  // above core (0, 0): per-core weight bytes x hops x 8 bits x 0.0363 pJ (northpole_12nm.yaml).
  const double bursts = 3 + 72 + 2 * 123;           // ceil(144/64), ceil(4608/64), 2 x ceil(7840/64)
  const double words = 18 + 576 + 2 * 980;          // per slice, bytes / 8
  const double byte_hops = 144 * 1 + 4608 * 2 + 7840 * (1 + 2);
  const double pj = bursts * 4494.202 + words * (2 * 21.07 + 4.214) + byte_hops * 8 * 0.0363;
  EXPECT_NEAR(summary(j, "reload_energy_uj"), pj * 1e-6, 1e-9);
  EXPECT_NEAR(table_cell(j, "energy_by_component", "offchip", "dynamic_uj"), bursts * 4494.202 * 1e-6, 1e-9);
  // Latency: per segment its reload, then its layer pipeline (stage times from the report).
  const auto st = column(j, "layers", "stage_us");
  const double r0 = seg0 / 7.88 * 1e-3, r1 = seg1 / 7.88 * 1e-3, s0 = st[0] + st[1] + st[2] + st[3];
  const double max0 = std::max({st[0], st[1], st[2], st[3]});
  EXPECT_NEAR(summary(j, "pipeline_latency_us"), r0 + s0 + r1 + st[4], 1e-9);
  // Batch 32: each segment reloaded once, then 32 passes through its pipeline.
  EXPECT_NEAR(summary(j, "batch_latency_us"), r0 + s0 + 31 * max0 + r1 + 32 * st[4], 1e-9);
  EXPECT_GE(summary(j, "latency_us"), summary(j, "pipeline_latency_us"));

  // The SNN twin (T = 4): bit-exact; segment by segment, all 4 timesteps of a segment before
  // the next: per segment its reload + its stages + 3 x its slowest stage.
  const Json n = run_json(kNp + " --trace traces/fmnist_snn --samples 2 -c northpole.ctrl.time_multiplex=true" + chip, "np_tm_snn");
  EXPECT_EQ(summary(n, "reference_mismatch_samples"), 0);
  const auto seg = column(n, "layers", "segment"), sst = column(n, "layers", "stage_us");
  const double wbytes[5] = {144, 0, 4608, 0, 15680};
  std::vector<double> reload(5, 0), sum(5, 0), slow(5, 0);
  for (size_t i = 0; i < 5; ++i) {
    const size_t k = size_t(seg[i]);
    reload[k] += wbytes[i] / 7.88 * 1e-3;
    sum[k] += sst[i];
    slow[k] = std::max(slow[k], sst[i]);
  }
  double expect = 0;
  for (size_t k = 0; k <= size_t(seg[4]); ++k) expect += reload[k] + sum[k] + 3 * slow[k];
  EXPECT_GE(seg[4], 1);
  EXPECT_NEAR(summary(n, "pipeline_latency_us"), expect, 1e-9);
  EXPECT_EQ(summary(n, "reload_bytes"), seg0 + seg1);
}
