#include "tlm/input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tlm/error.h"
#include "tlm/fdio.h"

namespace spiketlm {

const char* file_kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

InputFile::InputFile(const std::string& path, const InputSpec& spec) : m_path(path) {
  const std::string where = path + ": " + spec.field + ": expected " + spec.expected;
  // O_NONBLOCK: opening a FIFO for reading does not wait for a writer.
  m_fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (m_fd < 0) fail(spec.unit, where + ", got none (" + std::strerror(errno) + ")");
  struct stat st;
  if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const std::string got = ::fstat(m_fd, &st) != 0 ? std::string(std::strerror(errno)) : file_kind_of(st.st_mode);
    ::close(m_fd);
    m_fd = -1;
    fail(spec.unit, where + " (a regular file), got " + got);
  }
  m_size = uint64_t(st.st_size);
  if (m_size > spec.max_bytes) {
    ::close(m_fd);
    m_fd = -1;
    fail(spec.unit, where + " of at most " + std::to_string(spec.max_bytes) + " bytes, got " + std::to_string(m_size) + " bytes");
  }
  ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) & ~O_NONBLOCK);
}

InputFile::~InputFile() {
  if (m_fd >= 0) ::close(m_fd);
}

bool InputFile::read(void* dst, size_t n) { return read_full(m_fd, dst, n) == FdRead::ok; }

std::string read_input_file(const std::string& path, const InputSpec& spec) {
  InputFile f(path, spec);
  std::string s(size_t(f.size()), '\0');
  if (!f.read(s.data(), s.size()))
    fail(spec.unit, path + ": " + spec.field + ": expected " + spec.expected + " of " + std::to_string(f.size()) +
                        " bytes, got fewer (the file changed while read)");
  return s;
}

}  // namespace spiketlm
