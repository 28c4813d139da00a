// External firmware over the co-simulation socket: the example C firmware equals the default
// runtime (outputs, counters, simulated time, every register access), on both platforms and
// both transports; faults (malformed message, disconnect mid-run, hang, version mismatch)
// end the run with one line, exit 1, no report, and no process left behind.
#include <gtest/gtest.h>

#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <thread>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {

std::string fw() { return binary_dir() + "/spiketlm_example_fw"; }

bool process_gone(const std::string& pidfile) {
  std::ifstream in(pidfile);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return true;  // never started far enough to write it
  return ::kill(pid_t(pid), 0) == -1 && errno == ESRCH;
}

// A misbehaving firmware: exit 1, exactly one line on stderr with `what`, no report, no process.
void expect_fault(const std::string& misbehave, const std::string& what, const std::string& extra = "") {
  const std::string d = scratch("cosim_fault_" + misbehave);
  const std::string pidfile = d + "/fw.pid";
  const auto t0 = std::chrono::steady_clock::now();
  const CliResult r = cli(kSata + " --samples 1 --cosim-exec \"" + fw() + " --misbehave " + misbehave + " --pidfile " +
                          pidfile + "\" -c run.cosim_timeout_s=1 --json " + d + "/r.json " + extra);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("spiketlm: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(d + "/r.json"));
  EXPECT_TRUE(std::filesystem::exists(pidfile));
  EXPECT_TRUE(process_gone(pidfile)) << "the firmware process is still there (or a zombie)";
  EXPECT_LT(secs, 10.0);
}

}  // namespace

TEST(Cosim, ExternalFirmwareEqualsTheRuntimeOnSata) {
  const Outcome a = run_fw(kSata, "", "cosim_rt");
  const Outcome b = run_fw(kSata, "--firmware external --cosim-exec " + fw(), "cosim_ext");
  ASSERT_FALSE(a.json.empty());
  EXPECT_EQ(a.json, b.json);    // outputs (accuracy, mismatches), counters, latency, energy, stats
  EXPECT_EQ(a.txlog, b.txlog);  // every register access, value and simulated time
  EXPECT_NE(a.json.find("\"reference_mismatch_samples\": 0"), std::string::npos);
}

TEST(Cosim, ExternalFirmwareEqualsTheRuntimeOnSpikeFlow) {
  const Outcome a = run_fw(kSpikeFlow, "", "cosim_sf_rt");
  const Outcome b = run_fw(kSpikeFlow, "--cosim-exec " + fw(), "cosim_sf_ext");
  ASSERT_FALSE(a.json.empty());
  EXPECT_EQ(a.json, b.json);
  EXPECT_EQ(a.txlog, b.txlog);
}

TEST(Cosim, LoopbackTcpEqualsUnixSocket) {
  const Outcome a = run_fw(kSata, "--cosim-exec " + fw(), "cosim_unix");
  const Outcome b = run_fw(kSata, "--cosim tcp:127.0.0.1:0 --cosim-exec " + fw(), "cosim_tcp");
  ASSERT_FALSE(a.json.empty());
  EXPECT_EQ(a.json, b.json);
  EXPECT_EQ(a.txlog, b.txlog);
}

TEST(Cosim, FirmwareStartedByTheUserConnectsToTheGivenSocket) {
  const std::string d = scratch("cosim_user");
  const std::string sock = d + "/fw.sock";
  // The firmware starts first and retries until the simulator listens.
  const std::string bg = "SPIKETLM_COSIM=unix:" + sock + " " + fw() + " >" + d + "/fw.out 2>&1 &";
  ASSERT_EQ(std::system(bg.c_str()), 0);
  const CliResult r = cli(kSata + " --cosim unix:" + sock + " --json " + d + "/r.json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(slurp(d + "/r.json").find("\"reference_mismatch_samples\": 0"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(sock));  // removed at the end
}

TEST(Cosim, MalformedMessageEndsTheRun) { expect_fault("malformed", "malformed message 13 from the external firmware: unknown op 77"); }

TEST(Cosim, DisconnectMidRunEndsTheRun) {
  expect_fault("disconnect", "the external firmware disconnected after 12 messages, expected the RESULTs of samples 0..0 and FINISH");
}

TEST(Cosim, HangingFirmwareTimesOutAndIsKilled) {
  expect_fault("hang", "the external firmware sent nothing for 1 s (run.cosim_timeout_s) after 12 messages");
}

TEST(Cosim, ProtocolVersionMismatchEndsTheRun) {
  expect_fault("version", "protocol version mismatch: the external firmware speaks version 999, expected version 1");
}

TEST(Cosim, FirmwareThatNeverConnectsOrCannotStart) {
  const CliResult r = cli(kSata + " --cosim-exec /nonexistent/fw -c run.cosim_timeout_s=1");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err, "spiketlm: error: spiketlm/cosim: cannot start the external firmware '/nonexistent/fw': No such file or directory\n");
  const CliResult t = cli(kSata + " --cosim unix:/tmp/spiketlm-nobody-" + std::to_string(getpid()) +
                          " -c run.cosim_timeout_s=0.2");
  EXPECT_EQ(t.code, 1);
  EXPECT_NE(t.err.find("no external firmware connected to unix:/tmp/spiketlm-nobody-"), std::string::npos) << t.err;
  const CliResult n = cli(kSata + " --cosim tcp:10.1.2.3:5000");
  EXPECT_EQ(n.code, 1);
  EXPECT_NE(n.err.find("run.cosim: expected a loopback address tcp:127.0.0.1:PORT, got 'tcp:10.1.2.3:5000'"),
            std::string::npos)
      << n.err;
  const CliResult m = cli(kSata + " --firmware external");
  EXPECT_EQ(m.code, 1);
  EXPECT_NE(m.err.find("needs --cosim ADDRESS"), std::string::npos) << m.err;
}

TEST(Cosim, EarlyExitIsHandledLikeTheRuntime) {
  // The exit unit stops most samples before T: IRQ_CAUSE = DONE | EXITED_EARLY, and the
  // firmware reads outputs for the timesteps run only. All three firmwares agree exactly, on
  // both platforms.
  for (const std::string& platform : {kSata, kSpikeFlow}) {
    SCOPED_TRACE(platform);
    const std::string base = platform + " --samples 20 --exit-threshold 0.9";
    const std::string tag = platform == kSata ? "cosim_ee_sata" : "cosim_ee_sf";
    const Outcome a = run_fw(base, "", tag + "_rt");
    const Outcome b = run_fw(base, "--firmware example", tag + "_ex");
    const Outcome c = run_fw(base, "--cosim-exec " + fw(), tag + "_ext");
    ASSERT_FALSE(a.json.empty());
    EXPECT_EQ(a.json, b.json);
    EXPECT_EQ(a.json, c.json);
    EXPECT_EQ(a.txlog, b.txlog);
    EXPECT_EQ(a.txlog, c.txlog);
    EXPECT_NE(a.txlog.find("IRQ_CAUSE 0x00000003"), std::string::npos);
    EXPECT_NE(a.txlog.find(" buf 40B"), std::string::npos);  // 1 timestep x 10 classes x 4 B
  }
}
