// spiketlm sweep on the local backend (sw/dse): each point an ordinary run in its own folder
// that its run.sh reproduces byte for byte; the tidy results, the Pareto front and the SQLite
// database; resume never runs a finished point; a failed point is listed with its error and
// --retry-failed runs it alone; bad input is a one-line error before anything runs.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "tests/cli.h"

using namespace spiketlm::test;
namespace fs = std::filesystem;

namespace {

// A sweep file in its own scratch folder; the sweep folder is <scratch>/out.
struct SweepDir {
  std::string dir, file, out;
};
SweepDir sweep_dir(const std::string& tag, const std::string& body) {
  SweepDir s;
  s.dir = scratch(tag);
  s.file = s.dir + "/sweep.yaml";
  s.out = s.dir + "/out";
  std::ofstream(s.file) << "name: " << tag << "\nbase: {config: " << source_dir() << "/platforms/sata/sata.yaml, trace: "
                        << source_dir() << "/traces/fmnist_snn, samples: 2}\nout: out\n" << body;
  return s;
}

const std::string kFour =
    "axes:\n"
    "  - {key: sata.pe_array.rows, values: [8, 16]}\n"
    "  - {key: run.exit_threshold, values: [0, 0.9]}\n";

// Rows of an SQL query on the sweep database, each row's cells joined with '|'.
std::vector<std::string> sql(const std::string& db, const std::string& q) {
  sqlite3* h = nullptr;
  std::vector<std::string> rows;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return rows;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, q.c_str(), -1, &st, nullptr);
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    std::string r;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const auto* t = sqlite3_column_text(st, c);
      r += (c ? "|" : "") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    rows.push_back(r);
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return rows;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

}  // namespace

TEST(Sweep, PointsAreOrdinaryRunsCollectedIntoResultsAndDatabase) {
  const SweepDir s = sweep_dir("sweep4", kFour);
  const CliResult r = cli("sweep " + s.file + " -j 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // no progress line: stderr is not a terminal
  EXPECT_NE(r.out.find("sweep sweep4: 4 points: 4 done, 0 failed"), std::string::npos) << r.out;
  // results.csv: a header and one row per point, axis values as given.
  const std::vector<std::string> csv = lines(slurp(s.out + "/results.csv"));
  ASSERT_EQ(csv.size(), 5u);
  EXPECT_EQ(csv[0].substr(0, 49), "point,state,sata.pe_array.rows,run.exit_threshold");
  EXPECT_EQ(csv[4].substr(0, 14), "3,done,16,0.9,");
  // Each point's report equals a run of its own command line, and its run.sh reproduces it.
  const std::string p3 = s.out + "/points/0003";
  const std::string own = scratch("sweep4_own") + "/r.json";
  const CliResult single = cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 2 -c sata.pe_array.rows=16 "
                               "-c run.exit_threshold=0.9 -q --json " + own);
  ASSERT_EQ(single.code, 0) << single.err;
  const std::string report = slurp(p3 + "/report.json");
  EXPECT_EQ(report, slurp(own));
  fs::remove(p3 + "/report.json");
  ASSERT_EQ(std::system(("sh " + p3 + "/run.sh").c_str()), 0);
  EXPECT_EQ(slurp(p3 + "/report.json"), report);
  // The database: every point done once, its summary, per-layer and per-component rows.
  const std::string db = s.out + "/sweep.db";
  EXPECT_EQ(sql(db, "SELECT point, state, attempts, \"sata.pe_array.rows\", \"run.exit_threshold\" FROM points"),
            (std::vector<std::string>{"0|done|1|8|0", "1|done|1|8|0.9", "2|done|1|16|0", "3|done|1|16|0.9"}));
  EXPECT_EQ(sql(db, "SELECT COUNT(DISTINCT point), COUNT(*) / 4 FROM layers"), (std::vector<std::string>{"4|5"}));
  EXPECT_EQ(sql(db, "SELECT COUNT(*) FROM components WHERE component = 'dram'"), (std::vector<std::string>{"4"}));
  const Json j = load_json(own);
  EXPECT_EQ(column(load_json(s.out + "/results.json"), "points", "latency_us")[3], summary(j, "latency_us"));
  EXPECT_EQ(sql(db, "SELECT value FROM summary WHERE point = 3 AND section = 'summary' AND key = 'accuracy_pct'"),
            (std::vector<std::string>{std::to_string(int(summary(j, "accuracy_pct")))}));
  // units come from the report (schema v1: keyed by the key alone), warnings were not repeated
  EXPECT_EQ(sql(db, "SELECT unit FROM summary WHERE point = 3 AND key = 'energy_uj'"),
            (std::vector<std::string>{"uJ/inference"}));
}

TEST(Sweep, ParetoFrontIsTheNonDominatedPoints) {
  // Energy and latency both fall with a larger array and an early exit: point 3 dominates all.
  const SweepDir s = sweep_dir("pareto", kFour + "objectives: {energy_uj: min, latency_us: min, accuracy_pct: max}\n");
  const CliResult r = cli("sweep " + s.file);
  ASSERT_EQ(r.code, 0) << r.err;
  const Json res = load_json(s.out + "/results.json");
  const std::vector<double> energy = column(res, "points", "energy_uj"), lat = column(res, "points", "latency_us"),
                            acc = column(res, "points", "accuracy_pct"), front = column(res, "points", "pareto");
  ASSERT_EQ(energy.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {  // the definition, checked against the front the sweep found
    bool dominated = false;
    for (size_t j = 0; j < 4; ++j)
      dominated = dominated || (energy[j] <= energy[i] && lat[j] <= lat[i] && acc[j] >= acc[i] &&
                                (energy[j] < energy[i] || lat[j] < lat[i] || acc[j] > acc[i]));
    EXPECT_EQ(front[i], dominated ? 0.0 : 1.0) << "point " << i;
  }
  EXPECT_EQ(lines(slurp(s.out + "/pareto.csv")).size(), 1 + size_t(front[0] + front[1] + front[2] + front[3]));
  EXPECT_TRUE(fs::exists(s.out + "/pareto.png"));
}

TEST(Sweep, ResumeNeverRunsAFinishedPointAndRunsAnInterruptedOne) {
  const SweepDir s = sweep_dir("resume", kFour);
  ASSERT_EQ(cli("sweep " + s.file).code, 0);
  // A driver killed while point 2 ran: its state says running and its folder has no report.
  const std::string db = s.out + "/sweep.db";
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  sqlite3_exec(h, "UPDATE points SET state = 'running' WHERE point = 2", nullptr, nullptr, nullptr);
  sqlite3_close(h);
  fs::remove(s.out + "/points/0002/report.json");
  const auto before = fs::last_write_time(s.out + "/points/0001/report.json");
  const CliResult r = cli("sweep " + s.file);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fs::last_write_time(s.out + "/points/0001/report.json"), before);
  EXPECT_EQ(sql(db, "SELECT point, state, attempts FROM points"),
            (std::vector<std::string>{"0|done|1", "1|done|1", "2|done|2", "3|done|1"}));
}

TEST(Sweep, FailedPointIsListedWithItsErrorAndRetriedAlone) {
  const SweepDir s = sweep_dir("retry", kFour);
  // Point 1 cannot write its report (a directory stands where report.json goes).
  fs::create_directories(s.out + "/points/0001/report.json");
  const CliResult r = cli("sweep " + s.file);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("4 points: 3 done, 1 failed"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "spiketlm: sweep point 1 failed: spiketlm: error: spiketlm/output: report.json: --json: is a directory, "
                   "expected a file path (points/0001/stderr.log)\n");
  const std::string db = s.out + "/sweep.db";
  EXPECT_EQ(sql(db, "SELECT point, state, exit_code FROM points WHERE state != 'done'"), (std::vector<std::string>{"1|failed|1"}));
  // A plain resume does not run it again; --retry-failed runs it alone.
  EXPECT_EQ(cli("sweep " + s.file).code, 1);
  fs::remove(s.out + "/points/0001/report.json");
  const CliResult retry = cli("sweep " + s.file + " --retry-failed");
  EXPECT_EQ(retry.code, 0) << retry.err;
  EXPECT_EQ(sql(db, "SELECT point, state, attempts FROM points"),
            (std::vector<std::string>{"0|done|1", "1|done|2", "2|done|1", "3|done|1"}));
}

TEST(Sweep, BadInputIsOneLineBeforeAnythingRuns) {
  struct Case {
    std::string body, args, error;
  };
  const std::vector<Case> cases = {
      {"axes:\n  - {key: sata.pe_array.rowz, values: [8, 16]}\n", "",
       ":5: axes: point 0 (sata.pe_array.rowz=8): spiketlm/params: -c: sata.pe_array.rowz: unknown key (did you mean "
       "'sata.pe_array.rows'?)"},
      {"axes:\n  - {key: sata.pe_array.rows, values: []}\n", "", ":5: axes[0].values: expected a non-empty list of "
                                                                 "values, got an empty list"},
      {"axes:\n  - {key: sata.lif.membrane_bits, range: {from: 8, to: 40, step: 8}}\n", "",
       ":5: axes: point 4 (sata.lif.membrane_bits=40): spiketlm/params: -c: sata.lif.membrane_bits: expected an integer in "
       "[2, 32], got '40'"},
      {"max_points: 3\n" + kFour, "", ": 4 points, more than max_points (3): expected --yes to run them all, or a larger "
                                      "max_points"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const SweepDir s = sweep_dir("bad" + std::to_string(i), cases[i].body);
    const CliResult r = cli("sweep " + s.file + " " + cases[i].args);
    EXPECT_EQ(r.code, 1) << i;
    EXPECT_EQ(r.err, "spiketlm: error: spiketlm/sweep: " + s.file + cases[i].error + "\n") << i;
    EXPECT_EQ(r.out, "") << i;
    EXPECT_FALSE(fs::exists(s.out)) << i;
  }
}

namespace {
// `spiketlm sweep FILE --backend slurm` with PATH = `path` only (fake Slurm commands there).
CliResult sweep_with_path(const SweepDir& s, const std::string& path) {
  const std::string cmd = "cd " + source_dir() + " && env PATH=" + path + " SC_COPYRIGHT_MESSAGE=DISABLE " + binary_dir() +
                          "/spiketlm sweep " + s.file + " --backend slurm >" + s.dir + "/out.txt 2>" + s.dir + "/err.txt";
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(s.dir + "/out.txt"), slurp(s.dir + "/err.txt")};
}
void write_script(const std::string& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  fs::permissions(path, fs::perms::owner_all);
}
}  // namespace

TEST(Sweep, MissingSbatchIsAnErrorBeforeAnythingRuns) {
  const SweepDir s = sweep_dir("nosbatch", kFour);
  const CliResult r = sweep_with_path(s, s.dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/sweep: --backend slurm: expected Slurm's sbatch on PATH, got none (install "
                   "slurm-client, or run with --backend local)\n");
  EXPECT_FALSE(fs::exists(s.out));
}

TEST(Sweep, SubmissionErrorLeavesAResumableFolder) {
  const SweepDir s = sweep_dir("sbatchfails", kFour);
  const std::string bin = s.dir + "/bin";
  fs::create_directories(bin);
  write_script(bin + "/sbatch", "echo 'sbatch: error: Batch job submission failed: Invalid partition name specified' >&2\nexit 1");
  write_script(bin + "/squeue", "exit 0");
  const CliResult r = sweep_with_path(s, bin);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/sweep: sbatch: expected a job id, got exit code 1: sbatch: error: Batch job "
                   "submission failed: Invalid partition name specified (nothing was submitted; the sweep folder " + s.out +
                   " is unchanged and resumable)\n");
  EXPECT_EQ(sql(s.out + "/sweep.db", "SELECT state, COUNT(*), MAX(attempts) FROM points GROUP BY state"),
            (std::vector<std::string>{"pending|4|0"}));
  EXPECT_FALSE(fs::exists(s.out + "/points/0000/report.json"));
  // The same folder runs to the end on the local backend.
  const CliResult local = cli("sweep " + s.file);
  EXPECT_EQ(local.code, 0) << local.err;
  EXPECT_NE(local.out.find("4 points: 4 done, 0 failed"), std::string::npos) << local.out;
}

TEST(Sweep, ShardedPointsAreMergedIntoTheUnshardedReport) {
  // shards: 2 runs each point as two shard processes (one sample each) and their merge.
  const SweepDir s = sweep_dir("sweep_shards", "shards: 2\naxes:\n  - {key: sata.pe_array.rows, values: [8, 16]}\n");
  const CliResult r = cli("sweep " + s.file + " -j 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("sweep sweep_shards: 2 points: 2 done, 0 failed"), std::string::npos) << r.out;
  const std::string p1 = s.out + "/points/0001";
  EXPECT_NE(slurp(p1 + "/run.sh").find("--shards 2 --shard-dir shards"), std::string::npos) << slurp(p1 + "/run.sh");
  EXPECT_TRUE(fs::exists(p1 + "/shards/shard_000/shard.json"));
  EXPECT_TRUE(fs::exists(p1 + "/shards/shard_001/shard.json"));
  const std::string own = scratch("sweep_shards_own");
  const CliResult single = cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 2 -c sata.pe_array.rows=16 -q "
                               "--json " + own + "/r.json --csv " + own + "/r.csv");
  ASSERT_EQ(single.code, 0) << single.err;
  EXPECT_EQ(slurp(p1 + "/report.json"), slurp(own + "/r.json"));
  EXPECT_EQ(slurp(p1 + "/report.csv"), slurp(own + "/r.csv"));
  const CliResult bad = cli("sweep " + sweep_dir("sweep_shards0", "shards: 0\naxes:\n  - {key: sata.pe_array.rows, values: [8]}\n").file);
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("shards: expected an integer >= 1"), std::string::npos) << bad.err;
}

// --backend external (the Python API's Dask backend runs the lines it prints): nothing runs;
// each point to run is one `/bin/sh TASK_SH POINT_DIR` line; points run by those lines are
// collected like any other; a finished point is never listed again and a failed one only with
// --retry-failed.
TEST(Sweep, ExternalBackendListsThePointsToRunAndRunsNothing) {
  const SweepDir s = sweep_dir("external", kFour);
  const std::string db = s.out + "/sweep.db";
  const CliResult r = cli("sweep " + s.file + " --backend external");
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<std::string> want;
  for (int i = 0; i < 4; ++i) want.push_back("/bin/sh " + s.out + "/task.sh " + s.out + "/points/000" + std::to_string(i));
  EXPECT_EQ(lines(r.out), want);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(fs::exists(s.out + "/points/000" + std::to_string(i) + "/report.json"));
  EXPECT_EQ(sql(db, "SELECT count(*) FROM points WHERE state = 'pending'"), (std::vector<std::string>{"4"}));
  // Points 0 and 2 run by their lines; point 1 cannot write its report (a directory is there).
  fs::create_directories(s.out + "/points/0001/report.json");
  for (int i : {0, 1, 2}) ASSERT_EQ(std::system(want[size_t(i)].c_str()) == 0, i != 1) << want[size_t(i)];
  const CliResult c = cli("sweep " + s.file + " --collect");
  EXPECT_EQ(c.code, 1);  // a failed point
  EXPECT_NE(c.out.find("4 points: 2 done, 1 failed"), std::string::npos) << c.out;
  EXPECT_EQ(sql(db, "SELECT point, state FROM points"),
            (std::vector<std::string>{"0|done", "1|failed", "2|done", "3|pending"}));
  EXPECT_EQ(lines(cli("sweep " + s.file + " --backend external").out), (std::vector<std::string>{want[3]}));
  const auto before = fs::last_write_time(s.out + "/points/0000/report.json");
  fs::remove(s.out + "/points/0001/report.json");
  EXPECT_EQ(lines(cli("sweep " + s.file + " --backend external --retry-failed").out),
            (std::vector<std::string>{want[1], want[3]}));
  EXPECT_EQ(sql(db, "SELECT point, state FROM points WHERE point IN (1, 3)"),
            (std::vector<std::string>{"1|pending", "3|pending"}));
  for (int i : {1, 3}) ASSERT_EQ(std::system(want[size_t(i)].c_str()), 0);
  const CliResult done = cli("sweep " + s.file + " --collect");
  EXPECT_EQ(done.code, 0) << done.err;
  EXPECT_EQ(sql(db, "SELECT point, state, attempts FROM points"),
            (std::vector<std::string>{"0|done|1", "1|done|2", "2|done|1", "3|done|3"}));  // listed 3 times
  EXPECT_EQ(fs::last_write_time(s.out + "/points/0000/report.json"), before);
  // The reports are the local backend's: point 3 run by a plain local sweep of the same file.
  const SweepDir l = sweep_dir("external_local", kFour);
  ASSERT_EQ(cli("sweep " + l.file).code, 0);
  for (int i = 0; i < 4; ++i) {
    const std::string p = "/points/000" + std::to_string(i) + "/report.json";
    EXPECT_EQ(slurp(s.out + p), slurp(l.out + p)) << p;
  }
}
