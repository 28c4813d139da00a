// spiketlm sweep: the sweep folder on disk.
//
//   <out>/sweep.yaml        the sweep file as run       <out>/sweep.db     the database
//   <out>/task.sh           runs one point folder: its run.sh, stderr into stderr.log, the
//                           exit status of a failure into `status`, start/end into `time`
//   <out>/points/NNNN/      one folder per point: run.sh (the exact command line that
//                           reproduces the point), and what the run writes: report.json,
//                           report.csv, config.yaml (the effective configuration)
//   <out>/slurm/            array.sh, the point list of each submission, Slurm's logs
//   <out>/results.csv .json, pareto.csv, plot.py, pareto.png
// Each point writes only inside its own folder, and each file is put in place by a rename, so
// array tasks on a shared filesystem never write the same file and a reader never sees half a
// file. A point is done when report.json and report.csv are there and `status` is not.
#pragma once
#include <string>
#include <vector>

#include "sw/dse/plan.h"
#include "sw/dse/spec.h"

namespace spiketlm::dse {

struct SweepFolder {
  std::string root;
  int width = 4;  // digits of a point folder's name

  SweepFolder(std::string root, size_t points);
  std::string path(const std::string& rel) const { return root + "/" + rel; }
  std::string db() const { return path("sweep.db"); }
  std::string task_script() const { return path("task.sh"); }
  std::string slurm_dir() const { return path("slurm"); }
  std::string point_rel(int64_t id) const;   // "points/0007"
  std::string point_dir(int64_t id) const { return path(point_rel(id)); }
};

// Creates the folder (if needed), copies the sweep file, writes task.sh, and each point's
// run.sh from `argv` (the run's command line) where it is missing or different.
void prepare_folder(const SweepFolder& f, const SweepSpec& s, const std::vector<Point>& pts,
                    const std::vector<std::vector<std::string>>& argv);

// The text of task.sh (also the task script of a sharded run's folders: spiketlm run --shards).
const char* task_script_text();

// What a point's folder says about its last attempt.
struct Outcome {
  enum Kind { none, done, failed } kind = none;
  int exit_code = 0;
  std::string error;     // failed: the last line of stderr.log, else what the status means
  double seconds = -1;   // from `time`, -1 if not recorded
};
Outcome read_outcome(const std::string& point_dir);
// Before a point is (re)run: removes status, stderr.log, time and temporaries (never a report:
// a done point is never run again).
void clear_outcome(const std::string& point_dir);
// The last non-empty line of a text file (at most 400 characters), "" if none.
std::string last_line(const std::string& path);
// The same of a text.
std::string last_line_of(const std::string& text);

}  // namespace spiketlm::dse
