// limit_read_memory (graph.h): the NIR reader's address-space cap (graph_guard.md, "Memory").
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

#include "traces/nir/graph.h"

namespace spiketlm::nir {

namespace {
// This process's virtual size now (/proc/self/statm: the first field, in pages); 0 if unknown.
std::uint64_t virtual_bytes() {
  std::ifstream in("/proc/self/statm");
  std::uint64_t pages = 0;
  if (!(in >> pages)) return 0;
  return pages * std::uint64_t(sysconf(_SC_PAGESIZE));
}
}  // namespace

std::uint64_t limit_read_memory(std::uintmax_t file_bytes) {
  const std::uint64_t vm = virtual_bytes();
  if (vm == 0) return RLIM_INFINITY;  // no /proc: no cap rather than one below what is mapped
  const std::uint64_t cap = vm + k_read_memory_base + k_read_memory_per_byte * std::uint64_t(file_bytes);
  rlimit now{};
  if (getrlimit(RLIMIT_AS, &now) == 0 && now.rlim_cur != RLIM_INFINITY && now.rlim_cur <= cap) return now.rlim_cur;
  const rlimit want{cap, now.rlim_max == RLIM_INFINITY || now.rlim_max > cap ? cap : now.rlim_max};
  setrlimit(RLIMIT_AS, &want);
  return want.rlim_cur;
}

}  // namespace spiketlm::nir
