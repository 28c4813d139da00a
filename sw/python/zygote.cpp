// spiketlm_zygote: forks the process of each Python call (child.h). Started by the module with
// posix_spawn and its end of a SOCK_SEQPACKET socket as fd 3; never starts the SystemC kernel
// itself. Each message is one encoded Request with the result pipe's write end attached: the
// zygote forks a child that does the work and writes the result to that pipe (child_main), keeps
// a copy of the pipe until the child is reaped, and if the child died without exiting cleanly
// writes a '2' record (how it died) after whatever the child wrote. It exits when the module's
// end of the socket closes (the interpreter ended); running children finish on their own.
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sw/python/child.h"

using namespace spiketlm;

namespace {

int g_wake[2] = {-1, -1};   // SIGCHLD -> a byte here, so poll wakes to reap

void on_child(int) {
  const int e = errno;
  const char b = 1;
  [[maybe_unused]] ssize_t n = ::write(g_wake[1], &b, 1);
  errno = e;
}

void record(int fd, char status, const std::string& text) {
  const uint64_t n = text.size();
  std::string m(1, status);
  m.append(reinterpret_cast<const char*>(&n), 8);
  m += text;
  [[maybe_unused]] ssize_t w = ::write(fd, m.data(), m.size());   // the reader may be gone: EPIPE, ignored
}

void reap(std::map<pid_t, int>& running) {
  int st = 0;
  pid_t p;
  while ((p = ::waitpid(-1, &st, WNOHANG)) > 0) {
    auto it = running.find(p);
    if (it == running.end()) continue;
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
      record(it->second, '2', WIFSIGNALED(st) ? "the simulation process was killed by signal " +
                                                    std::to_string(WTERMSIG(st)) + " (" + strsignal(WTERMSIG(st)) + ")"
                                              : "the simulation process exited with status " +
                                                    std::to_string(WEXITSTATUS(st)) + " without a result");
    }
    ::close(it->second);
    running.erase(it);
  }
}

// One message: false when the module's end is closed.
bool serve_one(int sock, std::map<pid_t, int>& running) {
  std::vector<char> buf(1 << 20);
  char ctl[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{buf.data(), buf.size()};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = sizeof ctl;
  const ssize_t n = ::recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  const cmsghdr* c = CMSG_FIRSTHDR(&m);
  if (!c || c->cmsg_type != SCM_RIGHTS) return true;   // nobody to answer
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
  const int64_t none = 0;
  Request r;
  try {
    if (m.msg_flags & MSG_TRUNC) throw std::runtime_error("request: larger than 1 MB");
    r = decode(std::string(buf.data(), size_t(n)));
  } catch (const std::exception& e) {
    [[maybe_unused]] ssize_t w = ::write(fd, &none, 8);
    record(fd, '1', e.what());
    ::close(fd);
    return true;
  }
  const pid_t p = ::fork();
  if (p == 0) {
    ::close(sock);
    std::signal(SIGCHLD, SIG_DFL);
    std::signal(SIGPIPE, SIG_DFL);
    child_main(fd, r);
  }
  if (p < 0) {
    [[maybe_unused]] ssize_t w = ::write(fd, &none, 8);
    record(fd, '1', std::string("fork: ") + std::strerror(errno));
    ::close(fd);
    return true;
  }
  running[p] = fd;
  return true;
}

}  // namespace

// libsystemc refers to sc_main (its own main() calls it); the zygote never calls it.
extern "C" int sc_main(int, char**) { return 0; }

int main() {
  const int sock = 3;
  if (::pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) != 0) return 1;
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, SIG_IGN);   // Ctrl-C in the interpreter's terminal: the module decides
  struct sigaction sa{};
  sa.sa_handler = on_child;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, nullptr);
  std::map<pid_t, int> running;
  while (true) {
    pollfd p[2] = {{sock, POLLIN, 0}, {g_wake[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) return 1;
    if (p[1].revents) {
      char b[64];
      while (::read(g_wake[0], b, sizeof b) > 0) {
      }
    }
    reap(running);
    if (p[0].revents & (POLLIN | POLLHUP)) {
      if (!serve_one(sock, running)) break;
    }
  }
  return 0;
}
