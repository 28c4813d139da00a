#include "sw/dse/collect.h"

#include "sw/dse/command.h"
#include "sw/dse/report_reader.h"
#include "sw/dse/shard_tasks.h"
#include "sw/dse/slurm_backend.h"
#include "tlm/error.h"

namespace spiketlm::dse {

namespace {

// Done or failed from the folder; false if the folder shows neither.
bool record_outcome(Store& st, const SweepFolder& f, int64_t point) {
  const std::string dir = f.point_dir(point);
  const Outcome o = read_outcome(dir);
  if (o.kind == Outcome::failed) {
    st.record_failed(point, int64_t(o.exit_code), o.error, o.seconds);
    return true;
  }
  if (o.kind != Outcome::done) return false;
  Report r;
  try {
    r = read_report_json(dir + "/" + kReportJson);
  } catch (const std::exception& e) {
    st.record_failed(point, Value(), error_text(e), o.seconds);
    return true;
  }
  st.record_done(point, r, o.seconds);
  return true;
}

}  // namespace

int refresh(Store& st, const SweepFolder& f, const std::map<std::string, std::string>* queue) {
  int changed = 0;
  for (const PointRow& p : st.points()) {
    if (p.state == "done") continue;
    Outcome::Kind k = read_outcome(f.point_dir(p.point)).kind;
    if (k == Outcome::none && p.state == "queued") {  // its shards as array tasks, if it has them
      if (settle_sharded(st, f, p, queue)) {
        ++changed;
        continue;
      }
      k = read_outcome(f.point_dir(p.point)).kind;  // merged just now?
    }
    if (k == Outcome::done || (k == Outcome::failed && p.state != "failed")) {
      record_outcome(st, f, p.point);  // a failed point whose run.sh was rerun by hand counts too
      ++changed;
    } else if (k == Outcome::none && p.state == "queued" && queue && !jobs_in_queue(p.job, *queue)) {
      st.record_failed(p.point, Value(),
                       "Slurm task " + p.job + " ended without a result or an exit status (cancelled before it "
                       "started, node failure, ...): see " + slurm_log(p.job), -1);
      ++changed;
    } else if (k == Outcome::none && p.state == "running") {
      st.mark({p.point}, "pending");
      ++changed;
    }
  }
  return changed;
}

void record_task_end(Store& st, const SweepFolder& f, int64_t point, int code) {
  if (record_outcome(st, f, point)) return;
  st.record_failed(point, int64_t(code),
                   code == 0 ? "exit code 0 but no report.json and report.csv in the point folder"
                             : "ended with code " + std::to_string(code) + " and left no exit status",
                   -1);
}

}  // namespace spiketlm::dse
