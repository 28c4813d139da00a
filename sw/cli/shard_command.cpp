#include "sw/cli/shard_command.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "sw/cli/help.h"
#include "sw/dse/command.h"
#include "sw/dse/folder.h"
#include "sw/dse/local_backend.h"
#include "sw/run/shard.h"
#include "tlm/cleanup.h"
#include "tlm/output.h"

namespace spiketlm::cli {

namespace fs = std::filesystem;

namespace {

void claim_outputs(const ReportOutputs& o) {
  OutputSet& out = OutputSet::process();
  if (!o.json.empty()) out.claim(o.json, "--json");
  if (!o.csv.empty()) out.claim(o.csv, "--csv");
  if (!o.dir.empty()) out.claim_dir(o.dir, "-o");
}

// Stages every output, commits them together, then prints the report (unless quiet).
void emit(const Report& r, const ReportOutputs& o) {
  OutputSet& out = OutputSet::process();
  if (!o.json.empty()) r.save(o.json, "json");
  if (!o.csv.empty()) r.save(o.csv, "csv");
  if (!o.dir.empty()) {
    const std::string st = out.stage_dir(o.dir);
    std::ofstream j(st + "/" + dse::kReportJson), c(st + "/" + dse::kReportCsv);
    r.write_json(j);
    r.write_csv(c);
    if (!j || !c) fail("merge", o.dir + ": -o: expected a writable folder for report.json and report.csv");
  }
  out.commit();
  if (!o.quiet) r.write_text(std::cout, o.full);
}

// The run's first sample and number of samples, as its platform resolves them (defaults,
// -c run.first_sample, --samples): elaborated in a child process (one elaboration per process),
// so that this one can elaborate the merge. {-1, -1} if the child failed (it said why).
std::pair<int, int> sample_range(const RunRequest& req) {
  int fd[2];
  if (pipe(fd) != 0) fail("run", std::string("--shards: pipe: expected a pipe, got ") + std::strerror(errno));
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = fork();
  if (pid < 0) fail("run", std::string("--shards: fork: expected a child process, got ") + std::strerror(errno));
  if (pid == 0) {
    close(fd[0]);
    cleanup::reset_after_fork();
    int rc = 0;
    try {
      Simulation sim;
      sim.ctx().echo_warnings = false;   // the shards say them
      sim.configure(req);
      Platform& p = sim.elaborate();
      const std::string s = std::to_string(p.first_sample()) + " " + std::to_string(p.samples()) + "\n";
      rc = write(fd[1], s.data(), s.size()) == ssize_t(s.size()) ? 0 : 1;
    } catch (const std::exception& e) {
      std::cerr << "spiketlm: error: " << error_text(e) << "\n";
      rc = 1;
    }
    std::cerr.flush();
    _exit(rc);
  }
  close(fd[1]);
  char buf[64] = {};
  const ssize_t n = read(fd[0], buf, sizeof buf - 1);
  close(fd[0]);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
  int first = 0, samples = 0;
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || n <= 0 || std::sscanf(buf, "%d %d", &first, &samples) != 2)
    return {-1, -1};  // the child said why
  return {first, samples};
}

struct ShardPlan {
  std::string dir, name;
  int first = 0, samples = 0;
};

// N folders shard_000... under `root`, each with run.sh: this run's command line on its samples.
std::vector<ShardPlan> prepare(const std::string& root, const std::vector<std::string>& words, int first, int total,
                               int shards) {
  fs::create_directories(root);
  write_file_atomic(root + "/task.sh", dse::task_script_text());
  const std::string cwd = fs::current_path().string(), exe = dse::self_exe();
  std::vector<ShardPlan> v;
  for (int i = 0, f = first; i < shards; ++i) {
    ShardPlan p;
    p.samples = total / shards + (i < total % shards ? 1 : 0);
    p.first = f;
    f += p.samples;
    char name[32];
    std::snprintf(name, sizeof name, "shard_%03d", i);
    p.name = name;
    p.dir = fs::absolute(root + "/" + name).lexically_normal().string();
    fs::create_directories(p.dir);
    dse::clear_outcome(p.dir);
    std::vector<std::string> argv = {exe, "run"};
    argv.insert(argv.end(), words.begin(), words.end());
    argv.insert(argv.end(), {"-c", "run.first_sample=" + std::to_string(p.first), "--samples", std::to_string(p.samples),
                             "--shard-state", p.dir + "/shard.json", "-q"});
    write_file_atomic(p.dir + "/run.sh", "#!/bin/sh\n# spiketlm run --shards " + std::to_string(shards) + ": shard " +
                                             std::to_string(i) + ", samples " + std::to_string(p.first) + ".." +
                                             std::to_string(p.first + p.samples - 1) + "; writes shard.json here\ncd " +
                                             dse::shell_quote(cwd) + " || exit 1\nexec " + dse::shell_join(argv) + "\n");
    v.push_back(p);
  }
  return v;
}

}  // namespace

int run_shards(const RunRequest& req, const std::vector<std::string>& words, int shards, std::string shard_dir,
               const ReportOutputs& out, bool plan_only) {
  if (!plan_only) claim_outputs(out);
  const auto [first, total] = sample_range(req);
  if (total < 0) return 1;
  if (shards > total)
    fail("run", "--shards: expected at most " + std::to_string(total) + " (one sample each), got " + std::to_string(shards));
  const bool keep = !shard_dir.empty();
  if (!keep) {
    std::string tmpl = (fs::temp_directory_path() / "spiketlm_shards_XXXXXX").string();
    if (!mkdtemp(tmpl.data())) fail("run", tmpl + ": expected a temporary directory, got " + std::strerror(errno));
    shard_dir = tmpl;
    cleanup::add_dir(shard_dir);
  }
  struct Remove {
    std::string dir;
    ~Remove() {
      if (dir.empty()) return;
      cleanup::remove_tree(dir.c_str());
      cleanup::forget(dir);
    }
  } remove{keep ? std::string() : shard_dir};
  const std::vector<ShardPlan> plan = prepare(shard_dir, words, first, total, shards);
  if (plan_only) {
    if (!out.quiet)
      std::cout << shards << " shards in " << shard_dir << ": run each shard_NNN/run.sh (or task.sh on the folder), then "
                << "spiketlm merge " << shard_dir << "/shard_*\n";
    return 0;
  }
  std::vector<dse::Task> tasks;
  for (size_t i = 0; i < plan.size(); ++i) tasks.push_back({int64_t(i), plan[i].dir});
  std::string failure;
  dse::TaskEvents ev;
  ev.finished = [&](const dse::Task& t, int code) {
    if (code == 0 || !failure.empty()) return;
    failure = "shard " + std::to_string(t.point) + " failed: " + dse::read_outcome(t.dir).error + " (" + t.dir + "/stderr.log)";
  };
  dse::run_local(tasks, std::min(shards, dse::default_jobs()), shard_dir + "/task.sh", ev);
  if (!failure.empty()) fail("run", "--shards: " + failure);
  std::vector<ShardState> states;
  for (const auto& p : plan) states.push_back(read_state(p.dir + "/shard.json"));
  emit(merged_report(merge_states(std::move(states)), req.plugins), out);
  return 0;
}

int merge_main(int argc, char** argv) {
  ReportOutputs out;
  std::vector<std::string> inputs, plugins;
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error("merge", s + ": missing value");
      return argv[++i];
    };
    if (s == "-h" || s == "--help") {
      std::cout << command_help("merge");
      return 0;
    }
    if (s == "-o") out.dir = value();
    else if (s == "--json") out.json = value();
    else if (s == "--csv") out.csv = value();
    else if (s == "--plugin") plugins.push_back(value());
    else if (s == "-q" || s == "--quiet") out.quiet = true;
    else if (s == "--full") out.full = true;
    else if (!s.empty() && s[0] == '-') usage_error("merge", s + ": unknown option");
    else inputs.push_back(s);
  }
  if (inputs.empty()) usage_error("merge", "missing SHARD, expected spiketlm merge SHARD... [-o DIR]");
  try {
    claim_outputs(out);
    std::vector<ShardState> states;
    for (const auto& in : inputs) {
      std::error_code ec;
      const std::string file = fs::is_directory(in, ec) ? (fs::path(in) / "shard.json").string() : in;
      OutputSet::process().refuse_input(file, "SHARD");
      states.push_back(read_state(file));
    }
    emit(merged_report(merge_states(std::move(states)), plugins), out);
    return 0;
  } catch (const std::exception& e) {
    OutputSet::process().discard();
    std::cerr << "spiketlm: error: " << error_text(e) << "\n";
    return 1;
  }
}

}  // namespace spiketlm::cli
