// spiketlm: installs the firmware chosen by name on a platform's CPU (part of the run flow,
// sw/run/README.md).
//
// At elaboration: reads run.firmware (--firmware, "runtime" by default) and run.txlog
// (--txlog), builds the runtime (sw/fw/runtime.h) over the CPU's HAL for the platform's trace
// and FirmwareTarget, calls the firmware's elaborate hook, and programs the CPU with the
// firmware, the register block's interrupt line and the transaction log. After the run,
// results() holds what the firmware returned (one SampleResult per sample) with the
// runtime's descriptor table and layer-of-descriptor map, for Platform::finish.
#pragma once
#include <memory>

#include "platforms/platform.h"
#include "sw/fw/firmware.h"
#include "sw/hal/cpu_hal.h"
#include "sw/run/progress.h"

namespace spiketlm {

class FirmwareHost {
 public:
  // Nothing to do for a platform without a CPU (HostPort::cpu null).
  void install(Platform& p);
  // Progress on stderr (sw/run/progress.h) after delay_s of wall-clock time; < 0: none. Call
  // before install; end_progress() after the run erases nothing and prints the final count.
  void set_progress(double delay_s) { m_progress_delay_s = delay_s; }
  void end_progress() { m_progress.reset(); }
  // The run's results (samples so far; descriptors as the runtime holds them now).
  const RunResults& results();
  bool installed() const { return m_rt != nullptr; }
  Runtime& runtime() { return *m_rt; }

 private:
  std::unique_ptr<CpuHal> m_hal;
  double m_progress_delay_s = -1;
  std::unique_ptr<Progress> m_progress;
  std::unique_ptr<ProgressHal> m_progress_hal;
  std::unique_ptr<Runtime> m_rt;
  RunResults m_results;
};

}  // namespace spiketlm
