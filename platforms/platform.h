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
// The run flow (sw/run/simulation.h) builds the platform through the factory (family
// "platform"), installs the firmware chosen by name on the platform's CPU (host()), checks
// unused keys, calls sc_start() once, then finish() with what the firmware returned and
// Context::to_report(). A platform without a CPU (memdemo) does the work in its own SC_THREAD.
#pragma once
#include <functional>

#include "platforms/run_data.h"
#include "tlm/module.h"
#include "traces/src/trace.h"

namespace spiketlm {

class Cpu;
class Csr;
class EnergyCategories;

// The platform's CPU, its register block (base address, interrupt line) and what firmware on it
// needs to know of the platform. cpu is null on a platform without one.
struct HostPort {
  Cpu* cpu = nullptr;
  Csr* csr = nullptr;
  FirmwareTarget target;
};

class Platform : public Module {
 public:
  using Module::Module;
  // After the simulation, with the run's results (what the firmware returned): fill the summary
  // (latency, accuracy, per-layer tables...) and set ctx().elapsed_s to the simulated time
  // leakage is charged over.
  virtual void finish(const RunResults& run, Report& r) = 0;

  const bundle& trace() const { return m_bundle; }
  const HostPort& host() const { return m_host; }
  // The categories of its "energy by component" report (platforms/energy_categories.h); none
  // for a platform without that table.
  virtual const EnergyCategories* energy_categories() const { return nullptr; }
  int first_sample() const { return m_first; }  // run.first_sample
  int samples() const { return m_samples; }     // run.samples

 protected:
  // The trace named by run.trace, read and validated; run.timesteps (if set) re-times a
  // workload trace whose rates are the same at every timestep.
  bundle load_trace();
  // load_trace() into m_bundle, then run.samples and run.first_sample (its default from
  // first_default(samples), 0 if none) into m_samples and m_first, checked against the trace.
  void load_run(const std::function<int64_t(int samples)>& first_default = nullptr);
  // The CPU that runs the firmware, the register block it drives, and what the firmware needs
  // to know of the platform (the run flow installs the firmware: sw/run/firmware_host.h).
  void attach_host(Cpu& cpu, Csr& csr, const FirmwareTarget& target) { m_host = {&cpu, &csr, target}; }

  bundle m_bundle;
  int m_samples = 0, m_first = 0;
  HostPort m_host;
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
