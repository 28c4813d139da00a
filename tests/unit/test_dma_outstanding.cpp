// DMA with several reads in flight: DRAM -> GLB approaches the slower side's bandwidth
// instead of one DRAM round trip per chunk.
#include <iostream>

#include "hw/memory/dma.h"
#include "hw/memory/dram.h"
#include "hw/memory/sram.h"
#include "memory_fixture.h"
#include "tlm/router.h"

using namespace spiketlm;
using namespace spiketlm::test;
using sc_core::sc_time;

namespace {
struct Runner : sc_core::sc_module {
  std::function<void()> body;
  SC_HAS_PROCESS(Runner);
  explicit Runner(sc_core::sc_module_name n) : sc_core::sc_module(n) { SC_THREAD(run); }
  void run() { body(); }
};

// A DRAM -> GLB system whose DMA keeps `outstanding` reads in flight (names suffixed, so two
// systems live in one simulation: SystemC elaborates once per process).
struct System {
  Router bus;
  Dram dram;
  Sram glb;
  Dma dma;
  System(Context& ctx, const std::string& n) : bus(("bus" + n).c_str(), ctx), dram(("dram" + n).c_str(), ctx),
                                               glb(("glb" + n).c_str(), ctx), dma(("dma" + n).c_str(), ctx) {
    bus.map(dram, "dram");
    bus.map(glb, "glb");
    dma.out.bind(bus.in);
  }
  // Duration of one 16 KB DRAM -> GLB transfer in 128-B chunks.
  int64_t transfer_ps() {
    sc_time delay;
    DmaCommand c;
    c.src = 0x1000;
    c.dst = 0x80000000;
    c.row_bytes = 16384;
    return ps(dma.transfer(c, delay));
  }
};
std::string config(const std::string& n, int outstanding) {
  return "bus" + n + ": {bandwidth_gbps: 1000000}\n" + "dram" + n + ": {base: 0x0}\n" + "glb" + n +
         ": {base: 0x80000000, capacity_kb: 32, banks: 2, block_bytes: 32, tech: glb_32kb}\n" + "dma" + n +
         ": {chunk_bytes: 128, buffers: 8, outstanding: " + std::to_string(outstanding) + "}\n";
}
}  // namespace

TEST(DmaOutstanding, EightReadsInFlightApproachTheSlowerSide) {
  Context ctx;
  load_memory_tech(ctx);
  ctx.params.load_string(config("1", 1) + config("8", 8), "test");
  System one(ctx, "1"), eight(ctx, "8");
  Runner run("run");
  int64_t t1 = 0, t8 = 0;
  run.body = [&] {
    t1 = one.transfer_ps();
    t8 = eight.transfer_ps();
  };
  sc_core::sc_start();
  // The GLB takes a 128-B chunk (4 blocks over 2 banks of 32 B) in 2 cycles of 2.5 ns, so
  // 16384 B cannot land faster than 128 chunks x 5 ns = 640 ns, whatever the DRAM does.
  EXPECT_GE(t8, 640000);
  // One read at a time pays a DRAM round trip (CAS latency + burst) per chunk.
  EXPECT_LT(3 * t8, t1) << "t8=" << t8 << " ps, t1=" << t1 << " ps";
  std::cout << "16 KB DRAM->GLB: 1 outstanding " << t1 << " ps, 8 outstanding " << t8 << " ps\n";
}
