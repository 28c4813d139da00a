// The IMC executor's pure parts, without SystemC: the crossbar mapping plan (hw/imc/mapping.h),
// the NoC schedule and global-buffer plan (hw/imc/noc_schedule.h) and SpikeSim's layer pipeline
// (hw/imc/pipeline.h). Every expected value is worked out by hand in the comments.
#include <gtest/gtest.h>

#include <cstdlib>

#include "hw/imc/mapping.h"
#include "hw/imc/noc_schedule.h"
#include "hw/imc/pipeline.h"

using namespace spiketlm;
using namespace spiketlm::imc;

namespace {

// Three layers on 2-PE tiles (so that partial sums cross tiles):
//   a: conv 100 -> 80, 3x3: row groups ceil(100/64) = 2, column groups ceil(80/64) = 2: 4 PEs
//      (PEs 0..3, tiles 0..1)
//   b: linear 150 -> 64 (a 1x1 convolution): 3 row groups x 1 column group: PEs 4..6, tiles 2..3
//   c: conv 128 -> 96, 3x3: 2 x 2: PEs 7..10, tiles 3..5
MapConfig two_pe_tiles() {
  MapConfig c;
  c.pes_per_tile = 2;
  return c;
}
std::vector<LayerShape> three_layers() { return {{"a", false, 100, 3, 3, 80}, {"b", true, 150, 1, 1, 64}, {"c", false, 128, 3, 3, 96}}; }

}  // namespace

TEST(ImcMapping, ConvRowAndColumnGroupsSlotsAndCells) {
  const LayerMap m = map_layer({"a", false, 100, 3, 3, 80}, MapConfig{});
  EXPECT_EQ(m.row_groups, 2);
  EXPECT_EQ(m.col_groups, 2);
  EXPECT_EQ(m.pes, 4);
  ASSERT_EQ(m.groups.size(), 2u);
  ASSERT_EQ(m.groups[1].size(), 9u);  // one crossbar per kernel position
  EXPECT_EQ(m.groups[1][4].c0, 64);
  EXPECT_EQ(m.groups[1][4].pos, 4);
  EXPECT_EQ(m.groups[1][4].rows, 36);  // channels 64..99
  EXPECT_EQ(m.cols(0), 64);
  EXPECT_EQ(m.cols(1), 16);            // 80 - 64
  EXPECT_EQ(m.slot(1, 1, 8), 35u);     // (1 x 2 + 1) x 9 + 8
  EXPECT_EQ(m.slots(), 36u);
  EXPECT_EQ(m.xbars_used, 36u);        // 2 column groups x 2 x 9
  // 64 columns: 9 x 64 x 64 + 9 x 36 x 64 = 57600; 16 columns: 9 x 64 x 16 + 9 x 36 x 16 = 14400
  EXPECT_EQ(m.cells_used, 72000u);
}

TEST(ImcMapping, KernelsLargerThanThePeTakeSeveralPesPerChunk) {
  const LayerMap m = map_layer({"k5", false, 10, 5, 5, 8}, MapConfig{});
  // 25 kernel positions over PEs of 9 crossbars: 9 + 9 + 7
  ASSERT_EQ(m.row_groups, 3);
  EXPECT_EQ(m.groups[0].size(), 9u);
  EXPECT_EQ(m.groups[2].size(), 7u);
  EXPECT_EQ(m.groups[2].front().pos, 18);
  EXPECT_EQ(m.groups[2].back().pos, 24);
  EXPECT_EQ(m.pes, 3);
}

TEST(ImcMapping, WeightRowsAndInputTaps) {
  XbarRows conv;
  conv.c0 = 64;
  conv.pos = 4;
  conv.rows = 36;
  EXPECT_EQ(weight_row(conv, 2, 9), 598u);  // channel 66 x 9 positions + position 4
  XbarRows flat;
  flat.flat = true;
  flat.f0 = 128;
  flat.rows = 64;
  EXPECT_EQ(weight_row(flat, 5, 1), 133u);
  conv.pos = 5;  // row 1, column 2 of a 3x3 kernel, padding 1
  const XbarTap t = tap(conv, 3, 1);
  EXPECT_EQ(t.dy, 0);
  EXPECT_EQ(t.dx, 1);
  EXPECT_EQ(t.start, 64);
  EXPECT_EQ(t.rows, 36);
  EXPECT_FALSE(t.flat);
  const XbarTap f = tap(flat, 3, 1);
  EXPECT_TRUE(f.flat);
  EXPECT_EQ(f.start, 128);
}

TEST(ImcMapping, PlacementTilesAndFit) {
  const ChipMap chip = map_network(three_layers(), two_pe_tiles());
  ASSERT_EQ(chip.layers.size(), 3u);
  EXPECT_EQ(chip.layers[1].first_pe, 4);
  EXPECT_EQ(chip.layers[1].first_tile, 2);
  EXPECT_EQ(chip.layers[1].last_tile, 3);
  EXPECT_EQ(chip.layers[2].first_pe, 7);
  EXPECT_EQ(chip.layers[2].first_tile, 3);
  EXPECT_EQ(chip.layers[2].last_tile, 5);   // PE 10
  EXPECT_EQ(chip.layers[2].pe_tile(1, 0, 2), 4);  // PE 7 + 2
  EXPECT_EQ(chip.pes, 11);
  EXPECT_EQ(chip.tiles, 6);
  EXPECT_EQ(first_unfit(chip, 5), 2);  // layer c needs tile 5
  EXPECT_EQ(first_unfit(chip, 3), 1);  // b needs tile 3
  EXPECT_EQ(first_unfit(chip, 6), -1);
  EXPECT_EQ(first_unfit(chip, 0), -1);  // a chip sized to the network
  MapConfig c = two_pe_tiles();
  c.layer_per_tile = true;  // a: PEs 0..3; b: 4..6; c: from PE 8 (tile 4) to PE 11 (tile 5)
  const ChipMap t = map_network(three_layers(), c);
  EXPECT_EQ(t.layers[2].first_pe, 8);
  EXPECT_EQ(t.layers[2].last_tile, 5);
  EXPECT_EQ(t.tiles, 6);
  EXPECT_EQ(t.xbars_allocated, 6u * 2 * 9);
}

TEST(ImcMapping, LifCircuitsPerColumnGroup) {
  EXPECT_EQ(lif_circuits(80, 64, 1), 80);
  EXPECT_EQ(lif_circuits(80, 64, 4), 16 + 4);
  EXPECT_EQ(lif_circuits(80, 64, 3), 22 + 6);  // ceil(64/3) + ceil(16/3)
  EXPECT_EQ(lif_circuits(10, 64, 1), 10);
}

namespace {

// The descriptor layers on the three-layer chip: 0 conv a (fires), 1 maxpool, 2 linear b (ANN,
// 4-bit activations), 3 conv c (no neuron), 4 add (operand 1: c, operand 2: b's activations).
std::vector<NetLayer> network() {
  std::vector<NetLayer> n(5);
  n[0] = {NetLayer::Kind::compute, 0, true, 0, -1, -1, 16, 80 * 16, 1, 8, 32, 100, true};
  n[1] = {NetLayer::Kind::pool, 1, false, -1, 0, -1, 4, 80 * 4, 1, 1, 32, 40, false};
  n[2] = {NetLayer::Kind::compute, 2, true, 1, 1, -1, 1, 64, 4, 1, 32, 40, false};
  n[3] = {NetLayer::Kind::compute, 3, false, 2, 2, -1, 1, 96, 32, 4, 32, 32, false};
  n[4] = {NetLayer::Kind::add, 4, true, -1, 3, 2, 1, 96, 1, 32, 4, 0, false};
  return n;
}

}  // namespace

TEST(ImcNocSchedule, ProducerIsTheLatestEarlierWriter) {
  const std::vector<uint64_t> out = {0x100, 0x200, 0x100, 0x300};
  EXPECT_EQ(producer(out, 3, 0x100), 2);
  EXPECT_EQ(producer(out, 2, 0x100), 0);  // not itself
  EXPECT_EQ(producer(out, 3, 0x200), 1);
  EXPECT_EQ(producer(out, 3, 0x300), -1);  // a later layer's output is DRAM for layer 3
  EXPECT_EQ(producer(out, 0, 0x100), -1);
}

TEST(ImcNocSchedule, TransfersHomesAndBytes) {
  const ChipMap chip = map_network(three_layers(), two_pe_tiles());
  const std::vector<LayerTraffic> tr = noc_schedule(network(), chip, 2);
  ASSERT_EQ(tr.size(), 5u);
  // conv a: home = its last tile 1, outputs to b's first tile 2: 1280 spikes = 160 B; its four
  // PEs pair up in tiles 0 and 1, so no partial sum crosses a tile.
  EXPECT_EQ(tr[0].home, 1);
  EXPECT_EQ(tr[0].next, 2);
  EXPECT_TRUE(tr[0].per_cycle.empty());
  ASSERT_EQ(tr[0].per_timestep.size(), 1u);
  EXPECT_EQ(tr[0].per_timestep[0].flow, Flow::output);
  EXPECT_EQ(tr[0].per_timestep[0].src, 1);
  EXPECT_EQ(tr[0].per_timestep[0].dst, 2);
  EXPECT_EQ(tr[0].per_timestep[0].bytes, 160u);
  // maxpool: in its producer's output path, no traffic of its own.
  EXPECT_EQ(tr[1].home, 1);
  EXPECT_TRUE(tr[1].per_timestep.empty());
  // linear b: PEs 4, 5 (tile 2) and 6 (tile 3): row group 2's 64 partial sums (256 B) go
  // 3 -> 2 per PE cycle; 64 4-bit activations (32 B) go from its last tile 3 to c's first tile 3.
  ASSERT_EQ(tr[2].per_cycle.size(), 1u);
  EXPECT_EQ(tr[2].per_cycle[0].flow, Flow::psum);
  EXPECT_EQ(tr[2].per_cycle[0].src, 3);
  EXPECT_EQ(tr[2].per_cycle[0].dst, 2);
  EXPECT_EQ(tr[2].per_cycle[0].bytes, 256u);
  EXPECT_EQ(tr[2].per_cycle[0].row_group, 2);
  ASSERT_EQ(tr[2].per_timestep.size(), 1u);
  EXPECT_EQ(tr[2].per_timestep[0].bytes, 32u);
  EXPECT_EQ(tr[2].home, 3);
  EXPECT_EQ(tr[2].next, 3);
  // conv c (no neuron): PEs (q, g) = (0,0) 7 tile 3, (0,1) 8 tile 4, (1,0) 9 tile 4, (1,1) 10
  // tile 5: partial sums 4 -> 3 (64 columns, 256 B) and 5 -> 4 (32 columns, 128 B); no output
  // map on the NoC (its accumulations go to the add in the same output path).
  ASSERT_EQ(tr[3].per_cycle.size(), 2u);
  EXPECT_EQ(tr[3].per_cycle[0].src, 4);
  EXPECT_EQ(tr[3].per_cycle[0].dst, 3);
  EXPECT_EQ(tr[3].per_cycle[0].bytes, 256u);
  EXPECT_EQ(tr[3].per_cycle[1].src, 5);
  EXPECT_EQ(tr[3].per_cycle[1].dst, 4);
  EXPECT_EQ(tr[3].per_cycle[1].bytes, 128u);
  EXPECT_EQ(tr[3].per_cycle[1].row_group, 1);
  EXPECT_TRUE(tr[3].per_timestep.empty());
  EXPECT_EQ(tr[3].home, 5);
  EXPECT_EQ(tr[3].next, 5);  // no later compute layer
  // add: in c's output path (tile 5); the shortcut (96 4-bit activations, 48 B) from b's home
  // 3, then its 96 spikes (12 B) to `next` = its own tile.
  EXPECT_EQ(tr[4].home, 5);
  ASSERT_EQ(tr[4].per_timestep.size(), 2u);
  EXPECT_EQ(tr[4].per_timestep[0].flow, Flow::shortcut);
  EXPECT_EQ(tr[4].per_timestep[0].src, 3);
  EXPECT_EQ(tr[4].per_timestep[0].dst, 5);
  EXPECT_EQ(tr[4].per_timestep[0].bytes, 48u);
  EXPECT_EQ(tr[4].per_timestep[1].flow, Flow::output);
  EXPECT_EQ(tr[4].per_timestep[1].bytes, 12u);
}

TEST(ImcNocSchedule, GlobalBufferPlanStaticExitAndDense) {
  std::vector<NetLayer> n = network();
  n[2].src = -1;  // a second DRAM-fed layer: one map for every timestep, untimed, not DRAM_BYTES
  // Static T = 4: layer 0's four maps read ahead through the buffer (100 B each fit 64 KB).
  GlbPlan g = glb_plan(n, 4, false, false, 65536, 40);
  ASSERT_EQ(g.inputs.size(), 2u);
  EXPECT_EQ(g.inputs[0].layer, 0);
  EXPECT_EQ(g.inputs[0].upfront, 4);
  EXPECT_FALSE(g.inputs[0].per_timestep);
  EXPECT_TRUE(g.inputs[0].via_glb);
  EXPECT_TRUE(g.inputs[0].counts_dram);
  EXPECT_EQ(g.inputs[1].layer, 2);
  EXPECT_EQ(g.inputs[1].upfront, 1);
  EXPECT_FALSE(g.inputs[1].via_glb);
  EXPECT_FALSE(g.inputs[1].counts_dram);
  EXPECT_FALSE(g.staged);
  EXPECT_EQ(g.output_path(65536), GlbPlan::OutputPath::via_glb);
  EXPECT_EQ(g.output_path(65537), GlbPlan::OutputPath::direct);
  // Early exit: one map up front, one per later timestep; the logits staged at 128 (100 rounded
  // up to 32 B), 128 + 4 x 40 = 288 B fit.
  g = glb_plan(n, 4, true, false, 65536, 40);
  EXPECT_EQ(g.inputs[0].upfront, 1);
  EXPECT_TRUE(g.inputs[0].per_timestep);
  EXPECT_FALSE(g.inputs[1].per_timestep);  // one map for every timestep
  EXPECT_TRUE(g.staged);
  EXPECT_EQ(g.stage, 128u);
  EXPECT_EQ(g.logit_bytes, 40u);
  EXPECT_EQ(g.output_path(1 << 20), GlbPlan::OutputPath::staged);
  // A 250-B buffer: the input map fits, the staging area does not.
  g = glb_plan(n, 4, true, false, 250, 40);
  EXPECT_TRUE(g.inputs[0].via_glb);
  EXPECT_FALSE(g.staged);
  EXPECT_EQ(g.output_path(160), GlbPlan::OutputPath::via_glb);
  EXPECT_EQ(g.output_path(251), GlbPlan::OutputPath::direct);
  // Dense SpikeSim mode: no input or logit timing.
  g = glb_plan(n, 4, true, true, 65536, 40);
  EXPECT_FALSE(g.inputs[0].via_glb);
  EXPECT_FALSE(g.staged);
}

TEST(ImcPipeline, PhysicalAndDenseTimes) {
  // Tm = 2, 100 ns PE cycles, fraction 0.75.
  //   A: 10 units, 5 ns extra: starts 0, ends 20 x 100 + 2 x 5 = 2010; B starts 7 x 2 = 14 cycles
  //      + A's extra 10 ns after it.
  //   B: 4 units, drain 3: starts 1410, ends max(1410 + 800, 2010 + 100) + 3 = 2213.
  //   C: no units, 2 ns extra: starts (14 + 3 x 2) x 100 + 10 = 2010, ends max(2014, 2313) = 2313.
  const std::vector<Stage> stages = {{0, 10, 5, 0}, {1, 4, 0, 3}, {2, 0, 2, 0}};
  PipelineConfig c;
  c.cycle_ns = 100;
  std::vector<StageTime> t;
  EXPECT_DOUBLE_EQ(run_pipeline(stages, 2, c, t), 2313);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_DOUBLE_EQ(t[0].end_ns, 2010);
  EXPECT_DOUBLE_EQ(t[1].start_ns, 1410);
  EXPECT_DOUBLE_EQ(t[1].end_ns, 2213);
  EXPECT_DOUBLE_EQ(t[2].start_ns, 2010);
  EXPECT_DOUBLE_EQ(t[2].end_ns, 2313);
  // Dense (SpikeSim): no minimum gap, no drain, the end is the last stage's halt.
  c.dense = true;
  EXPECT_DOUBLE_EQ(run_pipeline(stages, 2, c, t), 2014);
  EXPECT_DOUBLE_EQ(t[1].end_ns, 2210);
  // Over one timestep the next stage starts floor(0.75 x 10) = 7 cycles after A.
  c.dense = false;
  run_pipeline(stages, 1, c, t);
  EXPECT_DOUBLE_EQ(t[1].start_ns, 705);
}

TEST(ImcPipeline, StagesFromTheNetworkAndItsTraffic) {
  const ChipMap chip = map_network(three_layers(), two_pe_tiles());
  const std::vector<NetLayer> n = network();
  const std::vector<LayerTraffic> tr = noc_schedule(n, chip, 2);
  auto latency = [](const Transfer& t) { return double(t.bytes) + 10.0 * std::abs(t.src - t.dst); };
  StageConfig c;
  c.passes = 2;
  c.cycle_ns = 104;
  c.clk_ns = 4;
  c.chain_clocks = 64;  // C#4 at 16 clocks per update: one update 16 clocks, the chain 64
  c.share = 4;
  const std::vector<Stage> s = build_stages(n, tr, c, latency);
  ASSERT_EQ(s.size(), 4u);  // the maxpool has no stage
  // conv a: 16 pixels x 8 planes x 2 passes = 256 units; NoC 160 + 10 ns; the chain (256 ns)
  // hides behind a pixel's 16 PE cycles; drain (64 - 16) x 4 = 192 ns.
  EXPECT_EQ(s[0].units, 256u);
  EXPECT_DOUBLE_EQ(s[0].extra_ns, 170);
  EXPECT_DOUBLE_EQ(s[0].drain_ns, 192);
  // linear b: 1 pixel x 1 plane x 2 passes = 2 units (208 ns); the chain stalls 256 - 208 = 48
  // ns per pixel on top of its 32 ns on the NoC.
  EXPECT_EQ(s[1].layer, 2u);
  EXPECT_EQ(s[1].units, 2u);
  EXPECT_DOUBLE_EQ(s[1].extra_ns, 32 + 48);
  // conv c (no neuron): 1 pixel x 4 planes x 2 passes, nothing on top.
  EXPECT_EQ(s[2].units, 8u);
  EXPECT_DOUBLE_EQ(s[2].extra_ns, 0);
  EXPECT_DOUBLE_EQ(s[2].drain_ns, 0);
  // add: no units; shortcut 48 + 20 ns and output 12 ns; its producer c takes 4 x 2 x 104 =
  // 832 ns per pixel, longer than the chain: no stall.
  EXPECT_EQ(s[3].units, 0u);
  EXPECT_DOUBLE_EQ(s[3].extra_ns, 80);
  EXPECT_DOUBLE_EQ(s[3].drain_ns, 192);
  // Dense SpikeSim mode: a compute stage is OH OW Cout outputs x its input planes
  // (dense_planes), nothing else. Conv a reads an 8-plane map per timestep from DRAM: 1280 x 8;
  // the network's image (one map for all timesteps) counts 1 plane, as SpikeSim; conv c's
  // on-chip input has b's 4 planes: 96 x 4.
  c.dense = true;
  const std::vector<Stage> d = build_stages(n, tr, c, latency);
  EXPECT_EQ(d[0].units, 1280u * 8);
  EXPECT_EQ(d[1].units, 64u);
  EXPECT_EQ(d[2].units, 96u * 4);
  std::vector<NetLayer> image = n;
  image[0].input_per_t = false;
  EXPECT_EQ(build_stages(image, tr, c, latency)[0].units, 1280u);
  EXPECT_DOUBLE_EQ(d[0].extra_ns, 0);
  EXPECT_EQ(d[3].units, 0u);
  EXPECT_DOUBLE_EQ(d[3].extra_ns, 0);
}
