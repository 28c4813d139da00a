// Shards of a run and their merge (sw/run/shard.md): the merged report is the unsharded run's,
// byte for byte, on SATA and SpikeFlow; bad merges are one-line errors that write nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {

const std::string kSataRun = "run platforms/sata/sata.yaml --trace traces/fmnist_snn --per-sample";
const std::string kSpikeFlowRun = "run platforms/spikeflow/spikeflow.yaml --trace traces/fmnist_snn --per-sample";

// `run` over samples first..first+n-1 with its state in dir/name.json (report not printed).
void shard(const std::string& run, int first, int n, const std::string& file) {
  const CliResult r = cli(run + " -c run.first_sample=" + std::to_string(first) + " --samples " + std::to_string(n) +
                          " --shard-state " + file + " -q");
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(r.err, "");
}

// The unsharded run of 12 samples from sample 3, three uneven shards of it merged (named out of
// order), and the same run with --shards 3: JSON and CSV byte-identical.
void expect_merge_is_the_run(const std::string& run, const std::string& tag) {
  const std::string d = scratch(tag);
  const CliResult full = cli(run + " -c run.first_sample=3 --samples 12 --json " + d + "/full.json --csv " + d + "/full.csv -q");
  ASSERT_EQ(full.code, 0) << full.err;
  shard(run, 3, 5, d + "/a.json");
  shard(run, 8, 4, d + "/b.json");
  shard(run, 12, 3, d + "/c.json");
  const CliResult m = cli("merge " + d + "/c.json " + d + "/a.json " + d + "/b.json --json " + d + "/merged.json --csv " + d +
                          "/merged.csv -q");
  ASSERT_EQ(m.code, 0) << m.err;
  EXPECT_EQ(m.err, "");
  const std::string json = slurp(d + "/full.json"), csv = slurp(d + "/full.csv");
  ASSERT_GT(json.size(), 1000u);
  EXPECT_EQ(slurp(d + "/merged.json"), json);
  EXPECT_EQ(slurp(d + "/merged.csv"), csv);
  const CliResult s = cli(run + " -c run.first_sample=3 --samples 12 --shards 3 --shard-dir " + d + "/shards --json " + d +
                          "/sharded.json --csv " + d + "/sharded.csv -q");
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_EQ(s.err, "");
  EXPECT_EQ(slurp(d + "/sharded.json"), json);
  EXPECT_EQ(slurp(d + "/sharded.csv"), csv);
  EXPECT_TRUE(std::filesystem::exists(d + "/shards/shard_002/shard.json"));
  // Every sample costs the same whatever ran before it (the defined boundary, tlm/boundary.md):
  // the first sample of each shard has the latency it has in the unsharded run.
  const Json j = load_json(d + "/full.json");
  const std::vector<double> lat = column(j, "samples", "latency_us");
  ASSERT_EQ(lat.size(), 12u);
  for (const auto& [f, file] : {std::pair<int, std::string>{8, "b"}, {12, "c"}}) {
    const CliResult one = cli(run + " -c run.first_sample=" + std::to_string(f) + " --samples 1 --json " + d + "/" + file +
                              "1.json -q");
    ASSERT_EQ(one.code, 0) << one.err;
    EXPECT_EQ(column(load_json(d + "/" + file + "1.json"), "samples", "latency_us")[0], lat[size_t(f - 3)]) << f;
  }
}

}  // namespace

TEST(Shard, MergedSataReportIsTheUnshardedRunsByteForByte) { expect_merge_is_the_run(kSataRun, "shard_sata"); }

TEST(Shard, MergedSpikeFlowReportIsTheUnshardedRunsByteForByte) {
  expect_merge_is_the_run(kSpikeFlowRun, "shard_spikeflow");
}

namespace {

// A bad merge: exit 1, one line naming the file and field, and no output file.
void expect_bad_merge(const std::string& args, const std::string& out, const std::string& line) {
  const CliResult r = cli("merge " + args + " --json " + out + " -q");
  EXPECT_EQ(r.code, 1) << args;
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/merge: " + line + "\n") << args;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(std::filesystem::exists(out)) << out;
}

}  // namespace

TEST(Shard, BadMergesAreOneLineErrorsAndWriteNothing) {
  const std::string d = scratch("shard_bad");
  shard(kSataRun, 0, 2, d + "/a.json");
  shard(kSataRun, 2, 2, d + "/b.json");
  shard(kSataRun, 1, 2, d + "/overlap.json");
  shard(kSataRun, 4, 2, d + "/after_gap.json");
  shard(kSataRun + " -c sata.pe_array.rows=8", 2, 2, d + "/rows8.json");
  shard("run platforms/sata/sata.yaml --trace traces/fmnist_ann8 --per-sample", 2, 2, d + "/c2.json");
  shard(kSpikeFlowRun, 2, 2, d + "/spikeflow.json");
  const std::string out = d + "/merged.json";
  expect_bad_merge(d + "/a.json " + d + "/overlap.json", out,
                   d + "/overlap.json: first_sample: expected samples after 1 (the last of " + d + "/a.json), got 1: the shards overlap");
  expect_bad_merge(d + "/a.json " + d + "/after_gap.json", out,
                   d + "/after_gap.json: first_sample: expected 2 (after " + d + "/a.json), got 4: samples 2..3 are in no shard");
  const CliResult rows = cli("merge " + d + "/a.json " + d + "/rows8.json --json " + out + " -q");
  EXPECT_EQ(rows.code, 1);
  EXPECT_EQ(rows.err, "spiketlm: error: spiketlm/merge: " + d + "/rows8.json: config: expected the configuration of " + d +
                          "/a.json (all but run.first_sample and run.samples), got another: sata.pe_array.rows is '8', not "
                          "'16'\n");
  EXPECT_FALSE(std::filesystem::exists(out));
  const CliResult c2 = cli("merge " + d + "/a.json " + d + "/c2.json --json " + out + " -q");
  EXPECT_EQ(c2.code, 1);
  EXPECT_EQ(c2.err, "spiketlm: error: spiketlm/merge: " + d + "/c2.json: config: expected the configuration of " + d +
                        "/a.json (all but run.first_sample and run.samples), got another: run.trace is 'traces/fmnist_ann8', "
                        "not 'traces/fmnist_snn'\n");
  EXPECT_FALSE(std::filesystem::exists(out));
  const CliResult sf = cli("merge " + d + "/a.json " + d + "/spikeflow.json --json " + out + " -q");
  EXPECT_EQ(sf.code, 1);
  EXPECT_NE(sf.err.find(d + "/spikeflow.json: config: expected the configuration of " + d + "/a.json"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(out));
  // A missing shard file, and a file that is not a shard's state.
  const CliResult missing = cli("merge " + d + "/a.json " + d + "/nope.json --json " + out + " -q");
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err.rfind("spiketlm: error: spiketlm/merge: " + d + "/nope.json: file: expected a shard's state", 0), 0u)
      << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1);
  EXPECT_FALSE(std::filesystem::exists(out));
  const CliResult notstate = cli("merge " + d + "/a.json platforms/sata/sata.yaml --json " + out + " -q");
  EXPECT_EQ(notstate.code, 1);
  EXPECT_EQ(notstate.err, "spiketlm: error: spiketlm/merge: platforms/sata/sata.yaml: spiketlm_shard: expected a shard's state "
                          "(spiketlm run --shard-state)\n");
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(Shard, ShardsOptionsAreCheckedBeforeAnythingRuns) {
  const std::string d = scratch("shard_opts");
  const CliResult many = cli(kSataRun + " --samples 3 --shards 4 --json " + d + "/r.json -q");
  EXPECT_EQ(many.code, 1);
  EXPECT_EQ(many.err, "spiketlm: error: spiketlm/run: --shards: expected at most 3 (one sample each), got 4\n");
  EXPECT_FALSE(std::filesystem::exists(d + "/r.json"));
  const CliResult vcd = cli(kSataRun + " --samples 3 --shards 2 --vcd " + d + "/w.vcd");
  EXPECT_EQ(vcd.code, 1);
  EXPECT_EQ(vcd.err, "spiketlm: run: --vcd: not with --shards (each shard would write it), expected a run without it "
                     "(see spiketlm run --help)\n");
  const CliResult zero = cli(kSataRun + " --shards 0");
  EXPECT_EQ(zero.code, 1);
  EXPECT_EQ(zero.err, "spiketlm: run: --shards: expected a number of shards in 1..4096, got '0' (see spiketlm run --help)\n");
}

// --shard-plan writes the shard folders and runs nothing; each shard's run.sh, run anywhere,
// writes its state, and their merge is the unsharded run's report byte for byte (the sweep's
// Slurm backend runs shards this way: tests/slurm/slurm_sweep.sh). Without --shards and
// --shard-dir it is a usage error.
TEST(Shard, APlannedShardRunsItsRunScriptAndMergesIntoTheRun) {
  const std::string d = scratch("shard_plan");
  const CliResult full = cli(kSataRun + " --samples 5 --json " + d + "/full.json -q");
  ASSERT_EQ(full.code, 0) << full.err;
  const CliResult plan = cli(kSataRun + " --samples 5 --shards 2 --shard-dir " + d + "/sh --shard-plan --json " + d +
                             "/never.json");
  ASSERT_EQ(plan.code, 0) << plan.err;
  EXPECT_EQ(plan.out, "2 shards in " + d + "/sh: run each shard_NNN/run.sh (or task.sh on the folder), then spiketlm merge " +
                          d + "/sh/shard_*\n");
  EXPECT_FALSE(std::filesystem::exists(d + "/never.json"));
  for (const char* s : {"shard_000", "shard_001"}) {
    EXPECT_FALSE(std::filesystem::exists(d + "/sh/" + s + "/shard.json")) << s;
    ASSERT_EQ(std::system(("/bin/sh " + d + "/sh/" + s + "/run.sh").c_str()), 0) << s;
  }
  const CliResult m = cli("merge " + d + "/sh/shard_001 " + d + "/sh/shard_000 --json " + d + "/merged.json -q");
  ASSERT_EQ(m.code, 0) << m.err;
  EXPECT_EQ(slurp(d + "/merged.json"), slurp(d + "/full.json"));
  const CliResult alone = cli(kSataRun + " --samples 5 --shards 2 --shard-plan");
  EXPECT_EQ(alone.code, 1);
  EXPECT_EQ(alone.err, "spiketlm: run: --shard-plan: expected --shards N and --shard-dir DIR with it (see spiketlm run --help)\n");
}
