// The mapping explorer (sw/map): the network view against sizes computed here, the analytic
// model's per-layer DRAM bytes against the cycle-level SATA model on the two mappings SATA
// executes (output-stationary order and tick-batch = time-inner), mapping files and their
// errors, infeasible mappings, the search's invariants, and the command line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sw/map/hierarchy.h"
#include "sw/map/network_run.h"
#include "sw/map/search.h"
#include "tests/cli.h"
#include "traces/src/trace.h"

using namespace spiketlm;
using namespace spiketlm::map;
using namespace spiketlm::test;

namespace {

std::string src(const std::string& p) { return source_dir() + "/" + p; }

Hierarchy sata(const std::string& yaml, const std::string& trace) {
  return hierarchy_of({src("platforms/sata/" + yaml), {}, src(trace)});
}

// The cycle-level run's report (one sample).
Json tlm_run(const std::string& yaml, const std::string& trace) {
  const std::string out = scratch("map_tlm") + "/r.json";
  const CliResult r =
      cli("run " + src("platforms/sata/" + yaml) + " --trace " + src(trace) + " --samples 1 --json " + out + " -q");
  EXPECT_EQ(r.code, 0) << r.err;
  return load_json(out);
}

// Per-layer DRAM bytes of the model (flatten layers have no row in the run's table); `all`
// (if given) gets the mapping's cost.
std::vector<double> model_dram(const CostModel& m, const Mapping& mp, Cost* all = nullptr) {
  std::vector<Cost> per;
  const Cost c = m.evaluate(mp, &per);
  EXPECT_TRUE(c.fits()) << c.infeasible;
  if (all) *all = c;
  std::vector<double> v;
  for (size_t l = 0; l < per.size(); ++l)
    if (m.network().layers[l].name != "flatten") v.push_back(double(per[l].offchip_bytes()));
  return v;
}

// The model's energy per component and its latency against the cycle-level run's (per
// inference): every component and the total within 2 %, latency within 10 % (issue 21).
void expect_energy_agrees(const Json& j, const Cost& c, const Hierarchy& h, const std::string& what) {
  auto dyn = [&](const char* unit) { return table_cell(j, "energy_by_component", unit, "dynamic_uj"); };
  const struct {
    const char* part;
    double model, tlm;
  } parts[] = {
      {"dram", c.e_dram * 1e-6, dyn("dram")},
      {"glb", c.e_glb * 1e-6, dyn("glb_weight") + dyn("glb_ifmap") + dyn("glb_ofmap")},
      {"scratchpads", c.e_spad * 1e-6, dyn("scratchpads")},
      {"compute", c.e_compute * 1e-6, dyn("accumulate")},
      {"neuron", c.e_neuron * 1e-6, dyn("lif")},
      {"leakage", c.e_leak * 1e-6, summary(j, "leakage_energy_uj")},
      {"total", c.energy_pj() * 1e-6, summary(j, "energy_uj")},
  };
  for (const auto& p : parts) EXPECT_NEAR(p.model, p.tlm, 0.02 * p.tlm) << what << ": " << p.part << " (uJ)";
  const double us = summary(j, "latency_us");
  EXPECT_NEAR(c.latency_s(h.clock_hz) * 1e6, us, 0.10 * us) << what << ": latency (us)";
}

}  // namespace

TEST(MapNetwork, SizesOfVgg9FromTheShapes) {
  const bundle b = read_bundle(src("traces/workloads/vgg9_cifar10"));
  const Network n = network_of(b, ArrayShape{16, 8, 4});
  const MapLayer& c1 = n.layers[size_t(n.index("conv1"))];
  EXPECT_EQ(c1.weight_bytes, 3u * 9 * 64);           // 64 filters = 8 tiles of 8
  EXPECT_EQ(c1.in_bytes, 3u * 32 * 32);              // uint8 image, 8 bit planes of 4-byte rows
  EXPECT_EQ(c1.out_bytes, 64u * 32 * (32 / 8));      // spikes, one bit each
  EXPECT_EQ(c1.state_bytes, 64u * 32 * 32 * 4);      // 32-bit membranes
  const MapLayer& fc2 = n.layers[size_t(n.index("fc2"))];
  EXPECT_EQ(fc2.weight_bytes, 1024u * 16);           // 10 filters padded to 2 tiles of 8
  EXPECT_EQ(fc2.out_bytes, 10u * 4);                 // int32 accumulations
  EXPECT_EQ(fc2.state_bytes, 0u);
  const MapLayer& fc1 = n.layers[size_t(n.index("fc1"))];
  EXPECT_EQ(fc1.in_bytes, 256u * 4 * 1);             // pool3's 256 x 4 x 4 map, 1-byte rows
  // OS closed form per timestep (FACTS.md s3): folds x (R + C + W - 2), W = 9 x 3 x 8 planes
  EXPECT_EQ(c1.cycles_t, (1024u / 16) * (64u / 8) * (16 + 8 + 216 - 2));
}

// A DMA transfer as the TLM units count it, by hand: rows of 200 B in 128-B chunks; the DRAM
// charges every 128-B burst a chunk touches, the GLB every 32-B block. Row 0 at DRAM 64:
// chunks [64, 192) and [192, 264) touch 2 + 2 bursts; row 1 at 1064 (= 8 x 128 + 40): [1064,
// 1192) 2, [1192, 1264) 1. The GLB side at 0 and 200: [0, 128) 4 + [128, 200) 3 blocks,
// [200, 328) 5 + [328, 400) 3.
TEST(MapEvents, BurstsAndBlocksOfAStridedTransfer) {
  const Hierarchy h;
  const EventCounter ec(h);
  Events e;
  ec.load({64, 0, 2, 200, 1000, 0}, glb_i, e, 0);
  EXPECT_EQ(e.dram_rd, 7u);
  EXPECT_EQ(e.glb_wr[glb_i], 15u);
  EXPECT_EQ(e.dram_bytes, 400u);
  ec.write_back({0, 64, 2, 200, 0, 1000}, glb_o, e, 0);
  EXPECT_EQ(e.dram_wr, 7u);
  EXPECT_EQ(e.glb_rd[glb_o], 15u);
}

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

// STEMS' second benchmark, RED (sjoks93/STEMS inputs/workload/RED_LIF_T.py): the shapes its
// workload file gives, and its MAC-count comments for the first layer and the first 256-channel
// layer (dense MACs over T = 12), from the bundle the generator wrote.
TEST(MapNetwork, RedWorkloadHasStemsShapes) {
  const bundle b = read_bundle(src("traces/workloads/red_1mpx"));
  EXPECT_EQ(b.timesteps, 12);
  auto layer = [&](const std::string& name) -> const struct layer& {
    for (const auto& l : b.layers)
      if (l.name == name) return l;
    throw std::runtime_error("no layer " + name);
  };
  const std::vector<std::pair<std::string, tensor_shape>> out = {
      {"conv0", {32, 180, 320}},        {"conv1", {64, 180, 320}},        {"stage1.add", {64, 90, 160}},
      {"block2.add", {64, 90, 160}},    {"block3.add", {128, 90, 160}},   {"down1", {256, 45, 80}},
      {"down2", {256, 23, 40}},         {"down3", {256, 12, 20}},         {"down4", {256, 6, 10}},
      {"down5", {256, 3, 5}}};
  for (const auto& [name, shape] : out) EXPECT_EQ(shape_text(layer(name).out_shape), shape_text(shape)) << name;
  EXPECT_EQ(layer("conv0").dense_macs() * 12, 6502809600u);   // STEMS: mac_count = 6,502,809,600
  EXPECT_EQ(layer("down1").dense_macs() * 12, 12740198400u);  // STEMS: mac_count: 12,740,198,400
  EXPECT_EQ(b.classes, 256 * 3 * 5);
}

TEST(MapModel, StateTrafficFollowsTheTimeBatches) {
  const std::string trace = "traces/workloads/vgg9_cifar10";
  const bundle b = read_bundle(src(trace));
  const Hierarchy h = sata("sata.yaml", trace);
  const Network n = network_as_run(b, h.array);
  const CostModel m(n, h);
  uint64_t S = 0;
  for (const auto& l : n.layers) S += l.state_bytes;
  const int T = n.timesteps;
  EXPECT_EQ(m.evaluate(baseline(n)).dram[state], 2 * uint64_t(T - 1) * S);  // out and back between timesteps
  Mapping two = baseline(n);
  two.groups[0].time_batch = 2;                                         // 2 batches: one round trip
  EXPECT_EQ(m.evaluate(two).dram[state], 2 * S);
  EXPECT_EQ(m.evaluate(time_inner(n)).dram[state], 0u);
  Mapping none = baseline(n);
  for (auto& s : none.state) s = State::none;                           // state removal
  EXPECT_EQ(m.evaluate(none).dram[state], 0u);
}

TEST(MapModel, FusionKeepsSpikesOnChipAndChecksTheBuffer) {
  const std::string trace = "traces/workloads/vgg9_cifar10";
  const bundle b = read_bundle(src(trace));
  const Hierarchy h = sata("sata.yaml", trace);
  const Network n = network_as_run(b, h.array);
  const CostModel m(n, h);
  Mapping f = baseline(n);
  f.groups = {{0, 1, 1, true}, {2, int(n.layers.size()) - 1, 1, false}};  // conv1 -> conv2 fused
  std::vector<Cost> per, base;
  ASSERT_TRUE(m.evaluate(f, &per).fits());
  m.evaluate(baseline(n), &base);
  const int T = n.timesteps;
  EXPECT_EQ(base[0].dram[outputs] - per[0].dram[outputs], uint64_t(T) * n.layers[0].out_bytes);
  EXPECT_EQ(base[1].dram[inputs] - per[1].dram[inputs], uint64_t(T) * n.layers[1].in_bytes);
  // 4 timesteps of conv1's spikes (32 KB) fill the 32 KB ifmap GLB: conv1 has no slots left
  f.groups[0].time_batch = 4;
  const Cost c = m.evaluate(f);
  EXPECT_EQ(c.infeasible, "groups[0] (layer conv1): fuse: 32768 B of maps kept on chip leave too little of the ifmap GLB: "
                          "the input of one output row of one input channel (96 B) exceeds half the ifmap GLB (0 B)");
  f.groups[0].time_batch = 3;  // 24 KB of them leave two 4 KB halves, enough for conv1 and conv2
  EXPECT_TRUE(m.evaluate(f).fits()) << m.evaluate(f).infeasible;
  Mapping g = baseline(n);
  g.groups[0].time_batch = 2;
  for (size_t l = 0; l < n.layers.size(); ++l) g.state[l] = n.layers[l].state_bytes ? State::glb : State::dram;
  EXPECT_NE(m.evaluate(g).infeasible.find("exceed the state budget (32768 B)"), std::string::npos);
}

TEST(MapFile, RoundTripAndErrors) {
  const bundle b = read_bundle(src("traces/workloads/vgg9_cifar10"));
  const Network n = network_of(b, ArrayShape{});
  Mapping m = baseline(n);
  m.groups = {{0, 3, 2, true}, {4, int(n.layers.size()) - 1, 4, false}};
  m.state[1] = State::glb;
  m.state[3] = State::none;
  EXPECT_EQ(parse_mapping(to_yaml(m, n), "m.yaml", n), m);
  auto err = [&](const std::string& y) { return error_of([&] { parse_mapping(y, "m.yaml", n); }); };
  const std::string head = "format: spiketlm-mapping\n";
  EXPECT_EQ(err(head + "groups:\n  - {first: conv1, last: fc9, time_batch: 1}\n"),
            "m.yaml: groups[0].last: expected a layer of network 'vgg9_cifar10', got 'fc9'");
  EXPECT_EQ(err(head + "groups:\n  - {first: conv1, last: fc2, time_batch: 5}\n"),
            "m.yaml: groups[0].time_batch: expected an integer 1..4, got '5'");
  EXPECT_EQ(err(head + "groups:\n  - {first: conv1, last: conv2, time_batch: 1}\n  - {first: conv3, last: fc2, time_batch: 1}\n"),
            "m.yaml: groups[1].first: expected 'pool1' (groups cover the layers in order, each once), got 'conv3'");
  EXPECT_EQ(err(head + "groups:\n  - {first: conv1, last: conv2, time_batch: 1}\n"),
            "m.yaml: groups: expected groups up to the last layer 'fc2', got 'conv2'");
  EXPECT_EQ(err(head + "groups:\n  - {first: conv1, last: fc2, time_batch: 1}\nstate: {pool1: glb}\n"),
            "m.yaml: state.pool1: expected a layer with neuron state, got 'pool1'");
  EXPECT_EQ(err(head + "groups:\n  - {first: conv1, last: fc2, time_batch: 1}\nstate: {conv1: sram}\n"),
            "m.yaml: state.conv1: expected dram, glb or none, got 'sram'");
  EXPECT_EQ(err("groups: []\n"), "m.yaml: format: expected spiketlm-mapping, got ''");
}

TEST(MapSearch, ExhaustiveCoversTheSpaceAndBeatsTheBaselines) {
  const std::string trace = "traces/fmnist_snn";
  const bundle b = read_bundle(src(trace));
  const Hierarchy h = sata("sata.yaml", trace);
  const Network n = network_as_run(b, h.array);
  const CostModel m(n, h);
  SearchOptions o;
  o.allow_fuse = false;
  o.exhaustive_limit = uint64_t(space_size(n, h, o));  // 4 time batches x 5^(L-1) x 2^stateful
  const SearchResult r = search(m, o);
  EXPECT_EQ(r.method, "exhaustive");
  EXPECT_EQ(double(r.evaluated), r.space);
  EXPECT_LE(r.best.cost.energy_pj(), m.evaluate(baseline(n)).energy_pj());
  for (const Candidate& a : r.pareto) {
    EXPECT_TRUE(a.cost.fits());
    for (const Candidate& c : r.pareto) {
      const bool dom = a.cost.energy_pj() <= c.cost.energy_pj() && a.cost.cycles <= c.cost.cycles &&
                       a.cost.offchip_bytes() <= c.cost.offchip_bytes() && !(a.mapping == c.mapping) &&
                       (a.cost.energy_pj() < c.cost.energy_pj() || a.cost.cycles < c.cost.cycles ||
                        a.cost.offchip_bytes() < c.cost.offchip_bytes());
      EXPECT_FALSE(dom) << "a Pareto point dominates another";
    }
  }
}

TEST(MapSearch, AnnealingIsSeededAndNeverWorseThanTheBaseline) {
  const std::string trace = "traces/workloads/resnet18_tinyimagenet";
  const bundle b = read_bundle(src(trace));
  const Hierarchy h = sata("sata.yaml", trace);
  const Network n = network_as_run(b, h.array);
  const CostModel m(n, h);
  SearchOptions o;
  o.iterations = 3000;
  o.objective = Objective::offchip;
  const SearchResult a = search(m, o), c = search(m, o);
  EXPECT_EQ(a.method, "annealing");
  EXPECT_EQ(a.best.mapping, c.best.mapping);
  EXPECT_LE(a.best.cost.offchip_bytes(), m.evaluate(baseline(n)).offchip_bytes());
}

TEST(MapCli, WritesAMappingThatEvaluatesToTheSameCost) {
  const std::string d = scratch("map_cli");
  const std::string args = "map " + src("platforms/sata/sata.yaml") + " --trace " + src("traces/fmnist_snn");
  const CliResult r = cli(args + " --out " + d + "/best.yaml --json " + d + "/s.json -q");
  ASSERT_EQ(r.code, 0) << r.err;
  const CliResult e = cli(args + " --evaluate " + d + "/best.yaml --json " + d + "/e.json -q");
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(column(load_json(d + "/s.json"), "comparison", "best"), column(load_json(d + "/e.json"), "comparison", "best"));
  const CliResult bad = cli(args + " --evaluate " + d + "/missing.yaml");
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.err, "spiketlm: error: spiketlm/map: " + d + "/missing.yaml: file: expected a readable mapping file (YAML), got none (No such file or directory)\n");
  const CliResult ann = cli("map " + src("platforms/sata/sata.yaml") + " --trace " + src("traces/fmnist_ann8"));
  EXPECT_EQ(ann.code, 1);
  EXPECT_NE(ann.err.find("network: expected an SNN bundle"), std::string::npos) << ann.err;
  EXPECT_EQ(cli(args + " --objective speed").code, 1);
  // a bundle the platform refuses while elaborating: one line naming file and field, as `run` says it
  const std::string bad_dir = scratch("map_cli_bad");
  std::ifstream in(src("traces/workloads/vgg9_cifar10/trace.yaml"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string last = "out_features: 10, input_rate: 0.1, neuron: none}";
  ASSERT_NE(text.find(last), std::string::npos);
  text.replace(text.find(last), last.size(), "out_features: 10, input_rate: 0.1, neuron: {model: lif, share: 1}}");
  std::ofstream(bad_dir + "/trace.yaml") << text;
  const CliResult fires = cli("map " + src("platforms/sata/sata.yaml") + " --trace " + bad_dir + " -q");
  EXPECT_EQ(fires.code, 1);
  EXPECT_EQ(fires.err, "spiketlm: error: spiketlm/trace: " + bad_dir +
                           "/trace.yaml: layers[12]: expected the output layer (conv2d or linear without neuron), got "
                           "linear with a neuron\n");
}

namespace {

std::string write_mapping(const std::string& dir, const std::string& groups, const std::string& extra = "") {
  const std::string f = dir + "/m.yaml";
  std::ofstream(f) << "format: spiketlm-mapping\ngroups:\n" << groups << extra;
  return f;
}

// The run a functional bundle's energy is checked on: one sample, as the model counts sample 0's
// accumulates (accumulates.h; over 8 Fashion-MNIST samples the run has 7 % more).
Json one_sample(const std::string& trace, const std::string& mapping, const std::string& extra, const std::string& dir) {
  const std::string out = dir + "/one.json";
  const CliResult r = cli("run " + src("platforms/sata/sata.yaml") + " --trace " + src(trace) + " -c mapping=" + mapping +
                          extra + " --samples 1 --json " + out + " -q");
  EXPECT_EQ(r.code, 0) << r.err;
  return load_json(out);
}

}  // namespace

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

// `spiketlm map --executable` searches only what the cycle-level model runs: its best mapping
// runs with -c mapping=, and the run's per-layer DRAM bytes are the ones the search priced.
TEST(MapCli, AnExecutableBestMappingRunsAndCostsWhatTheSearchSaid) {
  const std::string d = scratch("map_exec");
  const std::string trace = src("traces/workloads/vgg9_cifar10"), cfg = src("platforms/sata/sata.yaml");
  const CliResult s = cli("map " + cfg + " --trace " + trace + " --executable --objective offchip --out " + d +
                          "/best.yaml --json " + d + "/s.json -q");
  ASSERT_EQ(s.code, 0) << s.err;
  const std::string y = slurp(d + "/best.yaml");
  const CliResult r = cli("run " + cfg + " --trace " + trace + " -c mapping=" + d + "/best.yaml --json " + d + "/r.json -q");
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<double> best = column(load_json(d + "/s.json"), "layers", "offchip_best_bytes");
  best.erase(best.begin() + 10);  // flatten: no row in the run's table
  EXPECT_EQ(best, column(load_json(d + "/r.json"), "layers", "dram_bytes"));
}
