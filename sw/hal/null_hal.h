// spiketlm: a HAL whose memory is nowhere (writes vanish, reads leave the buffer, no time):
// for firmware whose DRAM layout, not its bytes, is wanted (Runtime::lay_out in the mapping
// explorer, the layout tests).
#pragma once
#include "sw/hal/hal.h"

namespace spiketlm {

class NullHal final : public Hal {
 public:
  void write(uint64_t, const void*, uint64_t) override {}
  void read(uint64_t, void*, uint64_t) override {}
  void host_write(uint64_t, const void*, uint64_t) override {}
  void host_read(uint64_t, void*, uint64_t) override {}
  void wait_irq() override {}
  double now_seconds() const override { return 0; }
  void delay_ns(double) override {}
};

}  // namespace spiketlm
