#include "tlm/fdio.h"

#include <cerrno>

#include <unistd.h>

namespace spiketlm {

FdRead read_full(int fd, void* dst, std::size_t n, const std::function<bool()>& stop) {
  auto* p = static_cast<char*>(dst);
  while (n > 0) {
    const ssize_t k = ::read(fd, p, n);
    if (k < 0 && errno == EINTR) {
      if (stop && stop()) return FdRead::stopped;
      continue;
    }
    if (k < 0) return FdRead::error;
    if (k == 0) return FdRead::eof;
    p += k;
    n -= std::size_t(k);
  }
  return FdRead::ok;
}

bool write_full(int fd, const void* src, std::size_t n) {
  auto* p = static_cast<const char*>(src);
  while (n > 0) {
    const ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= std::size_t(k);
  }
  return true;
}

}  // namespace spiketlm
