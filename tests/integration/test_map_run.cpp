// The mapping explorer against the cycle-level model: every kind of mapping run with
// `spiketlm run -c mapping=` (time batches, on-chip state, fused groups, state removal) and the
// two dataflows SATA runs without one; per-layer DRAM bytes equal the analytic model's, energy
// within 2 % per component, latency within 10 %; what the executor refuses, the model refuses.
#include <gtest/gtest.h>

#include "tests/integration/map_test_util.h"

using namespace spiketlm;
using namespace spiketlm::map;
using namespace spiketlm::test;
using namespace spiketlm::maptest;

// The analytic model reproduces the cycle-level model's DRAM traffic layer by layer, exactly,
// on every mapping SATA can execute: baseline (dataflow.os) and time-inner (dataflow.tick_batch,
// whose 8 KB ifmap GLB makes inputs stream per filter tile with halo rows); and its energy per
// component and latency, from the same runs (expect_energy_agrees).
TEST(MapAgreement, DramBytesPerLayerEqualTheTlmRuns) {
  for (const char* trace : {"traces/workloads/vgg9_cifar10", "traces/workloads/resnet18_tinyimagenet", "traces/fmnist_snn"}) {
    const bundle b = read_bundle(src(trace));
    Cost c;
    {
      const Hierarchy h = sata("sata.yaml", trace);
      const Network n = network_as_run(b, h.array);
      const Json j = tlm_run("sata.yaml", trace);
      EXPECT_EQ(model_dram(CostModel(n, h), baseline(n), &c), column(j, "layers", "dram_bytes")) << trace << " baseline";
      expect_energy_agrees(j, c, h, std::string(trace) + " baseline");
    }
    const Hierarchy h = sata("sata_tick_batch.yaml", trace);
    const Network n = network_as_run(b, h.array);
    const Json j = tlm_run("sata_tick_batch.yaml", trace);
    EXPECT_EQ(model_dram(CostModel(n, h), time_inner(n), &c), column(j, "layers", "dram_bytes")) << trace << " time-inner";
    expect_energy_agrees(j, c, h, std::string(trace) + " time-inner");
  }
}

// STEMS' SEW-ResNet benchmark (T = 16, 128 x 128): baseline bytes per layer equal the TLM run's.
TEST(MapAgreement, SewResnetBaselineDramBytesEqualTheTlmRun) {
  const std::string trace = "traces/workloads/sew_resnet_dvsgesture";
  const Hierarchy h = sata("sata.yaml", trace);
  const Network n = network_as_run(read_bundle(src(trace)), h.array);
  EXPECT_EQ(n.timesteps, 16);
  Cost c;
  const Json j = tlm_run("sata.yaml", trace);
  EXPECT_EQ(model_dram(CostModel(n, h), baseline(n), &c), column(j, "layers", "dram_bytes"));
  expect_energy_agrees(j, c, h, trace);
}

// A mapping runs in the cycle-level model (dataflow.mapped): two groups with different time
// batches give the reference outputs bit-exactly (the functional Fashion-MNIST SNN), and every
// layer's DRAM bytes equal the analytic model's for the same mapping, here and on two workloads.
TEST(MapRun, TimeBatchedGroupsAreBitExactAndMatchTheModel) {
  const std::string d = scratch("map_run");
  struct Case {
    const char* trace;
    std::string groups;
  } cases[] = {
      {"traces/fmnist_snn", "  - {first: conv1, last: pool1, time_batch: 2}\n  - {first: conv2, last: fc, time_batch: 3}\n"},
      {"traces/workloads/vgg9_cifar10",
       "  - {first: conv1, last: conv4, time_batch: 3}\n  - {first: pool2, last: fc2, time_batch: 2}\n"},
      {"traces/workloads/resnet18_tinyimagenet",
       "  - {first: conv1, last: layer2.0.add, time_batch: 2}\n  - {first: layer2.1.conv_a, last: fc, time_batch: 4}\n"},
  };
  for (const Case& c : cases) {
    const std::string m = write_mapping(d, c.groups);
    const CliResult r = cli("run " + src("platforms/sata/sata.yaml") + " --trace " + src(c.trace) + " -c mapping=" + m +
                            " --samples 8 --json " + d + "/r.json -q");
    ASSERT_EQ(r.code, 0) << r.err;
    const Json j = load_json(d + "/r.json");
    if (std::string(c.trace) == "traces/fmnist_snn") {
      EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0);
    }
    const bundle b = read_bundle(src(c.trace));
    const Hierarchy h = sata("sata.yaml", c.trace);
    const Network n = network_as_run(b, h.array);
    Cost cost;
    EXPECT_EQ(model_dram(CostModel(n, h), read_mapping(m, n), &cost), column(j, "layers", "dram_bytes")) << c.trace;
    expect_energy_agrees(b.functional() ? one_sample(c.trace, m, "", d) : j, cost, h, c.trace);
  }
}

TEST(MapRun, WhatTheCycleLevelModelDoesNotRunIsAOneLineError) {
  const std::string d = scratch("map_run_errors");
  const std::string run = "run " + src("platforms/sata/sata.yaml") + " --trace " + src("traces/fmnist_snn") + " -c mapping=";
  // a fused group whose maps do not fit the 32 KB ifmap GLB (conv2 reads conv1's while it writes
  // its own: 64 x 32 x 32 bits x 4 timesteps each, 65,536 B): the executor refuses it before the
  // first layer, the model for the same reason
  const std::string vgg = "traces/workloads/vgg9_cifar10";
  std::string m = write_mapping(d, "  - {first: conv1, last: fc2, time_batch: 4, fuse: true}\n");
  CliResult r = cli("run " + src("platforms/sata/sata.yaml") + " --trace " + src(vgg) + " -c mapping=" + m + " -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("refused layer 0 (error code 3, descriptor word 0: the maps its fused group keeps on chip (65536 "
                       "B) exceed the ifmap GLB (32768 B))"),
            std::string::npos)
      << r.err;
  {
    const Hierarchy hv = sata("sata.yaml", vgg);
    const Network nv = network_as_run(read_bundle(src(vgg)), hv.array);
    EXPECT_EQ(CostModel(nv, hv).evaluate(read_mapping(m, nv)).infeasible,
              "groups[0]: fuse: the maps the group keeps on chip (65536 B) exceed the ifmap GLB (32768 B)");
  }
  // on-chip state larger than the ofmap GLB (conv1: 16 x 28 x 28 membranes of 4 B): the
  // executor refuses it before the first layer runs; the model calls it over the state budget
  m = write_mapping(d, "  - {first: conv1, last: fc, time_batch: 2}\n", "state: {conv1: glb}\n");
  r = cli(run + m + " -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("refused layer 0 (error code 3, descriptor word 0: on-chip neuron state of its group (50176 B) "
                       "exceeds the ofmap GLB (32768 B))"),
            std::string::npos)
      << r.err;
  // a platform without a dataflow (NorthPole keeps every layer in its cores)
  m = write_mapping(d, "  - {first: conv1, last: fc, time_batch: 2}\n");
  r = cli("run " + src("platforms/northpole/northpole.yaml") + " --trace " + src("traces/fmnist_snn") + " -c mapping=" + m +
          " -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: " + m + ": a mapping runs on a platform with a dataflow (SATA: platforms/sata), "
                   "expected one, got 'northpole' without northpole.dataflow\n");
  // the dataflow's own list (what a mapping's glb entries become), set by hand
  const std::string mapped = "run " + src("platforms/sata/sata.yaml") + " --trace " + src("traces/fmnist_snn") +
                             " -c sata.dataflow.kind=dataflow.mapped -c 'sata.dataflow.groups=[0-4/2]' -q -c ";
  r = cli(mapped + "'sata.dataflow.onchip_state=[1]'");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/dataflow: sata.dataflow.onchip_state: layer 1 keeps no membranes (expected "
                   "a spiking convolution, linear or add layer)\n");
  r = cli(mapped + "'sata.dataflow.onchip_state=[9]'");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/dataflow: sata.dataflow.onchip_state: layer 9 is not in the network (5 layers)\n");
  m = write_mapping(d, "  - {first: conv1, last: fc2, time_batch: 2}\n");
  r = cli(run + m + " -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: " + m + ": groups[0].last: expected a layer of network 'fmnist_snn', got 'fc2'\n");
  // a time batch whose partial sums do not fit the PE scratchpad: the executor refuses it, and
  // the analytic model calls the mapping infeasible for the same reason
  const std::string sew = "traces/workloads/sew_resnet_dvsgesture";
  m = write_mapping(d, "  - {first: conv0, last: fc, time_batch: 8}\n");
  r = cli("run " + src("platforms/sata/sata.yaml") + " --trace " + src(sew) + " -c mapping=" + m + " -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("tick-batch over 8 timesteps needs a 16-B psum scratchpad (have 8 B)"), std::string::npos) << r.err;
  const Hierarchy h = sata("sata.yaml", sew);
  const Network n = network_as_run(read_bundle(src(sew)), h.array);
  EXPECT_EQ(CostModel(n, h).evaluate(read_mapping(m, n)).infeasible,
            "groups[0] (layer conv0): time_batch: tick-batch over 8 timesteps needs a 16-B psum scratchpad (have 8 B)");
  // block5.add's 128 x 8 x 8 membranes of 4 B fill the 32 KB ofmap GLB: the add then has no
  // output slot; the executor refuses it as it runs, the model for the same reason
  m = write_mapping(d, "  - {first: conv0, last: block5.conv_b, time_batch: 4}\n  - {first: block5.add, last: block5.pool, "
                       "time_batch: 2}\n  - {first: block6.conv_a, last: fc, time_batch: 4}\n",
                    "state: {block5.add: glb}\n");
  r = cli("run " + src("platforms/sata/sata.yaml") + " --trace " + src(sew) + " -c mapping=" + m + " -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("add: one row of one channel (33 B in, 1 B out) exceeds half a GLB"), std::string::npos) << r.err;
  EXPECT_EQ(CostModel(n, h).evaluate(read_mapping(m, n)).infeasible,
            "groups[1] (layer block5.add): state: 32768 B of on-chip state leave too little of the ofmap GLB: add: one row "
            "of one channel (33 B in, 1 B out) exceeds half a GLB");
}

// On-chip state (`state: glb`) runs: the layer's membranes wait between batches in a region of
// the ofmap GLB its group holds, the other layers of the group plan with the rest. Outputs are
// the reference's bit for bit (Fashion-MNIST), the layer moves exactly 2 x its state per batch
// boundary less DRAM than with `dram` (independent count: channels x pixels x 4 B), every
// layer's DRAM bytes equal the model's, and energy and latency agree as for other mappings. An
// add layer's and a convolution's state on ResNet-18 (131,072 B each) need a larger ofmap GLB.
TEST(MapRun, OnChipStateIsBitExactAndMatchesTheModel) {
  const std::string d = scratch("map_run_glb");
  struct Case {
    const char* trace;
    std::string groups, state, override_;
    int tb;                                                // the on-chip layers' group's time batch
    std::vector<std::pair<const char*, uint64_t>> onchip;  // layer, state bytes
  } cases[] = {
      {"traces/fmnist_snn", "  - {first: conv1, last: pool1, time_batch: 2}\n  - {first: conv2, last: fc, time_batch: 1}\n",
       "state: {conv2: glb}\n", "", 1, {{"conv2", 32u * 14 * 14 * 4}}},
      {"traces/workloads/vgg9_cifar10",
       "  - {first: conv1, last: conv4, time_batch: 3}\n  - {first: pool2, last: fc2, time_batch: 2}\n",
       "state: {fc1: glb}\n", "", 2, {{"fc1", 1024u * 4}}},
      {"traces/workloads/resnet18_tinyimagenet",
       "  - {first: conv1, last: layer2.0.add, time_batch: 2}\n  - {first: layer2.1.conv_a, last: fc, time_batch: 2}\n",
       "state: {layer4.1.conv_a: glb, layer4.1.add: glb}\n", "sata.glb_ofmap.capacity_kb=512", 2,
       {{"layer4.1.conv_a", 512u * 8 * 8 * 4}, {"layer4.1.add", 512u * 8 * 8 * 4}}},
  };
  for (const Case& c : cases) {
    const bundle b = read_bundle(src(c.trace));
    const std::string extra = c.override_.empty() ? "" : " -c " + c.override_;
    auto run = [&](const std::string& m, const std::string& out) {
      const CliResult r = cli("run " + src("platforms/sata/sata.yaml") + " --trace " + src(c.trace) + " -c mapping=" + m +
                              extra + (b.functional() ? " --samples 8" : " --samples 1") + " --json " + out + " -q");
      EXPECT_EQ(r.code, 0) << r.err;
      return load_json(out);
    };
    const Json in_dram = run(write_mapping(d, c.groups), d + "/dram.json");
    const std::string m = write_mapping(d, c.groups, c.state);
    const Json j = run(m, d + "/glb.json");
    if (b.functional()) {
      EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0) << c.trace;
    }
    // the boundaries between batches: the state leaves and comes back once each
    std::vector<double> expect = column(in_dram, "layers", "dram_bytes");
    const std::vector<std::string> names = text_column(j, "layers", "layer");
    for (const auto& [layer, bytes] : c.onchip) {
      const size_t at = size_t(std::find(names.begin(), names.end(), layer) - names.begin());
      ASSERT_LT(at, names.size()) << layer;
      const int T = b.timesteps;
      expect[at] -= double(2 * uint64_t((T + c.tb - 1) / c.tb - 1) * bytes);
    }
    EXPECT_EQ(column(j, "layers", "dram_bytes"), expect) << c.trace;
    const Hierarchy h = hierarchy_of({src("platforms/sata/sata.yaml"),
                                      c.override_.empty() ? std::vector<std::string>{} : std::vector<std::string>{c.override_},
                                      src(c.trace)});
    const Network n = network_as_run(b, h.array);
    Cost cost;
    EXPECT_EQ(model_dram(CostModel(n, h), read_mapping(m, n), &cost), expect) << c.trace;
    expect_energy_agrees(b.functional() ? one_sample(c.trace, m, extra, d) : j, cost, h, std::string(c.trace) + " glb");
  }
}

// Fused groups run: the maps a fused group's layers pass to each other stay in a region of the
// ifmap GLB and move GLB to GLB. The outputs are the reference's (Fashion-MNIST); the layers
// do the same work as unfused (a workload's generated inputs stand for the on-chip maps); each
// map kept on chip leaves its producer's and its readers' DRAM rows (independent count below);
// a fused group of several batches loads its weights once when they all fit the weight GLB;
// every layer's DRAM bytes equal the model's, energy within 2 %, latency within 10 %. ResNet-18's
// layer4 (int32 accumulations of 131 KB per timestep for its adds) needs a 1 MB ifmap GLB.
TEST(MapRun, FusedGroupsAreBitExactAndMatchTheModel) {
  const std::string d = scratch("map_run_fused");
  struct Case {
    const char* trace;
    std::string groups, override_;
  } cases[] = {
      {"traces/fmnist_snn", "  - {first: conv1, last: pool1, time_batch: 2, fuse: true}\n"
                            "  - {first: conv2, last: fc, time_batch: 2, fuse: true}\n", ""},
      {"traces/workloads/vgg9_cifar10", "  - {first: conv1, last: conv2, time_batch: 1, fuse: true}\n"
                                        "  - {first: pool1, last: pool2, time_batch: 2}\n"
                                        "  - {first: conv5, last: fc2, time_batch: 2, fuse: true}\n", ""},
      {"traces/workloads/resnet18_tinyimagenet", "  - {first: conv1, last: layer3.1.add, time_batch: 2}\n"
                                                 "  - {first: layer4.0.conv_a, last: layer4.1.add, time_batch: 2, fuse: true}\n"
                                                 "  - {first: avgpool, last: fc, time_batch: 2}\n",
       "sata.glb_ifmap.capacity_kb=1024"},
  };
  for (const Case& c : cases) {
    const bundle b = read_bundle(src(c.trace));
    const std::string extra = c.override_.empty() ? "" : " -c " + c.override_;
    auto run = [&](const std::string& m, const std::string& out) {
      std::filesystem::remove(out);
      const CliResult r = cli("run " + src("platforms/sata/sata.yaml") + " --trace " + src(c.trace) + " -c mapping=" + m +
                              extra + (b.functional() ? " --samples 8" : " --samples 1") + " --json " + out + " -q");
      EXPECT_EQ(r.code, 0) << r.err;
      return load_json(out);
    };
    std::string unfused = c.groups;
    for (size_t at; (at = unfused.find(", fuse: true")) != std::string::npos;) unfused.erase(at, 12);
    const Json plain = run(write_mapping(d, unfused), d + "/plain.json");
    const std::string m = write_mapping(d, c.groups);
    const Json j = run(m, d + "/fused.json");
    if (b.functional()) {
      EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0) << c.trace;
    }
    EXPECT_EQ(column(j, "layers", "accumulates"), column(plain, "layers", "accumulates")) << c.trace;
    const Hierarchy h = hierarchy_of({src("platforms/sata/sata.yaml"),
                                      c.override_.empty() ? std::vector<std::string>{} : std::vector<std::string>{c.override_},
                                      src(c.trace)});
    const Network n = network_as_run(b, h.array);
    const Mapping mp = read_mapping(m, n);
    // the maps kept on chip: a layer's output whose readers (through a flatten) are all in its
    // fused group; T x its bytes leave its row and each reader's
    std::vector<double> expect = column(plain, "layers", "dram_bytes");
    std::vector<int> row(n.layers.size(), -1), group(n.layers.size(), -1);
    for (size_t l = 0, r = 0; l < n.layers.size(); ++l) row[l] = n.layers[l].flatten ? -1 : int(r++);
    for (size_t g = 0; g < mp.groups.size(); ++g)
      for (int l = mp.groups[g].first; l <= mp.groups[g].last; ++l) group[size_t(l)] = int(g);
    for (size_t P = 0; P < n.layers.size(); ++P) {
      if (n.layers[P].flatten) continue;  // a view of its producer's map: no row, no map of its own
      std::vector<int> readers;
      for (int q : n.layers[P].consumers)
        if (n.layers[size_t(q)].flatten) readers.insert(readers.end(), n.layers[size_t(q)].consumers.begin(), n.layers[size_t(q)].consumers.end());
        else readers.push_back(q);
      bool on = mp.groups[size_t(group[P])].fuse && !readers.empty();
      for (int q : readers) on = on && group[size_t(q)] == group[P];
      if (!on) continue;
      const double bytes = double(n.layers[P].out_bytes) * b.timesteps;
      expect[size_t(row[P])] -= bytes;
      for (int q : readers) expect[size_t(row[size_t(q)])] -= bytes;
    }
    // a fused group of several batches keeps its weights when they all fit the weight GLB: the
    // later batches load none (Fashion-MNIST conv2: 32 filters x 16 channels x 3 x 3 = 4,608 B)
    for (const Group& g : mp.groups) {
      const int batches = (b.timesteps + g.time_batch - 1) / g.time_batch;
      uint64_t w = 0;
      for (int l = g.first; l <= g.last; ++l) w += n.layers[size_t(l)].weight_bytes;
      if (!g.fuse || batches < 2 || w > h.glb_weight.capacity) continue;
      for (int l = g.first; l <= g.last; ++l)
        if (n.layers[size_t(l)].compute) expect[size_t(row[size_t(l)])] -= double(uint64_t(batches - 1) * n.layers[size_t(l)].weight_bytes);
    }
    if (b.functional()) {
      EXPECT_EQ(n.layers[size_t(n.index("conv2"))].weight_bytes, 32u * 16 * 3 * 3);
    }
    EXPECT_EQ(column(j, "layers", "dram_bytes"), expect) << c.trace;
    Cost cost;
    EXPECT_EQ(model_dram(CostModel(n, h), mp, &cost), expect) << c.trace;
    expect_energy_agrees(b.functional() ? one_sample(c.trace, m, extra, d) : j, cost, h, std::string(c.trace) + " fused");
  }
}

// State removal runs too: conv2's membranes do not carry over (state: none), so the outputs
// differ from the reference (the function changed; the report's accuracy measures it), and
// the DRAM bytes are the model's (conv2 moves no membranes at all), energy and latency agree.
TEST(MapRun, StateRemovalChangesTheFunctionAndMatchesTheModel) {
  const std::string d = scratch("map_run_none");
  const std::string trace = "traces/fmnist_snn";
  const std::string m = write_mapping(d, "  - {first: conv1, last: fc, time_batch: 1}\n", "state: {conv2: none}\n");
  const CliResult r = cli("run " + src("platforms/sata/sata.yaml") + " --trace " + src(trace) + " -c mapping=" + m +
                          " --samples 8 --json " + d + "/r.json -q");
  ASSERT_EQ(r.code, 0) << r.err;
  const Json j = load_json(d + "/r.json");
  EXPECT_GT(summary(j, "reference_mismatch_samples"), 0);
  const Hierarchy h = sata("sata.yaml", trace);
  const bundle b = read_bundle(src(trace));
  const Network n = network_as_run(b, h.array);
  const CostModel model(n, h);
  const Mapping mp = read_mapping(m, n);
  Cost cost;
  EXPECT_EQ(model_dram(model, mp, &cost), column(j, "layers", "dram_bytes"));
  expect_energy_agrees(one_sample(trace, m, "", d), cost, h, "state removal");
  std::vector<Cost> per;
  model.evaluate(mp, &per);
  EXPECT_EQ(per[size_t(n.index("conv2"))].dram[state], 0u);
  EXPECT_GT(per[size_t(n.index("conv1"))].dram[state], 0u);
}
