// spiketlm sweep: a design-space sweep from a sweep file to its results (sw/dse/README.md).
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace spiketlm::dse {

struct SweepOptions {
  std::string backend = "local";  // local, slurm or external (list the points to run, run nothing)
  int jobs = 0;                   // local: processes at once (0: every core this process may use)
  bool yes = false;               // run more than max_points
  bool collect = false;           // only gather what the point folders and the queue say
  bool retry_failed = false;      // run the failed points again too
  bool wait = true;               // slurm: wait for the job to end
  bool progress = false;          // the live progress line on stderr
  std::string out;                // the sweep folder (default: the file's out:, else <name>.sweep)
  // slurm: time, mem, partition, throttle, poll_s from the command line (over the file's)
  std::vector<std::pair<std::string, std::string>> slurm;
};

// Runs (or resumes, or collects) the sweep of `file`. Everything that can be checked before a
// point runs is checked first (the file, the size against max_points, every axis value through
// an elaboration, sbatch): one-line errors, nothing created. Then the folder and database are
// brought up to date, the pending points (and with retry_failed the failed ones) run on the
// backend, and the results are written (results.csv/.json, pareto.csv, pareto.png). A point
// that is done is never run again. Returns the exit code: 1 if a point failed, else 0.
int run_sweep(const std::string& file, const SweepOptions& o);

}  // namespace spiketlm::dse
