// The generic payload as MemoryTarget honours it (TLM-2.0 LRM 14.14, 14.15): byte enables on
// writes and reads (a byte moves only where its enable is TLM_BYTE_ENABLED, the pattern
// repeating every byte_enable_length bytes), a streaming width below the length refused with
// TLM_BURST_ERROR_RESPONSE, and the ignorable hint TimingOnlyExt leaving the bytes alone.
#include "hw/memory/sram.h"
#include "memory_fixture.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {
struct Fixture {
  Context ctx;
  Sram* glb;
  Initiator ini{"ini"};
  Fixture() {
    load_memory_tech(ctx);
    ctx.params.load_string("glb: {capacity_kb: 4, banks: 2, block_bytes: 32, clock_mhz: 400}", "test");
    glb = new Sram("glb", ctx);
    ini.out.bind(glb->in);
  }
  void run() { sc_core::sc_start(); }
};

tlm::tlm_response_status send(Initiator& i, tlm::tlm_command cmd, uint64_t addr, uint8_t* d, unsigned len,
                              const unsigned char* be, unsigned be_len, unsigned width, TimingOnlyExt* ext = nullptr) {
  tlm::tlm_generic_payload p;
  p.set_command(cmd);
  p.set_address(addr);
  p.set_data_ptr(d);
  p.set_data_length(len);
  p.set_streaming_width(width);
  p.set_byte_enable_ptr(const_cast<unsigned char*>(be));
  p.set_byte_enable_length(be_len);
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  if (ext) p.set_extension(ext);
  sc_core::sc_time t;
  i.out->b_transport(p, t);
  if (ext) p.clear_extension(ext);
  return p.get_response_status();
}
}  // namespace

TEST(MemoryTargetPayload, ByteEnablesMaskWritesAndReads) {
  Fixture f;
  std::vector<uint8_t> got(8, 0xEE), rd(8, 0xEE);
  f.ini.body = [&](Initiator& i) {
    uint8_t ones[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    EXPECT_EQ(send(i, tlm::TLM_WRITE_COMMAND, 64, ones, 8, nullptr, 0, 8), tlm::TLM_OK_RESPONSE);
    uint8_t v[8] = {10, 11, 12, 13, 14, 15, 16, 17};
    const unsigned char be[2] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED};  // every other byte
    EXPECT_EQ(send(i, tlm::TLM_WRITE_COMMAND, 64, v, 8, be, 2, 8), tlm::TLM_OK_RESPONSE);
    f.glb->peek(64, got.data(), 8);
    const unsigned char be3[3] = {TLM_BYTE_DISABLED, TLM_BYTE_ENABLED, TLM_BYTE_ENABLED};
    EXPECT_EQ(send(i, tlm::TLM_READ_COMMAND, 64, rd.data(), 8, be3, 3, 8), tlm::TLM_OK_RESPONSE);
  };
  f.run();
  EXPECT_EQ(got, (std::vector<uint8_t>{10, 1, 12, 1, 14, 1, 16, 1}));
  // Read with enables 0 1 1 | 0 1 1 | 0 1: disabled bytes keep the initiator's 0xEE.
  EXPECT_EQ(rd, (std::vector<uint8_t>{0xEE, 1, 12, 0xEE, 14, 1, 0xEE, 1}));
}

TEST(MemoryTargetPayload, NarrowStreamingWidthIsABurstError) {
  Fixture f;
  tlm::tlm_response_status r = tlm::TLM_INCOMPLETE_RESPONSE;
  f.ini.body = [&](Initiator& i) {
    uint8_t v[8] = {};
    r = send(i, tlm::TLM_WRITE_COMMAND, 0, v, 8, nullptr, 0, 4);
  };
  f.run();
  EXPECT_EQ(r, tlm::TLM_BURST_ERROR_RESPONSE);
}

TEST(MemoryTargetPayload, TimingOnlyHintLeavesTheBytesAndCountsTheAccess) {
  Fixture f;
  std::vector<uint8_t> got(4, 0), rd = {9, 9, 9, 9};
  f.ini.body = [&](Initiator& i) {
    uint8_t v[4] = {1, 2, 3, 4}, w[4] = {7, 7, 7, 7};
    send(i, tlm::TLM_WRITE_COMMAND, 0, v, 4, nullptr, 0, 4);
    TimingOnlyExt hint;
    EXPECT_EQ(send(i, tlm::TLM_WRITE_COMMAND, 0, w, 4, nullptr, 0, 4, &hint), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(send(i, tlm::TLM_READ_COMMAND, 0, rd.data(), 4, nullptr, 0, 4, &hint), tlm::TLM_OK_RESPONSE);
    f.glb->peek(0, got.data(), 4);
  };
  f.run();
  EXPECT_EQ(got, (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(rd, (std::vector<uint8_t>{9, 9, 9, 9}));
  EXPECT_EQ(f.glb->find_stat("bytes_written")->count, 8u);
  EXPECT_EQ(f.glb->find_stat("bytes_read")->count, 4u);
}
