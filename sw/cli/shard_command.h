// spiketlm: `run --shards N` and `merge` (sw/run/shard.md).
#pragma once
#include <string>
#include <vector>

#include "sw/run/simulation.h"

namespace spiketlm::cli {

// What the report of a sharded run or a merge is written to.
struct ReportOutputs {
  std::string json, csv, dir;   // dir: -o DIR (report.json and report.csv in it)
  bool quiet = false, full = false;
};

// spiketlm run ... --shards N [--shard-dir DIR]: `req` is the run as parsed; `words` its
// command line after `run` (without the shard and output options, which the caller removed).
// Runs the shards as processes over this machine's cores (the sweep's local pool), merges them
// and writes the report as an unsharded run would. `plan_only` (--shard-plan): writes the shard
// folders under shard_dir (each run.sh its shard's exact command line) and stops, for shards
// run elsewhere (a sweep's Slurm array tasks) and merged by `spiketlm merge`.
int run_shards(const RunRequest& req, const std::vector<std::string>& words, int shards, std::string shard_dir,
               const ReportOutputs& out, bool plan_only = false);

// spiketlm merge SHARD... [-o DIR] [--json FILE] [--csv FILE] [--plugin LIB]... [--quiet] [--full]
int merge_main(int argc, char** argv);

}  // namespace spiketlm::cli
