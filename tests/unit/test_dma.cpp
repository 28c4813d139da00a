// DMA: double-buffered timing = slower side + one chunk of the faster, 2-D strided data,
// DMI on == DMI off, address errors.
#include "hw/memory/dma.h"
#include "hw/memory/scratchpad.h"
#include "hw/memory/sram.h"
#include "memory_fixture.h"
#include "platforms/memdemo/memdemo.h"
#include "tlm/router.h"

using namespace spiketlm;
using namespace spiketlm::test;
using sc_core::sc_time;

namespace {
constexpr uint64_t kGlb = 0x1000000, kSpad = 0x2000000;
constexpr int64_t kT = 2500;   // 400 MHz

// router + GLB (2 banks x 32 B) + scratchpad (8 B per cycle) + DMA, all at 400 MHz.
struct System {
  Router* bus;
  Sram* glb;
  Scratchpad* spad;
  Dma* dma;
  System(Context& ctx, const std::string& extra = "") {
    load_memory_tech(ctx);
    ctx.params.load_string(
        "bus: {bandwidth_gbps: 1000000}\n"                         // 64 B in 0.064 ps: no router time
        "glb: {base: 0x1000000, capacity_kb: 32, tech: glb_32kb}\n"
        "spad: {base: 0x2000000, capacity_bytes: 512, port_bytes: 8}\n" + extra,
        "test");
    bus = new Router("bus", ctx);
    glb = new Sram("glb", ctx);
    spad = new Scratchpad("spad", ctx);
    dma = new Dma("dma", ctx);
    bus->map(*glb, "glb");
    bus->map(*spad, "spad");
    dma->out.bind(bus->in);
  }
};

struct Runner : sc_core::sc_module {
  std::function<void()> body;
  SC_HAS_PROCESS(Runner);
  explicit Runner(sc_core::sc_module_name n) : sc_core::sc_module(n) { SC_THREAD(run); }
  void run() { body(); }
};
}  // namespace

TEST(DmaTiming, DoubleBufferingTakesSlowerSidePlusOneChunk) {
  Context ctx;
  System s(ctx, "dma: {chunk_bytes: 64, buffers: 2}");
  Runner run("run");
  std::vector<int64_t> dur;
  int64_t end = 0;
  run.body = [&] {
    sc_time delay;
    DmaCommand c;
    c.rows = 1;
    c.row_bytes = 256;   // 4 chunks of 64 B
    // GLB -> scratchpad: read 64 B = 1 block on each bank = 1 cycle; write 64 B = 8 cycles.
    c.src = kGlb;
    c.dst = kSpad;
    dur.push_back(ps(s.dma->transfer(c, delay)));
    // scratchpad -> GLB: the slow side is now the source.
    c.src = kSpad;
    c.dst = kGlb + 4096;
    dur.push_back(ps(s.dma->transfer(c, delay)));
    end = ps(sc_core::sc_time_stamp() + delay);
  };
  sc_core::sc_start();
  const int64_t r = 1 * kT, w = 8 * kT, n = 4;
  EXPECT_EQ(dur[0], n * w + r);   // slower stream + one chunk of fill
  EXPECT_EQ(dur[1], n * w + r);
  EXPECT_EQ(end, dur[0] + dur[1]);
  EXPECT_EQ(s.dma->find_stat("chunks")->count, 8u);
  EXPECT_EQ(s.dma->find_stat("bytes")->count, 512u);
  EXPECT_NEAR(s.dma->find_stat("busy_ns")->real(), (dur[0] + dur[1]) * 1e-3, 1e-9);
}

TEST(DmaTiming, SingleBufferSerialisesReadAndWrite) {
  Context ctx;
  System s(ctx, "dma: {chunk_bytes: 64, buffers: 1}");
  Runner run("run");
  int64_t dur = 0;
  run.body = [&] {
    sc_time delay;
    DmaCommand c;
    c.src = kGlb;
    c.dst = kSpad;
    c.row_bytes = 256;
    dur = ps(s.dma->transfer(c, delay));
  };
  sc_core::sc_start();
  EXPECT_EQ(dur, 4 * (1 * kT + 8 * kT));
}

TEST(DmaData, TwoDStridedTileArrivesIntact) {
  Context ctx;
  System s(ctx, "dma: {chunk_bytes: 32}");
  Runner run("run");
  std::vector<uint8_t> src(1000), dst(512, 0xee), expect(512, 0xee);
  for (size_t k = 0; k < src.size(); ++k) src[k] = uint8_t(k * 7 + k / 256);
  // 5 rows of 48 B at stride 100 in the GLB -> rows at stride 64 in the scratchpad.
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 48; ++c) expect[r * 64 + c] = src[10 + r * 100 + c];
  int64_t dur = 0;
  run.body = [&] {
    s.dma->debug_write(kGlb, src.data(), src.size());
    s.dma->debug_write(kSpad, dst.data(), dst.size());
    sc_time delay;
    DmaCommand c;
    c.src = kGlb + 10;
    c.dst = kSpad;
    c.rows = 5;
    c.row_bytes = 48;    // chunks of 32 + 16 B
    c.src_stride = 100;
    c.dst_stride = 64;
    c.tag = TileExt{};
    c.tag->tensor = Tensor::weight;
    dur = ps(s.dma->transfer(c, delay));
    s.dma->debug_read(kSpad, dst.data(), dst.size());
  };
  sc_core::sc_start();
  EXPECT_EQ(dst, expect);
  EXPECT_EQ(s.dma->find_stat("chunks")->count, 10u);
  EXPECT_EQ(s.spad->find_stat("bytes_written.weight")->count, 240u);
  EXPECT_EQ(s.glb->find_stat("bytes_read.weight")->count, 240u);
  EXPECT_GT(dur, 0);
}

TEST(DmaErrors, AddressOutsideEveryTarget) {
  Context ctx;
  System s(ctx);
  Runner run("run");
  run.body = [&] {
    sc_time delay;
    DmaCommand c;
    c.src = kGlb;
    c.dst = kSpad + 448;   // 128 B from here run 64 B past the scratchpad's end
    c.row_bytes = 128;
    c.chunk_bytes = 128;
    s.dma->transfer(c, delay);
  };
  EXPECT_EQ(error_of([] { sc_core::sc_start(); }),
            "spiketlm/dma: dma: write of 128 B at 0x20001c0 failed: TLM_ADDRESS_ERROR_RESPONSE "
            "(no target maps it, or it runs past the end of its target)");
}

// The whole demo twice in one simulation, once with DMI everywhere and once without:
// data, timing, energy and statistics must be identical.
TEST(DmaDmi, OnEqualsOff) {
  std::string yaml = memdemo_yaml();
  auto rename = [&](const std::string& to) {
    std::string y = yaml;
    const std::string from = "\nmemdemo:";
    y.replace(y.find(from), from.size(), "\n" + to + ":");
    return y;
  };
  Context off_ctx, on_ctx;
  const std::vector<std::string> none = {"off.dram.kind=dram.ddr4"};
  const std::vector<std::string> dmi = {"on.dram.kind=dram.ddr4", "on.dram.dmi=true", "on.glb.dmi=true",
                                        "on.spad.dmi=true", "on.dma.dmi=true"};
  auto* off = static_cast<MemDemo*>(build_platform(off_ctx, rename("off"), "off.yaml", memdemo_dir(), none));
  auto* on = static_cast<MemDemo*>(build_platform(on_ctx, rename("on"), "on.yaml", memdemo_dir(), dmi));
  sc_core::sc_start();
  ASSERT_TRUE(off->verified);
  ASSERT_TRUE(on->verified);
  EXPECT_EQ(off->dma->dmi_transfers(), 0u);
  EXPECT_GT(on->dma->dmi_transfers(), 0u);
  EXPECT_EQ(off->t_end, on->t_end);
  EXPECT_EQ(off->t_dram_glb, on->t_dram_glb);
  EXPECT_EQ(off->t_glb_spad, on->t_glb_spad);
  // Every statistic of every module, by relative path.
  size_t n = 0;
  for (auto* m : off_ctx.modules()) {
    const std::string rel = m->path().substr(3);   // strip "off"
    Module* twin = on_ctx.find("on" + rel);
    ASSERT_NE(twin, nullptr) << rel;
    for (const auto& st : m->stats()) {
      const Stat* o = twin->find_stat(st.name);
      ASSERT_NE(o, nullptr) << rel << " " << st.name;
      EXPECT_EQ(st.count, o->count) << rel << " " << st.name;
      EXPECT_EQ(st.value, o->value) << rel << " " << st.name;
      ++n;
    }
  }
  EXPECT_GT(n, 30u);
  const double s = off->t_end.to_seconds();
  auto a = off_ctx.ledger.lines(s), b = on_ctx.ledger.lines(s);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].count, b[i].count) << a[i].module << " " << a[i].action;
    EXPECT_EQ(a[i].energy_pj, b[i].energy_pj) << a[i].module << " " << a[i].action;
  }
  EXPECT_GT(off_ctx.ledger.total_pj(s), 0);
  EXPECT_EQ(off_ctx.ledger.total_pj(s), on_ctx.ledger.total_pj(s));
}
