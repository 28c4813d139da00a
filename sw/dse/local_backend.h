// spiketlm sweep: the local backend, a pool of processes over this machine's cores.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace spiketlm::dse {

struct Task {
  int64_t point = 0;
  std::string dir;   // the point folder task.sh runs
};

struct TaskEvents {
  std::function<void(const Task&)> started;
  std::function<void(const Task&, int code)> finished;   // exit code of task.sh (128+N: signal N)
  std::function<void()> tick;                            // a few times a second, for progress
};

// Runs every task as `/bin/sh task_script DIR` (sw/dse/folder.h), at most `jobs` at a time,
// each in its own process group. Events are called in this process, one at a time. On SIGINT,
// SIGTERM or SIGHUP the running tasks are killed (their points stay unfinished and run again
// on resume) and the signal then ends this process as it would have.
void run_local(const std::vector<Task>& tasks, int jobs, const std::string& task_script, const TaskEvents& ev);

// The number of CPUs this process may run on.
int default_jobs();

}  // namespace spiketlm::dse
