#include "sw/dse/local_backend.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>

#include "tlm/error.h"

extern char** environ;

namespace spiketlm::dse {

namespace {

// The running tasks' process groups, for the signal handler (async-signal-safe access only).
constexpr int kMaxSlots = 1024;
volatile sig_atomic_t g_groups[kMaxSlots];

void kill_tasks_and_reraise(int sig) {
  for (int i = 0; i < kMaxSlots; ++i)
    if (g_groups[i] > 0) kill(-pid_t(g_groups[i]), SIGKILL);
  signal(sig, SIG_DFL);
  raise(sig);
}

// Installs the handler for the pool's lifetime; restores the previous handlers after.
class SignalGuard {
 public:
  SignalGuard() {
    struct sigaction sa {};
    sa.sa_handler = kill_tasks_and_reraise;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &m_old[i]);
  }
  ~SignalGuard() {
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &m_old[i], nullptr);
  }

 private:
  static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction m_old[3];
};

pid_t spawn_task(const std::string& script, const std::string& dir) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&at, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&at, &none);
  const char* argv[] = {"sh", script.c_str(), dir.c_str(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/bin/sh", &fa, &at, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  if (rc != 0) fail("sweep", "/bin/sh: expected to start a point's task, got " + std::string(std::strerror(rc)));
  return pid;
}

// Waits up to `ms` for a child to end; returns its pid and status, or 0.
pid_t wait_child(const sigset_t& chld, int ms, int& status) {
  const pid_t pid = waitpid(-1, &status, WNOHANG);
  if (pid != 0) return pid < 0 ? 0 : pid;
  timespec ts{ms / 1000, long(ms % 1000) * 1000000L};
  sigtimedwait(&chld, nullptr, &ts);
  const pid_t p2 = waitpid(-1, &status, WNOHANG);
  return p2 < 0 ? 0 : p2;
}

}  // namespace

int default_jobs() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return int(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
}

namespace {

// Kills every running task (on an exception in an event) and reaps it.
void kill_all(std::map<pid_t, std::pair<size_t, int>>& running) {
  for (auto& kv : running) {
    kill(-kv.first, SIGKILL);
    int st = 0;
    waitpid(kv.first, &st, 0);
    g_groups[kv.second.second] = 0;
  }
  running.clear();
}

// Starts the next task in a free slot, with the stop signals held so that the handler always
// knows every task that exists.
void start_next(const std::vector<Task>& tasks, size_t& next, const std::string& script, const TaskEvents& ev,
                std::map<pid_t, std::pair<size_t, int>>& running) {
  if (ev.started) ev.started(tasks[next]);
  sigset_t stop, old;
  sigemptyset(&stop);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop, s);
  sigprocmask(SIG_BLOCK, &stop, &old);
  int slot = 0;
  while (g_groups[slot] > 0) ++slot;
  const pid_t pid = spawn_task(script, tasks[next].dir);
  g_groups[slot] = pid;
  running[pid] = {next++, slot};
  sigprocmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace

void run_local(const std::vector<Task>& tasks, int jobs, const std::string& script, const TaskEvents& ev) {
  jobs = std::max(1, std::min(jobs, kMaxSlots));
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);  // so that sigtimedwait() wakes on a child's end
  SignalGuard guard;
  std::map<pid_t, std::pair<size_t, int>> running;  // pid -> (task, slot)
  size_t next = 0;
  try {
    while (next < tasks.size() || !running.empty()) {
      while (next < tasks.size() && int(running.size()) < jobs) start_next(tasks, next, script, ev, running);
      int st = 0;
      const pid_t pid = wait_child(chld, 250, st);
      if (ev.tick) ev.tick();
      auto it = running.find(pid);
      if (pid <= 0 || it == running.end()) continue;
      g_groups[it->second.second] = 0;
      const Task& t = tasks[it->second.first];
      running.erase(it);
      if (ev.finished) ev.finished(t, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
  } catch (...) {
    kill_all(running);
    sigprocmask(SIG_SETMASK, &old, nullptr);
    throw;
  }
  sigprocmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace spiketlm::dse
