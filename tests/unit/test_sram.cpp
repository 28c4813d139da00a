// SRAM global buffer: bank conflicts against hand-calculated times, energy and leakage from
// the tech table, occupancy, configuration errors, access past capacity.
#include "hw/memory/sram.h"
#include "memory_fixture.h"

using namespace spiketlm;
using namespace spiketlm::test;
using sc_core::sc_time;

namespace {
Sram* make_glb(Context& ctx, const std::string& yaml = "glb: {capacity_kb: 144, banks: 2, block_bytes: 32, clock_mhz: 400}") {
  load_memory_tech(ctx);
  ctx.params.load_string(yaml, "test");
  return new Sram("glb", ctx);
}
constexpr int64_t kT = 2500;   // 400 MHz cycle in ps
}  // namespace

TEST(SramTiming, BankConflictSerialisesDifferentBanksOverlap) {
  Context ctx;
  Sram* g = make_glb(ctx);
  Initiator ini("ini");
  ini.out.bind(g->in);
  std::vector<int64_t> lat;
  ini.body = [&](Initiator& i) {
    // Same bank (blocks 0 and 2 are both on bank 0), arriving together: the second waits.
    sc_time a, b;
    lat.push_back(ps(i.read(0, 32, a)));
    lat.push_back(ps(i.read(64, 32, b)));
    // Different banks (blocks 4 and 5), arriving together later: both take one cycle.
    sc_time c(1, sc_core::SC_US), d = c;
    lat.push_back(ps(i.read(128, 32, c)));
    lat.push_back(ps(i.read(160, 32, d)));
    // A 256-B write: 8 blocks over 2 banks = 4 cycles.
    sc_time e(2, sc_core::SC_US);
    lat.push_back(ps(i.write(1024, 256, e)));
    // A 32-B read of bank 0 arriving one cycle into that write waits 3 cycles.
    sc_time f = sc_time(2, sc_core::SC_US) + sc_time(2.5, sc_core::SC_NS);
    lat.push_back(ps(i.read(0, 32, f)));
  };
  sc_core::sc_start();
  ASSERT_EQ(lat.size(), 6u);
  EXPECT_EQ(g->bank_of(0), g->bank_of(64));
  EXPECT_NE(g->bank_of(128), g->bank_of(160));
  EXPECT_EQ(lat[0], kT);
  EXPECT_EQ(lat[1], 2 * kT);
  EXPECT_EQ(lat[2], kT);
  EXPECT_EQ(lat[3], kT);
  EXPECT_EQ(lat[4], 4 * kT);
  EXPECT_EQ(lat[5], 3 * kT + kT);
  EXPECT_EQ(g->find_stat("bank_conflicts")->count, 2u);
  EXPECT_NEAR(g->find_stat("stall_ns")->real(), 2.5 + 7.5, 1e-9);
  EXPECT_EQ(g->find_stat("block_accesses")->count, 5u + 8u);
}

TEST(SramEnergy, AccessesTimesTableAndLeakageTimesTime) {
  Context ctx;
  Sram* g = make_glb(ctx);
  Initiator ini("ini");
  ini.out.bind(g->in);
  ini.body = [&](Initiator& i) {
    sc_time t;
    i.write(0, 100, t);     // blocks 0..3: 4 writes
    i.read(16, 32, t);      // blocks 0..1: 2 reads (unaligned)
    i.read(4096, 320, t);   // 10 reads
  };
  sc_core::sc_start();
  const double dyn = 4 * 28.22 + 12 * 28.63;   // FACTS.md s1: 144 KB GLB, per 32-B access
  EXPECT_NEAR(ctx.ledger.total_pj(0, "glb"), dyn, 1e-9);
  const double s = 3e-6;
  EXPECT_NEAR(ctx.ledger.total_pj(s, "glb"), dyn + 24.91e-3 * s * 1e12, 1e-6);
  EXPECT_EQ(g->find_stat("bytes_written")->count, 100u);
  EXPECT_EQ(g->find_stat("bytes_read")->count, 352u);
}

TEST(SramOccupancy, PeakFootprintAndRelease) {
  Context ctx;
  Sram* g = make_glb(ctx);
  Initiator ini("ini");
  ini.out.bind(g->in);
  ini.body = [&](Initiator& i) {
    sc_time t;
    i.write(0, 1024, t);
    i.write(512, 1024, t);           // overlaps: footprint 1536 B
    g->release(0, 1024);             // 32 blocks released
    i.write(8192, 64, t);
  };
  sc_core::sc_start();
  EXPECT_EQ(g->peak_occupancy_bytes(), 1536u);
  EXPECT_EQ(g->occupancy_bytes(), 512u + 64u);
  EXPECT_EQ(g->find_stat("peak_occupancy_bytes")->count, 1536u);
}

TEST(SramErrors, AccessPastCapacity) {
  Context ctx;
  Sram* g = make_glb(ctx);
  Initiator ini("ini");
  ini.out.bind(g->in);
  ini.body = [&](Initiator& i) {
    sc_time t;
    i.write(144 * 1024 - 16, 32, t);
  };
  EXPECT_EQ(error_of([] { sc_core::sc_start(); }),
            "spiketlm/sram: glb: write of 32 B at offset 0x23ff0 is past the capacity of 147456 B");
}

TEST(SramErrors, BadConfiguration) {
  {
    Context ctx;
    load_memory_tech(ctx);
    ctx.params.load_string("glb:\n  bank: 4\n", "plat.yaml");
    new Sram("glb", ctx);
    EXPECT_EQ(error_of([&] { ctx.params.check_unused(); }),
              "spiketlm/params: plat.yaml:2: glb.bank: unknown key (did you mean 'glb.banks'?)");
  }
  {
    Context ctx;
    load_memory_tech(ctx);
    ctx.params.load_string("g2:\n  clock_mhz: fast\n", "plat.yaml");
    EXPECT_EQ(error_of([&] { new Sram("g2", ctx); }),
              "spiketlm/params: plat.yaml:2: g2.clock_mhz: expected a number in [0.001, 100000], got 'fast'");
  }
  {
    Context ctx;
    load_memory_tech(ctx);
    ctx.params.load_string("g3:\n  banks: 0\n", "plat.yaml");
    EXPECT_EQ(error_of([&] { new Sram("g3", ctx); }),
              "spiketlm/params: plat.yaml:2: g3.banks: expected an integer in [1, 1024], got '0'");
  }
  {
    Context ctx;
    load_memory_tech(ctx);
    ctx.params.load_string("g4:\n  tech: glb_64kb\n", "plat.yaml");
    const std::string e = error_of([&] { new Sram("g4", ctx); });
    EXPECT_EQ(e.rfind("spiketlm/tech: g4: component 'glb_64kb' is not in the technology table (", 0), 0u) << e;
  }
  {
    Context ctx;
    ctx.tech.load_file(temp_file("glb_partial.yaml",
                                 "components:\n  glb_x:\n    source: test\n    actions:\n      read: 1\n"));
    ctx.params.load_string("g5: {tech: glb_x}", "plat.yaml");
    EXPECT_EQ(error_of([&] { new Sram("g5", ctx); }),
              "spiketlm/tech: g5: action 'write' of component 'glb_x' is missing from the technology table");
  }
}
