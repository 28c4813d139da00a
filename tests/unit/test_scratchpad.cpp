// PE scratchpad: port timing, energy per register access, leakage and area per register.
#include "hw/memory/scratchpad.h"
#include "memory_fixture.h"

using namespace spiketlm;
using namespace spiketlm::test;
using sc_core::sc_time;

namespace {
Scratchpad* make_spad(Context& ctx, const std::string& yaml) {
  load_memory_tech(ctx);
  ctx.params.load_string(yaml, "test");
  return new Scratchpad("spad", ctx);
}
constexpr int64_t kT = 2500;   // 400 MHz
}  // namespace

TEST(ScratchpadTiming, PortWidthAndBackToBack) {
  Context ctx;
  Scratchpad* s = make_spad(ctx, "spad: {capacity_bytes: 288, port_bytes: 8}");
  Initiator ini("ini");
  ini.out.bind(s->in);
  std::vector<int64_t> lat;
  std::vector<uint8_t> w(64), r(64);
  for (int k = 0; k < 64; ++k) w[k] = uint8_t(200 - k);
  ini.body = [&](Initiator& i) {
    sc_time a, b;
    lat.push_back(ps(i.write(0, 64, a, w.data())));   // 8 beats
    lat.push_back(ps(i.read(0, 64, b, r.data())));    // arrives with it: waits 8 beats, then 8
    sc_time c(1, sc_core::SC_US);
    lat.push_back(ps(i.read(3, 9, c)));               // 9 registers: 2 beats
  };
  sc_core::sc_start();
  EXPECT_EQ(r, w);
  EXPECT_EQ(lat[0], 8 * kT);
  EXPECT_EQ(lat[1], 16 * kT);
  EXPECT_EQ(lat[2], 2 * kT);
  EXPECT_EQ(s->find_stat("port_conflicts")->count, 1u);
  EXPECT_EQ(s->find_stat("word_reads")->count, 73u);
  EXPECT_EQ(s->find_stat("word_writes")->count, 64u);
}

TEST(ScratchpadEnergy, RegisterAccessLeakageArea) {
  Context ctx;
  Scratchpad* s = make_spad(ctx, "spad: {capacity_bytes: 288}");
  Initiator ini("ini");
  ini.out.bind(s->in);
  ini.body = [&](Initiator& i) {
    sc_time t;
    i.write(0, 288, t);
    i.read(10, 20, t);
  };
  sc_core::sc_start();
  // FACTS.md s1: 8-bit register (2.19e-3 + 1.03e-2) mW x 2.5 ns per access.
  const double e_reg = (2.19e-3 + 1.03e-2) * 2.5;
  EXPECT_NEAR(ctx.ledger.total_pj(0, "spad"), (288 + 20) * e_reg, 1e-9);
  // Leakage: 288 registers x 2.01e-2 uW, for 1 ms.
  EXPECT_NEAR(ctx.ledger.total_pj(1e-3, "spad") - ctx.ledger.total_pj(0, "spad"), 288 * 2.01e-5 * 1e-3 * 1e-3 * 1e12,
              1e-9);
  EXPECT_NEAR(ctx.ledger.area_um2("spad"), 288 * 34.27, 1e-9);
  EXPECT_EQ(s->size_bytes(), 288u);
}

TEST(ScratchpadErrors, AccessPastCapacity) {
  Context ctx;
  Scratchpad* s = make_spad(ctx, "spad: {capacity_bytes: 9}");
  Initiator ini("ini");
  ini.out.bind(s->in);
  ini.body = [&](Initiator& i) {
    sc_time t;
    i.read(8, 2, t);
  };
  EXPECT_EQ(error_of([] { sc_core::sc_start(); }),
            "spiketlm/scratchpad: spad: read of 2 B at offset 0x8 is past the capacity of 9 B");
}

TEST(ScratchpadErrors, BadConfiguration) {
  {
    Context ctx;
    load_memory_tech(ctx);
    ctx.params.load_string("s1:\n  capacity_bytes: 9\n  word_bytes: 2\n", "plat.yaml");
    EXPECT_EQ(error_of([&] { new Scratchpad("s1", ctx); }),
              "spiketlm/scratchpad: plat.yaml:2: s1.capacity_bytes: expected a multiple of word_bytes 2, got 9");
  }
  {
    Context ctx;
    load_memory_tech(ctx);
    ctx.params.load_string("s2:\n  capacity_bytes: [9]\n", "plat.yaml");
    EXPECT_EQ(error_of([&] { new Scratchpad("s2", ctx); }),
              "spiketlm/params: plat.yaml:2: s2.capacity_bytes: expected an integer in [1, 1048576], got '[9]'");
  }
}
