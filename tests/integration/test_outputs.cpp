// The run's output files (tlm/output.h) through the CLI: a failed or interrupted run neither
// writes an output nor changes or removes a file that was there; symlinks, devices and
// /dev/stdout are written where they point; write errors are one line; calibrate never
// writes into its input bundle.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "tests/cli.h"

using namespace spiketlm::test;
namespace fs = std::filesystem;

namespace {

const std::string kDemo = "run platforms/memdemo/memdemo.yaml --quiet";

void put(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::vector<std::string> names(const std::string& dir) {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(dir)) v.push_back(e.path().filename().string());
  std::sort(v.begin(), v.end());
  return v;
}

// A SATA run that fails inside the simulation (the accelerator refuses its first layer),
// after configuration and elaboration succeeded.
std::string failing_run(const std::string& dir) {
  fs::create_directories(dir + "/w");
  std::ofstream(dir + "/w/trace.yaml")
      << "format: spiketlm-trace\nversion: 1\nkind: workload\nname: nofit\ntimesteps: 1\nclasses: 10\n"
         "input: {shape: [8, 12, 12], encoding: spikes}\nspike_rates: {source: test, seed: 7}\nlayers:\n"
         "  - {name: c1, type: conv2d, in_channels: 8, out_channels: 20, kernel: 3, stride: 1, padding: 1, input_rate: 0.5, "
         "neuron: {model: lif}}\n"
         "  - {name: fc, type: linear, in_features: 2880, out_features: 10, input_rate: 0.5, neuron: none}\n";
  return "run platforms/sata/sata.yaml --trace " + dir + "/w -c sata.glb_weight.capacity_kb=1 -c sata.pe_array.cols=128";
}

}  // namespace

TEST(Outputs, AFailedRunKeepsTheVcdAndGtkwThatWereThere) {
  // Before: the error path removed FILE.vcd and FILE.gtkw whether or not this run made them.
  const std::string d = scratch("out_vcd_keep");
  put(d + "/w.vcd", "yesterday's waveform");
  put(d + "/w.gtkw", "yesterday's layout");
  const CliResult r = cli(kDemo + " -c memdemo.glb.banks=two --vcd " + d + "/w.vcd");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(slurp(d + "/w.vcd"), "yesterday's waveform");
  EXPECT_EQ(slurp(d + "/w.gtkw"), "yesterday's layout");
  EXPECT_EQ(names(d), (std::vector<std::string>{"w.gtkw", "w.vcd"}));
}

TEST(Outputs, ARunThatFailsInsideTheSimulationWritesAndChangesNothing) {
  // Before: --dump-config was written before the run and stayed behind.
  const std::string d = scratch("out_fail_run");
  for (const char* f : {"r.json", "r.csv", "c.yaml", "t.log"}) put(d + "/" + f, std::string("old ") + f);
  const CliResult r = cli(failing_run(d) + " --json " + d + "/r.json --csv " + d + "/r.csv --dump-config " + d +
                          "/c.yaml --txlog " + d + "/t.log --vcd " + d + "/new.vcd");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("the accelerator refused layer 0"), std::string::npos) << r.err;
  for (const char* f : {"r.json", "r.csv", "c.yaml", "t.log"}) EXPECT_EQ(slurp(d + "/" + f), std::string("old ") + f);
  EXPECT_EQ(names(d), (std::vector<std::string>{"c.yaml", "r.csv", "r.json", "t.log", "w"}));
}

TEST(Outputs, ACsvThatCannotBeWrittenLeavesTheJsonAsItWas) {
  // Before: --json was in place when --csv then failed.
  const std::string d = scratch("out_csv_fails");
  put(d + "/r.json", "old json");
  const CliResult r = cli(kDemo + " --json " + d + "/r.json --csv /dev/full");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/output: /dev/full: --csv: write failed (No space left on device), expected a writable target\n");
  EXPECT_EQ(slurp(d + "/r.json"), "old json");
  EXPECT_EQ(names(d), std::vector<std::string>{"r.json"});
}

TEST(Outputs, ASymlinkIsFollowedAndADeviceIsWrittenInPlace) {
  // Before: the rename replaced the link (and, as root, /dev/null) by a regular file.
  const std::string d = scratch("out_link_dev");
  fs::create_directories(d + "/results");
  put(d + "/results/r.json", "old");
  fs::create_symlink("results/r.json", d + "/latest.json");
  const CliResult r = cli(kDemo + " --json " + d + "/latest.json --csv /dev/null");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(d + "/latest.json"));
  EXPECT_EQ(slurp(d + "/results/r.json").rfind("{\n  \"schema\": \"spiketlm-report\"", 0), 0u);
  struct stat st;
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(names(d + "/results"), std::vector<std::string>{"r.json"});
}

TEST(Outputs, DevStdoutGetsTheReport) {
  const CliResult r = cli(kDemo + " --json /dev/stdout");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\n  \"schema\": \"spiketlm-report\"", 0), 0u) << r.out.substr(0, 200);
  EXPECT_NE(r.out.find("\"title\": \"spiketlm memdemo"), std::string::npos);
}

TEST(Outputs, AFileSizeLimitIsAOneLineErrorAndTheOldFileStays) {
  const std::string d = scratch("out_ulimit");
  put(d + "/r.json", "old json");
  // ulimit -f counts 1024-byte blocks in bash: the JSON report is larger than 2 KB.
  const std::string cmd = "cd " + source_dir() + " && bash -c 'ulimit -f 2; exec " + binary_dir() + "/spiketlm " + kDemo +
                          " --json " + d + "/r.json' >" + d + "/../out_ulimit.out 2>" + d + "/../out_ulimit.err";
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, 1);
  EXPECT_EQ(slurp(d + "/../out_ulimit.err"), "spiketlm: error: spiketlm/output: " + d + "/r.json: --json: write failed (File too large), expected room "
                                             "for the whole output (disk space, file-size limit); the previous file is unchanged\n");
  EXPECT_EQ(slurp(d + "/r.json"), "old json");
  EXPECT_EQ(names(d), std::vector<std::string>{"r.json"});
}

TEST(Outputs, BadTargetsAreRefusedBeforeTheRun) {
  const std::string d = scratch("out_targets");
  fs::create_directories(d + "/adir");
  put(d + "/p.yaml", slurp(source_dir() + "/platforms/memdemo/memdemo.yaml"));
  const auto err = [&](const std::string& args) {
    const CliResult r = cli(args);
    EXPECT_EQ(r.code, 1) << args;
    EXPECT_EQ(r.out, "") << args;
    return r.err;
  };
  EXPECT_EQ(err(kDemo + " --dump-config " + d + "/adir"), "spiketlm: error: spiketlm/output: " + d + "/adir: --dump-config: is a directory, expected a file path\n");
  EXPECT_EQ(err(kDemo + " --json " + d + "/none/r.json"),
            "spiketlm: error: spiketlm/output: " + d + "/none/r.json: --json: directory '" + d + "/none' does not exist, expected an existing directory\n");
  EXPECT_EQ(err(kDemo + " --json " + d + "/r --csv " + d + "/./r"),
            "spiketlm: error: spiketlm/output: " + d + "/./r: --csv: is the same file as --json (" + d + "/r), expected a different path for each output\n");
  const std::string cfg = slurp(d + "/p.yaml");
  EXPECT_EQ(err("run " + d + "/p.yaml --quiet --json " + d + "/p.yaml"),
            "spiketlm: error: spiketlm/output: " + d + "/p.yaml: --json: is the input CONFIG (" + d + "/p.yaml), expected an output path that is not an input\n");
  EXPECT_EQ(slurp(d + "/p.yaml"), cfg);
  EXPECT_EQ(names(d), (std::vector<std::string>{"adir", "p.yaml"}));
}

TEST(Outputs, SigintDuringARunLeavesNoOutputAndNoTemporaryFile) {
  // The run waits for a firmware that never connects: interrupted mid-run, for certain.
  const std::string d = scratch("out_sigint");
  put(d + "/r.json", "old");
  const std::string cmd = "cd " + source_dir() + " && SC_COPYRIGHT_MESSAGE=DISABLE exec " + binary_dir() + "/spiketlm " + kSata +
                          " --samples 1 --cosim unix:" + d + "/fw.sock --json " + d + "/r.json --dump-config " + d +
                          "/c.yaml --vcd " + d + "/w.vcd --txlog " + d + "/t.log 2>/dev/null";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 1500 && !fs::exists(d + "/fw.sock"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(fs::exists(d + "/fw.sock"));
  ::kill(pid, SIGINT);
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
  EXPECT_EQ(slurp(d + "/r.json"), "old");
  EXPECT_EQ(names(d), (std::vector<std::string>{"r.json"}));
}

TEST(Outputs, CalibrateNeverWritesIntoItsInputBundle) {
  // Before: --out equal to --trace exited 0 and overwrote the input bundle.
  const std::string d = scratch("out_calibrate");
  fs::copy(source_dir() + "/traces/fmnist_snn", d + "/tr");
  fs::create_symlink("tr", d + "/alias");
  const std::string yaml = slurp(d + "/tr/trace.yaml");
  const auto mtime = fs::last_write_time(d + "/tr/conv1.bn.running_mean.npy");
  const std::string base = "calibrate platforms/spikeflow/spikeflow.yaml --samples 2 --quiet --trace ";
  for (const auto& [trace, out] : std::vector<std::pair<std::string, std::string>>{
           {d + "/tr", d + "/tr"}, {d + "/tr", d + "/./tr/"}, {d + "/tr/", d + "/alias"}}) {
    const CliResult r = cli(base + trace + " --out " + out);
    EXPECT_EQ(r.code, 1) << out;
    EXPECT_EQ(r.err, "spiketlm: error: spiketlm/cli: " + out + ": --out: is the input --trace (" + trace +
                         "), expected a new directory for the adapted bundle\n");
  }
  // Another bundle's directory (not empty) is not replaced either.
  fs::create_directories(d + "/other");
  put(d + "/other/keep.txt", "mine");
  const CliResult o = cli(base + d + "/tr --out " + d + "/other");
  EXPECT_EQ(o.code, 1);
  EXPECT_EQ(o.err, "spiketlm: error: spiketlm/output: " + d + "/other: --out: is a directory that is not empty, expected a new path or an empty directory\n");
  EXPECT_EQ(slurp(d + "/other/keep.txt"), "mine");
  EXPECT_EQ(slurp(d + "/tr/trace.yaml"), yaml);
  EXPECT_EQ(fs::last_write_time(d + "/tr/conv1.bn.running_mean.npy"), mtime);
  EXPECT_EQ(names(d), (std::vector<std::string>{"alias", "other", "tr"}));
}
