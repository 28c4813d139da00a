// spiketlm: what every platform is.
//
// A platform YAML has a few reserved top-level keys and exactly one platform instance:
//   tech: [../tech/sata_28nm.yaml]     # technology tables, relative to the YAML file
//   plugins: [libmy_units.so]          # optional shared libraries registering more kinds
//   sim: {quantum_ns: 1000}            # simulation settings
//   sata:                              # the instance; its name is the root of every path
//     kind: platform.sata
//     ...
// Run options from the command line live in the same parameter system under "run."
// (run.trace, run.samples, ...), so --dump-config captures them too.
//
// The CLI builds the platform through the factory (family "platform"), checks unused keys,
// calls sc_start() once, then finish() and Context::to_report(). A platform's own SC_THREAD
// does the work and calls sc_stop() (or simply runs out of events) when done.
#pragma once
#include <functional>
#include <memory>

#include "sw/fw/runtime.h"
#include "tlm/module.h"
#include "traces/src/trace.h"

namespace spiketlm {

class Cpu;
class Csr;

class Platform : public Module {
 public:
  using Module::Module;
  // After the simulation: fill the summary (latency, accuracy, per-layer tables...) and set
  // ctx().elapsed_s to the simulated time leakage is charged over.
  virtual void finish(Report& r) = 0;

  const bundle& trace() const { return m_bundle; }
  const std::vector<SampleResult>& results() const { return m_results; }
  Runtime& runtime() { return *m_rt; }

 protected:
  // The trace named by run.trace, read and validated; run.timesteps (if set) re-times a
  // workload trace whose rates are the same at every timestep.
  bundle load_trace();
  // load_trace() into m_bundle, then run.samples and run.first_sample (its default from
  // first_default(samples), 0 if none) into m_samples and m_first, checked against the trace.
  void load_run(const std::function<int64_t(int samples)>& first_default = nullptr);
  // The runtime firmware's layout for `rc`, and the firmware chosen by run.firmware
  // (--firmware, "runtime" by default) installed on the CPU; its results land in m_results.
  void start_firmware(Cpu& cpu, Csr& csr, const RuntimeConfig& rc);

  bundle m_bundle;
  int m_samples = 0, m_first = 0;
  std::unique_ptr<Runtime> m_rt;
  std::vector<SampleResult> m_results;
  // run.exit_threshold (--exit-threshold) as the EXIT_THRESHOLD register value (Q0.16; 0: off).
  uint32_t exit_threshold_q16();
  // The per-sample part of every platform's report (functional traces): accuracy after each
  // timestep (over the samples that ran that far), accuracy at the exit (the prediction the
  // hardware returned), average timesteps, agreement with the trace's reference outputs over
  // the timesteps run, and one row per sample (label, prediction, exit timestep, latency).
  static void report_samples(Report& r, const bundle& b, int first, const std::vector<SampleResult>& results);
  // The FLOP-based estimate (traces/src/flops.h, FACTS.md s6) beside the modelled energy, per
  // inference: `accumulates` per bundle layer over `inferences` runs (the platform's counts).
  // SNN: ACs of the spike-input layers x 0.9 pJ, plus the multi-bit-input (direct-coded) layers
  // as dense MACs x T x 4.6 pJ (the usual convention); ANN: dense MACs x 4.6 pJ.
  static void report_flops(Report& r, const bundle& b, const std::vector<uint64_t>& accumulates, int inferences,
                           double modelled_pj_per_inference);
};

}  // namespace spiketlm
