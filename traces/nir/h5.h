// spiketlm: the few HDF5 operations the NIR reader and writer need, over Debian's libhdf5 C
// API (no Python). Handles are closed by RAII; every failure is a one-line error naming the
// file and the object path; the HDF5 library's own error stack printing is switched off.
// The libhdf5 side lives in its own library, libspiketlm_h5.so, loaded on the first reader or
// writer (h5_backend.md): a run that reads no NIR file does not map libhdf5 and what it pulls in.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace spiketlm::h5 {

class reader_impl;
class writer_impl;

// A dataset's contents: numbers (integers and floats, converted to double) or strings.
struct value {
  enum class kind { number, string } type = kind::number;
  bool integer = false;               // stored with an integer type
  bool float64 = false;               // stored as a 64-bit float (else a float is written as float32)
  bool uint8 = false;                 // stored as unsigned 8-bit integers (raw bytes)
  std::vector<std::size_t> shape;     // empty: a scalar
  std::vector<double> numbers;
  std::vector<std::string> strings;
  std::size_t size() const { return type == kind::number ? numbers.size() : strings.size(); }
};

// A read-only HDF5 file.
class reader {
 public:
  explicit reader(const std::string& path);  // fails unless an HDF5 file that opens
  ~reader();
  reader(const reader&) = delete;
  reader& operator=(const reader&) = delete;
  // Whether `path` (e.g. "node/nodes/conv1") names a group / a dataset.
  bool is_group(const std::string& path) const;
  bool is_dataset(const std::string& path) const;
  // Names of a group's members, in the file's order (sorted by name, as HDF5 indexes them).
  std::vector<std::string> members(const std::string& group) const;
  value read(const std::string& dataset) const;
  const std::string& file() const { return m_file; }

 private:
  std::string m_file;
  std::unique_ptr<reader_impl> m_impl;  // libhdf5's side (h5_backend.h)
};

// A new HDF5 file (truncates). Strings are written as variable-length UTF-8 (as h5py's
// string_dtype), numbers as float32, float64 or int64.
class writer {
 public:
  explicit writer(const std::string& path);
  ~writer();
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;
  void group(const std::string& path);
  void string(const std::string& path, const std::string& s);
  // An [n, 2] array of strings (NIR's edge list).
  void string_pairs(const std::string& path, const std::vector<std::pair<std::string, std::string>>& v);
  void float32(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<float>& v);
  void float64(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<double>& v);
  void int64(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<std::int64_t>& v);
  void uint8(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<std::uint8_t>& v);
  void close();  // flush and close (also done by the destructor, whose errors are not reported)

 private:
  std::unique_ptr<writer_impl> m_impl;  // libhdf5's side (h5_backend.h)
};

// Loads libspiketlm_h5.so (from the folder libspiketlm_traces.so was loaded from) unless it is
// loaded already; a one-line error when it cannot be. The reader and writer call it; the NIR
// reader calls it before its reading child is forked (graph_guard.md).
void load_backend();

}  // namespace spiketlm::h5
