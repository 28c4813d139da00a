// spiketlm: the hardware abstraction layer firmware models are written against.
//
// What a driver on the real chip has: memory-mapped reads and writes (timed TLM transactions
// from the CPU's SystemC thread), a host backdoor for bulk tensor loading (untimed, uncharged:
// the host fills DRAM before the accelerator runs, as a DMA from the host would), and waiting
// for the accelerator's interrupt.
#pragma once
#include <cstdint>

#include "sw/include/spiketlm/accel_regs.h"

namespace spiketlm {

class Hal {
 public:
  virtual ~Hal() = default;
  virtual void write(uint64_t addr, const void* data, uint64_t len) = 0;
  virtual void read(uint64_t addr, void* data, uint64_t len) = 0;
  virtual void host_write(uint64_t addr, const void* data, uint64_t len) = 0;
  virtual void host_read(uint64_t addr, void* data, uint64_t len) = 0;
  virtual void wait_irq() = 0;
  virtual double now_seconds() const = 0;

  // Register helpers over write()/read(): `csr` is the register block's base address.
  void reg_write(uint64_t csr, int reg, uint32_t v) { write(csr + 4u * unsigned(reg), &v, 4); }
  uint32_t reg_read(uint64_t csr, int reg) {
    uint32_t v = 0;
    read(csr + 4u * unsigned(reg), &v, 4);
    return v;
  }
};

}  // namespace spiketlm
