// tlm/fdio: whole reads and writes over pipes (short transfers, end of file, EINTR).
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <unistd.h>

#include "tlm/fdio.h"

namespace spiketlm {
namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() { EXPECT_EQ(::pipe(fd), 0); }
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  void close_write() {
    ::close(fd[1]);
    fd[1] = -1;
  }
};

void on_usr1(int) {}

// Installs a SIGUSR1 handler without SA_RESTART, so a blocked read returns EINTR.
struct Interruptible {
  struct sigaction old {};
  Interruptible() {
    struct sigaction sa {};
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    ::sigaction(SIGUSR1, &sa, &old);
  }
  ~Interruptible() { ::sigaction(SIGUSR1, &old, nullptr); }
};

TEST(FdIo, WriteFullCrossesAFullPipeAndReadFullGetsEveryByte) {
  Pipe p;
  // 1 MiB is 16 times a Linux pipe's default capacity: write() returns short counts.
  std::vector<char> out(1 << 20);
  for (size_t i = 0; i < out.size(); ++i) out[i] = char((i * 131) >> 3);
  std::thread writer([&] {
    EXPECT_TRUE(write_full(p.fd[1], out.data(), out.size()));
    p.close_write();
  });
  std::vector<char> in(out.size());
  EXPECT_EQ(read_full(p.fd[0], in.data(), in.size()), FdRead::ok);
  writer.join();
  EXPECT_EQ(in, out);
  char extra;
  EXPECT_EQ(read_full(p.fd[0], &extra, 1), FdRead::eof);
}

TEST(FdIo, EndOfFileBeforeNBytesIsEof) {
  Pipe p;
  ASSERT_TRUE(write_full(p.fd[1], "abc", 3));
  p.close_write();
  char buf[8];
  EXPECT_EQ(read_full(p.fd[0], buf, 8), FdRead::eof);
}

TEST(FdIo, ErrorsKeepErrno) {
  char buf[4];
  errno = 0;
  EXPECT_EQ(read_full(-1, buf, 4), FdRead::error);
  EXPECT_EQ(errno, EBADF);
  errno = 0;
  EXPECT_FALSE(write_full(-1, "x", 1));
  EXPECT_EQ(errno, EBADF);
  Pipe p;  // a pipe without a reader: EPIPE (SIGPIPE ignored for the test)
  auto* old = std::signal(SIGPIPE, SIG_IGN);
  ::close(p.fd[0]);
  p.fd[0] = -1;
  EXPECT_FALSE(write_full(p.fd[1], "x", 1));
  EXPECT_EQ(errno, EPIPE);
  std::signal(SIGPIPE, old);
}

// A read blocked on an empty pipe is interrupted by signals: without `stop` it keeps reading
// until the data arrives; with a `stop` that says yes it gives up.
TEST(FdIo, EintrIsRetriedUnlessStopSaysStop) {
  Interruptible guard;
  for (bool stop : {false, true}) {
    Pipe p;
    int asked = 0;
    const pthread_t reader = ::pthread_self();
    std::thread poker([&] {
      for (int i = 0; i < 3; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ::pthread_kill(reader, SIGUSR1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (!stop) write_full(p.fd[1], "wxyz", 4);
    });
    char buf[4] = {};
    const FdRead r = read_full(p.fd[0], buf, 4, [&] {
      ++asked;
      return stop;
    });
    poker.join();
    if (stop) {
      EXPECT_EQ(r, FdRead::stopped);
      EXPECT_EQ(asked, 1);
    } else {
      EXPECT_EQ(r, FdRead::ok);
      EXPECT_EQ(std::string(buf, 4), "wxyz");
      EXPECT_GE(asked, 1);  // a signal that lands before the read starts interrupts nothing
      EXPECT_LE(asked, 3);
    }
  }
}

}  // namespace
}  // namespace spiketlm
