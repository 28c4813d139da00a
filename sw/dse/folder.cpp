#include "sw/dse/folder.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sw/dse/command.h"
#include "tlm/error.h"
#include "tlm/report.h"

namespace spiketlm::dse {

namespace fs = std::filesystem;

namespace {

const char* kTaskScript = R"SH(#!/bin/sh
# spiketlm sweep: runs one point folder ($1): its run.sh, with stderr in stderr.log. A failure
# leaves its exit status in `status` (143 if the task was terminated: scancel, time limit);
# `time` holds the start and end (seconds since the epoch). Written by spiketlm sweep.
cd "$1" || exit 1
rm -f status status.tmp time time.tmp stderr.log
t0=$(date +%s.%N)
trap 'echo 143 > status.tmp && mv -f status.tmp status; exit 143' TERM
/bin/sh ./run.sh > /dev/null 2> stderr.log
rc=$?
echo "$t0 $(date +%s.%N)" > time.tmp && mv -f time.tmp time
if [ "$rc" -ne 0 ]; then echo "$rc" > status.tmp && mv -f status.tmp status; fi
exit "$rc"
)SH";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string run_script(const SweepSpec& s, const Point& p, const std::vector<std::string>& argv) {
  std::string vals;
  for (const auto& kv : p.values) vals += " " + kv.first + "=" + kv.second;
  return "#!/bin/sh\n# spiketlm sweep " + s.name + ", point " + std::to_string(p.index) + ":" +
         (vals.empty() ? " the base configuration" : vals) +
         "\n# Reproduces this point: writes report.json, report.csv and config.yaml in this folder.\n"
         "cd \"$(dirname \"$0\")\" || exit 1\nrm -f status\nexec " + shell_join(argv) + "\n";
}

void write_if_changed(const std::string& path, const std::string& content) {
  if (fs::exists(path) && slurp(path) == content) return;
  write_file_atomic(path, content);
}

}  // namespace

const char* task_script_text() { return kTaskScript; }

SweepFolder::SweepFolder(std::string r, size_t points) : root(std::move(r)) {
  for (size_t n = points > 0 ? points - 1 : 0; n >= 10000; n /= 10) ++width;
}

std::string SweepFolder::point_rel(int64_t id) const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "points/%0*lld", width, static_cast<long long>(id));
  return buf;
}

void prepare_folder(const SweepFolder& f, const SweepSpec& s, const std::vector<Point>& pts,
                    const std::vector<std::vector<std::string>>& argv) {
  std::error_code ec;
  fs::create_directories(f.path("points"), ec);
  if (ec) fail("sweep", f.root + ": expected a folder for the sweep, got: " + ec.message());
  write_if_changed(f.path("sweep.yaml"), slurp(s.file));
  write_if_changed(f.task_script(), kTaskScript);
  for (size_t i = 0; i < pts.size(); ++i) {
    const std::string d = f.point_dir(pts[i].index);
    fs::create_directories(d, ec);
    if (ec) fail("sweep", d + ": expected a point folder, got: " + ec.message());
    write_if_changed(d + "/run.sh", run_script(s, pts[i], argv[i]));
  }
}

std::string last_line(const std::string& path) { return last_line_of(slurp(path)); }

std::string last_line_of(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last.size() > 400 ? last.substr(0, 400) + "..." : last;
}

Outcome read_outcome(const std::string& dir) {
  Outcome o;
  std::istringstream t(slurp(dir + "/time"));
  double t0 = 0, t1 = 0;
  if (t >> t0 >> t1) o.seconds = t1 - t0;
  if (fs::exists(dir + "/status")) {
    o.kind = Outcome::failed;
    std::istringstream st(slurp(dir + "/status"));
    if (!(st >> o.exit_code)) o.exit_code = -1;
    o.error = last_line(dir + "/stderr.log");
    if (o.error.empty())
      o.error = o.exit_code == 143 ? "terminated (scancel or time limit), no error message"
                : o.exit_code > 128 ? "killed by signal " + std::to_string(o.exit_code - 128) + ", no error message"
                                    : "exit code " + std::to_string(o.exit_code) + ", no error message";
  } else if (fs::exists(dir + "/" + kReportJson) && fs::exists(dir + "/" + kReportCsv)) {
    o.kind = Outcome::done;
  }
  return o;
}

void clear_outcome(const std::string& dir) {
  std::error_code ec;
  for (const char* f : {"status", "status.tmp", "stderr.log", "time", "time.tmp"}) fs::remove(fs::path(dir) / f, ec);
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".tmp") fs::remove(e.path(), ec);
}

}  // namespace spiketlm::dse
