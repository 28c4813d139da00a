// spiketlm sweep: the Slurm backend -- one `sbatch --array` job per submission, one array
// task per point, each running the point folder's task.sh (sw/dse/folder.h) on a node.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sw/dse/folder.h"
#include "sw/dse/local_backend.h"
#include "sw/dse/spec.h"

namespace spiketlm::dse {

// Checks that sbatch and squeue are on PATH: one-line error naming the missing one.
void require_slurm();

// Submits `tasks` as array jobs of at most kMaxArray tasks (Slurm's default MaxArraySize is
// 1001): writes slurm/array.sh and slurm/submit-<n>.points (task i runs the point folder on
// line i + 1) and runs
//   sbatch --parsable --job-name=spiketlm-<name> --array=0-<M-1>[%throttle]
//          --output=slurm/%A_%a.out --cpus-per-task=C [--time] [--mem] [--partition] [args...]
// Returns "<job>_<task>" for each task. An sbatch failure is a one-line error quoting sbatch
// (tasks of earlier chunks of the same call stay submitted: `submitted` returns them).
std::vector<std::string> submit_slurm(const SweepFolder& f, const SweepSpec& s, const std::vector<Task>& tasks,
                                      std::vector<std::string>* submitted = nullptr);
inline constexpr size_t kMaxArray = 1000;

// This user's array tasks in the queue: "<job>_<task>" -> state (PENDING, RUNNING, ...), from
// `squeue -h -r -u <uid> -o %i|%T`. An squeue failure is a one-line error.
std::map<std::string, std::string> slurm_queue();

// Where Slurm writes the output of task "<job>_<task>" (relative to the sweep folder).
std::string slurm_log(const std::string& job_task);

}  // namespace spiketlm::dse
