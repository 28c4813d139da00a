// ANN mode on SpikeFlow (issue #10): multi-bit activations drive the crossbar rows bit-serially
// (one PE cycle per input bit plane), ReLU + requantize units replace the LIF/IF units. The
// functional ANN bundles run bit for bit; PE cycles, accumulates, NoC bytes, neuron energy and
// area follow from the shapes and the images; the FLOP estimate is reported beside the modelled
// energy on both platforms.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/cli.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {
const std::string k_sf = "platforms/spikeflow/spikeflow.yaml";
}  // namespace

TEST(SpikeFlowAnn, Ann8AndAnn4BundlesAreBitExact) {
  for (const char* tr : {"fmnist_ann8", "fmnist_ann4"}) {
    const Json j = run_json("run " + k_sf + " --trace traces/" + tr + " --samples 40", std::string("sfann_") + tr);
    EXPECT_EQ(j.get<std::string>("run.network"), "ann");
    EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0.0) << tr;
    EXPECT_EQ(summary(j, "average_timesteps"), 1.0);
    EXPECT_EQ(table_cell(j, "area_by_component", "membrane_memory", "area_um2"), 0.0);  // ReLU units keep no membrane
  }
  // Shared (C#n) circuits serve the ReLU activations in turn: still bit-exact.
  const Json s = run_json("run " + k_sf + " -c spikeflow.tile.lif.kind=neuron.imc.shared --trace traces/fmnist_ann4 --samples 20",
                          "sfann_shared");
  EXPECT_EQ(summary(s, "reference_mismatch_samples"), 0.0);
}

TEST(SpikeFlowAnn, CyclesAccumulatesNocAndNeuronsFollowFromShapesAndImages) {
  const int n = 8;
  for (const char* tr : {"fmnist_ann8", "fmnist_ann4"}) {
    const bundle b = read_bundle(source_dir() + "/traces/" + tr);
    const Json j = run_json("run " + k_sf + " --trace traces/" + tr + " --samples " + std::to_string(n), std::string("sfann_c_") + tr);
    const auto pe_cycles = column(j, "layers", "pe_cycles"), planes = column(j, "layers", "input_planes");
    const auto acc = column(j, "layers", "accumulates"), noc = column(j, "layers", "noc_bytes");
    double updates = 0;
    int bits = 0;
    for (size_t i = 0; i < b.layers.size() && i < pe_cycles.size(); ++i) {
      const layer& L = b.layers[i];
      if (L.type != layer_type::conv2d) continue;
      // One PE cycle per output pixel and input bit plane on every PE of the layer:
      // ceil(Cin / 64) x ceil(K / 64) PEs of 3x3 crossbars (FACTS.md s2). The image is 8 planes,
      // a hidden layer's input the previous ReLU's act_bits planes.
      const int in_planes = i == 0 ? 8 : bits;
      EXPECT_EQ(planes[i], double(in_planes)) << tr << " layer " << i;
      const double pes = double((L.in_shape.c + 63) / 64) * ((L.out_channels + 63) / 64);
      EXPECT_EQ(pe_cycles[i], double(L.out_shape.h) * L.out_shape.w * in_planes * pes) << tr << " layer " << i;
      ASSERT_TRUE(L.fires() && L.neuron->relu());
      bits = L.neuron->bits;
      // The activations to the next layer's tiles: act_bits per output (one row group: no
      // partial sums on the NoC).
      if (L.in_shape.c <= 64) {
        EXPECT_EQ(noc[i], double(L.out_shape.size()) * bits / 8) << tr << " layer " << i;
      }
      updates += double(L.out_shape.size());
    }
    // Accumulates of the first layer: every set bit of every pixel, times the output positions
    // its taps reach, times K.
    const layer& L = b.layers[0];
    uint64_t count = 0;
    const int H = L.in_shape.h, Wd = L.in_shape.w, k = L.kernel, p = L.padding;
    ASSERT_EQ(L.stride, 1);
    for (int s = 0; s < n; ++s) {
      const auto img = b.input(s);
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < Wd; ++x) {
          const int ones = __builtin_popcount(uint32_t(img[size_t(y) * Wd + x]));
          for (int ky = 0; ky < k; ++ky)
            for (int kx = 0; kx < k; ++kx) {
              const int oy = y + p - ky, ox = x + p - kx;
              if (oy >= 0 && ox >= 0 && oy < L.out_shape.h && ox < L.out_shape.w) count += uint64_t(ones) * L.out_channels;
            }
        }
    }
    EXPECT_DOUBLE_EQ(acc[0], double(count) / n) << tr;
    // Neuron energy: one ReLU activation per output of every ReLU layer, 1.274 pJ each
    // (platforms/tech/spikesim_65nm.yaml imc_relu).
    EXPECT_NEAR(table_cell(j, "energy_by_component", "neuron", "energy_uj"), updates * 1.274e-6, 1e-12) << tr;
  }
}

TEST(SpikeFlowAnn, SnnAndAnnShareTheChipButNotTheMembranes) {
  const Json snn = run_json("run " + k_sf + " --trace traces/fmnist_snn --samples 2", "sfann_area_snn");
  const Json ann = run_json("run " + k_sf + " --trace traces/fmnist_ann8 --samples 2", "sfann_area_ann");
  // Same shapes, same mapping: only the membrane memory goes (SpikeSim's 22-bit word per firing
  // neuron, 0.7391 um^2 per bit, at the configured 32-bit membrane).
  const bundle b = read_bundle(source_dir() + "/traces/fmnist_snn");
  double neurons = 0;
  for (const auto& L : b.layers)
    if (L.fires()) neurons += double(L.out_shape.size());
  EXPECT_NEAR(1e6 * (summary(snn, "area_mm2") - summary(ann, "area_mm2")), neurons * 0.7391 * 22 * 32 / 22, 1e-6);
  EXPECT_EQ(summary(snn, "tiles"), summary(ann, "tiles"));
}

TEST(SpikeFlowAnn, FlopEstimateCountsTheSameAccumulatesAsSata) {
  // The SNN's ACs are driven rows x weight columns on SpikeFlow and non-zero spike
  // accumulates on SATA: the same number for the same samples.
  const Json sf = run_json("run " + k_sf + " --trace traces/fmnist_snn --samples 10", "sfann_flop_sf");
  const Json sa = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 10", "sfann_flop_sata");
  EXPECT_GT(sf.get<double>("flop_estimate.counted_acs"), 0.0);
  EXPECT_EQ(sf.get<double>("flop_estimate.counted_acs"), sa.get<double>("flop_estimate.counted_acs"));
  EXPECT_EQ(sf.get<double>("flop_estimate.flop_energy_uj"), sa.get<double>("flop_estimate.flop_energy_uj"));
  EXPECT_NEAR(sf.get<double>("flop_estimate.modelled_over_flop") * sf.get<double>("flop_estimate.flop_energy_uj"),
              summary(sf, "energy_uj"), 1e-12 * summary(sf, "energy_uj"));
  // A workload as an ANN: every dense MAC at 4.6 pJ.
  const Json ann = run_json("run " + k_sf + " --trace traces/workloads/vgg9_cifar10 --ann 4", "sfann_flop_w");
  EXPECT_EQ(ann.get<double>("run.activation_bits"), 4.0);
  const bundle b = read_bundle(source_dir() + "/traces/workloads/vgg9_cifar10");
  uint64_t macs = 0;
  for (const auto& L : b.layers)
    if (L.is_compute()) macs += L.dense_macs();
  EXPECT_EQ(ann.get<double>("flop_estimate.dense_macs"), double(macs));
  EXPECT_NEAR(ann.get<double>("flop_estimate.flop_energy_uj"), double(macs) * 4.6e-6, 1e-9 * double(macs));
}

TEST(SpikeFlowAnn, BothPlatformsCountTheSameInputsAndNonZeroOutputsPerLayer) {
  // spikes_in: set bits fed (bit planes of multi-bit maps); spikes_out: non-zero outputs (spikes,
  // ReLU activations, pooled values). Same network, same samples: the same numbers per layer.
  for (const char* tr : {"fmnist_snn", "fmnist_ann8"}) {
    const std::string args = std::string(" --trace traces/") + tr + " --samples 6";
    const Json sa = run_json("run platforms/sata/sata.yaml" + args, std::string("sfann_cnt_sata_") + tr);
    const Json sf = run_json("run " + k_sf + args, std::string("sfann_cnt_sf_") + tr);
    for (const char* col : {"spikes_in", "spikes_out"}) {
      const auto a = column(sa, "layers", col), b = column(sf, "layers", col);
      EXPECT_EQ(a, b) << tr << " " << col;
      double total = 0;
      for (double v : a) total += v;
      EXPECT_GT(total, 0.0) << tr << " " << col;
    }
    // A pooling layer's non-zero outputs: at most its input's non-zero outputs (a window of
    // zeros pools to zero), and more than none.
    const auto out = column(sa, "layers", "spikes_out");
    ASSERT_GE(out.size(), 2u);
    EXPECT_GT(out[1], 0.0);
    EXPECT_LE(out[1], out[0]);
  }
}

// Issue 22: SpikeSim's dense counting (spikeflow_spikesim.yaml) drives an ANN's activations bit
// serially too: a layer fed on chip takes one dense PE cycle per input bit plane, the
// direct-coded image (DRAM-fed) one, as SpikeSim counts an SNN's. Counted here by hand from the
// bundle's shapes and ReLU widths: PE cycles = PEs x output pixels x planes; each reads 9
// crossbars and samples 8 ADCs, times SpikeSim's factor 8 (imc_controller.md), and fetches the
// tile buffer once. Latency: SpikeSim's pipeline of OH OW Cout x planes units per layer, the
// next starting after floor(0.75 units), ending at the last layer's end, 26 clocks at 250 MHz
// = 104 ns per unit.
TEST(SpikeFlowAnn, DenseModeCountsTheActivationBitPlanes) {
  const int n = 2;
  for (const char* tr : {"fmnist_ann8", "fmnist_ann4"}) {
    const bundle b = read_bundle(source_dir() + "/traces/" + tr);
    const Json j = run_json("run platforms/spikeflow/spikeflow_spikesim.yaml --trace traces/" + std::string(tr) +
                                " --samples " + std::to_string(n),
                            std::string("sfann_dense_") + tr);
    // The mapping's PEs of the compute layers, in order (the report's rows of conv and linear).
    const auto pe_rows = column(j, "layers", "pes");
    const auto ops = text_column(j, "layers", "op");
    std::vector<double> pes;
    for (size_t r = 0; r < ops.size(); ++r)
      if (ops[r] == "conv" || ops[r] == "linear") pes.push_back(pe_rows[r]);
    double cycles = 0, start = 0, end = 0;
    int bits = 0;
    size_t c = 0;
    for (size_t i = 0; i < b.layers.size(); ++i) {
      const layer& L = b.layers[i];
      if (!L.is_compute()) continue;
      ASSERT_LT(c, pes.size());
      const int planes = i == 0 ? 1 : bits;  // maxpool and flatten keep the ReLU's planes
      if (i > 0) {
        ASSERT_GT(planes, 1) << tr << " layer " << i;  // every hidden input is multi-bit
      }
      const double npx = double(L.out_shape.h) * L.out_shape.w;
      cycles += pes[c++] * npx * planes;
      const double units = double(L.out_shape.size()) * planes;
      end = start + units;
      start += std::floor(0.75 * units);
      if (L.fires()) bits = L.neuron->bits;
    }
    EXPECT_EQ(c, pes.size()) << tr;
    auto stat = [&](const std::string& module, const std::string& name) {
      for (const auto& r : j.get_child("tables.stats"))
        if (r.second.get<std::string>("module") == module && r.second.get<std::string>("statistic") == name)
          return r.second.get<double>("value");
      throw std::runtime_error("no statistic " + module + " " + name);
    };
    EXPECT_EQ(stat("spikeflow.tile", "buffer_accesses"), cycles * n) << tr;
    EXPECT_EQ(stat("spikeflow.tile.pe.xbar", "reads"), cycles * n * 8 * 9) << tr;
    EXPECT_EQ(stat("spikeflow.tile.pe.adc", "samples"), cycles * n * 8 * 8) << tr;
    EXPECT_NEAR(summary(j, "latency_us"), end * 0.104, 1e-6) << tr;
  }
}

// The same on a workload (`--ann B`): every hidden layer reads a generated B-bit map from DRAM
// (one per timestep, DESC_INPUT_PER_T), driven bit-serially like an on-chip one. Each compute
// layer's dense time is OH OW Cout x planes units of 104 ns (T = 1); the image's layer 1 plane.
TEST(SpikeFlowAnn, DenseModeCountsAWorkloadsActivationBitPlanes) {
  const bundle b = read_bundle(source_dir() + "/traces/workloads/vgg9_cifar10");
  for (int bits : {8, 4}) {
    const Json j = run_json("run platforms/spikeflow/spikeflow_spikesim.yaml --trace traces/workloads/vgg9_cifar10 --ann " +
                                std::to_string(bits),
                            "sfann_dense_vgg9_" + std::to_string(bits));
    const auto lat = column(j, "layers", "latency_us");
    const auto ops = text_column(j, "layers", "op");
    std::vector<double> compute_lat;
    for (size_t r = 0; r < ops.size(); ++r)
      if (ops[r] == "conv" || ops[r] == "linear") compute_lat.push_back(lat[r]);
    size_t c = 0;
    for (size_t i = 0; i < b.layers.size(); ++i) {
      const layer& L = b.layers[i];
      if (!L.is_compute()) continue;
      ASSERT_LT(c, compute_lat.size());
      const int planes = c == 0 ? 1 : bits;
      EXPECT_NEAR(compute_lat[c], double(L.out_shape.size()) * planes * 0.104, 1e-6) << bits << " layer " << L.name;
      ++c;
    }
    EXPECT_EQ(c, compute_lat.size());
  }
}
