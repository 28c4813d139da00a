// spiketlm: the one way to read a file the user named (platform YAML, technology tables,
// trace.yaml, .npy tensors). See tlm/output.md for the output side.
//
// Regular files only: a device (/dev/zero), a FIFO, a socket or a directory is a one-line
// error at once, never a hang; a FIFO is opened without blocking. The file's real length is
// checked against a stated maximum before anything is allocated. Errors:
//   "<path>: <field>: expected <expected>, got none (<reason>)"      cannot be opened
//   "<path>: <field>: expected <expected>, got a character device"   not a regular file
//   "<path>: <field>: expected <expected> of at most M bytes, got N bytes"
// raised with fail(unit, ...).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include <sys/types.h>

namespace spiketlm {

// Largest YAML text read (configurations, technology tables, trace.yaml).
inline constexpr uint64_t k_max_yaml_bytes = uint64_t(16) << 20;

struct InputSpec {
  std::string unit;       // fail()'s unit: "params", "tech", "trace"
  std::string field;      // "file"
  std::string expected;   // "a readable trace.yaml"
  uint64_t max_bytes = k_max_yaml_bytes;
};

class InputFile {
 public:
  InputFile(const std::string& path, const InputSpec& spec);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  uint64_t size() const { return m_size; }
  const std::string& path() const { return m_path; }
  // Exactly n bytes from the current position; false if the file ended first.
  bool read(void* dst, size_t n);

 private:
  std::string m_path;
  int m_fd = -1;
  uint64_t m_size = 0;
};

// What a file that is not a regular one is, for messages: "a directory", "a FIFO", ...
const char* file_kind_of(mode_t mode);

// The whole file as text (YAML readers).
std::string read_input_file(const std::string& path, const InputSpec& spec);

}  // namespace spiketlm
