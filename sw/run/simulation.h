// spiketlm: one simulation, from a platform YAML to a report.
//
// The CLI and the integration tests go through this class, so a platform is built, checked
// and reported the same way everywhere:
//   Simulation sim;  sim.configure(req);  sim.elaborate();  sim.run();  Report r = sim.report();
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "platforms/platform.h"
#include "sw/run/firmware_host.h"

namespace spiketlm {

namespace nir {
class temp_import;
}

struct RunRequest {
  std::string config;                       // platform YAML
  std::string config_yaml;                  // if set: the configuration's text (config names it in messages)
  std::vector<std::string> overrides;       // "-c key=value"
  // ("run.trace", path), from CLI flags; ("run.nir", file): the NIR file imported (default
  // import options, traces/nir/README.md) into a temporary bundle that becomes run.trace
  std::vector<std::pair<std::string, std::string>> run_params;
  std::vector<std::string> plugins;         // --plugin
  std::string vcd;                          // --vcd FILE ("" = no tracing)
  std::vector<std::string> trace_filters;   // --trace-filter globs
  double progress_delay_s = -1;             // progress on stderr after this many seconds (< 0: none)
};

class Simulation {
 public:
  Simulation();
  ~Simulation();
  Context& ctx() { return *m_ctx; }
  // Load YAML, overrides, tech tables, plugins; open the VCD. Errors name file and key.
  void configure(const RunRequest& req);
  // Build the platform instance, install the firmware chosen by run.firmware on its CPU, and
  // check that every configured key was used.
  Platform& elaborate();
  // sc_start() until the platform is done; closes the VCD.
  void run();
  Report report();
  // The report of `results` instead of what the firmware returned (a merge of shards).
  Report report(const RunResults& results);
  Platform& platform() { return *m_top; }
  // What the firmware returned (per-sample results, descriptor table, layer of each descriptor).
  const RunResults& results() { return m_host.results(); }
  const std::string& top_name() const { return m_top_name; }

 private:
  std::unique_ptr<Context> m_ctx;
  std::unique_ptr<Platform> m_top;
  FirmwareHost m_host;
  std::string m_top_name, m_config_dir;
  bool m_vcd = false;
  std::unique_ptr<nir::temp_import> m_nir;  // run.nir
  void import_nir(const RunRequest& req, const std::string& model);
};

// What `spiketlm list` shows of a kind: the parameters a unit of that kind declares, keys
// relative to the unit ("capacity_mb"; a child built with make_child shows up as nested keys,
// "glb.capacity_kb", and its slot as "glb.kind").
struct KindDescription {
  const KindInfo* info = nullptr;
  std::vector<ParamDecl> params;
  std::string error;   // why the unit could not be built alone (its parameters are then partial)
};
// "Describe mode": build one unit of `kind` with every parameter at its default in a throwaway
// Context holding every technology table of platforms/tech/ (tech_files; default: those of
// the source tree this binary was built from) and collect its declarations. Platforms are
// built on the bundled trace traces/fmnist_snn. Never starts the simulation.
KindDescription describe_kind(const std::string& kind, std::vector<std::string> tech_files = {});
// The technology tables describe mode loads by default.
std::vector<std::string> default_tech_files();

// Path `p` relative to directory `dir` unless absolute.
std::string resolve_path(const std::string& dir, const std::string& p);

}  // namespace spiketlm
