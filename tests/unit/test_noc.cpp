// NoC units: hop counts of the H-tree and the mesh, energy per flit-hop, latency.
#include <gtest/gtest.h>

#include "hw/noc/noc.h"
#include "tests/helpers.h"

using namespace spiketlm;

namespace {
struct Fix {
  Context ctx;
  Fix() { ctx.tech.load_file(test::source_dir() + "/platforms/tech/spikesim_65nm.yaml"); }
};
}  // namespace

TEST(NocHTree, HopsClimbToTheCommonAncestorAndBack) {
  Fix f;
  HTree h("noc", f.ctx);
  h.set_tiles(16);
  EXPECT_EQ(h.hops(5, 5), 0);
  EXPECT_EQ(h.hops(0, 1), 2);
  EXPECT_EQ(h.hops(0, 2), 4);
  EXPECT_EQ(h.hops(3, 4), 6);
  EXPECT_EQ(h.hops(0, 15), 8);
  EXPECT_EQ(h.hops(9, 8), 2);
}

TEST(NocMesh, HopsAreManhattanDistanceOnTheGrid) {
  Fix f;
  Mesh m("noc", f.ctx);
  m.set_tiles(9);  // 3 x 3
  EXPECT_EQ(m.width(), 3);
  EXPECT_EQ(m.hops(0, 8), 4);
  EXPECT_EQ(m.hops(2, 6), 4);
  EXPECT_EQ(m.hops(4, 5), 1);
  m.set_tiles(10);  // 4 wide
  EXPECT_EQ(m.hops(0, 9), 1 + 2);
}

TEST(NocHTree, EnergyPerFlitHopAndPipelinedLatency) {
  Fix f;
  f.ctx.params.set("noc.flit_bytes", "8", "test");
  f.ctx.params.set("noc.hop_latency_ns", "4", "test");
  HTree h("noc", f.ctx);
  h.set_tiles(8);
  // 20 B = 3 flits; tiles 0 -> 4: 6 hops. Latency (6 + 3 - 1) x 4 ns; energy 3 x 6 x 19.64 pJ.
  EXPECT_DOUBLE_EQ(h.transfer(0, 4, 20), 32.0);
  EXPECT_NEAR(f.ctx.ledger.total_pj(0), 3 * 6 * 19.64, 1e-9);
  EXPECT_EQ(h.find_stat("flit_hops")->count, 18u);
  // Repeated transfers count energy each time; a transfer within a tile is free.
  h.transfer(1, 1, 64, 10);
  EXPECT_NEAR(f.ctx.ledger.total_pj(0), 3 * 6 * 19.64, 1e-9);
  h.transfer(0, 1, 8, 10);
  EXPECT_NEAR(f.ctx.ledger.total_pj(0), (18 + 20) * 19.64, 1e-9);
}
