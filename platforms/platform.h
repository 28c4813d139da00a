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
#include <map>
#include <tuple>

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
  // The platform's own results for a merge of shards (platforms/run_data.h): state() after a
  // run, set_state() before finish() with the merged ones. None by default.
  virtual PlatformState state() const { return {}; }
  virtual void set_state(const PlatformState&) {}
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
  // First checks that the trace fits the memory the firmware loads it into (`dram`, the
  // unit's path; platforms/dram_fit.h), before the firmware allocates anything of its size.
  void attach_host(Cpu& cpu, Csr& csr, const FirmwareTarget& target, const std::string& dram);

  bundle m_bundle;
  int m_samples = 0, m_first = 0;
  HostPort m_host;
  // run.exit_threshold (--exit-threshold) as the EXIT_THRESHOLD register value (Q0.16; 0: off).
  uint32_t exit_threshold_q16();
  // run.per_sample (--per-sample): the report's per-sample table. Read by load_run().
  bool m_per_sample = false;

  // --- The report (platforms/platform_report.cpp; layout and names: tlm/report.md) ---
  // A platform's energy split into its component categories, dynamic and leakage apart.
  struct EnergySplit {
    std::vector<std::string> order;                          // categories, in report order
    std::map<std::string, double> dynamic_pj, leakage_pj;    // whole run
    double dynamic_total_pj = 0, leakage_total_pj = 0;
  };
  // Ledger lines over `seconds` by the platform's categories; lines of category `skip` (if >= 0)
  // are left out.
  static EnergySplit split_energy(const EnergyLedger& ledger, double seconds, const EnergyCategories& cats,
                                  int skip = -1);
  // The summary every inference platform reports first, per inference: latency, energy with
  // its dynamic and leakage split, EDP, accuracy, on-chip area, timesteps, exits and agreement
  // with the trace's reference outputs; then the energy_by_component table (group component),
  // the accuracy-per-timestep table (group more) and, with run.per_sample, the samples table.
  // `seconds`, `cycles`: the whole run's.
  void report_summary(Report& r, const std::vector<SampleResult>& samples, double seconds, double cycles,
                      const EnergySplit& e, double area_um2);
  // On-chip area by component (table area_by_component, group component); returns the total.
  using AreaParts = std::vector<std::pair<std::string, double>>;
  static void report_area(Report& r, const AreaParts& parts);
  static double total(const AreaParts& parts);
  // The FLOP-based estimate (traces/src/flops.h, FACTS.md s6) beside the modelled energy, per
  // inference: `accumulates` per bundle layer over `inferences` runs (the platform's counts).
  // SNN: ACs of the spike-input layers x 0.9 pJ, plus the multi-bit-input (direct-coded) layers
  // as dense MACs x T x 4.6 pJ (the usual convention); ANN: dense MACs x 4.6 pJ.
  static void report_flops(Report& r, const bundle& b, const std::vector<uint64_t>& accumulates, int inferences,
                           double modelled_pj_per_inference);
  // Bytes read and written per inference at every unit that counts bytes_read/bytes_written
  // (DRAM, buffers), plus `extra` rows (level, read, written: whole run); table memory_traffic.
  void report_traffic(Report& r, int inferences, const std::vector<std::tuple<std::string, double, double>>& extra = {});
  // A membrane of `bits` narrower than the trace's thresholds need: fit the neurons to it
  // (traces/src/requantize.h) and warn, naming `key` and the layers refitted. Returns their number.
  int fit_membrane(int bits, const std::string& key);

 private:
  struct Outcome {
    double average_timesteps = 0, accuracy_pct = 0;
    int64_t exited = 0, mismatched = 0;
  };
  Outcome report_samples(Report& r, const std::vector<SampleResult>& samples);
};

}  // namespace spiketlm
