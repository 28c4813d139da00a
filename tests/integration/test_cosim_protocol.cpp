// The co-simulation protocol's checks (sw/cosim/session.h) and process hygiene: a short
// session, a value out of range or a result for the wrong sample ends the run with one line
// and exit 1; the firmware's stdout stays out of spiketlm's; SIGTERM kills and reaps the
// firmware; a live socket is never taken over; the chosen TCP port is printed.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "tests/cli.h"

using namespace spiketlm::test;
namespace fs = std::filesystem;

namespace {

std::string fw() { return binary_dir() + "/spiketlm_example_fw"; }

bool gone(pid_t pid) { return pid > 0 && ::kill(pid, 0) == -1 && errno == ESRCH; }

pid_t read_pid(const std::string& file) {
  std::ifstream in(file);
  long pid = 0;
  in >> pid;
  return pid_t(pid);
}

bool wait_for(const std::function<bool()>& ok, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ok();
}

// spiketlm in the background (its own pid: sh execs it); stdout and stderr to files.
pid_t start_cli(const std::string& args, const std::string& out, const std::string& err) {
  const std::string cmd = "cd " + source_dir() + " && SC_COPYRIGHT_MESSAGE=DISABLE exec " + binary_dir() + "/spiketlm " +
                          args + " >" + out + " 2>" + err;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// A firmware that breaks the protocol: exit 1, this one line, no report, the firmware reaped.
void expect_refused(const std::string& misbehave, const std::string& line) {
  const std::string d = scratch("cosim_proto_" + misbehave);
  const CliResult r = cli(kSata + " --samples 1 --cosim-exec \"" + fw() + " --misbehave " + misbehave + " --pidfile " + d +
                          "/fw.pid\" -c run.cosim_timeout_s=5 --json " + d + "/r.json");
  EXPECT_EQ(r.code, 1) << r.err;
  // spiketlm's one line last (the firmware, whose stderr is ours, may say why it stopped).
  const std::string want = "spiketlm: error: spiketlm/cosim: " + line + "\n";
  EXPECT_GE(r.err.size(), want.size());
  EXPECT_EQ(r.err.substr(r.err.size() - std::min(r.err.size(), want.size())), want) << r.err;
  EXPECT_EQ(r.err.find("spiketlm: "), r.err.size() - want.size()) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(d + "/r.json"));
  EXPECT_TRUE(gone(read_pid(d + "/fw.pid")));
}

}  // namespace

TEST(CosimProtocol, ASessionOfOnlyHelloIsAnError) {
  expect_refused("hello", "the external firmware disconnected after 1 messages, expected the RESULTs of samples 0..0 and FINISH");
}

TEST(CosimProtocol, FinishWithoutResultsIsAnError) {
  expect_refused("noresult", "the external firmware sent FINISH after 0 of 1 RESULTs, expected one RESULT per sample of the "
                             "run (samples 0..0)");
}

TEST(CosimProtocol, ANegativeDelayIsRefused) {
  expect_refused("negdelay", "malformed message 3 from the external firmware: DELAY of 18446744073709551615 ps (negative "
                             "as a signed number), expected a non-negative delay");
}

TEST(CosimProtocol, ADelayPastTheEndOfSimulatedTimeIsRefused) {
  // Simulated time (1 ps resolution) ends at 2^64 - 1 ps; the firmware may use a quarter.
  const CliResult r = cli(kSata + " --samples 1 --cosim-exec \"" + fw() + " --misbehave overflow\"");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("spiketlm: error: spiketlm/cosim: malformed message 3 from the external firmware: DELAY of 9223372036854775807 ps at ", 0), 0u)
      << r.err;
  EXPECT_NE(r.err.find(" ps, expected a delay that keeps simulated time below 461168601842738"), std::string::npos) << r.err;
}

TEST(CosimProtocol, APredictionOutsideTheClassesIsRefused) {
  expect_refused("prediction", "malformed message 33 from the external firmware: RESULT prediction 12345, expected a class "
                               "below 10");
}

TEST(CosimProtocol, AResultForAnotherSampleIsRefused) {
  expect_refused("sample", "malformed message 33 from the external firmware: RESULT for sample 99999, expected sample 0 "
                           "(the run's samples 0..0 in order)");
}

TEST(CosimProtocol, TheFirmwaresStdoutGoesToStderrNotIntoTheReport) {
  const CliResult r = cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 1 --cosim-exec \"" + fw() +
                          " --misbehave stdout\"");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("firmware's standard output"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("accuracy"), std::string::npos);  // the report is there
  EXPECT_EQ(r.err, "example_fw: this line is the firmware's standard output\n");
}

TEST(CosimProtocol, SigtermKillsAndReapsTheFirmwareAndWritesNothing) {
  const std::string d = scratch("cosim_sigterm");
  const pid_t pid = start_cli(kSata + " --samples 1 --cosim-exec \"" + fw() + " --misbehave hang --pidfile " + d +
                                  "/fw.pid\" --json " + d + "/r.json --dump-config " + d + "/c.yaml",
                              d + "/out", d + "/err");
  ASSERT_TRUE(wait_for([&] { return read_pid(d + "/fw.pid") > 0; }, 30)) << slurp(d + "/err");
  const pid_t fw_pid = read_pid(d + "/fw.pid");
  ASSERT_FALSE(gone(fw_pid));
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit(pid), 128 + SIGTERM);  // it dies of the signal, after cleaning up
  EXPECT_TRUE(gone(fw_pid)) << "the firmware outlived spiketlm";
  EXPECT_FALSE(fs::exists(d + "/r.json"));
  EXPECT_FALSE(fs::exists(d + "/c.yaml"));
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(d)) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"err", "fw.pid", "out"}));
}

TEST(CosimProtocol, ASecondInstanceOnALiveSocketIsRefusedAndTheFirstCarriesOn) {
  const std::string d = scratch("cosim_second");
  const std::string sock = d + "/fw.sock";
  const pid_t first = start_cli(kSata + " --cosim unix:" + sock + " -c run.cosim_timeout_s=30 --json " + d + "/r.json",
                                d + "/out1", d + "/err1");
  ASSERT_TRUE(wait_for([&] { return fs::is_socket(sock); }, 30)) << slurp(d + "/err1");
  const CliResult second = cli(kSata + " --cosim unix:" + sock);
  EXPECT_EQ(second.code, 1);
  EXPECT_EQ(second.err, "spiketlm: error: spiketlm/config: run.cosim: unix:" + sock +
                            ": another process listens on this socket (a second spiketlm?), expected a free path\n");
  ASSERT_TRUE(fs::is_socket(sock));  // the first instance's socket is still there
  ASSERT_EQ(std::system(("SPIKETLM_COSIM=unix:" + sock + " " + fw() + " >" + d + "/fw.out 2>&1").c_str()), 0);
  EXPECT_EQ(wait_exit(first), 0) << slurp(d + "/err1");
  EXPECT_NE(slurp(d + "/r.json").find("\"reference_mismatch_samples\": 0"), std::string::npos);
  EXPECT_FALSE(fs::exists(sock));  // removed by the instance that made it
}

TEST(CosimProtocol, ThePortChosenForPortZeroIsPrinted) {
  const std::string d = scratch("cosim_port");
  const pid_t pid = start_cli(kSata + " --cosim tcp:127.0.0.1:0 -c run.cosim_timeout_s=30", d + "/out", d + "/err");
  std::string addr;
  ASSERT_TRUE(wait_for(
      [&] {
        const std::string e = slurp(d + "/err");
        const std::string pre = "spiketlm: cosim: listening on ";
        const auto at = e.find(pre);
        if (at == std::string::npos || e.find(" for the external firmware\n", at) == std::string::npos) return false;
        addr = e.substr(at + pre.size(), e.find(' ', at + pre.size()) - at - pre.size());
        return true;
      },
      30))
      << slurp(d + "/err");
  EXPECT_EQ(addr.rfind("tcp:127.0.0.1:", 0), 0u);
  EXPECT_NE(addr, "tcp:127.0.0.1:0");
  ASSERT_EQ(std::system(("SPIKETLM_COSIM=" + addr + " " + fw() + " >" + d + "/fw.out 2>&1").c_str()), 0) << slurp(d + "/fw.out");
  EXPECT_EQ(wait_exit(pid), 0) << slurp(d + "/err");
}

TEST(CosimProtocol, AFileInTheWayOfTheSocketIsNotRemoved) {
  const std::string d = scratch("cosim_file");
  std::ofstream(d + "/notes.txt") << "mine";
  const CliResult r = cli(kSata + " --cosim unix:" + d + "/notes.txt");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/config: run.cosim: unix:" + d + "/notes.txt: the path exists and is not a socket, expected a free "
                   "path for the socket\n");
  EXPECT_EQ(slurp(d + "/notes.txt"), "mine");
}
