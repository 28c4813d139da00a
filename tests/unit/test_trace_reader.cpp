// Trace reader: the shipped bundle reads with the documented structure, and every fault in a
// corrupted copy gives the expected one-line error naming the file and the field.
#include "tests/unit/bundle_copy.h"
#include "tlm/error.h"
#include "traces/src/golden.h"
#include "traces/src/trace.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>

namespace fs = std::filesystem;
using namespace spiketlm;

namespace {

const std::string k_bundle = spiketlm::test::source_dir() + "/traces/fmnist_snn";

using spiketlm::test::bundle_copy;
using spiketlm::test::error_of;
using spiketlm::test::expect_one_line;



}  // namespace

TEST(TraceReader, ReadsShippedBundle) {
  const bundle b = read_bundle(k_bundle);
  EXPECT_EQ(b.kind, "functional");
  EXPECT_EQ(b.version, 1);
  EXPECT_EQ(b.timesteps, 4);
  EXPECT_EQ(b.classes, 10);
  EXPECT_EQ(b.samples, 1000);
  EXPECT_EQ(b.encoding, "direct");
  EXPECT_EQ(b.input_shape, (tensor_shape{1, 28, 28}));
  EXPECT_DOUBLE_EQ(b.input_scale, 1.0 / 255.0);
  ASSERT_EQ(b.layers.size(), 6u);
  const char* names[] = {"conv1", "pool1", "conv2", "pool2", "flatten", "fc"};
  const tensor_shape outs[] = {{16, 28, 28}, {16, 14, 14}, {32, 14, 14}, {32, 7, 7}, {1568, 1, 1}, {10, 1, 1}};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(b.layers[i].name, names[i]);
    EXPECT_EQ(b.layers[i].out_shape, outs[i]) << names[i];
  }
  EXPECT_EQ(b.firing_layers(), 2u);
  EXPECT_TRUE(b.layers[0].fires());
  EXPECT_FALSE(b.layers[5].fires());
  EXPECT_EQ(b.layers[0].weight.size(), 16u * 1 * 3 * 3);
  EXPECT_EQ(b.layers[2].weight.size(), 32u * 16 * 3 * 3);
  EXPECT_EQ(b.layers[5].weight.size(), 10u * 1568);
  EXPECT_EQ(b.layers[5].weight_scale.size(), 1u);
  EXPECT_DOUBLE_EQ(b.layers[0].in_scale, 1.0 / 255.0);
  EXPECT_DOUBLE_EQ(b.layers[2].in_scale, 1.0);
  EXPECT_EQ(b.layers[0].neuron->threshold, 256);
  EXPECT_EQ(b.layers[0].neuron->leak_shift, 2);
  EXPECT_EQ(b.layers[0].neuron->share, 1);
  EXPECT_EQ(b.layers[2].dense_macs(), 32u * 14 * 14 * 16 * 9);
  EXPECT_EQ(b.labels.size(), 1000u);
  EXPECT_EQ(b.ref_outputs.size(), 1000u * 4 * 10);
  EXPECT_EQ(b.ref_spike_counts.size(), 1000u * 4 * 2);
  // The stored fixed-point integers are the ones derived from the float tensors.
  bundle c = b;
  derive_fixed_points(c);
  for (std::size_t i : {0u, 2u}) {
    EXPECT_EQ(c.layers[i].fx.multiplier, b.layers[i].fx.multiplier);
    EXPECT_EQ(c.layers[i].fx.offset, b.layers[i].fx.offset);
    EXPECT_EQ(c.layers[i].fx.shift, b.layers[i].fx.shift);
  }
}

TEST(TraceReader, TruncatedNpy) {
  bundle_copy c(k_bundle, "trunc");
  fs::resize_file(c.path("conv2.weight.npy"), fs::file_size(c.path("conv2.weight.npy")) - 8);
  EXPECT_EQ(expect_one_line(c.error()),
            "spiketlm/trace: " + c.path("conv2.weight.npy") +
                ": data: expected 4608 bytes for int8 [32, 16, 3, 3], got 4600 (truncated)");
}

TEST(TraceReader, WrongDtype) {
  bundle_copy c(k_bundle, "dtype");
  const auto w = npy_read(c.path("conv1.weight.npy")).values<std::int8_t>();
  npy_write<std::int16_t>(c.path("conv1.weight.npy"), {16, 1, 3, 3}, std::vector<std::int16_t>(w.begin(), w.end()));
  EXPECT_EQ(expect_one_line(c.error()),
            "spiketlm/trace: " + c.path("conv1.weight.npy") + ": dtype: expected int8 (layers[0].weight), got int16");
}

TEST(TraceReader, ShapeMismatchOfTensor) {
  bundle_copy c(k_bundle, "shape");
  npy_write<std::int8_t>(c.path("conv2.weight.npy"), {32, 16, 5, 5}, std::vector<std::int8_t>(32 * 16 * 25, 1));
  EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("conv2.weight.npy") +
                                            ": shape: expected [32, 16, 3, 3] (layers[2].weight), got [32, 16, 5, 5]");
}

TEST(TraceReader, ShapeMismatchOfLayerList) {
  bundle_copy c(k_bundle, "layers");
  c.replace("in_features: 1568", "in_features: 1600");
  EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("trace.yaml") +
                                            ": layers[5].in_features: expected 1568 (the input is 1568x1x1), got 1600");
  bundle_copy d(k_bundle, "reference");
  npy_write<std::int32_t>(d.path("ref_outputs.npy"), {1000, 3, 10}, std::vector<std::int32_t>(30000, 0));
  EXPECT_EQ(expect_one_line(d.error()), "spiketlm/trace: " + d.path("ref_outputs.npy") +
                                            ": shape: expected [1000, 4, 10] (reference.outputs), got [1000, 3, 10]");
}

TEST(TraceReader, MissingKey) {
  bundle_copy c(k_bundle, "key");
  c.edit([](YAML::Node& n) { n["layers"][2].remove("kernel"); });
  EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("trace.yaml") + ": layers[2].kernel: missing (required)");
  bundle_copy d(k_bundle, "key2");
  d.edit([](YAML::Node& n) { n.remove("timesteps"); });
  EXPECT_EQ(expect_one_line(d.error()), "spiketlm/trace: " + d.path("trace.yaml") + ": timesteps: missing (required)");
}

TEST(TraceReader, UnknownLayerType) {
  bundle_copy c(k_bundle, "type");
  c.replace("type: maxpool2d", "type: maxpool3d");
  EXPECT_EQ(expect_one_line(c.error()),
            "spiketlm/trace: " + c.path("trace.yaml") +
                ": layers[1].type: expected one of conv2d, linear, maxpool2d, avgpool2d, flatten, add, got 'maxpool3d'");
}

TEST(TraceReader, UnknownKey) {
  bundle_copy c(k_bundle, "unknown");
  c.replace("    stride: 1\n", "    strides: 1\n");
  EXPECT_EQ(expect_one_line(c.error()),
            "spiketlm/trace: " + c.path("trace.yaml") +
                ": layers[0].strides: unknown key (expected one of name, type, input, in_channels, out_channels, kernel, "
                "stride, padding, weight, weight_scale, bias, bn, neuron, fixed_point, readout)");
}

TEST(TraceReader, DuplicateKeyIsAnError) {
  // yaml-cpp keeps both entries and node["stride"] reads the first: the second was ignored.
  bundle_copy c(k_bundle, "dupkey");
  c.replace("    stride: 1\n", "    stride: 1\n    stride: 2\n");
  EXPECT_EQ(expect_one_line(c.error()),
            "spiketlm/trace: " + c.path("trace.yaml") + ": layers[0].stride: duplicate key, expected each key once");
}

TEST(TraceReader, WrongVersionAndFormat) {
  bundle_copy c(k_bundle, "version");
  c.replace("version: 1", "version: 2");
  EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("trace.yaml") + ": version: expected 1, got 2");
  c.replace("version: 2", "version: one");
  EXPECT_EQ(expect_one_line(c.error()),
            "spiketlm/trace: " + c.path("trace.yaml") + ": version: expected an integer, got 'one'");
  c.replace("version: one", "version: 1");
  c.replace("format: spiketlm-trace", "format: other-trace");
  EXPECT_EQ(expect_one_line(c.error()),
            "spiketlm/trace: " + c.path("trace.yaml") + ": format: expected spiketlm-trace, got 'other-trace'");
}

TEST(TraceReader, MissingFiles) {
  bundle_copy c(k_bundle, "file");
  fs::remove(c.path("labels.npy"));
  EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("labels.npy") +
                                            ": file: expected a readable .npy file, got none (No such file or directory)");
  fs::remove(c.path("trace.yaml"));
  EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("trace.yaml") +
                                            ": file: expected a readable trace.yaml, got none (No such file or directory)");
}

TEST(TraceReader, FixedPointMustMatchDerivation) {
  bundle_copy c(k_bundle, "fx");
  auto m = npy_read(c.path("conv2.fx.multiplier.npy")).values<std::int32_t>();
  const std::int32_t good = m[5];
  m[5] += 1;
  npy_write<std::int32_t>(c.path("conv2.fx.multiplier.npy"), {32}, m);
  EXPECT_EQ(expect_one_line(c.error()), "spiketlm/trace: " + c.path("conv2.fx.multiplier.npy") + ": [5]: expected " +
                                            std::to_string(good) + " (derived, FORMAT.md section 4), got " +
                                            std::to_string(good + 1));
  // Changing the BN statistics without re-deriving is caught the same way.
  bundle_copy d(k_bundle, "bnvar");
  auto v = npy_read(d.path("conv1.bn.running_var.npy")).values<float>();
  v[0] *= 4.0f;
  npy_write<float>(d.path("conv1.bn.running_var.npy"), {16}, v);
  EXPECT_TRUE(std::regex_match(expect_one_line(d.error()),
                               std::regex("spiketlm/trace: .*/conv1\\.fx\\.multiplier\\.npy: \\[0\\]: expected -?[0-9]+ "
                                          "\\(derived, FORMAT\\.md section 4\\), got -?[0-9]+")))
      << d.error();
}

TEST(TraceReader, ValueChecks) {
  bundle_copy c(k_bundle, "labels");
  auto l = npy_read(c.path("labels.npy")).values<std::int32_t>();
  l[7] = 10;
  npy_write<std::int32_t>(c.path("labels.npy"), {1000}, l);
  EXPECT_EQ(expect_one_line(c.error()),
            "spiketlm/trace: " + c.path("labels.npy") + ": [7]: expected a class in [0, 9], got 10");
  bundle_copy d(k_bundle, "share");
  d.replace("share: 1", "share: 3");
  EXPECT_EQ(expect_one_line(d.error()),
            "spiketlm/trace: " + d.path("trace.yaml") + ": layers[0].neuron.share: expected a divisor of 16 channels, got 3");
  bundle_copy e(k_bundle, "reset");
  e.replace("reset: soft", "reset: partial");
  EXPECT_EQ(expect_one_line(e.error()),
            "spiketlm/trace: " + e.path("trace.yaml") + ": layers[0].neuron.reset: expected one of soft, hard, got 'partial'");
}

TEST(TraceReader, InvalidYaml) {
  bundle_copy c(k_bundle, "yaml");
  c.set_yaml("format: spiketlm-trace\nversion: 1\nlayers: [unclosed\n");
  const std::string e = expect_one_line(c.error());
  EXPECT_EQ(e.rfind("spiketlm/trace: " + c.path("trace.yaml") + ": yaml: expected valid YAML, got yaml-cpp: error at line", 0),
            0u)
      << e;
  c.set_yaml("{format: spiketlm-trace, version: 1, kind: workload, name: x, timesteps: 1, classes: 1, "
             "input: {shape: [1, 1, 1], encoding: direct}, spike_rates: {source: s, seed: 1}, "
             "layers: [{name: a, type: linear, in_features: 1, out_features: 1, neuron: none}], {a: b}: c}");
  EXPECT_EQ(expect_one_line(c.error()).rfind("spiketlm/trace: " + c.path("trace.yaml") + ": yaml: expected", 0), 0u)
      << c.error();
}

TEST(TraceReader, WriterRoundTrip) {
  const bundle b = read_bundle(k_bundle);
  const fs::path d = fs::temp_directory_path() / ("spiketlm_trace_write_" + std::to_string(::getpid()));
  fs::remove_all(d);
  write_bundle(b, d.string());
  const bundle c = read_bundle(d.string());
  ASSERT_EQ(c.layers.size(), b.layers.size());
  EXPECT_EQ(c.input_scale, b.input_scale);
  for (std::size_t i = 0; i < b.layers.size(); ++i) {
    EXPECT_EQ(c.layers[i].weight, b.layers[i].weight);
    EXPECT_EQ(c.layers[i].weight_scale, b.layers[i].weight_scale);
    EXPECT_EQ(c.layers[i].fx.multiplier, b.layers[i].fx.multiplier);
    EXPECT_EQ(c.layers[i].out_shape, b.layers[i].out_shape);
  }
  EXPECT_EQ(c.ref_outputs, b.ref_outputs);
  EXPECT_EQ(c.ref_spike_counts, b.ref_spike_counts);
  EXPECT_EQ(c.inputs.bytes, b.inputs.bytes);
  // Every tensor file is byte-identical to the numpy-written original.
  for (const auto& e : fs::directory_iterator(k_bundle)) {
    if (e.path().extension() != ".npy") continue;
    std::ifstream f1(e.path(), std::ios::binary), f2(d / e.path().filename(), std::ios::binary);
    const std::string s1((std::istreambuf_iterator<char>(f1)), std::istreambuf_iterator<char>());
    const std::string s2((std::istreambuf_iterator<char>(f2)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(s1 == s2) << e.path().filename();
  }
  // BN adaptation flow: new statistics, re-derive, write, read back (the reader re-checks).
  bundle a = b;
  for (auto& v : a.layers[2].bn->running_var) v *= 1.5f;
  derive_fixed_points(a);
  EXPECT_NE(a.layers[2].fx.multiplier, b.layers[2].fx.multiplier);
  write_bundle(a, d.string());
  EXPECT_EQ(read_bundle(d.string()).layers[2].fx.multiplier, a.layers[2].fx.multiplier);
  fs::remove_all(d);
}
