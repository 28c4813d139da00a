// The mapping explorer (sw/map): the network view against sizes computed here, the event
// counts, mapping files and their errors, infeasible mappings, the search's invariants, and the
// command line. Mappings against cycle-level runs: test_map_run.cpp.
#include <gtest/gtest.h>

#include "tests/integration/map_test_util.h"

using namespace spiketlm;
using namespace spiketlm::map;
using namespace spiketlm::test;
using namespace spiketlm::maptest;

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
