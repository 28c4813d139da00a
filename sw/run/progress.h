// spiketlm: progress of a run on stderr (samples started of N, rate, ETA in wall-clock time).
//
// Counted where every firmware starts a sample: a START written to the control register
// (ProgressHal wraps the CPU's HAL). Drawn on one line ("\r"), at most 5 times a second, and
// erased at the end; never in a report or an output file. The CLI turns it on when stderr is
// a terminal (after the run has taken 2 s) or with --progress (from the start), off with
// --quiet or --no-progress.
#pragma once
#include <chrono>
#include <cstdint>
#include <ostream>

#include "sw/hal/hal.h"

namespace spiketlm {

class Progress {
 public:
  // total: samples of the run; delay_s: nothing is drawn before the run has taken that long.
  Progress(int total, double delay_s, std::ostream& os);
  ~Progress();
  void sample_started();
  int started() const { return m_started; }

 private:
  void draw(bool force);
  int m_total, m_started = 0;
  double m_delay_s;
  std::ostream& m_os;
  bool m_drawn = false;
  std::chrono::steady_clock::time_point m_t0, m_last;
};

// A HAL that tells `progress` about every START written to the CSR block at `csr_base`.
class ProgressHal final : public Hal {
 public:
  ProgressHal(Hal& inner, uint64_t csr_base, Progress& progress) : m_in(inner), m_csr(csr_base), m_progress(progress) {}
  void write(uint64_t addr, const void* data, uint64_t len) override;
  void read(uint64_t addr, void* data, uint64_t len) override { m_in.read(addr, data, len); }
  void host_write(uint64_t addr, const void* data, uint64_t len) override { m_in.host_write(addr, data, len); }
  void host_read(uint64_t addr, void* data, uint64_t len) override { m_in.host_read(addr, data, len); }
  void wait_irq() override { m_in.wait_irq(); }
  double now_seconds() const override { return m_in.now_seconds(); }
  uint64_t now_ps() const override { return m_in.now_ps(); }
  void delay_ns(double ns) override { m_in.delay_ns(ns); }

 private:
  Hal& m_in;
  uint64_t m_csr;
  Progress& m_progress;
};

}  // namespace spiketlm
