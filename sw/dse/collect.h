// spiketlm sweep: bringing the database up to date with the point folders.
#pragma once
#include <map>
#include <string>

#include "sw/dse/folder.h"
#include "sw/dse/store.h"

namespace spiketlm::dse {

// For every point not yet done: a folder with a report makes it done (its report goes into the
// database), a folder with a `status` makes it failed (exit code, last line of stderr). A point
// without either: queued in a Slurm job that `queue` no longer lists -> failed ("ended without
// a result or an exit status": cancelled before it started, node failure, ...); queued with
// `queue` unknown (nullptr) -> unchanged; running (a local driver that is gone) -> pending.
// Returns how many points changed state.
int refresh(Store& st, const SweepFolder& f, const std::map<std::string, std::string>* queue);

// Records the outcome of one point's folder after its task ended with `code` (local backend).
void record_task_end(Store& st, const SweepFolder& f, int64_t point, int code);

}  // namespace spiketlm::dse
