// spiketlm sweep: the sweep file (sw/dse/README.md has the format).
//
// load_sweep() reads and checks a sweep YAML; every error is one line naming the file, its
// line, the field and what was expected. It checks the file's own structure only: whether a
// key exists and a value is in its range is the parameter system's question, asked by
// validate_plan() (sw/dse/validate.h) through an elaboration of the platform.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace spiketlm::dse {

// The values of one `-c` key along an axis: discrete (a list, a stepped range, a log range
// with a number of points) or, in random/LHS mode, a continuous interval.
struct AxisKey {
  std::string key;
  int line = 0;                      // of the axis entry in the sweep file
  std::vector<std::string> values;   // discrete values as `-c` text (empty when continuous)
  bool continuous = false;
  bool log_scale = false;            // continuous: log-uniform between from and to
  bool integer = false;              // continuous: rounded to integers
  double from = 0, to = 0;
};

// One dimension of the sweep: a key, or several keys zipped (varied together).
struct Axis {
  std::vector<AxisKey> keys;
  int line = 0;
  size_t size() const { return keys.front().values.size(); }  // discrete dimensions only
  bool continuous() const { return keys.front().continuous; }
};

struct Objective {
  std::string metric;   // a summary key of the report ("energy") or "section.key"
  bool maximise = false;
};

struct SlurmOptions {
  std::string time, mem, partition;     // sbatch --time, --mem, --partition ("" = site default)
  int throttle = 0;                     // --array=...%K (0 = no limit)
  int cpus = 1;                         // --cpus-per-task
  double poll_s = 5;                    // squeue poll interval while waiting
  std::vector<std::string> sbatch_args; // more sbatch options, verbatim
};

struct SweepSpec {
  std::string file;    // the sweep YAML as given
  std::string dir;     // its directory (relative paths resolve against it)
  std::string name;
  // base: the configuration every point starts from (paths absolute after loading)
  std::string config, trace;
  int64_t samples = 0;                                    // 0: the platform's default
  std::vector<std::pair<std::string, std::string>> set;  // base `-c` overrides, in file order
  std::vector<Axis> axes;
  std::string method = "grid";   // grid, random, lhs
  int64_t points = 0;            // random/lhs: how many
  uint64_t seed = 1;
  std::vector<Objective> objectives;
  std::string plot_x = "latency_us", plot_y = "energy_uj", plot_color = "accuracy_pct";
  int64_t max_points = 1000;     // more needs --yes
  int64_t shards = 1;            // each point as this many shard processes, merged (sw/run/shard.md)
  std::string out;               // the sweep folder
  SlurmOptions slurm;
};

SweepSpec load_sweep(const std::string& path);

}  // namespace spiketlm::dse
