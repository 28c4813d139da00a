#include "sw/dse/shard_tasks.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sw/dse/command.h"
#include "sw/dse/slurm_backend.h"
#include "sw/dse/subprocess.h"
#include "tlm/report.h"

namespace spiketlm::dse {

namespace fs = std::filesystem;

namespace {

// `argv` run in `dir` (the point folder, as its run.sh runs).
ProcResult run_in(const std::string& dir, const std::vector<std::string>& argv) {
  std::vector<std::string> a = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", dir};
  a.insert(a.end(), argv.begin(), argv.end());
  return run_capture(a);
}

// The point's `time`: the first shard's start and the last shard's end.
void write_span(const std::string& point_dir, const std::vector<std::string>& dirs) {
  double t0 = 0, t1 = 0;
  bool any = false;
  for (const auto& d : dirs) {
    std::ifstream in(d + "/time");
    double a = 0, b = 0;
    if (!(in >> a >> b)) continue;
    t0 = any ? std::min(t0, a) : a;
    t1 = any ? std::max(t1, b) : b;
    any = true;
  }
  if (any) write_file_atomic(point_dir + "/time", std::to_string(t0) + " " + std::to_string(t1) + "\n");
}

// Merges the done shards into the point folder; "" or the merge's error.
std::string merge_into(const std::string& point_dir, const std::vector<std::string>& dirs) {
  std::vector<std::string> argv = {self_exe(), "merge"};
  argv.insert(argv.end(), dirs.begin(), dirs.end());
  argv.insert(argv.end(), {"--json", kReportJson, "--csv", kReportCsv, "-q"});
  const ProcResult r = run_in(point_dir, argv);
  if (r.code == 0) return "";
  const std::string why = last_line_of(r.err);
  return why.empty() ? "exit code " + std::to_string(r.code) : why;
}

}  // namespace

std::vector<std::string> shard_dirs(const std::string& point_dir) {
  std::vector<std::string> v;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(point_dir + "/shards", ec))
    if (e.is_directory(ec) && e.path().filename().string().rfind("shard_", 0) == 0) v.push_back(e.path().string());
  std::sort(v.begin(), v.end());
  return v;
}

Outcome shard_outcome(const std::string& dir) {
  Outcome o = read_outcome(dir);
  if (o.kind == Outcome::none && fs::exists(dir + "/shard.json") && !fs::exists(dir + "/status")) o.kind = Outcome::done;
  return o;
}

std::string plan_shards(const std::string& point_dir, std::vector<std::string> argv) {
  argv.push_back("--shard-plan");
  const ProcResult r = run_in(point_dir, argv);
  if (r.code == 0 && !shard_dirs(point_dir).empty()) return "";
  const std::string why = last_line_of(r.err);
  return "planning its shards failed: " + (why.empty() ? "exit code " + std::to_string(r.code) : why);
}

std::vector<Task> shard_tasks(int64_t point, const std::string& point_dir) {
  std::vector<Task> t;
  for (const auto& d : shard_dirs(point_dir))
    if (shard_outcome(d).kind != Outcome::done) t.push_back({point, d});
  return t;
}

std::vector<std::string> split_jobs(const std::string& jobs) {
  std::vector<std::string> v;
  std::istringstream in(jobs);
  for (std::string j; std::getline(in, j, ',');)
    if (!j.empty()) v.push_back(j);
  return v;
}

bool jobs_in_queue(const std::string& jobs, const std::map<std::string, std::string>& queue, std::string* state) {
  bool any = false;
  for (const auto& j : split_jobs(jobs)) {
    const auto it = queue.find(j);
    if (it == queue.end()) continue;
    any = true;
    if (state && (state->empty() || it->second == "RUNNING")) *state = it->second;
  }
  return any;
}

bool settle_sharded(Store& st, const SweepFolder& f, const PointRow& p, const std::map<std::string, std::string>* queue) {
  const std::string pd = f.point_dir(p.point);
  const std::vector<std::string> dirs = shard_dirs(pd);
  if (dirs.empty()) return false;
  int open = 0;
  size_t failed = dirs.size();
  for (size_t i = 0; i < dirs.size(); ++i) {
    const Outcome::Kind k = shard_outcome(dirs[i]).kind;
    open += k == Outcome::none;
    if (k == Outcome::failed && failed == dirs.size()) failed = i;
  }
  const bool gone = queue && !jobs_in_queue(p.job, *queue);
  if (open > 0 && !gone) return false;  // shards still queued or running
  if (failed < dirs.size()) {
    const Outcome o = shard_outcome(dirs[failed]);
    st.record_failed(p.point, int64_t(o.exit_code), "shard " + std::to_string(failed) + ": " + o.error, -1);
    return true;
  }
  if (open > 0) {
    size_t i = 0;
    while (shard_outcome(dirs[i]).kind != Outcome::none) ++i;
    st.record_failed(p.point, Value(),
                     "shard " + std::to_string(i) + " ended without a result or an exit status (cancelled before it "
                     "started, node failure, ...): see the Slurm logs of tasks " + p.job, -1);
    return true;
  }
  write_span(pd, dirs);
  const std::string why = merge_into(pd, dirs);
  if (!why.empty()) {
    st.record_failed(p.point, Value(), "merging its shards failed: " + why, -1);
    return true;
  }
  return false;  // the point folder now holds its report: refresh() records it
}

}  // namespace spiketlm::dse
