// spiketlm: the HAL of firmware running on the simulated CPU (hw/cpu/cpu.h).
//
// Firmware models are written against Hal (sw/hal/hal.h); on the platform's CPU each call is
// the CPU's own: timed bus reads and writes, the host backdoor, interrupt waits, time.
#pragma once
#include "hw/cpu/cpu.h"
#include "sw/hal/hal.h"

namespace spiketlm {

class CpuHal final : public Hal {
 public:
  explicit CpuHal(Cpu& cpu) : m_cpu(cpu) {}
  void write(uint64_t addr, const void* data, uint64_t len) override { m_cpu.write(addr, data, len); }
  void read(uint64_t addr, void* data, uint64_t len) override { m_cpu.read(addr, data, len); }
  void host_write(uint64_t addr, const void* data, uint64_t len) override { m_cpu.host_write(addr, data, len); }
  void host_read(uint64_t addr, void* data, uint64_t len) override { m_cpu.host_read(addr, data, len); }
  void wait_irq() override { m_cpu.wait_irq(); }
  double now_seconds() const override { return m_cpu.now_seconds(); }
  uint64_t now_ps() const override { return m_cpu.now_ps(); }
  void delay_ns(double ns) override { m_cpu.delay_ns(ns); }
  Cpu& cpu() { return m_cpu; }

 private:
  Cpu& m_cpu;
};

}  // namespace spiketlm
