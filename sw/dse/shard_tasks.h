// spiketlm sweep: the shards of a point as separate Slurm array tasks (sw/dse/README.md,
// "Sharded points"). A sharded point's folder holds shards/shard_NNN/ folders, each a task
// folder for task.sh (run.sh: the shard's exact command line, writing shard.json); once every
// shard is done the driver merges them (`spiketlm merge`, a process of its own: a merge
// elaborates the platform) into the point's report.json and report.csv.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sw/dse/folder.h"
#include "sw/dse/local_backend.h"
#include "sw/dse/store.h"

namespace spiketlm::dse {

// The shard folders of a point folder (points/NNNN/shards/shard_*), in order; empty if none.
std::vector<std::string> shard_dirs(const std::string& point_dir);

// Done when shard.json is there and `status` is not; failed as read_outcome().
Outcome shard_outcome(const std::string& shard_dir);

// Writes the shard folders of a point whose folder has none (`argv`: the point's run, which
// holds --shards N --shard-dir shards; run with --shard-plan in the point folder). Returns ""
// or the planning run's error (its last line of stderr).
std::string plan_shards(const std::string& point_dir, std::vector<std::string> argv);

// The array tasks of a point: its shard folders that are not done.
std::vector<Task> shard_tasks(int64_t point, const std::string& point_dir);

// The Slurm tasks of a point ("<job>_<task>", comma-separated in the store's job column).
std::vector<std::string> split_jobs(const std::string& jobs);
// Whether any of them is in `queue`; `state` (if given) receives RUNNING if one runs.
bool jobs_in_queue(const std::string& jobs, const std::map<std::string, std::string>& queue, std::string* state = nullptr);

// A queued point with shard folders and no outcome of its own: merged into report.json and
// report.csv when every shard is done (a failed merge is recorded as the point's failure);
// failed when its tasks have all left `queue` (or every shard ended) with a shard failed or
// without a result. Returns whether the point changed state.
bool settle_sharded(Store& st, const SweepFolder& f, const PointRow& p, const std::map<std::string, std::string>* queue);

}  // namespace spiketlm::dse
