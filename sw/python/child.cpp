#include "sw/python/child.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tlm/error.h"
#include "tlm/fdio.h"
#include "tlm/output.h"

namespace spiketlm {

namespace {

// Read exactly n bytes; false on end of file or when `stop` (run on EINTR) says so.
bool read_exact(int fd, char* p, size_t n, const std::function<bool()>& stop) {
  const FdRead r = read_full(fd, p, n, stop);
  if (r == FdRead::error) throw ChildError(std::string("reading the simulation process's result: ") + std::strerror(errno));
  return r == FdRead::ok;
}

// The zygote of this interpreter: started on first use, replaced if this process is a fork of
// the one that started it. Requests go over a SOCK_SEQPACKET socket (one message each, with the
// pipe's write end attached), so threads only need the lock to start it.
struct Zygote {
  std::mutex lock;
  pid_t owner = -1, pid = -1;
  int sock = -1;

  int socket_for(const std::string& exe) {
    std::lock_guard<std::mutex> g(lock);
    if (owner == ::getpid() && sock >= 0) return sock;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 3);   // fd 3 in the zygote, without CLOEXEC
    char* argv[] = {const_cast<char*>(exe.c_str()), nullptr};
    pid_t p = -1;
    const int rc = ::posix_spawn(&p, exe.c_str(), &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(sv[1]);
    if (rc != 0) {
      ::close(sv[0]);
      return -1;
    }
    owner = ::getpid();
    pid = p;
    sock = sv[0];
    return sock;
  }
};
Zygote g_zygote;

std::string exit_text(int st) {
  if (WIFSIGNALED(st)) return "the simulation process was killed by signal " + std::to_string(WTERMSIG(st)) +
                              " (" + strsignal(WTERMSIG(st)) + ")";
  return "the simulation process exited with status " + std::to_string(WIFEXITED(st) ? WEXITSTATUS(st) : -1) +
         " without a result";
}

// Hand the request and the pipe's write end to the zygote; false if there is no zygote.
bool send_to_zygote(const std::string& exe, const std::string& bytes, int fd) {
  if (exe.empty()) return false;
  const int sock = g_zygote.socket_for(exe);
  if (sock < 0) return false;
  iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
  char ctl[CMSG_SPACE(sizeof(int))] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = sizeof ctl;
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t n;
  do n = ::sendmsg(sock, &m, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == ssize_t(bytes.size());
}

}  // namespace

void child_main(int fd, const Request& r) {
  std::signal(SIGINT, SIG_DFL);   // Python's handler only sets a flag the child never reads
  // Descriptors inherited from the interpreter (among them other calls' pipes, whose readers
  // must see end-of-file when their own child ends) are not the simulation's.
  if (fd > 3) ::close_range(3, unsigned(fd - 1), 0);
  ::close_range(unsigned(fd + 1), ~0u, 0);
  const int64_t self = ::getpid();
  char status = '0';
  std::string text;
  if (!write_full(fd, reinterpret_cast<const char*>(&self), 8)) ::_exit(3);
  try {
    text = do_work(r);
  } catch (const std::exception& e) {
    status = '1';
    text = error_text(e);
  } catch (...) {
    status = '1';
    text = "unknown error in the simulation process";
  }
  OutputSet::process().discard();  // _exit runs no destructor: no temporary file stays
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const uint64_t n = text.size();
  char head[9];
  head[0] = status;
  std::memcpy(head + 1, &n, 8);
  const bool ok = write_full(fd, head, 9) && write_full(fd, text.data(), text.size());
  ::_exit(ok ? 0 : 3);
}

std::string run_in_child(const Request& r, const std::string& zygote, const std::function<bool()>& interrupted) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw ChildError(std::string("pipe: ") + std::strerror(errno));
  pid_t own = -1;   // a child forked here (no zygote), reaped here
  if (!send_to_zygote(zygote, encode(r), fds[1])) {
    std::cout.flush();
    std::cerr.flush();
    own = ::fork();
    if (own < 0) {
      const int e = errno;
      ::close(fds[0]);
      ::close(fds[1]);
      throw ChildError(std::string("fork: ") + std::strerror(e));
    }
    if (own == 0) {
      ::close(fds[0]);
      child_main(fds[1], r);
    }
  }
  ::close(fds[1]);
  int64_t pid = 0;
  bool killed = false;
  auto stop = [&] {
    if (interrupted && interrupted()) {
      if (pid > 0) ::kill(pid_t(pid), SIGKILL);
      killed = true;
    }
    return killed;
  };
  char head[9] = {};
  std::string text;
  bool complete = read_exact(fds[0], reinterpret_cast<char*>(&pid), 8, stop) && read_exact(fds[0], head, 9, stop);
  if (complete) {
    uint64_t n = 0;
    std::memcpy(&n, head + 1, 8);
    text.resize(n);
    complete = read_exact(fds[0], text.data(), n, stop);
  }
  ::close(fds[0]);
  int st = 0;
  if (own > 0) {
    if (!complete && !killed && pid <= 0) ::kill(own, SIGKILL);
    while (::waitpid(own, &st, 0) < 0 && errno == EINTR) {
    }
  }
  if (killed) throw ChildInterrupted();
  if (!complete) throw ChildError(own > 0 ? exit_text(st) : "the simulation process ended without a result");
  if (head[0] != '0') throw ChildError(text);
  return text;
}

}  // namespace spiketlm
