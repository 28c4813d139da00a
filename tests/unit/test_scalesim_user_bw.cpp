// SCALE-Sim v2's USER bandwidth mode (hw/compute/scalesim_user_bw.h): compute, stall and total
// cycles against the closed forms (no stall), against a literal step-by-step replay of its
// buffers written here (scalesim_reference.h), and against what SCALE-Sim itself printed.
#include <gtest/gtest.h>

#include <string>

#include "hw/compute/scalesim_user_bw.h"
#include "tests/unit/scalesim_reference.h"

using namespace spiketlm;
namespace ref = spiketlm::test::scalesim_ref;

namespace {

scalesim::Mapping mapping(const std::string& df) {
  return df == "os" ? scalesim::Mapping::output_stationary
                    : df == "ws" ? scalesim::Mapping::weight_stationary : scalesim::Mapping::input_stationary;
}

scalesim::UserBwCycles model(const std::string& df, const ref::Layer& l, const ref::Config& c) {
  scalesim::Topology t{uint64_t(l.H), uint64_t(l.W), uint64_t(l.kh), uint64_t(l.kw),
                       uint64_t(l.C), uint64_t(l.K),  uint64_t(l.s)};
  scalesim::MemoryConfig m{uint64_t(c.R),        uint64_t(c.Cc),       uint64_t(c.ifmap_kb),
                           uint64_t(c.filter_kb), uint64_t(c.ofmap_kb), uint64_t(c.bw)};
  return scalesim::user_bandwidth_cycles(mapping(df), t, m);
}

// Layer shapes as SCALE-Sim topology rows (padded input, no padding): convolutions with
// stride 1, 2 and 3 (the last with windows past the edge: ceil output size), 1x1, and two FC
// layers (a 1x1 input whose window is the whole input).
const ref::Layer kLayers[] = {
    {10, 10, 3, 3, 4, 16, 1},  {12, 12, 3, 3, 8, 24, 2}, {12, 12, 5, 5, 2, 12, 3},
    {8, 8, 1, 1, 16, 32, 1},   {1, 1, 1, 1, 128, 40, 1}, {1, 1, 1, 1, 200, 10, 1},
};
const char* kLayerNames[] = {"conv3x3/1", "conv3x3/2", "conv5x5/3", "conv1x1", "fc128x40", "fc200x10"};

// The closed form without stalls (FACTS.md s3): folds x cycles per fold - 1.
long closed_form(const std::string& df, const ref::Layer& l, long R, long C) {
  const long npx = ref::ofmap_dim(l.H, l.kh, l.s) * ref::ofmap_dim(l.W, l.kw, l.s), W = l.kh * l.kw * l.C;
  if (df == "os") return ref::cdiv(npx, R) * ref::cdiv(l.K, C) * (R + C + W - 2) - 1;
  if (df == "ws") return ref::cdiv(W, R) * ref::cdiv(l.K, C) * (2 * R + C + npx - 2) - 1;
  return ref::cdiv(W, R) * ref::cdiv(npx, C) * (2 * R + C + l.K - 2) - 1;
}

}  // namespace

TEST(ScaleSimUserBw, NoStallsWhenTheBuffersHoldEveryOperandAndTheClosedFormsHold) {
  // 1 MB SRAMs hold every operand of these layers in their active halves and the outputs never
  // fill the drain half: SCALE-Sim reports no stalls and its total is the closed form.
  for (const std::string df : {"os", "ws", "is"})
    for (auto [R, C] : {std::pair<long, long>{4, 4}, {16, 8}, {32, 32}})
      for (size_t i = 0; i < std::size(kLayers); ++i) {
        const auto r = model(df, kLayers[i], {R, C, 1024, 1024, 1024, 4});
        const long cf = closed_form(df, kLayers[i], R, C);
        EXPECT_EQ(long(r.compute), cf) << df << " " << R << "x" << C << " " << kLayerNames[i];
        EXPECT_EQ(r.stall, 0u) << df << " " << R << "x" << C << " " << kLayerNames[i];
        EXPECT_EQ(long(r.total), cf) << df << " " << R << "x" << C << " " << kLayerNames[i];
      }
}

TEST(ScaleSimUserBw, StallAndTotalCyclesEqualAStepByStepReplayOfItsBuffers) {
  // Small SRAMs (1-2 kB: the operands do not fit) at 1, 3 and 10 words/cycle stall; 64 kB at
  // 64 words/cycle does not. Arrays from 4x4 to 32x16.
  const ref::Config cfgs[] = {{8, 8, 1, 1, 1, 1},   {16, 8, 1, 1, 1, 3},   {4, 16, 1, 2, 1, 10},
                              {32, 16, 2, 1, 1, 3}, {4, 4, 64, 64, 64, 64}, {16, 8, 64, 64, 64, 64}};
  long stalled = 0, free_runs = 0;
  for (const std::string df : {"os", "ws", "is"})
    for (const ref::Config& c : cfgs)
      for (size_t i = 0; i < std::size(kLayers); ++i) {
        const ref::Result want = ref::run(df, kLayers[i], c);
        const auto got = model(df, kLayers[i], c);
        const std::string at = df + " " + std::to_string(c.R) + "x" + std::to_string(c.Cc) + " bw " +
                               std::to_string(c.bw) + " " + kLayerNames[i];
        EXPECT_EQ(long(got.stall), want.stall) << at;
        EXPECT_EQ(long(got.total), want.total) << at;
        EXPECT_EQ(long(got.compute), want.rows - 1) << at;
        EXPECT_EQ(long(got.compute), closed_form(df, kLayers[i], c.R, c.Cc)) << at;
        (want.stall > 0 ? stalled : free_runs) += 1;
      }
  // Both regimes are exercised.
  EXPECT_GT(stalled, 40);
  EXPECT_GT(free_runs, 20);
}

TEST(ScaleSimUserBw, EqualsWhatScaleSimV2PrintedForTheSameLayers) {
  // COMPUTE_REPORT.csv "Total Cycles" and "Stall Cycles" of scale-sim-v2 at 22f88b1, run on
  // 2026-12-05 with Debian's python3-numpy (one layer per run, InterfaceBandwidth: USER;
  // sw/doc/FIDELITY.md section 1 lists the command).
  struct Case {
    const char* df;
    ref::Config c;
    ref::Layer l;
    long total, stall;
  };
  const Case cases[] = {
      {"os", {8, 8, 1, 1, 1, 4}, {10, 10, 3, 3, 4, 16, 1}, 2266, 1467},
      {"os", {16, 8, 1, 1, 1, 10}, {12, 12, 3, 3, 8, 24, 2}, 1507, 662},
      {"os", {32, 4, 2, 2, 2, 8}, {8, 8, 3, 3, 16, 32, 1}, 5250, 2403},
      {"os", {8, 8, 1, 1, 1, 1}, {1, 1, 1, 1, 128, 40, 1}, 9808, 9099},
      {"ws", {8, 8, 1, 1, 1, 4}, {10, 10, 3, 3, 4, 16, 1}, 1737, 878},
      {"ws", {4, 16, 1, 2, 1, 2}, {9, 9, 3, 3, 3, 20, 2}, 727, 196},
      {"ws", {32, 4, 2, 2, 2, 8}, {8, 8, 3, 3, 16, 32, 1}, 24031, 19952},
      {"ws", {16, 8, 64, 64, 64, 10}, {7, 7, 3, 3, 16, 16, 1}, 1133, 0},
      {"is", {8, 8, 1, 1, 1, 4}, {10, 10, 3, 3, 4, 16, 1}, 8171, 6652},
      {"is", {16, 8, 1, 1, 1, 10}, {12, 12, 3, 3, 8, 24, 2}, 2363, 814},
      {"is", {16, 8, 1, 1, 1, 3}, {1, 1, 1, 1, 200, 10, 1}, 4664, 4041},
      {"is", {8, 4, 1, 1, 1, 16}, {11, 11, 5, 5, 2, 12, 3}, 629, 0},
  };
  for (const Case& k : cases) {
    const auto r = model(k.df, k.l, k.c);
    EXPECT_EQ(long(r.total), k.total) << k.df << " " << k.c.R << "x" << k.c.Cc;
    EXPECT_EQ(long(r.stall), k.stall) << k.df << " " << k.c.R << "x" << k.c.Cc;
  }
}

TEST(ScaleSimUserBw, BadShapesAndConfigurationsAreRefused) {
  EXPECT_THROW(model("os", {2, 2, 3, 3, 1, 1, 1}, {4, 4, 1, 1, 1, 1}), std::invalid_argument);
  EXPECT_THROW(model("os", {4, 4, 3, 3, 1, 1, 0}, {4, 4, 1, 1, 1, 1}), std::invalid_argument);
  EXPECT_THROW(model("ws", {4, 4, 3, 3, 1, 1, 1}, {4, 4, 1, 1, 1, 0}), std::invalid_argument);
}
