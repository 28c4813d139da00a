// spiketlm: the hardware abstraction layer firmware models are written against.
//
// What a driver on the real chip has: memory-mapped reads and writes (timed TLM transactions
// from the CPU's SystemC thread, time annotated), DMA buffers in DRAM filled and read either
// by the CPU (timed, write()/read()) or through the host backdoor (untimed, uncharged:
// host_write()/host_read(), as the host's own DMA fills DRAM before the accelerator runs),
// waiting for the accelerator's interrupt, and time.
//
// Synchronisation: the CPU runs ahead of SystemC time by at most one global quantum
// (sim.quantum_ns, temporal decoupling); wait_irq() and delay_ns() past the quantum
// synchronise. wait_irq() is level-sensitive: it returns at once if the line is already up.
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
  // Simulated time in picoseconds (the kernel's resolution, exact), and CPU work / sleep.
  virtual uint64_t now_ps() const { return uint64_t(now_seconds() * 1e12 + 0.5); }
  virtual void delay_ns(double ns) = 0;

  // Register helpers over write()/read(): `csr` is the register block's base address.
  void reg_write(uint64_t csr, int reg, uint32_t v) { write(csr + 4u * unsigned(reg), &v, 4); }
  uint32_t reg_read(uint64_t csr, int reg) {
    uint32_t v = 0;
    read(csr + 4u * unsigned(reg), &v, 4);
    return v;
  }
  // A 64-bit counter pair (LO then HI).
  uint64_t reg_read64(uint64_t csr, int lo) {
    const uint64_t l = reg_read(csr, lo);
    return l | uint64_t(reg_read(csr, lo + 1)) << 32;
  }
  void reg_write64(uint64_t csr, int lo, uint64_t v) {
    reg_write(csr, lo, uint32_t(v));
    reg_write(csr, lo + 1, uint32_t(v >> 32));
  }
};

}  // namespace spiketlm
