// DRAM fit of a bundle, checked at elaboration (platforms/dram_fit.md), and the firmware's
// allocator reserving DRAM before building a host buffer of the same size.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "platforms/dram_fit.h"
#include "sw/fw/runtime.h"
#include "sw/hal/hal.h"
#include "tests/cli.h"
#include "sw/hal/null_hal.h"
#include "tests/helpers.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {
// NullHal (sw/hal/null_hal.h): the layout, not the bytes, is under test.

// A workload bundle: spike input [1,1,1], T = 2, fc1 linear 1 -> `wide` (LIF), fc2 wide -> 10
// (no neuron).
std::string two_layer_bundle(const std::string& tag, long long wide) {
  const std::string dir = scratch(tag);
  std::ofstream(dir + "/trace.yaml")
      << "format: spiketlm-trace\nversion: 1\nkind: workload\nname: " << tag
      << "\ntimesteps: 2\nclasses: 10\ninput: {shape: [1, 1, 1], encoding: spikes}\n"
         "spike_rates: {source: test, seed: 1}\nlayers:\n"
         "  - {name: fc1, type: linear, in_features: 1, out_features: "
      << wide << ", input_rate: 0.5, neuron: {model: lif, share: 1}}\n"
      << "  - {name: fc2, type: linear, in_features: " << wide
      << ", out_features: 10, input_rate: 0.1, neuron: none}\n";
  return dir;
}

FirmwareTarget target(int pe_cols, int membrane_bytes, uint64_t dram_size) {
  FirmwareTarget t;
  t.dram_size = dram_size;
  t.pe_cols = pe_cols;
  t.membrane_bytes = membrane_bytes;
  return t;
}
}  // namespace

TEST(DramFit, LayerBytesCountedByHand) {
  const bundle b = read_bundle(two_layer_bundle("dramfit_hand", 16));
  const FirmwareTarget t = target(8, 4, 1 << 20);
  // fc1: network input 1 bit x T=2 -> 2 B; its generated input maps 2 B; weights 2 tiles x 8
  // cols x 1 = 16 B; fixed point 16 x 8 = 128 B; membranes 16 x 4 = 64 B; output spikes 16
  // bits = 2 B x 2 = 4 B. Total 216.
  EXPECT_EQ(dram_bytes_of_layer(b, 0, t), 216u);
  // fc2: generated input 16 bits = 2 B x 2 = 4 B; weights ceil(10/8) = 2 tiles x 8 x 16 = 256 B;
  // no neuron; int32 accumulations 10 x 4 x 2 = 80 B. Total 340.
  EXPECT_EQ(dram_bytes_of_layer(b, 1, t), 340u);
}

// The check must never refuse a network the firmware can lay out: for every shipped bundle
// and three platform shapes, the bound is at most what Runtime::load uses, and not vacuous.
TEST(DramFit, LowerBoundOfTheFirmwaresLayoutOnEveryShippedBundle) {
  const std::vector<std::string> dirs = {"fmnist_snn", "fmnist_snn_c4", "fmnist_ann8", "workloads/vgg9_cifar10",
                                         "workloads/resnet18_tinyimagenet", "workloads/red_1mpx",
                                         "workloads/sew_resnet_dvsgesture"};
  for (const auto& d : dirs) {
    const bundle b = read_bundle(source_dir() + "/traces/" + d);
    for (const auto& [cols, mem] : std::vector<std::pair<int, int>>{{8, 4}, {64, 1}, {1, 2}}) {
      const FirmwareTarget t = target(cols, mem, uint64_t(1) << 40);
      uint64_t bound = 0;
      for (size_t li = 0; li < b.layers.size(); ++li) bound += dram_bytes_of_layer(b, li, t);
      NullHal hal;
      Runtime rt(hal, b, t);
      rt.load();
      SCOPED_TRACE(d + " pe_cols " + std::to_string(cols));
      EXPECT_LE(bound, rt.dram_used());
      EXPECT_GE(double(bound), 0.5 * double(rt.dram_used()));
    }
  }
}

TEST(DramFit, ProductsSaturateInsteadOfWrapping) {
  // A conv of 2^20 channels on a 2^20 x 2^20 input, T = 65536: 2^57 bytes of output spikes per
  // timestep, 2^73 in all (then two pools and a linear layer down to the 10 classes).
  const std::string dir = scratch("dramfit_sat");
  std::ofstream(dir + "/trace.yaml")
      << "format: spiketlm-trace\nversion: 1\nkind: workload\nname: sat\ntimesteps: 65536\nclasses: 10\n"
         "input: {shape: [1, 1048576, 1048576], encoding: spikes}\nspike_rates: {source: test, seed: 1}\nlayers:\n"
         "  - {name: c1, type: conv2d, in_channels: 1, out_channels: 1048576, kernel: 1, input_rate: 0.5, "
         "neuron: {model: lif, share: 1}}\n"
         "  - {name: p1, type: maxpool2d, kernel: 1024, stride: 1024}\n"
         "  - {name: p2, type: maxpool2d, kernel: 1024, stride: 1024}\n"
         "  - {name: fc, type: linear, in_features: 1048576, out_features: 10, input_rate: 0.1, neuron: none}\n";
  const bundle b = read_bundle(dir);
  EXPECT_EQ(dram_bytes_of_layer(b, 0, target(8, 4, 1)), UINT64_MAX);
  EXPECT_NE(error_of([&] { check_dram_fit(b, target(8, 4, uint64_t(1) << 62), "x.dram"); })
                .find("got a layer of over 2^64 B (over 2^64 B with the layers before it)"),
            std::string::npos);
}

// A platform (a plugin) that hands the firmware no weight-tile width or no membrane size is
// refused in one line before any layout divides by it.
TEST(DramFit, ATargetWithoutColumnsOrMembraneBytesIsRefused) {
  const bundle b = read_bundle(source_dir() + "/traces/fmnist_snn");
  FirmwareTarget t = target(8, 4, uint64_t(1) << 30);
  t.pe_cols = 0;
  EXPECT_EQ(error_of([&] { check_dram_fit(b, t, "p.dram"); }),
            "spiketlm/platform: p.dram: the platform's FirmwareTarget (attach_host): expected pe_cols >= 1 and "
            "membrane_bytes 1..8, got pe_cols 0, membrane_bytes 4");
  t = target(8, 0, uint64_t(1) << 30);
  EXPECT_NE(error_of([&] { check_dram_fit(b, t, "p.dram"); }).find("got pe_cols 8, membrane_bytes 0"), std::string::npos);
  t = target(8, 9, uint64_t(1) << 30);
  EXPECT_NE(error_of([&] { check_dram_fit(b, t, "p.dram"); }).find("membrane_bytes 9"), std::string::npos);
  EXPECT_EQ(error_of([&] { check_dram_fit(b, target(8, 8, uint64_t(1) << 30), "p.dram"); }), "");
}

// The platforms refuse the bundle at elaboration, naming the file, layer and fields (before:
// 9-16 s and 1-1.9 GB of host buffers, then a message naming no layer, or std::bad_alloc).
TEST(DramFit, PlatformsRefuseAtElaborationNamingTheLayer) {
  const std::string dir = two_layer_bundle("dramfit_cli", 1000000000LL);
  // SATA (8 PE columns, 32-bit membranes): input 2 B + generated input 2 B + weights 1e9 B +
  // fixed point 8e9 B + membranes 4e9 B + output spikes 1.25e8 B x 2 = 13,250,000,004 B.
  const std::string layer = dir + "/trace.yaml: layers[0] (fc1): in_features 1, out_features 1000000000: "
                                  "expected a network whose weights, membranes and maps fit ";
  for (const std::string p : {"sata", "spikeflow", "northpole"}) {
    const CliResult r = cli("run platforms/" + p + "/" + p + ".yaml --trace " + dir + " --samples 1");
    EXPECT_EQ(r.code, 1) << p;
    EXPECT_EQ(r.out, "") << p;
    EXPECT_EQ(r.err.find("spiketlm: error: spiketlm/platform: " + layer), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(cli("run platforms/sata/sata.yaml --trace " + dir + " --samples 1").err,
            "spiketlm: error: spiketlm/platform: " + layer +
                "sata.dram (536870912 B), got a layer of 13250000004 B (13250000004 B with the layers before it)\n");
}

namespace {
// In a death test's child: the address space limited to what is mapped now plus 256 MB, then
// Runtime::load with a 512 MB DRAM; prints the error and exits 3 (0 if it loads).
void load_under_limit(const bundle& b) {
  long pages = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
    std::fclose(f);
  }
  const rlimit lim{rlim_t(pages) * rlim_t(sysconf(_SC_PAGESIZE)) + (rlim_t(256) << 20), RLIM_INFINITY};
  setrlimit(RLIMIT_AS, &lim);
  NullHal hal;
  Runtime rt(hal, b, target(8, 4, uint64_t(512) << 20));
  try {
    rt.load();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::_Exit(3);
  }
  std::_Exit(0);
}
}  // namespace

// Runtime::load reserves DRAM before it builds the host buffer of that size: with 256 MB of
// address space to spare, a 1 GB weight block fails as "does not fit", not as bad_alloc.
TEST(DramFit, FirmwareReservesDramBeforeTheHostBuffer) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "an address-space limit breaks the sanitizer's shadow memory";
#else
  const bundle b = read_bundle(two_layer_bundle("dramfit_rt", 1000000000LL));
  EXPECT_EXIT(load_under_limit(b), testing::ExitedWithCode(3), "the network does not fit in DRAM \\(536870912 B\\)");
#endif
}
