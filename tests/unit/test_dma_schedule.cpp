// DmaSchedule (hw/compute/dma_schedule.h) with a stand-in DMA (1 ns per byte, records each
// transfer): transfers queue on the one DMA, write-backs wait for the next flush and their
// data, a write-back's end frees its ofmap slot, and DRAM bytes are what was moved.
#include <gtest/gtest.h>

#include "hw/compute/dma_schedule.h"

using namespace spiketlm;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {

struct FakeDma {
  struct Rec {
    uint64_t src, bytes;
    double start_ns, end_ns;
  };
  std::vector<Rec> log;
  DmaSchedule::Issue issue() {
    return [this](const DmaCommand& c, sc_time start) {
      const uint64_t bytes = c.rows * c.row_bytes;
      const sc_time end = start + sc_time(double(bytes), SC_NS);
      log.push_back({c.src, bytes, start.to_seconds() * 1e9, end.to_seconds() * 1e9});
      return end;
    };
  }
};

DmaCommand cmd(uint64_t src, uint64_t row_bytes, uint64_t rows = 1) {
  DmaCommand c;
  c.src = src;
  c.row_bytes = row_bytes;
  c.rows = rows;
  return c;
}

sc_time ns(double v) { return sc_time(v, SC_NS); }

}  // namespace

TEST(DmaSchedule, TransfersQueueOnTheOneDma) {
  FakeDma d;
  DmaSchedule s(d.issue(), ns(10));
  EXPECT_EQ(s.transfer(cmd(1, 100), ns(0)), ns(110));   // not before the call's start
  EXPECT_EQ(s.transfer(cmd(2, 50), ns(50)), ns(160));   // waits for the first
  EXPECT_EQ(s.transfer(cmd(3, 10), ns(300)), ns(310));  // the DMA idles until 300
  ASSERT_EQ(d.log.size(), 3u);
  EXPECT_DOUBLE_EQ(d.log[1].start_ns, 110);
  EXPECT_DOUBLE_EQ(d.log[2].start_ns, 300);
  EXPECT_EQ(s.free_at(), ns(310));
  EXPECT_EQ(s.dram_bytes(), 160u);
}

TEST(DmaSchedule, WriteBacksWaitForTheNextFlushAndTheirData) {
  FakeDma d;
  DmaSchedule s(d.issue(), ns(0));
  s.write_back(cmd(7, 40), ns(500), 1);  // the band's output, ready at 500
  EXPECT_TRUE(s.pending());
  EXPECT_TRUE(d.log.empty());            // nothing moves before the flush
  s.transfer(cmd(8, 100), ns(0));        // the next band's prefetch goes first
  s.flush();
  EXPECT_FALSE(s.pending());
  ASSERT_EQ(d.log.size(), 2u);
  EXPECT_EQ(d.log[0].src, 8u);
  EXPECT_EQ(d.log[1].src, 7u);
  EXPECT_DOUBLE_EQ(d.log[1].start_ns, 500);  // its data is ready at 500 (the DMA was free at 100)
  EXPECT_EQ(s.out_free(1), ns(540));         // its slot is free once it has left
  EXPECT_EQ(s.out_free(0), ns(0));
  EXPECT_EQ(s.dram_bytes(), 140u);
}

TEST(DmaSchedule, FlushIssuesInOrderBehindTheDma) {
  FakeDma d;
  DmaSchedule s(d.issue(), ns(0));
  s.transfer(cmd(1, 1000), ns(0));       // busy until 1000
  s.write_back(cmd(2, 10), ns(100), 0);  // ready long before the DMA is free
  s.write_back(cmd(3, 3, 4), ns(0), 1);  // a 2-D write-back: 4 rows of 3 B
  s.flush();
  ASSERT_EQ(d.log.size(), 3u);
  EXPECT_DOUBLE_EQ(d.log[1].start_ns, 1000);
  EXPECT_DOUBLE_EQ(d.log[2].start_ns, 1010);
  EXPECT_EQ(s.out_free(0), ns(1010));
  EXPECT_EQ(s.out_free(1), ns(1022));
  EXPECT_EQ(s.dram_bytes(), 1022u);
  s.flush();  // nothing left
  EXPECT_EQ(d.log.size(), 3u);
}

TEST(DmaSchedule, SlotsStartFreeAtTheCallStartAndKeepTheLatestRelease) {
  FakeDma d;
  DmaSchedule s(d.issue(), ns(20));
  EXPECT_EQ(s.in_free(0), ns(20));
  EXPECT_EQ(s.in_free(1), ns(20));
  s.in_free(1) = ns(70);
  EXPECT_EQ(s.in_free(1), ns(70));
  s.write_back(cmd(1, 5), ns(0), 0);
  s.out_free(0) = ns(900);  // the slot is still in use by a later compute
  s.flush();
  EXPECT_EQ(s.out_free(0), ns(900));  // a write-back never moves a slot's release earlier
}
