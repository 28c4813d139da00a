#include "sw/dse/slurm_backend.h"

#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "sw/dse/command.h"
#include "sw/dse/subprocess.h"
#include "tlm/error.h"
#include "tlm/report.h"

namespace spiketlm::dse {

namespace {

std::string array_script(const SweepFolder& f) {
  return "#!/bin/sh\n"
         "# spiketlm sweep: one Slurm array task runs one point. $1 lists the point folders, one per\n"
         "# line; task i runs the folder on line i + 1 through task.sh. Written by spiketlm sweep.\n"
         "dir=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \"$1\")\n"
         "if [ -z \"$dir\" ]; then echo \"spiketlm sweep: no point for array task $SLURM_ARRAY_TASK_ID in $1\" >&2; exit 1; fi\n"
         "exec /bin/sh " + shell_quote(f.task_script()) + " \"$dir\"\n";
}

std::string first_line(const std::string& s) {
  std::string t = s.substr(0, s.find('\n'));
  return t.empty() ? "(no message)" : t;
}

// The next free submission number (slurm/submit-<n>.points).
int next_submission(const SweepFolder& f) {
  int n = 0;
  while (std::filesystem::exists(f.slurm_dir() + "/submit-" + std::to_string(n) + ".points")) ++n;
  return n;
}

std::string sbatch_chunk(const SweepFolder& f, const SweepSpec& s, const std::vector<Task>& tasks, size_t from,
                         size_t to) {
  const std::string list = f.slurm_dir() + "/submit-" + std::to_string(next_submission(f)) + ".points";
  std::string text;
  for (size_t i = from; i < to; ++i) text += tasks[i].dir + "\n";
  write_file_atomic(list, text);
  const SlurmOptions& o = s.slurm;
  std::vector<std::string> argv = {"sbatch", "--parsable", "--job-name=spiketlm-" + s.name,
                                   "--array=0-" + std::to_string(to - from - 1) +
                                       (o.throttle > 0 ? "%" + std::to_string(o.throttle) : ""),
                                   "--output=" + f.slurm_dir() + "/%A_%a.out", "--cpus-per-task=" + std::to_string(o.cpus)};
  if (!o.time.empty()) argv.push_back("--time=" + o.time);
  if (!o.mem.empty()) argv.push_back("--mem=" + o.mem);
  if (!o.partition.empty()) argv.push_back("--partition=" + o.partition);
  argv.insert(argv.end(), o.sbatch_args.begin(), o.sbatch_args.end());
  argv.insert(argv.end(), {f.slurm_dir() + "/array.sh", list});
  const ProcResult r = run_capture(argv);
  std::string id = r.out.substr(0, r.out.find_first_of(";\n"));
  const bool ok = r.code == 0 && !id.empty() && id.find_first_not_of("0123456789") == std::string::npos;
  if (!ok) {
    std::filesystem::remove(list);
    fail("sweep", "sbatch: expected a job id, got exit code " + std::to_string(r.code) + ": " +
                      first_line(r.err.empty() ? r.out : r.err) + " (nothing was submitted; the sweep folder " + f.root +
                      " is unchanged and resumable)");
  }
  return id;
}

}  // namespace

void require_slurm() {
  for (const char* p : {"sbatch", "squeue"})
    if (find_on_path(p).empty())
      fail("sweep", std::string("--backend slurm: expected Slurm's ") + p + " on PATH, got none (install slurm-client, "
                    "or run with --backend local)");
}

std::vector<std::string> submit_slurm(const SweepFolder& f, const SweepSpec& s, const std::vector<Task>& tasks,
                                      std::vector<std::string>* submitted) {
  std::filesystem::create_directories(f.slurm_dir());
  write_file_atomic(f.slurm_dir() + "/array.sh", array_script(f));
  std::vector<std::string> jobs;
  for (size_t from = 0; from < tasks.size(); from += kMaxArray) {
    const size_t to = std::min(tasks.size(), from + kMaxArray);
    const std::string id = sbatch_chunk(f, s, tasks, from, to);
    for (size_t i = from; i < to; ++i) jobs.push_back(id + "_" + std::to_string(i - from));
    if (submitted) *submitted = jobs;
  }
  return jobs;
}

std::map<std::string, std::string> slurm_queue() {
  const ProcResult r = run_capture({"squeue", "-h", "-r", "-u", std::to_string(getuid()), "-o", "%i|%T"});
  if (r.code != 0)
    fail("sweep", "squeue: expected the queue, got exit code " + std::to_string(r.code) + ": " + first_line(r.err) +
                      " (the sweep stays resumable: spiketlm sweep FILE --collect)");
  std::map<std::string, std::string> q;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    const auto bar = line.find('|');
    if (bar != std::string::npos) q[line.substr(0, bar)] = line.substr(bar + 1);
  }
  return q;
}

std::string slurm_log(const std::string& job_task) { return "slurm/" + job_task + ".out"; }

}  // namespace spiketlm::dse
