#include "sw/dse/sweep.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include "sw/dse/collect.h"
#include "sw/dse/command.h"
#include "sw/dse/local_backend.h"
#include "sw/dse/plot.h"
#include "sw/dse/progress.h"
#include "sw/dse/results.h"
#include "sw/dse/shard_tasks.h"
#include "sw/dse/slurm_backend.h"
#include "sw/dse/subprocess.h"
#include "sw/dse/summary.h"
#include "sw/dse/validate.h"
#include "tlm/error.h"

namespace spiketlm::dse {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kHardMaxPoints = 10000000;

void apply_options(SweepSpec& s, const SweepOptions& o) {
  if (!o.out.empty()) s.out = fs::absolute(o.out).lexically_normal().string();
  for (const auto& kv : o.slurm) {
    if (kv.first == "time") s.slurm.time = kv.second;
    else if (kv.first == "mem") s.slurm.mem = kv.second;
    else if (kv.first == "partition") s.slurm.partition = kv.second;
    else if (kv.first == "throttle") s.slurm.throttle = std::stoi(kv.second);
    else if (kv.first == "poll_s") s.slurm.poll_s = std::stod(kv.second);
  }
}

void check_size(const SweepSpec& s, const SweepOptions& o) {
  const int64_t n = plan_size(s);
  if (n > kHardMaxPoints)
    fail("sweep", s.file + ": axes: " + (n == INT64_MAX ? std::string("more than 2^63") : std::to_string(n)) +
                      " points, expected at most " + std::to_string(kHardMaxPoints));
  if (n > s.max_points && !o.yes)
    fail("sweep", s.file + ": " + std::to_string(n) + " points, more than max_points (" + std::to_string(s.max_points) +
                      "): expected --yes to run them all, or a larger max_points");
}

// The sweep folder, held by this driver (flock) for its lifetime.
class Session {
 public:
  Session(const SweepSpec& s, const std::vector<Point>& pts, bool create)
      : folder(s.out, pts.size()) {
    if (!create && !fs::exists(folder.db()))
      fail("sweep", s.out + ": expected a sweep folder with sweep.db, got none (run `spiketlm sweep " + s.file +
                        "` first)");
    fs::create_directories(s.out);
    lock(s.out + "/sweep.lock");
    std::vector<std::vector<std::string>> argv;
    std::vector<std::string> dirs, args;
    const std::string exe = self_exe();
    for (const auto& p : pts) {
      argv.push_back(point_argv(s, p, exe));
      dirs.push_back(folder.point_rel(p.index));
      args.push_back(shell_join({argv.back().begin() + 1, argv.back().end()}));
    }
    store = std::make_unique<Store>(folder.db());
    store->init(s, pts, dirs, args);
    prepare_folder(folder, s, pts, argv);
  }
  ~Session() {
    if (m_fd >= 0) close(m_fd);
  }
  SweepFolder folder;
  std::unique_ptr<Store> store;

 private:
  void lock(const std::string& path) {
    m_fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd >= 0 && flock(m_fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
      fail("sweep", folder.root + ": in use by another spiketlm sweep, expected one driver per sweep folder");
  }
  int m_fd = -1;
};

std::vector<Task> select_tasks(Store& st, const SweepFolder& f, bool retry_failed) {
  std::vector<Task> t;
  for (const auto& p : st.points())
    if (p.state == "pending" || (retry_failed && p.state == "failed")) t.push_back({p.point, f.point_dir(p.point)});
  return t;
}

// Slurm with shards: N > 1: each point's shards are array tasks of their own (their folders
// written first, by `spiketlm run ... --shard-plan`); a point whose shards cannot be planned
// fails with the reason. A retried point re-runs only the shards that are not done.
std::vector<Task> shard_level_tasks(Session& ss, const SweepSpec& s, const std::vector<Point>& pts,
                                    const std::vector<Task>& points) {
  std::vector<Task> t;
  const std::string exe = self_exe();
  for (const Task& pt : points) {
    if (shard_dirs(pt.dir).empty()) {
      const auto p = std::find_if(pts.begin(), pts.end(), [&](const Point& q) { return q.index == pt.point; });
      const std::string why = plan_shards(pt.dir, point_argv(s, *p, exe));
      if (!why.empty()) {
        ss.store->record_failed(pt.point, int64_t(1), why, -1);
        continue;
      }
    }
    const std::vector<Task> sh = shard_tasks(pt.point, pt.dir);
    if (sh.empty()) ss.store->mark({pt.point}, "queued", {""});  // every shard done: only the merge is left
    t.insert(t.end(), sh.begin(), sh.end());
  }
  return t;
}

void run_locally(Session& ss, const std::vector<Task>& tasks, int jobs, Progress& prog) {
  Store& st = *ss.store;
  const int64_t total = int64_t(st.points().size());
  TaskEvents ev;
  ev.started = [&](const Task& t) {
    clear_outcome(t.dir);
    st.mark({t.point}, "running");
  };
  ev.finished = [&](const Task& t, int code) {
    record_task_end(st, ss.folder, t.point, code);
    prog.update(st.counts(), total, true);
  };
  ev.tick = [&] { prog.update(st.counts(), total); };
  run_local(tasks, jobs, ss.folder.task_script(), ev);
}

// Counts for the progress line, with the queued tasks Slurm runs shown as running.
std::map<std::string, int64_t> slurm_counts(Store& st, const std::map<std::string, std::string>& q) {
  auto c = st.counts();
  for (const auto& p : st.points())
    if (std::string state; p.state == "queued" && jobs_in_queue(p.job, q, &state) && state == "RUNNING") {
      --c["queued"];
      ++c["running"];
    }
  return c;
}

// Polls the queue until no point of this sweep is queued. A task must be missing from two
// polls in a row before its point counts as ended without a result (a shared filesystem may
// show its files a moment after the task left the queue).
void wait_slurm(Session& ss, const SweepSpec& s, Progress& prog) {
  Store& st = *ss.store;
  const int64_t total = int64_t(st.points().size());
  std::map<std::string, std::string> prev = slurm_queue();
  while (st.counts()["queued"] > 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(s.slurm.poll_s));
    const std::map<std::string, std::string> now = slurm_queue();
    std::map<std::string, std::string> seen = prev;
    seen.insert(now.begin(), now.end());
    refresh(st, ss.folder, &seen);
    prog.update(slurm_counts(st, now), total, true);
    prev = now;
  }
}

// The points of `tasks` in order, and the array tasks of each (comma-separated: a sharded
// point's shards are tasks of their own).
void group_jobs(const std::vector<Task>& tasks, const std::vector<std::string>& jobs, std::vector<int64_t>& ids,
                std::vector<std::string>& joined) {
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (ids.empty() || ids.back() != tasks[i].point) {
      ids.push_back(tasks[i].point);
      joined.emplace_back();
    }
    joined.back() += (joined.back().empty() ? "" : ",") + jobs[i];
  }
}

void submit(Session& ss, const SweepSpec& s, const std::vector<Task>& tasks) {
  std::vector<std::string> partial, jobs, joined;
  std::vector<int64_t> ids;
  try {
    jobs = submit_slurm(ss.folder, s, tasks, &partial);
  } catch (...) {
    group_jobs(tasks, partial, ids, joined);  // earlier chunks went
    ss.store->mark(ids, "queued", joined);
    throw;
  }
  group_jobs(tasks, jobs, ids, joined);
  ss.store->mark(ids, "queued", joined);
  std::cout << "sweep " << s.name << ": submitted " << ids.size() << " points"
            << (s.shards > 1 ? " (" + std::to_string(tasks.size()) + " shard tasks)" : std::string()) << " as Slurm job "
            << jobs.front().substr(0, jobs.front().find('_')) << (jobs.size() > kMaxArray ? " and more" : "")
            << std::endl;
}

void run_on_slurm(Session& ss, const SweepSpec& s, const std::vector<Point>& pts, std::vector<Task> tasks, bool wait,
                  Progress& prog) {
  for (const auto& t : tasks) clear_outcome(t.dir);
  if (s.shards > 1) {  // the shards not done, as tasks of their own
    tasks = shard_level_tasks(ss, s, pts, tasks);
    for (const auto& t : tasks) clear_outcome(t.dir);
  }
  if (!tasks.empty()) submit(ss, s, tasks);
  if (ss.store->counts()["queued"] == 0) return;
  if (wait) wait_slurm(ss, s, prog);
  else std::cout << "not waiting: `spiketlm sweep " << s.file << " --collect` gathers the results" << std::endl;
}

// --backend external: nothing runs here. Each point to run (pending; with --retry-failed the
// failed ones too, pending again) is one command line on stdout, `/bin/sh TASK_SH POINT_DIR`,
// for a runner that shares the filesystem (the Python API's Dask backend, sw/python). A point
// stays pending until its folder shows an outcome, which --collect or the next run reads.
void list_external(Session& ss, const std::vector<Task>& tasks) {
  std::vector<int64_t> ids;
  for (const Task& t : tasks) {
    clear_outcome(t.dir);
    ids.push_back(t.point);
  }
  if (!ids.empty()) ss.store->mark(ids, "pending", {}, true);  // an attempt each
  for (const Task& t : tasks) std::cout << shell_join({"/bin/sh", ss.folder.task_script(), t.dir}) << "\n";
  std::cout.flush();
}

// The queue, if this sweep has queued points and squeue is there (else nullptr).
std::unique_ptr<std::map<std::string, std::string>> queue_if_needed(Store& st) {
  if (st.counts()["queued"] == 0 || find_on_path("squeue").empty()) return nullptr;
  return std::make_unique<std::map<std::string, std::string>>(slurm_queue());
}

int finish(Session& ss, const SweepSpec& s, const std::vector<Point>& pts) {
  const Report r = sweep_results(*ss.store, s, ss.folder, pts);
  write_results(r, ss.folder);
  const bool any = r.get("sweep", "done").as_int() > 0;
  const std::string why = any ? plot_sweep(ss.folder, s, r) : "no finished point";
  if (any && !why.empty()) std::cerr << "spiketlm: warning: no plot: " << why << "\n";
  print_summary(std::cout, r, s, ss.store->axis_keys(), why.empty());
  return print_failures(std::cerr, r) > 0 ? 1 : 0;
}

}  // namespace

int run_sweep(const std::string& file, const SweepOptions& o) {
  SweepSpec s = load_sweep(file);
  apply_options(s, o);
  check_size(s, o);
  if (o.backend != "local" && o.backend != "slurm" && o.backend != "external")
    fail("sweep", "--backend " + o.backend + ": expected local, slurm or external");
  if (o.backend == "slurm" && !o.collect) require_slurm();
  if (s.method != "grid") type_intervals(s);
  const std::vector<Point> pts = make_plan(s);
  if (!o.collect) validate_plan(s, pts);
  Session ss(s, pts, !o.collect);
  Progress prog("sweep " + s.name, o.progress);
  auto q = queue_if_needed(*ss.store);
  refresh(*ss.store, ss.folder, q.get());
  if (!o.collect) {
    const std::vector<Task> tasks = select_tasks(*ss.store, ss.folder, o.retry_failed);
    // A sharded point runs its shards on the cores itself: fewer points at a time.
    const int jobs = o.jobs > 0 ? o.jobs : std::max<int>(1, default_jobs() / int(std::min<int64_t>(s.shards, 1024)));
    if (o.backend == "external") {
      list_external(ss, tasks);
      return 0;
    }
    if (o.backend == "local" && !tasks.empty()) run_locally(ss, tasks, jobs, prog);
    if (o.backend == "slurm") run_on_slurm(ss, s, pts, tasks, o.wait, prog);
    prog.finish();
  }
  return finish(ss, s, pts);
}

}  // namespace spiketlm::dse
