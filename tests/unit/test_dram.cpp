// DRAM: timing against hand-calculated JEDEC formulas, energy = counts x table values,
// configuration errors. Each TEST runs in its own process (one elaboration each).
#include "hw/memory/dram.h"
#include "memory_fixture.h"
#include "tlm/boundary.h"

using namespace spiketlm;
using namespace spiketlm::test;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {
// DDR4-2400 preset values (dram.md; DRAMSys memspec MICRON_4Gb_DDR4-2400_8bit_A), in ps.
constexpr int64_t kTck = 833;
constexpr int64_t kCL = 16 * kTck, kCWL = 16 * kTck, kRCD = 16 * kTck, kRP = 16 * kTck, kRAS = 39 * kTck,
                  kWR = 18 * kTck;
constexpr int64_t kBurst = 4 * kTck;   // BL8 on a DDR bus: 4 clocks
constexpr int64_t kBurstBytes = 64;    // 64-bit bus x BL8

Dram* make_ddr4(Context& ctx, const std::string& extra = "") {
  load_memory_tech(ctx);
  if (!extra.empty()) ctx.params.load_string(extra, "test");
  return new Dram("dram", ctx, dram_preset("ddr4"));
}
}  // namespace

TEST(DramTiming, RowHitsAndMissesOnOneBank) {
  Context ctx;
  Dram* d = make_ddr4(ctx);
  Initiator ini("ini");
  ini.out.bind(d->in);
  const uint64_t row0 = d->offset_of(0, 3, 5), row1 = d->offset_of(0, 3, 9);
  std::vector<int64_t> lat;
  ini.body = [&](Initiator& i) {
    sc_time delay;  // each access arrives when the previous one completed
    lat.push_back(ps(i.read(row0, 64, delay)));          // bank precharged: activate
    lat.push_back(ps(i.read(row0 + 64, 64, delay)));     // same row: hit
    lat.push_back(ps(i.read(row1, 64, delay)));          // other row: precharge + activate
    lat.push_back(ps(i.write(row1 + 128, 64, delay)));   // hit (write)
    lat.push_back(ps(i.read(row0, 128, delay)));         // miss after a write: waits tWR
  };
  sc_core::sc_start();
  ASSERT_TRUE(ini.done);
  ASSERT_EQ(lat.size(), 5u);
  EXPECT_EQ(lat[0], kRCD + kCL + kBurst);
  EXPECT_EQ(lat[1], kCL + kBurst);
  // The third access arrives at tRCD + 2 CL + 2 bursts = 56 tCK > tRAS (39) and > the read's
  // tRTP window, so nothing but the precharge, activate and read remain:
  ASSERT_GT(2 * kCL + kRCD + 2 * kBurst, kRAS);
  EXPECT_EQ(lat[2], kRP + kRCD + kCL + kBurst);
  EXPECT_EQ(lat[3], kCWL + kBurst);
  EXPECT_EQ(lat[4], kWR + kRP + kRCD + kCL + 2 * kBurst);
  EXPECT_EQ(d->find_stat("row_hits")->count, 2u);
  EXPECT_EQ(d->find_stat("row_misses")->count, 2u);
  EXPECT_EQ(d->find_stat("row_empty")->count, 1u);
  EXPECT_EQ(d->find_stat("bursts")->count, 6u);
  EXPECT_EQ(d->find_stat("bytes_read")->count, 64u * 3 + 128);
  EXPECT_EQ(d->find_stat("bytes_written")->count, 64u);
  EXPECT_EQ(d->open_row(0, 3), 5);

  // Energy: 3 activates, 2 precharges, 5 read bursts, 1 write burst x dram.yaml values.
  const auto& tc = ctx.tech.component("dram_ddr4_2400", "test");
  const double expect = 3 * tc.actions.at("activate").energy_pj + 2 * tc.actions.at("precharge").energy_pj +
                        5 * tc.actions.at("read").energy_pj + 1 * tc.actions.at("write").energy_pj;
  EXPECT_NEAR(ctx.ledger.total_pj(0, "dram"), expect, 1e-6);
  EXPECT_NEAR(expect, 3 * 7855.357 + 2 * 3958.416 + 5 * 4494.202 + 3990.403, 1e-6);
  // Leakage (background power) x time: 367.2 mW for 1 us = 367200 pJ.
  EXPECT_NEAR(ctx.ledger.total_pj(1e-6, "dram") - ctx.ledger.total_pj(0, "dram"), 367.2e-3 * 1e-6 * 1e12, 1e-6);
}

TEST(DramTiming, BandwidthBoundLongBurst) {
  Context ctx;
  Dram* d = make_ddr4(ctx);
  Initiator ini("ini");
  ini.out.bind(d->in);
  const unsigned bytes = 32768;   // four 8-KB rows, mapped to four banks (row:bank:column)
  int64_t lat = 0;
  ini.body = [&](Initiator& i) {
    sc_time delay;
    lat = ps(i.read(0, bytes, delay));
  };
  sc_core::sc_start();
  // Rows after the first activate in other banks while the bus is busy: only the first
  // activate and CAS latency show; then the bus streams at bus bytes x 2 per tCK.
  const double bytes_per_ps = 8.0 * 2 / kTck;
  EXPECT_EQ(lat, kRCD + kCL + int64_t(bytes / bytes_per_ps + 0.5));
  EXPECT_EQ(lat, kRCD + kCL + (bytes / kBurstBytes) * kBurst);
  EXPECT_EQ(d->find_stat("activates")->count, 4u);
  EXPECT_EQ(d->find_stat("row_empty")->count, 4u);
  const double gbps = bytes / (lat * 1e-3);   // bytes per ns
  EXPECT_GT(gbps, 18.5);                      // DDR4-2400 x64 peak: 19.2 GB/s
  EXPECT_LT(gbps, 19.21);
}

TEST(DramTiming, BankParallelAccessesOverlap) {
  Context ctx;
  Dram* d = make_ddr4(ctx);
  Initiator ini("ini");
  ini.out.bind(d->in);
  std::vector<int64_t> lat;
  ini.body = [&](Initiator& i) {
    // Two reads issued at the same local time to banks 0 and 1.
    sc_time a, b;
    lat.push_back(ps(i.read(d->offset_of(0, 0, 1), 64, a)));
    lat.push_back(ps(i.read(d->offset_of(0, 1, 1), 64, b)));
    // Later, two reads at the same time to different rows of bank 2.
    sc_time c = sc_time(10, sc_core::SC_US), e = c;
    lat.push_back(ps(i.read(d->offset_of(0, 2, 1), 64, c) ));
    lat.push_back(ps(i.read(d->offset_of(0, 2, 7), 64, e)));
  };
  sc_core::sc_start();
  ASSERT_EQ(lat.size(), 4u);
  EXPECT_EQ(lat[0], kRCD + kCL + kBurst);
  EXPECT_EQ(lat[1], kRCD + kCL + 2 * kBurst);   // activated in parallel, waits only for the bus
  EXPECT_EQ(lat[2], kRCD + kCL + kBurst);
  // Same bank, other row: precharge no earlier than tRAS after the first activate.
  EXPECT_EQ(lat[3], kRAS + kRP + kRCD + kCL + kBurst);
}

TEST(DramTiming, RefreshBlocksAndClosesRows) {
  Context ctx;
  Dram* d = make_ddr4(ctx, "dram: {refresh: true}");
  Initiator ini("ini");
  ini.out.bind(d->in);
  const int64_t trefi = 4680 * kTck, trfc = 313 * kTck;
  std::vector<int64_t> lat;
  ini.body = [&](Initiator& i) {
    sc_time t;
    lat.push_back(ps(i.read(0, 64, t)));
    sc_time u = sc_time(double(trefi + 10 * kTck), sc_core::SC_PS);   // inside the first refresh
    lat.push_back(ps(i.read(64, 64, u)));
  };
  sc_core::sc_start();
  EXPECT_EQ(lat[0], kRCD + kCL + kBurst);
  // Waits for the refresh to end; the refresh closed the row, so it activates again.
  EXPECT_EQ(lat[1], (trfc - 10 * kTck) + kRCD + kCL + kBurst);
  EXPECT_EQ(d->find_stat("refreshes")->count, 1u);
  EXPECT_EQ(d->find_stat("row_empty")->count, 2u);
  EXPECT_EQ(d->find_stat("row_hits")->count, 0u);
}

TEST(DramEnergy, SataPresetChargesPerAccess) {
  Context ctx;
  load_memory_tech(ctx);
  Dram* d = new Dram("dram", ctx, dram_preset("sata"));
  EXPECT_EQ(d->burst_bytes(), 128u);
  EXPECT_EQ(d->size_bytes(), 512ull << 20);
  EXPECT_EQ(d->banks(), 16u);
  Initiator ini("ini");
  ini.out.bind(d->in);
  std::vector<uint8_t> w(1000), r(1000);
  for (size_t k = 0; k < w.size(); ++k) w[k] = uint8_t(k * 13 + 1);
  ini.body = [&](Initiator& i) {
    sc_time t;
    i.write(100, 1000, t, w.data());   // bytes 100..1099: 128-B accesses 0..8 = 9 accesses
    i.read(100, 1000, t, r.data());
  };
  sc_core::sc_start();
  EXPECT_EQ(r, w);
  EXPECT_EQ(d->find_stat("bursts")->count, 18u);
  EXPECT_NEAR(ctx.ledger.total_pj(0, "dram"), 18 * 468.762, 1e-6);
  // No leakage in the SATA table: energy does not grow with time.
  EXPECT_NEAR(ctx.ledger.total_pj(1.0, "dram"), 18 * 468.762, 1e-6);
}

TEST(DramConfig, PresetsDifferOnlyInDefaults) {
  Context ctx;
  load_memory_tech(ctx);
  ctx.params.load_string("lp: {row_bytes: 4096, tck_ns: 0.5}", "test");
  Dram* lp = new Dram("lp", ctx, dram_preset("lpddr4"));
  EXPECT_EQ(lp->burst_bytes(), 32u);           // x16, BL16
  EXPECT_EQ(lp->banks(), 8u);
  EXPECT_EQ(lp->row_bytes(), 4096u);           // overridden
  EXPECT_EQ(ps(lp->tck()), 500);               // overridden
  EXPECT_EQ(ps(lp->burst_time()), 8 * 500);
  const auto m = lp->decode(lp->offset_of(0, 5, 77, 100));
  EXPECT_EQ(m.bank, 5u);
  EXPECT_EQ(m.row, 77u);
  EXPECT_EQ(m.column, 100u);
}

TEST(DramErrors, UnknownKeyWrongTypeOutOfRange) {
  {
    Context ctx;
    load_memory_tech(ctx);
    ctx.params.load_string("d1:\n  tcas: 11\n", "plat.yaml");
    new Dram("d1", ctx, dram_preset("ddr4"));
    EXPECT_EQ(error_of([&] { ctx.params.check_unused(); }),
              "spiketlm/params: plat.yaml:2: d1.tcas: unknown key (did you mean 'd1.tras'?)");
  }
  {
    Context ctx;
    load_memory_tech(ctx);
    ctx.params.load_string("d2:\n  banks: eight\n", "plat.yaml");
    EXPECT_EQ(error_of([&] { new Dram("d2", ctx, dram_preset("ddr4")); }),
              "spiketlm/params: plat.yaml:2: d2.banks: expected an integer in [1, 1024], got 'eight'");
  }
  {
    Context ctx;
    load_memory_tech(ctx);
    ctx.params.load_string("d3:\n  tck_ns: 0\n", "plat.yaml");
    EXPECT_EQ(error_of([&] { new Dram("d3", ctx, dram_preset("ddr4")); }),
              "spiketlm/params: plat.yaml:2: d3.tck_ns: expected a number in [0.01, 1000], got '0'");
  }
  {
    Context ctx;
    load_memory_tech(ctx);
    ctx.params.load_string("d4:\n  row_bytes: 1000\n", "plat.yaml");
    EXPECT_EQ(error_of([&] { new Dram("d4", ctx, dram_preset("ddr4")); }),
              "spiketlm/dram: plat.yaml:2: d4.row_bytes: expected a multiple of the burst size 64 B, got 1000");
  }
}

TEST(DramErrors, MissingTechAction) {
  Context ctx;
  ctx.tech.load_file(temp_file("dram_partial.yaml",
                               "components:\n  dram_partial:\n    source: test\n    actions:\n"
                               "      activate: 1\n      precharge: 1\n      read: 2\n      write: 2\n"));
  ctx.params.load_string("dram: {tech: dram_partial}", "test");
  EXPECT_EQ(error_of([&] { new Dram("dram", ctx, dram_preset("ddr4")); }),
            "spiketlm/tech: dram: action 'refresh' of component 'dram_partial' is missing from the technology table");
}

TEST(DramErrors, AccessPastCapacity) {
  Context ctx;
  load_memory_tech(ctx);
  ctx.params.load_string("dram: {capacity_mb: 1}", "test");
  Dram* d = new Dram("dram", ctx, dram_preset("ddr4"));
  Initiator ini("ini");
  ini.out.bind(d->in);
  ini.body = [&](Initiator& i) {
    sc_time t;
    i.read((1 << 20) - 32, 64, t);
  };
  EXPECT_EQ(error_of([] { sc_core::sc_start(); }),
            "spiketlm/dram: dram: read of 64 B at offset 0xfffe0 is past the capacity of 1048576 B");
  EXPECT_FALSE(ini.done);
}

// The inference boundary (tlm/boundary.md): a precharge-all at T closes the open bank (one
// precharge, counted and charged), and every bank activates again only tRP after T, so the
// next access finds the same state whatever ran before.
TEST(DramTiming, InferenceBoundaryPrechargesEveryBank) {
  Context ctx;
  Dram* d = make_ddr4(ctx);
  Initiator ini("ini");
  ini.out.bind(d->in);
  const uint64_t row0 = d->offset_of(0, 3, 5), other_bank = d->offset_of(0, 7, 2);
  const sc_time T(100, SC_NS);   // after tRAS (32.5 ns) and tRTP of the first read
  std::vector<int64_t> lat;
  uint64_t pre_before = 0;
  ini.body = [&](Initiator& i) {
    sc_time delay;
    lat.push_back(ps(i.read(row0, 64, delay)));   // opens row 5 of bank 3
    ASSERT_LT(delay, T);
    pre_before = d->find_stat("precharges")->count;
    EXPECT_EQ(ps(ctx.attribute<Boundary>().start(T)), ps(T) + kRP);   // idle tRP after the precharge-all
    sc_time at = T;
    lat.push_back(ps(i.read(row0, 64, at)));       // was a hit; now the bank is closed
    sc_time at2 = T;
    lat.push_back(ps(i.read(other_bank, 64, at2))); // a bank that was closed: also tRP after T
  };
  sc_core::sc_start();
  ASSERT_TRUE(ini.done);
  ASSERT_EQ(lat.size(), 3u);
  EXPECT_EQ(pre_before, 0u);
  EXPECT_EQ(d->find_stat("precharges")->count, 1u);
  EXPECT_EQ(d->find_stat("row_hits")->count, 0u);
  EXPECT_EQ(d->find_stat("row_empty")->count, 3u);
  EXPECT_EQ(lat[1], kRP + kRCD + kCL + kBurst);
  // Both reads arrive at T; the second waits for the data bus behind the first (one burst).
  EXPECT_EQ(lat[2], kRP + kRCD + kCL + 2 * kBurst);
  const auto& tc = ctx.tech.component("dram_ddr4_2400", "test");
  EXPECT_NEAR(ctx.ledger.total_pj(0, "dram"), 3 * tc.actions.at("activate").energy_pj + tc.actions.at("precharge").energy_pj +
                                                  3 * tc.actions.at("read").energy_pj, 1e-6);
}
