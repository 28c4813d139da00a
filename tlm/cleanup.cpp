#include "tlm/cleanup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "tlm/error.h"

namespace spiketlm::cleanup {

namespace {

constexpr int kPaths = 256;
constexpr int kChildren = 16;
// Paths are strdup'ed when registered and freed when forgotten; the handler only reads them.
// (The process is single-threaded: SystemC runs its processes as coroutines of one thread.)
std::atomic<char*> g_files[kPaths];
std::atomic<char*> g_dirs[kPaths];
struct Child {
  std::atomic<pid_t> pid{0};
  std::atomic<int> policy{0};
};
Child g_children[kChildren];
std::atomic<bool> g_installed{false};

const int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGABRT};

std::string absolute(const std::string& p) {
  if (!p.empty() && p[0] == '/') return p;
  char buf[4096];
  if (!::getcwd(buf, sizeof buf)) return p;
  return std::string(buf) + "/" + p;
}

void add(std::atomic<char*>* slots, const std::string& path) {
  char* s = ::strdup(absolute(path).c_str());
  for (int i = 0; i < kPaths; ++i) {
    char* expected = nullptr;
    if (slots[i].compare_exchange_strong(expected, s)) return;
  }
  std::free(s);
  fail("cleanup", path + ": more than " + std::to_string(kPaths) + " temporary paths at once, expected fewer");
}

void forget_in(std::atomic<char*>* slots, const std::string& abs) {
  for (int i = 0; i < kPaths; ++i) {
    char* s = slots[i].load();
    if (s && abs == s && slots[i].compare_exchange_strong(s, nullptr)) std::free(s);
  }
}

struct Dirent64 {  // the kernel's linux_dirent64
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

bool dot(const char* n) { return n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0)); }

// Remove `name` in directory `at`: a file, or a directory with its contents down to `depth`
// levels. Only system calls (async-signal-safe).
bool remove_at(int at, const char* name, int depth) {
  if (::unlinkat(at, name, 0) == 0 || errno == ENOENT) return true;
  if (errno != EISDIR && errno != EPERM) return false;
  if (depth == 0) return false;
  const int fd = ::openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT;
  alignas(8) char buf[2048];
  // Entries removed while reading may make getdents skip others: read again from the start
  // until a pass finds nothing left.
  for (int pass = 0; pass < 64; ++pass) {
    bool any = false;
    ::lseek(fd, 0, SEEK_SET);
    for (long n; (n = ::syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0;) {
      for (long off = 0; off < n;) {
        const auto* d = reinterpret_cast<const Dirent64*>(buf + off);
        off += d->d_reclen;
        if (dot(d->d_name)) continue;
        any = true;
        remove_at(fd, d->d_name, depth - 1);
      }
    }
    if (!any) break;
  }
  ::close(fd);
  return ::unlinkat(at, name, AT_REMOVEDIR) == 0 || errno == ENOENT;
}

void reap_children() {
  for (auto& c : g_children) {
    const pid_t pid = c.pid.exchange(0);
    if (pid <= 0) continue;
    ::kill(pid, c.policy.load() == int(ChildPolicy::kill) ? SIGKILL : SIGTERM);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {}
  }
}

void on_signal(int sig) {
  const int saved = errno;
  reap_children();
  for (auto& f : g_files)
    if (char* s = f.load()) ::unlink(s);
  for (auto& d : g_dirs)
    if (char* s = d.load()) remove_at(AT_FDCWD, s, 4);
  // Die of the same signal: it is blocked while this handler runs and arrives on return.
  ::signal(sig, SIG_DFL);
  ::raise(sig);
  errno = saved;
}

}  // namespace

void install_signal_cleanup() {
  if (g_installed.exchange(true)) return;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : kSignals) sigaddset(&sa.sa_mask, s);  // one cleanup at a time
  for (int s : kSignals) {
    struct sigaction old {};
    ::sigaction(s, nullptr, &old);
    if (old.sa_handler == SIG_IGN) continue;  // ignored by whoever started us (nohup, &): stays so
    ::sigaction(s, &sa, nullptr);
  }
  ::signal(SIGXFSZ, SIG_IGN);
}

void add_file(const std::string& path) { add(g_files, path); }
void add_dir(const std::string& path) { add(g_dirs, path); }

void forget(const std::string& path) {
  const std::string abs = absolute(path);
  forget_in(g_files, abs);
  forget_in(g_dirs, abs);
}

void add_child(pid_t pid, ChildPolicy policy) {
  for (auto& c : g_children) {
    if (c.pid.load() != 0) continue;
    c.policy.store(int(policy));
    c.pid.store(pid);
    return;
  }
  fail("cleanup", "more than " + std::to_string(kChildren) + " child processes at once, expected fewer");
}

void forget_child(pid_t pid) {
  for (auto& c : g_children) {
    pid_t expected = pid;
    c.pid.compare_exchange_strong(expected, 0);
  }
}

void reset_after_fork() {
  for (auto& f : g_files) f.store(nullptr);
  for (auto& d : g_dirs) d.store(nullptr);
  for (auto& c : g_children) c.pid.store(0);
}

HoldSignals::HoldSignals() {
  static_assert(sizeof(m_old) >= sizeof(sigset_t), "sigset_t fits");
  sigset_t s;
  sigemptyset(&s);
  for (int sig : kSignals) sigaddset(&s, sig);
  ::sigprocmask(SIG_BLOCK, &s, reinterpret_cast<sigset_t*>(m_old));
}

HoldSignals::~HoldSignals() { ::sigprocmask(SIG_SETMASK, reinterpret_cast<sigset_t*>(m_old), nullptr); }

bool remove_tree(const char* path) { return remove_at(AT_FDCWD, path, 4); }

}  // namespace spiketlm::cleanup
