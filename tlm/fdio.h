// spiketlm: whole-buffer reads and writes on a file descriptor, retried on EINTR and on short
// transfers. The one such loop for the readers (tlm/input), the output facility (tlm/output)
// and the Python module's child processes (sw/python/child). See tlm/fdio.md.
#pragma once
#include <cstddef>
#include <functional>

namespace spiketlm {

enum class FdRead { ok, eof, error, stopped };

// Read exactly n bytes. eof: the file ended first; error: read failed (errno kept);
// stopped: a read was interrupted by a signal and `stop` (if given) returned true.
FdRead read_full(int fd, void* dst, std::size_t n, const std::function<bool()>& stop = nullptr);

// Write all n bytes; false on an error (errno kept) or a write of 0 bytes.
bool write_full(int fd, const void* src, std::size_t n);

}  // namespace spiketlm
