// SystemC's concatenation scratch heap (tlm/kernel_scratch.md): a Simulation shrinks it from the
// 3 MiB libsystemc gives it to 64 KiB, and concatenations still compute after the shrink.
#include <gtest/gtest.h>

#include <systemc>

#include "sw/run/simulation.h"
#include "tlm/kernel_scratch.h"

using namespace spiketlm;

TEST(KernelScratch, ASimulationShrinksSystemCsScratchHeap) {
  sc_core::sc_temp_heap.initialize(0x300000);  // as libsystemc leaves it when loaded
  ASSERT_EQ(concat_scratch_bytes(), 0x300000u);
  Simulation sim;
  EXPECT_EQ(concat_scratch_bytes(), k_concat_scratch_bytes);
  shrink_concat_scratch();  // idempotent: the heap is not re-made
  EXPECT_EQ(concat_scratch_bytes(), k_concat_scratch_bytes);
}

TEST(KernelScratch, ConcatenationWorksAfterTheShrink) {
  shrink_concat_scratch();
  sc_dt::sc_biguint<1000> hi = 1, lo = 7;
  hi <<= 999;   // 2^999
  hi += 5;
  sc_dt::sc_biguint<2000> both = (hi, lo);
  // (hi, lo) = hi x 2^1000 + lo: bits 0-2 (lo = 7), 1000 and 1002 (5), and 1999 (2^999).
  for (int i = 0; i < 2000; ++i) {
    const bool set = i <= 2 || i == 1000 || i == 1002 || i == 1999;
    ASSERT_EQ(bool(both[i]), set) << "bit " << i;
  }
  sc_dt::sc_biguint<1000> back_hi = both.range(1999, 1000), back_lo = both.range(999, 0);
  EXPECT_EQ(back_hi, hi);
  EXPECT_EQ(back_lo, lo);
}
