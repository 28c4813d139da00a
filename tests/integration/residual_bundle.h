// Test bundles with residual blocks (traces/FORMAT.md section 2.1), built from the shipped
// Fashion-MNIST bundles, and the check that a bundle runs bit-exactly on both platforms.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/cli.h"
#include "traces/src/trace.h"

namespace spiketlm::test {

inline layer conv_layer(const std::string& name, int cin, int cout, int k, int pad, std::vector<std::int8_t> w, float scale) {
  layer l;
  l.name = name;
  l.type = layer_type::conv2d;
  l.in_channels = cin;
  l.out_channels = cout;
  l.kernel = k;
  l.stride = 1;
  l.padding = pad;
  l.weight = std::move(w);
  l.weight_scale = {scale};
  return l;
}

// A shipped Fashion-MNIST bundle (conv1, pool1, conv2, pool2, flatten, fc) with a residual
// block after conv2: conv3 (3x3, 32 -> 32, no neuron, weights -1/0/1 from a fixed pattern,
// one in `sparse` non-zero) and add (conv3 + conv2's output) with neuron p, then pool2 on the
// add's output.
inline bundle residual_fmnist(const std::string& src, const neuron_params& p, int sparse) {
  bundle b = read_bundle(source_dir() + "/traces/" + src);
  const int i2 = b.layer_index("conv2");
  EXPECT_EQ(i2, 2);
  std::vector<std::int8_t> w(32 * 32 * 9);
  for (int k = 0; k < 32; ++k)
    for (int c = 0; c < 32; ++c)
      for (int r = 0; r < 9; ++r) {
        const int h = k * 7 + c * 3 + r * 5;
        w[(size_t(k) * 32 + c) * 9 + r] = std::int8_t(h % sparse ? 0 : (h / sparse) % 3 - 1);
      }
  layer c3 = conv_layer("conv3", 32, 32, 3, 1, w, 0.01f);
  c3.inputs = {"conv2"};
  layer add;
  add.name = "add";
  add.type = layer_type::add;
  add.inputs = {"conv3", "conv2"};
  add.neuron = p;
  b.layers.insert(b.layers.begin() + i2 + 1, {c3, add});
  b.layers[size_t(b.layer_index("pool2"))].inputs = {"add"};
  return b;
}

inline neuron_params lif_neuron(int threshold) {  // LIF, leak v/4, soft reset
  neuron_params p;
  p.threshold = threshold;
  return p;
}

// Runs `dir` (n samples) on SATA (output-stationary and tick-batch) and SpikeFlow: every output
// of every sample and timestep equals the reference (the golden model's).
inline void expect_bit_exact(const std::string& dir, int n, const std::string& tag) {
  const std::string cmd = " --trace " + dir + " --samples " + std::to_string(n);
  for (const auto& [platform, t] : std::vector<std::pair<std::string, std::string>>{
           {"platforms/sata/sata.yaml", "_os"},
           {"platforms/sata/sata_tick_batch.yaml", "_tb"},
           {"platforms/spikeflow/spikeflow.yaml", "_sf"}}) {
    const Json j = run_json("run " + platform + cmd, tag + t);
    EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0.0) << platform << " " << dir;
    EXPECT_EQ(column(j, "samples", "prediction").size(), size_t(n)) << platform;
  }
}

}  // namespace spiketlm::test
