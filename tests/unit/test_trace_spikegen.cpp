// Seeded spike generator of workload traces: the splitmix64 reference value, determinism,
// exact spike counts, uniform positions, and the bundle helper.
#include "tests/helpers.h"
#include "tlm/error.h"
#include "traces/src/spikegen.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>

namespace fs = std::filesystem;
using namespace spiketlm;

TEST(TraceSpikegen, Splitmix64ReferenceValues) {
  // The first outputs of the published splitmix64 generator seeded with 0 (Vigna).
  EXPECT_EQ(arith::splitmix64_mix(0), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(arith::splitmix64_mix(0x9E3779B97F4A7C15ULL), 0x6E789E6AA1B965F4ULL);
}

TEST(TraceSpikegen, DeterministicAndDistinct) {
  const auto a = generate_spikes(42, 3, 1, 0.2, 4096);
  EXPECT_EQ(a, generate_spikes(42, 3, 1, 0.2, 4096));
  EXPECT_NE(a, generate_spikes(43, 3, 1, 0.2, 4096));  // seed
  EXPECT_NE(a, generate_spikes(42, 4, 1, 0.2, 4096));  // layer
  EXPECT_NE(a, generate_spikes(42, 3, 2, 0.2, 4096));  // timestep
  EXPECT_NE(a, generate_spikes(42, 3, 1, 0.2, 4096, 1));  // sample
}

TEST(TraceSpikegen, ExactCount) {
  const double rates[] = {0.0, 0.05, 0.123, 0.5, 0.9999, 1.0};
  const int want[] = {0, 50, 123, 500, 1000, 1000};
  for (int i = 0; i < 6; ++i) {
    const auto s = generate_spikes(7, 0, 0, rates[i], 1000);
    EXPECT_EQ(std::accumulate(s.begin(), s.end(), 0), want[i]) << rates[i];
  }
  // round half away from zero: 0.0125 * 200 = 2.5 -> 3
  const auto s = generate_spikes(7, 0, 0, 0.0125, 200);
  EXPECT_EQ(std::accumulate(s.begin(), s.end(), 0), 3);
  EXPECT_EQ(error_text(std::runtime_error("x")), "x");
  try {
    generate_spikes(7, 0, 0, 1.5, 10);
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_EQ(error_text(e), "spiketlm/trace: spike generator: rate: expected a value in [0, 1], got 1.500000");
  }
}

TEST(TraceSpikegen, PositionsAreUniform) {
  // 2000 maps of 64 neurons at rate 0.25: each position fires 500 times on average, standard
  // deviation sqrt(2000 * 0.25 * 0.75 * 48/63) ~ 17; every count within 6 sigma, and the
  // first and second half of the map equally often.
  std::vector<int> hits(64, 0);
  for (int t = 0; t < 2000; ++t) {
    const auto s = generate_spikes(1, 0, t, 0.25, 64);
    for (int i = 0; i < 64; ++i) hits[static_cast<std::size_t>(i)] += s[static_cast<std::size_t>(i)];
  }
  for (int h : hits) {
    EXPECT_GT(h, 500 - 100);
    EXPECT_LT(h, 500 + 100);
  }
  const int first = std::accumulate(hits.begin(), hits.begin() + 32, 0);
  EXPECT_EQ(std::accumulate(hits.begin(), hits.end(), 0), 2000 * 16);
  EXPECT_NEAR(first, 16000, 600);
}

TEST(TraceSpikegen, WorkloadBundleHelper) {
  const fs::path d = fs::temp_directory_path() / ("spiketlm_wl_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  std::ofstream(d / "trace.yaml") << R"(format: spiketlm-trace
version: 1
kind: workload
name: tiny
timesteps: 2
classes: 10
input: {shape: [3, 8, 8], encoding: direct}
spike_rates: {source: "test", seed: 5}
layers:
  - {name: c1, type: conv2d, in_channels: 3, out_channels: 8, kernel: 3, padding: 1, neuron: {model: lif}}
  - {name: p1, type: maxpool2d, kernel: 2}
  - {name: c2, type: conv2d, in_channels: 8, out_channels: 8, kernel: 3, padding: 1, input_rate: [0.25, 0.125], neuron: none}
  - {name: sc, type: conv2d, input: p1, in_channels: 8, out_channels: 8, kernel: 1, input_rate: 0.5, neuron: none}
  - {name: add, type: add, inputs: [c2, sc], neuron: {share: 2}}
  - {name: f, type: flatten}
  - {name: fc, type: linear, in_features: 128, out_features: 10, input_rate: 0.1, neuron: none}
)";
  const bundle b = read_bundle(d.string());
  EXPECT_EQ(b.kind, "workload");
  EXPECT_EQ(b.seed, 5u);
  EXPECT_EQ(b.layers[2].in_shape, (tensor_shape{8, 4, 4}));
  EXPECT_EQ(b.layers[3].in_shape, (tensor_shape{8, 4, 4}));
  EXPECT_EQ(b.layers[4].out_shape, (tensor_shape{8, 4, 4}));
  EXPECT_EQ(b.layers[4].neuron->share, 2);
  EXPECT_TRUE(b.layers[0].input_rate.empty());
  EXPECT_EQ(b.layers[3].input_rate, (std::vector<double>{0.5, 0.5}));
  const auto s0 = workload_spikes(b, 2, 0), s1 = workload_spikes(b, 2, 1);
  EXPECT_EQ(std::accumulate(s0.begin(), s0.end(), 0), 32);  // 0.25 * 128
  EXPECT_EQ(std::accumulate(s1.begin(), s1.end(), 0), 16);
  EXPECT_EQ(s0, generate_spikes(5, 2, 0, 0.25, 128));
  try {
    workload_spikes(b, 0, 0);
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_EQ(error_text(e), "spiketlm/trace: " + d.string() +
                                 ": layers[0].input_rate: expected a spike rate, got none (c1 has no spike input)");
  }
  // A spike-input layer without rate is a reader error.
  std::string y;
  {
    std::ifstream f(d / "trace.yaml");
    y.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  const auto p = y.find(", input_rate: 0.1");
  y.erase(p, std::string(", input_rate: 0.1").size());
  std::ofstream(d / "trace.yaml") << y;
  try {
    read_bundle(d.string());
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_EQ(error_text(e), "spiketlm/trace: " + (d / "trace.yaml").string() + ": layers[6].input_rate: missing (required)");
  }
  fs::remove_all(d);
}
