// The router's decode shortcut (it tries the windows it hit last) and its direct call into the
// memory targets, and the memories' single-page byte copies: every access must still reach the
// right target at the right local offset, in any order of windows, and bytes that cross a
// storage page or fall on an untouched page must read back exactly.
#include <gtest/gtest.h>

#include <tlm_utils/simple_target_socket.h>

#include <cstring>

#include "hw/memory/sram.h"
#include "tests/unit/memory_fixture.h"
#include "tlm/router.h"

using namespace spiketlm;
using namespace sc_core;

namespace {

// A target reached only through its socket (no direct call): the router must mix both kinds.
struct SocketMem : Module, AddressTarget {
  tlm_utils::simple_target_socket<SocketMem> in{"in"};
  std::vector<uint8_t> bytes;
  uint64_t base;
  SocketMem(sc_module_name n, Context& c, uint64_t b, size_t size) : Module(n, c), bytes(size), base(b) {
    in.register_b_transport(this, &SocketMem::bt);
  }
  uint64_t base_address() const override { return base; }
  uint64_t size_bytes() const override { return bytes.size(); }
  tlm::tlm_target_socket<>& target_socket() override { return in; }
  void bt(tlm::tlm_generic_payload& p, sc_time&) {
    if (p.is_write()) std::memcpy(&bytes[p.get_address()], p.get_data_ptr(), p.get_data_length());
    else std::memcpy(p.get_data_ptr(), &bytes[p.get_address()], p.get_data_length());
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

}  // namespace

TEST(RouterDecode, AnyOrderOfWindowsReachesTheRightTargetAndOffset) {
  Context ctx;
  test::load_memory_tech(ctx);
  ctx.params.load_string(
      "ga: {base: 0x0, capacity_kb: 8, banks: 2, block_bytes: 32, tech: glb_8kb}\n"
      "gb: {base: 0x10000, capacity_kb: 8, banks: 2, block_bytes: 32, tech: glb_8kb}\n"
      "gc: {base: 0x20000, capacity_kb: 8, banks: 2, block_bytes: 32, tech: glb_8kb}\n",
      "decode.yaml");
  Router bus("bus", ctx);
  Sram ga("ga", ctx), gb("gb", ctx), gc("gc", ctx);
  SocketMem sd("sd", ctx, 0x30000, 4096);
  bus.map(ga, "ga");
  bus.map(gb, "gb");
  bus.map(gc, "gc");
  bus.map(sd, "sd");
  test::Initiator init("init");
  init.out.bind(bus.in);
  const uint64_t bases[4] = {0x0, 0x10000, 0x20000, 0x30000};
  // Window order: repeats, alternations (the DMA's pattern), and switches among three or four.
  const int order[] = {0, 0, 1, 0, 1, 2, 1, 2, 0, 3, 3, 2, 0, 1, 3, 1, 0, 2, 2, 3, 0, 3, 1, 1};
  const int n = int(sizeof order / sizeof order[0]);
  uint64_t writes[4] = {};
  init.body = [&](test::Initiator& me) {
    sc_time d = SC_ZERO_TIME;
    for (int k = 0; k < n; ++k) {
      uint8_t v[8];
      for (int j = 0; j < 8; ++j) v[j] = uint8_t(k * 8 + j + 1);
      me.write(bases[order[k]] + 64 * uint64_t(k), 8, d, v);
      ++writes[order[k]];
    }
    // Reads in another order get back what each write left.
    for (int k = n - 1; k >= 0; --k) {
      uint8_t v[8] = {};
      me.read(bases[order[k]] + 64 * uint64_t(k), 8, d, v);
      for (int j = 0; j < 8; ++j) EXPECT_EQ(v[j], uint8_t(k * 8 + j + 1)) << "access " << k;
    }
  };
  sc_start();
  ASSERT_TRUE(init.done);
  Sram* srams[3] = {&ga, &gb, &gc};
  for (int k = 0; k < n; ++k) {
    uint8_t v[8] = {};
    if (order[k] < 3) srams[order[k]]->peek(64 * uint64_t(k), v, 8);
    else std::memcpy(v, &sd.bytes[64 * size_t(k)], 8);
    for (int j = 0; j < 8; ++j) EXPECT_EQ(v[j], uint8_t(k * 8 + j + 1)) << "access " << k;
  }
  for (int t = 0; t < 3; ++t) {
    EXPECT_EQ(srams[t]->find_stat("writes")->count, writes[t]);
    EXPECT_EQ(srams[t]->find_stat("reads")->count, writes[t]);
    EXPECT_EQ(srams[t]->find_stat("bytes_written")->count, 8 * writes[t]);
  }
  EXPECT_EQ(bus.find_stat("transactions")->count, uint64_t(2 * n));
  EXPECT_EQ(bus.find_stat("decode_errors")->count, 0u);
}

TEST(RouterDecode, BytesAcrossStoragePagesAndOnUntouchedPagesReadBack) {
  Context ctx;
  test::load_memory_tech(ctx);
  ctx.params.load_string("g: {base: 0x100000, capacity_kb: 144, banks: 2, block_bytes: 32}\n", "pages.yaml");
  Router bus("bus", ctx);
  Sram g("g", ctx);
  bus.map(g, "g");
  test::Initiator init("init");
  init.out.bind(bus.in);
  const uint64_t page = Storage::page_bytes;
  std::vector<uint8_t> across(96), back(96), untouched(64, 0xee), tail(128), inside(16);
  for (size_t i = 0; i < across.size(); ++i) across[i] = uint8_t(3 * i + 7);
  init.body = [&](test::Initiator& me) {
    sc_time d = SC_ZERO_TIME;
    me.write(0x100000 + page - 32, 96, d, across.data());   // pages 0 and 1
    me.read(0x100000 + page - 32, 96, d, back.data());
    me.read(0x100000 + 2 * page + 128, 64, d, untouched.data());   // page 2: never written
    me.read(0x100000 + page - 64, 128, d, tail.data());      // half untouched bytes of page 0
    me.read(0x100000 + page + 16, 16, d, inside.data());     // within page 1
  };
  sc_start();
  ASSERT_TRUE(init.done);
  EXPECT_EQ(back, across);
  EXPECT_EQ(untouched, std::vector<uint8_t>(64, 0));
  for (size_t i = 0; i < 32; ++i) EXPECT_EQ(tail[i], 0) << i;
  for (size_t i = 32; i < 128; ++i) EXPECT_EQ(tail[i], across[i - 32]) << i;
  EXPECT_EQ(inside, std::vector<uint8_t>(across.begin() + 48, across.begin() + 64));
  std::vector<uint8_t> peeked(96);
  g.peek(page - 32, peeked.data(), 96);
  EXPECT_EQ(peeked, across);
}
