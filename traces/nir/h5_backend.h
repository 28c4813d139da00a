// spiketlm: the interface between h5.h and the library that holds libhdf5 (libspiketlm_h5.so,
// loaded with dlopen on first use; h5_backend.md). h5.cpp implements it; h5_front.cpp loads it.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "traces/nir/h5.h"

namespace spiketlm::h5 {

// An open HDF5 file being read (h5::reader forwards to it).
class reader_impl {
 public:
  virtual ~reader_impl() = default;
  virtual bool is_group(const std::string& path) const = 0;
  virtual bool is_dataset(const std::string& path) const = 0;
  virtual std::vector<std::string> members(const std::string& group) const = 0;
  virtual value read(const std::string& dataset) const = 0;
};

// A new HDF5 file being written (h5::writer forwards to it; its destructor closes the file).
class writer_impl {
 public:
  virtual ~writer_impl() = default;
  virtual void group(const std::string& path) = 0;
  virtual void string(const std::string& path, const std::string& s) = 0;
  virtual void string_pairs(const std::string& path, const std::vector<std::pair<std::string, std::string>>& v) = 0;
  virtual void float32(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<float>& v) = 0;
  virtual void float64(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<double>& v) = 0;
  virtual void int64(const std::string& path, const std::vector<std::size_t>& shape,
                     const std::vector<std::int64_t>& v) = 0;
  virtual void uint8(const std::string& path, const std::vector<std::size_t>& shape,
                     const std::vector<std::uint8_t>& v) = 0;
  virtual void close() = 0;
};

// What the library exports (one C symbol, k_backend_symbol): its two constructors.
struct backend {
  std::unique_ptr<reader_impl> (*open)(const std::string& path);
  std::unique_ptr<writer_impl> (*create)(const std::string& path);
};
constexpr const char* k_backend_library = "libspiketlm_h5.so";
constexpr const char* k_backend_symbol = "spiketlm_h5_backend";

}  // namespace spiketlm::h5

extern "C" const spiketlm::h5::backend* spiketlm_h5_backend();
