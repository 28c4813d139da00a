// The output facility (tlm/output.h): staged writes, commit, discard, symlinks, devices,
// FIFOs, write errors and signals never destroy a file that was there before.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/cli.h"
#include "tlm/cleanup.h"
#include "tlm/output.h"

using namespace spiketlm;
using namespace spiketlm::test;
namespace fs = std::filesystem;

namespace {
void put(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// Names in `dir` other than `keep` (temporary files left behind show up here).
std::vector<std::string> others(const std::string& dir, const std::vector<std::string>& keep) {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (std::find(keep.begin(), keep.end(), n) == keep.end()) v.push_back(n);
  }
  return v;
}
}  // namespace

TEST(Output, NothingAppearsBeforeCommitAndNoTemporaryAfter) {
  const std::string d = scratch("out_new");
  OutputSet o;
  o.claim(d + "/a.json", "--json");
  EXPECT_TRUE(others(d, {}).empty());  // a claim writes nothing
  o.write(d + "/a.json", "{}\n");
  EXPECT_FALSE(fs::exists(d + "/a.json"));
  o.commit();
  EXPECT_EQ(slurp(d + "/a.json"), "{}\n");
  EXPECT_EQ(others(d, {"a.json"}), std::vector<std::string>{});
  struct stat st;
  ASSERT_EQ(::stat((d + "/a.json").c_str(), &st), 0);
  const mode_t um = ::umask(0);
  ::umask(um);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~um);  // a new file gets the usual permissions
}

TEST(Output, DiscardLeavesAnExistingFileAndRemovesTheTemporary) {
  const std::string d = scratch("out_discard");
  put(d + "/r.json", "old");
  {
    OutputSet o;
    o.write(d + "/r.json", "new");
    EXPECT_EQ(others(d, {"r.json"}).size(), 1u);  // the staged copy
    EXPECT_EQ(slurp(d + "/r.json"), "old");
  }  // destroyed without commit
  EXPECT_EQ(slurp(d + "/r.json"), "old");
  EXPECT_EQ(others(d, {"r.json"}), std::vector<std::string>{});
}

TEST(Output, CommitReplacesARegularFileKeepingItsPermissions) {
  const std::string d = scratch("out_replace");
  put(d + "/r.csv", "old");
  ::chmod((d + "/r.csv").c_str(), 0640);
  OutputSet o;
  o.write(d + "/r.csv", "new");
  o.commit();
  EXPECT_EQ(slurp(d + "/r.csv"), "new");
  struct stat st;
  ASSERT_EQ(::stat((d + "/r.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(others(d, {"r.csv"}), std::vector<std::string>{});
}

TEST(Output, ASymlinkIsFollowedAndStaysALink) {
  const std::string d = scratch("out_link");
  fs::create_directories(d + "/real");
  put(d + "/real/t.json", "old");
  fs::create_symlink("real/t.json", d + "/link.json");
  fs::create_symlink(d + "/real/new.json", d + "/dangling.json");
  OutputSet o;
  EXPECT_EQ(o.claim(d + "/link.json", "--json"), d + "/real/t.json");
  o.write(d + "/link.json", "new");
  o.write(d + "/dangling.json", "made");
  o.commit();
  EXPECT_TRUE(fs::is_symlink(d + "/link.json"));
  EXPECT_EQ(slurp(d + "/real/t.json"), "new");
  EXPECT_TRUE(fs::is_symlink(d + "/dangling.json"));
  EXPECT_EQ(slurp(d + "/real/new.json"), "made");
  EXPECT_EQ(others(d + "/real", {"t.json", "new.json"}), std::vector<std::string>{});
}

TEST(Output, BadTargetsAreOneLineErrors) {
  const std::string d = scratch("out_bad");
  fs::create_directories(d + "/dir");
  OutputSet o;
  EXPECT_EQ(error_of([&] { o.claim(d + "/dir", "--json"); }),
            "spiketlm/output: " + d + "/dir: --json: is a directory, expected a file path");
  EXPECT_EQ(error_of([&] { o.claim(d + "/nope/r.json", "--csv"); }),
            "spiketlm/output: " + d + "/nope/r.json: --csv: directory '" + d + "/nope' does not exist, expected an existing directory");
  o.claim(d + "/r.json", "--json");
  EXPECT_EQ(error_of([&] { o.claim(d + "/./r.json", "--csv"); }),
            "spiketlm/output: " + d + "/./r.json: --csv: is the same file as --json (" + d + "/r.json), expected a different path for each output");
  EXPECT_EQ(error_of([&] { o.claim("", "--vcd"); }), "spiketlm/output: --vcd: expected a file path, got an empty string");
  EXPECT_EQ(error_of([&] { o.refuse_input(d + "/r.json", "CONFIG"); }),
            "spiketlm/output: " + d + "/r.json: --json: is the input CONFIG (" + d + "/r.json), expected an output path that is not an input");
}

TEST(Output, DevNullIsWrittenInPlaceAndStaysADevice) {
  OutputSet o;
  o.claim("/dev/null", "--json");
  o.claim("/dev/null", "--csv");  // an in-place target may take several outputs
  o.write("/dev/null", "x");
  o.commit();
  struct stat st;
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  for (const auto& n : others("/dev", {})) EXPECT_EQ(n.find(".null.spiketlm"), std::string::npos) << n;
}

TEST(Output, AFifoIsWrittenInPlaceOrRefusedWithoutAReader) {
  const std::string d = scratch("out_fifo");
  const std::string f = d + "/pipe";
  ASSERT_EQ(::mkfifo(f.c_str(), 0600), 0);
  {
    OutputSet o;
    o.write(f, "no one reads");
    EXPECT_EQ(error_of([&] { o.commit(); }), "spiketlm/output: " + f + ": output: is a FIFO with no reader, expected a writable target");
  }
  std::string got;
  std::thread reader([&] { got = slurp(f); });
  // The reader opens the FIFO before the write: wait until it is blocked in open().
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  OutputSet o;
  o.write(f, "through the pipe");
  o.commit();
  reader.join();
  EXPECT_EQ(got, "through the pipe");
  struct stat st;
  ASSERT_EQ(::lstat(f.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(others(d, {"pipe"}), std::vector<std::string>{});
}

TEST(Output, AFullDeviceIsAOneLineErrorAndRollsBackTheOthers) {
  const std::string d = scratch("out_full");
  put(d + "/r.json", "old json");
  OutputSet o;
  o.write(d + "/r.json", "new json");
  o.write("/dev/full", "csv");
  EXPECT_EQ(error_of([&] { o.commit(); }),
            "spiketlm/output: /dev/full: output: write failed (No space left on device), expected a writable target");
  EXPECT_EQ(slurp(d + "/r.json"), "old json");  // restored
  EXPECT_EQ(others(d, {"r.json"}), std::vector<std::string>{});
}

TEST(Output, AFileSizeLimitIsAOneLineErrorAndTheOldFileStays) {
  const std::string d = scratch("out_fsize");
  put(d + "/big.vcd", "previous waveform");
  cleanup::install_signal_cleanup();  // SIGXFSZ ignored: a write error, not a dead process
  rlimit lim{4096, RLIM_INFINITY};
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &lim), 0);
  OutputSet o;
  const std::string e = error_of([&] { o.write(d + "/big.vcd", std::string(100000, 'x')); });
  EXPECT_EQ(e, "spiketlm/output: " + d + "/big.vcd: output: write failed (File too large), expected room for the whole "
               "output (disk space, file-size limit); the previous file is unchanged");
  EXPECT_EQ(slurp(d + "/big.vcd"), "previous waveform");
  EXPECT_EQ(others(d, {"big.vcd"}), std::vector<std::string>{});
}

TEST(Output, AFailedRenameRestoresTheOutputsAlreadyInPlace) {
  const std::string d = scratch("out_rollback");
  put(d + "/a.json", "old a");
  OutputSet o;
  o.write(d + "/a.json", "new a");
  o.write(d + "/b.csv", "new b");
  fs::create_directories(d + "/b.csv/x");  // the second target became a non-empty directory
  EXPECT_NE(error_of([&] { o.commit(); }).find(d + "/b.csv: output: cannot be put in place"), std::string::npos);
  EXPECT_EQ(slurp(d + "/a.json"), "old a");
  EXPECT_EQ(others(d, {"a.json", "b.csv"}), std::vector<std::string>{});
}

TEST(Output, DirectoryOutputsAreNewOrEmptyAndAppearWhole) {
  const std::string d = scratch("out_dir");
  fs::create_directories(d + "/full");
  put(d + "/full/keep.txt", "mine");
  fs::create_directories(d + "/empty");
  OutputSet o;
  EXPECT_EQ(error_of([&] { o.claim_dir(d + "/full", "--out"); }),
            "spiketlm/output: " + d + "/full: --out: is a directory that is not empty, expected a new path or an empty directory");
  const std::string t1 = o.stage_dir(d + "/empty");
  const std::string t2 = o.stage_dir(d + "/new");
  put(t1 + "/trace.yaml", "one");
  put(t2 + "/trace.yaml", "two");
  EXPECT_EQ(o.staged_dir(d + "/new"), t2);
  EXPECT_FALSE(fs::exists(d + "/new"));
  o.commit();
  EXPECT_EQ(slurp(d + "/empty/trace.yaml"), "one");
  EXPECT_EQ(slurp(d + "/new/trace.yaml"), "two");
  EXPECT_EQ(slurp(d + "/full/keep.txt"), "mine");
  EXPECT_EQ(others(d, {"full", "empty", "new"}), std::vector<std::string>{});
}

TEST(Output, ASignalRemovesEveryTemporaryAndKillsTheChildren) {
  const std::string d = scratch("out_signal");
  put(d + "/r.json", "old");
  int pfd[2];
  ASSERT_EQ(::pipe(pfd), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    cleanup::install_signal_cleanup();
    const pid_t sleeper = ::fork();
    if (sleeper == 0) {
      ::execlp("sleep", "sleep", "60", (char*)nullptr);
      _exit(127);
    }
    cleanup::add_child(sleeper, cleanup::ChildPolicy::kill);
    OutputSet& o = OutputSet::process();
    o.write(d + "/r.json", "new");
    o.stage_dir(d + "/bundle");
    put(o.staged_dir(d + "/bundle") + "/w.npy", "data");
    const std::string s = std::to_string(sleeper) + "\n";
    (void)!::write(pfd[1], s.data(), s.size());
    ::pause();
    _exit(0);
  }
  ::close(pfd[1]);
  char buf[32] = {};
  ASSERT_GT(::read(pfd[0], buf, sizeof buf - 1), 0);
  const pid_t sleeper = std::atoi(buf);
  EXPECT_EQ(others(d, {"r.json"}).size(), 2u);  // the staged file and directory
  ::kill(pid, SIGTERM);
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);  // it still dies of the signal
  EXPECT_EQ(slurp(d + "/r.json"), "old");
  EXPECT_EQ(others(d, {"r.json"}), std::vector<std::string>{});
  EXPECT_NE(::kill(sleeper, 0), 0);  // killed and reaped: no such process any more
}
