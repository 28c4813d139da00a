// BufferPlan (hw/compute/buffer_plan.h), alone, without SystemC: tiles, weight segments,
// resident input, bands, input-channel segments, output rows and refusals for hand-computed
// shapes, plus the invariants every plan keeps over a sweep of shapes and buffer sizes.
#include <gtest/gtest.h>

#include "hw/compute/buffer_plan.h"
#include "sw/include/spiketlm/accel_regs.h"

using namespace spiketlm;

namespace {

ConvGeom conv(int in_c, int h, int w, int out_c, int k, int stride, int pad) {
  ConvGeom g;
  g.in_c = in_c, g.in_h = h, g.in_w = w, g.out_c = out_c, g.kh = g.kw = k, g.stride = stride, g.pad = pad;
  g.out_h = (h + 2 * pad - k) / stride + 1;
  g.out_w = (w + 2 * pad - k) / stride + 1;
  return g;
}

// SATA's buffers (halves of 144 KB, 32 KB, 32 KB), a 16 x 8 array, 32-bit membranes.
ComputeShape sata(const ConvGeom& g, int planes) {
  ComputeShape s;
  s.g = g;
  s.planes = planes;
  s.rows = 16;
  s.cols = 8;
  s.weight_half = 72 * 1024;
  s.ifmap_half = 16 * 1024;
  s.ofmap_half = 16 * 1024;
  s.membrane_bytes = 4;
  return s;
}

}  // namespace

TEST(BufferPlan, DirectCodedFirstConvIsResidentInBandsOfSeventeenRows) {
  // Fashion-MNIST conv1: 1 x 28 x 28, 8 input planes, 16 filters 3x3, pad 1; membranes persist.
  ComputeShape s = sata(conv(1, 28, 28, 16, 3, 1, 1), 8);
  s.persist = true;
  const ComputePlan p = plan_compute(s);
  ASSERT_FALSE(p.refusal) << p.refusal.reason;
  EXPECT_EQ(p.in_pitch, 4u);
  EXPECT_EQ(p.map_bytes, 8u * 1 * 28 * 4);  // 896 B: fits half the ifmap GLB
  EXPECT_TRUE(p.resident);
  EXPECT_EQ(p.tiles, 2);
  EXPECT_EQ(p.block, 9u * 8);
  EXPECT_EQ(p.wsegs, 1);
  EXPECT_EQ(p.wchunk, p.block);
  EXPECT_EQ(p.in_segs, 1);
  // One output row of a tile: 8 filters x (4 B of spikes + 28 x 4 B of membranes) = 928 B;
  // 16384 / 928 = 17.6: bands of 17 rows, two bands.
  EXPECT_EQ(p.out_row_bytes, 928u);
  EXPECT_EQ(p.band_rows, 17);
  EXPECT_EQ(p.bands, 2);
}

TEST(BufferPlan, WeightSegmentsOfWholeInputChannels) {
  ComputeShape s = sata(conv(64, 8, 8, 8, 3, 1, 1), 1);
  s.weight_half = 1024;
  const ComputePlan p = plan_compute(s);
  ASSERT_FALSE(p.refusal) << p.refusal.reason;
  EXPECT_EQ(p.block, 64u * 9 * 8);     // 4608 B
  EXPECT_EQ(p.chan_bytes, 72u);
  EXPECT_EQ(p.seg_c, 14);              // 1024 / 72
  EXPECT_EQ(p.wsegs, 5);               // ceil(64 / 14)
  EXPECT_EQ(p.wchunk, 14u * 72);
}

TEST(BufferPlan, InputChannelSegmentsAndOneRowBands) {
  // 64 x 32 x 32 spikes, 3x3, pad 1, with a 512-B ifmap half: one output row of one channel
  // reads 3 rows x 4 B = 12 B, so 42 channels per segment; a band of r rows of 42 channels
  // reads 42 x (r + 2) x 4 B: r = 1.
  ComputeShape s = sata(conv(64, 32, 32, 8, 3, 1, 1), 1);
  s.ifmap_half = 512;
  const ComputePlan p = plan_compute(s);
  ASSERT_FALSE(p.refusal) << p.refusal.reason;
  EXPECT_FALSE(p.resident);
  EXPECT_EQ(p.in_seg_c, 42);
  EXPECT_EQ(p.in_segs, 2);
  EXPECT_EQ(p.band_rows, 1);
  EXPECT_EQ(p.bands, 32);
  EXPECT_EQ(p.band_in(s.g, 1, 1, 64), 768u);
}

TEST(BufferPlan, RefusalsNameTheSizes) {
  {  // input segments whose cycles depend on spikes not yet staged
    ComputeShape s = sata(conv(64, 32, 32, 8, 3, 1, 1), 1);
    s.ifmap_half = 512;
    s.segments_need_static_cycles = true;
    const ComputePlan p = plan_compute(s);
    EXPECT_EQ(p.refusal.code, uint32_t(ERR_NO_FIT));
    EXPECT_EQ(p.refusal.reason, "the input of one output row (768 B) exceeds half the ifmap GLB (512 B) and input "
                                "channel segments are not modelled with skip_zero_cycles");
  }
  {  // one input channel's weights
    ComputeShape s = sata(conv(4, 8, 8, 8, 3, 1, 1), 1);
    s.weight_half = 64;
    EXPECT_EQ(plan_compute(s).refusal.reason,
              "the weights of one input channel of a filter tile (72 B) exceed half the weight GLB (64 B)");
  }
  {  // tick-batch partial sums: 2 B per timestep per PE
    ComputeShape s = sata(conv(4, 8, 8, 8, 3, 1, 1), 1);
    s.psum_timesteps = 8;
    s.psum_spad_bytes = 8;
    EXPECT_EQ(plan_compute(s).refusal.reason, "tick-batch over 8 timesteps needs a 16-B psum scratchpad (have 8 B)");
  }
  {  // one row of one input channel
    ComputeShape s = sata(conv(4, 64, 200, 8, 5, 1, 2), 1);
    s.ifmap_half = 100;  // 5 rows x 25 B = 125 B
    EXPECT_EQ(plan_compute(s).refusal.reason,
              "the input of one output row of one input channel (125 B) exceeds half the ifmap GLB (100 B)");
  }
  {  // an output layer's int32 row: 8 filters x 100 pixels x 4 B
    ComputeShape s = sata(conv(4, 8, 100, 8, 1, 1, 0), 1);
    s.fires = false;
    s.ofmap_half = 2048;
    const ComputePlan p = plan_compute(s);
    EXPECT_EQ(p.refusal.code, uint32_t(ERR_NO_FIT));
    EXPECT_EQ(p.refusal.reason, "one output row of a filter tile (3200 B) exceeds half the ofmap GLB (2048 B)");
  }
}

TEST(BufferPlan, InputRowsOfABandIncludeTheHalo) {
  const ConvGeom g = conv(1, 32, 32, 8, 3, 1, 1);
  ComputePlan p;
  int y0 = -1;
  EXPECT_EQ(p.in_rows(g, 0, 4, y0), 5);    // rows 0..4 (the top pad row is not stored)
  EXPECT_EQ(y0, 0);
  EXPECT_EQ(p.in_rows(g, 4, 8, y0), 6);    // rows 3..8
  EXPECT_EQ(y0, 3);
  EXPECT_EQ(p.in_rows(g, 28, 32, y0), 5);  // rows 27..31
  EXPECT_EQ(y0, 27);
  const ConvGeom s2 = conv(1, 32, 32, 8, 3, 2, 0);  // 15 output rows
  EXPECT_EQ(p.in_rows(s2, 0, 3, y0), 7);   // rows 0..6
  EXPECT_EQ(p.in_rows(s2, 14, 15, y0), 3); // rows 28..30
  EXPECT_EQ(y0, 28);
}

TEST(BufferPlan, EveryPlanFitsItsBuffers) {
  int plans = 0, refused = 0;
  for (int in_c : {1, 3, 16, 64, 200})
    for (int hw : {4, 14, 32, 57})
      for (int k : {1, 3, 5})
        for (int stride : {1, 2})
          for (uint64_t ih : {256u, 2048u, 16384u})
            for (uint64_t oh : {512u, 4096u})
              for (bool persist : {false, true}) {
                if (k > hw) continue;
                ComputeShape s = sata(conv(in_c, hw, hw, 24, k, stride, k / 2), in_c == 3 ? 8 : 1);
                s.ifmap_half = ih;
                s.ofmap_half = oh;
                s.persist = persist;
                s.timesteps = 1;
                const ComputePlan p = plan_compute(s);
                if (p.refusal) {
                  ++refused;
                  EXPECT_EQ(p.refusal.code, uint32_t(ERR_NO_FIT));
                  continue;
                }
                ++plans;
                const ConvGeom& g = s.g;
                EXPECT_GE(p.bands * p.band_rows, g.out_h);
                EXPECT_LT((p.bands - 1) * p.band_rows, g.out_h);
                EXPECT_LE(p.out_row_bytes * uint64_t(p.band_rows), oh);
                EXPECT_GE(p.in_segs * p.in_seg_c, g.in_c);
                EXPECT_LE(p.wchunk * uint64_t(p.wsegs), p.block + p.wchunk);
                if (p.resident) {
                  EXPECT_LE(p.map_bytes, ih);
                  EXPECT_EQ(p.in_segs, 1);
                } else {
                  EXPECT_LE(p.band_in(g, s.planes, p.band_rows, p.in_seg_c), ih);
                  // the band is as tall as fits: one more row would not (or it is the whole map)
                  if (p.band_rows < g.out_h && p.out_row_bytes * uint64_t(p.band_rows + 1) <= oh) {
                    EXPECT_GT(p.band_in(g, s.planes, p.band_rows + 1, p.in_seg_c), ih);
                  }
                }
              }
  EXPECT_GT(plans, 300);
  EXPECT_GT(refused, 0);
}

TEST(BufferPlan, PoolingGroupsAndBands) {
  ConvGeom g = conv(16, 28, 28, 16, 2, 2, 0);  // 14 x 14 out
  // Whole layer at once: 16 channels x 28 rows x 4 B in, 16 x 14 x 2 B out.
  GroupPlan a = plan_pool(g, 1, 1, 16384, 16384);
  ASSERT_FALSE(a.refusal);
  EXPECT_EQ(a.group, 16);
  EXPECT_EQ(a.groups, 1);
  EXPECT_EQ(a.band_rows, 14);
  EXPECT_EQ(a.bands, 1);
  // 64-B halves: one output row of one channel is 2 x 4 = 8 B in: 8 channels per group, one row.
  GroupPlan b = plan_pool(g, 1, 1, 64, 64);
  ASSERT_FALSE(b.refusal);
  EXPECT_EQ(b.group, 8);
  EXPECT_EQ(b.groups, 2);
  EXPECT_EQ(b.band_rows, 1);
  EXPECT_EQ(b.bands, 14);
  GroupPlan c = plan_pool(g, 1, 1, 4, 64);
  EXPECT_EQ(c.refusal.code, uint32_t(ERR_NO_FIT));
  EXPECT_EQ(c.refusal.reason,
            "pooling: one output row of one channel needs 8 B of input and 2 B of output; half GLBs hold 4 and 64 B");
}

TEST(BufferPlan, ResidualAddGroupsAndBands) {
  // 16 channels of 14 x 14: per row of a channel 14 x 4 B of operand 1 + 2 B of spikes in,
  // 2 B of spikes + 14 x 4 B of membranes out (58 B each way).
  GroupPlan a = plan_add(16, 14, 58, 58, 1024, 1024);
  ASSERT_FALSE(a.refusal);
  EXPECT_EQ(a.group, 16);       // min(16, 1024 / 58 = 17)
  EXPECT_EQ(a.band_rows, 1);    // 1024 / (58 x 16) = 1
  EXPECT_EQ(a.bands, 14);
  GroupPlan b = plan_add(16, 14, 58, 58, 400, 4096);
  EXPECT_EQ(b.group, 6);        // 400 / 58
  EXPECT_EQ(b.groups, 3);
  EXPECT_EQ(b.band_rows, 1);
  GroupPlan c = plan_add(16, 14, 58, 58, 57, 4096);
  EXPECT_EQ(c.refusal.reason, "add: one row of one channel (58 B in, 58 B out) exceeds half a GLB");
}

// On-chip state: a group's on-chip layers take consecutive places in one region, in layer
// order, and every layer of the group (on chip or not) sees the group's whole region.
TEST(BufferPlan, OnChipStatesShareTheirGroupsRegion) {
  //                 layer:  0    1     2  3    4     5
  const std::vector<uint64_t> bytes{0, 100, 0, 40, 7, 0};
  const std::vector<int> group{0, 0, 0, 1, 1, 2};
  const std::vector<RegionSlot> s = place_regions(bytes, group);
  ASSERT_EQ(s.size(), 6u);
  const uint64_t reserved[] = {100, 100, 100, 47, 47, 0};
  const int64_t offset[] = {-1, 0, -1, 0, 40, -1};
  for (size_t l = 0; l < 6; ++l) {
    EXPECT_EQ(s[l].reserved, reserved[l]) << l;
    EXPECT_EQ(s[l].offset, offset[l]) << l;
  }
  EXPECT_EQ(glb_half(1000, s[0]), 450u);
  EXPECT_EQ(glb_half(1000, s[5]), 500u);
  EXPECT_EQ(glb_half(90, s[0]), 0u);  // the region takes it all
  // channels [8, 16) of a 4 x 5 map, rows from 2, 4-B membranes: the tile starts after 8
  // channels x 20 pixels, its rows hold 8 channels x 5 pixels each
  EXPECT_EQ(state_offset(8, 8, 20, 2, 5, 4), (8u * 20 + 2u * 8 * 5) * 4);
}

// Places that are reused: a map is needed from its producer until its last reader has run.
TEST(BufferPlan, LivePlacesAreReusedAfterTheirLastReader) {
  //                 layer:  0   1   2   3   4   5
  const std::vector<uint64_t> bytes{10, 20, 10, 0, 30, 5};
  const std::vector<int> last{1, 3, 3, -1, 5, 5};
  const std::vector<int> group{0, 0, 0, 0, 0, 1};
  const std::vector<RegionSlot> s = place_live(bytes, last, group);
  // 0 at [0, 10) until 1; 1 at [10, 30) until 3 (0 is freed after layer 1 ran, not before:
  // layer 1 still reads it); 2 takes the freed [0, 10); 4 starts after 3 ran: everything free
  const int64_t offset[] = {0, 10, 0, -1, 0, 0};
  for (size_t l = 0; l < 6; ++l) EXPECT_EQ(s[l].offset, offset[l]) << l;
  for (size_t l = 0; l < 5; ++l) EXPECT_EQ(s[l].reserved, 30u) << l;  // the peak: 0 and 1, or 4
  EXPECT_EQ(s[5].reserved, 5u);
}
