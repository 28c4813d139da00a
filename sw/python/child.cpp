#include "sw/python/child.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tlm/error.h"

namespace spiketlm {

namespace {

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= size_t(w);
  }
  return true;
}

// The child: run, send the message, leave without running the parent's exit handlers or
// flushing the parent's (Python's) buffers.
[[noreturn]] void child_main(int fd, const std::function<std::string()>& work) {
  std::signal(SIGINT, SIG_DFL);   // Python's handler only sets a flag the child never reads
  // Descriptors inherited from the interpreter (among them other calls' pipes, whose readers
  // must see end-of-file when their own child ends) are not the simulation's.
  if (fd > 3) ::close_range(3, unsigned(fd - 1), 0);
  ::close_range(unsigned(fd + 1), ~0u, 0);
  char status = '0';
  std::string text;
  try {
    text = work();
  } catch (const std::exception& e) {
    status = '1';
    text = error_text(e);
  } catch (...) {
    status = '1';
    text = "unknown error in the simulation process";
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const uint64_t n = text.size();
  char head[9];
  head[0] = status;
  std::memcpy(head + 1, &n, 8);
  const bool ok = write_all(fd, head, 9) && write_all(fd, text.data(), text.size());
  ::_exit(ok ? 0 : 3);
}

// Read exactly n bytes; false on end of file or when `stop` (run on EINTR) says so.
bool read_exact(int fd, char* p, size_t n, const std::function<bool()>& stop) {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) {
      if (stop()) return false;
      continue;
    }
    if (r < 0) throw ChildError(std::string("reading the simulation process's result: ") + std::strerror(errno));
    if (r == 0) return false;
    p += r;
    n -= size_t(r);
  }
  return true;
}

std::string exit_text(int st) {
  if (WIFSIGNALED(st)) return "the simulation process was killed by signal " + std::to_string(WTERMSIG(st)) +
                              " (" + strsignal(WTERMSIG(st)) + ")";
  return "the simulation process exited with status " + std::to_string(WIFEXITED(st) ? WEXITSTATUS(st) : -1) +
         " without a result";
}

}  // namespace

std::string run_in_child(const std::function<std::string()>& work, const std::function<bool()>& interrupted) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw ChildError(std::string("pipe: ") + std::strerror(errno));
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw ChildError(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(fds[1], work);
  }
  ::close(fds[1]);
  bool killed = false;
  auto on_eintr = [&] {
    if (interrupted && interrupted()) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    return killed;
  };
  char head[9];
  std::string text;
  bool complete = false;
  try {
    if (read_exact(fds[0], head, 9, on_eintr)) {
      uint64_t n = 0;
      std::memcpy(&n, head + 1, 8);
      text.resize(n);
      complete = read_exact(fds[0], text.data(), n, on_eintr);
    }
  } catch (...) {
    ::close(fds[0]);
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    throw;
  }
  ::close(fds[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) throw ChildError(std::string("waitpid: ") + std::strerror(errno));
  }
  if (killed) throw ChildInterrupted();
  if (!complete) throw ChildError(exit_text(st));
  if (head[0] != '0') throw ChildError(text);
  return text;
}

}  // namespace spiketlm
