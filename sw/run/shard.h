// spiketlm: shards of a run and their exact merge (sw/run/shard.md).
//
// A run over samples F..F+S-1 split into shards (run.first_sample / run.samples) gives the
// same report, byte for byte, as the unsharded run once the shards are merged: every
// inference starts from a defined hardware state (tlm/boundary.h), so a sample costs the same
// in any shard; the setup before the first inference (weights loaded, crossbars programmed)
// is counted once; counters add, peak_* statistics take the maximum, per-sample results
// concatenate, and the report is computed again from the merged counters by the platform's
// own finish() (nothing is averaged).
//
// A shard's state (`--shard-state FILE`, JSON) holds its configuration, its sample range, the
// ledger and statistics at the end of the setup and at the end of the run, the platform's own
// counters (Platform::state) and the per-sample results.
#pragma once
#include <string>
#include <vector>

#include "sw/run/simulation.h"

namespace spiketlm {

// The ledger's counts and every module's statistics at one moment, in the Context's order.
struct ShardCounts {
  std::vector<uint64_t> ledger;
  std::vector<std::string> modules;   // the module of each statistic
  std::vector<Stat> stats;
};

struct ShardState {
  std::string file;                   // where it was read from (messages)
  std::string config;                 // --dump-config of the run, without run.first_sample / run.samples
  std::vector<std::string> actions;   // the ledger's actions ("module component action")
  int first = 0, samples = 0;
  ShardCounts setup, total;           // the setup's counts (ShardRecorder), at the end
  RunResults results;
  std::vector<std::string> warnings;
  PlatformState platform;
};

// Installed on a simulation before run(): the setup's counts are the ledger and statistics when
// the first sample begins (tlm/boundary.h, after the DRAM's precharge), plus what was counted
// between setup_begin() and setup_end() later (SpikeFlow's crossbar programming).
class ShardRecorder {
 public:
  explicit ShardRecorder(Simulation& sim);
  // After run(): the shard's state. `config`: the run's --dump-config text.
  ShardState state(const std::string& config) const;

 private:
  Simulation& m_sim;
  ShardCounts m_setup, m_window;   // m_window: at setup_begin()
  bool m_have_setup = false;
};

ShardCounts snapshot(const Context& ctx);
// The configuration text without the sample range (what every shard of a run shares).
std::string shard_config(const std::string& dump);

std::string state_json(const ShardState& s);
// Reads `path` (a --shard-state file, or a folder holding shard.json); one-line errors naming
// the file and the field.
ShardState read_state(const std::string& path);
// The state of the whole run: errors (naming the file and field) for shards of different
// configurations, actions or setups, and for sample ranges that overlap or leave a gap.
ShardState merge_states(std::vector<ShardState> shards);
// The merged run's report: elaborates the configuration, runs its setup and first sample (to
// rebuild what the report reads besides counters), then replaces every counter by the merged
// ones and reports through the platform's finish().
Report merged_report(const ShardState& merged, const std::vector<std::string>& plugins);

}  // namespace spiketlm
