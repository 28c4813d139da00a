// h5.h's reader and writer: each forwards to libspiketlm_h5.so, loaded here on first use
// (h5_backend.md).
#include <dlfcn.h>

#include <string>

#include "tlm/error.h"
#include "traces/nir/h5_backend.h"

namespace spiketlm::h5 {

namespace {

// The folder this library was loaded from ("" when the loader cannot tell).
std::string own_folder() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&load_backend), &info) || !info.dli_fname) return "";
  const std::string self = info.dli_fname;
  const auto slash = self.rfind('/');
  return slash == std::string::npos ? "" : self.substr(0, slash + 1);
}

const backend* load() {
  const std::string lib = own_folder() + k_backend_library;
  void* h = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    fail("nir", lib + ": library: expected the HDF5 reader and writer beside libspiketlm_traces.so, got " +
                    (e ? e : "an error that dlopen does not name"));
  }
  auto* get = reinterpret_cast<const backend* (*)()>(dlsym(h, k_backend_symbol));
  if (!get) fail("nir", lib + ": library: expected the symbol " + std::string(k_backend_symbol) + ", got none");
  return get();
}

const backend& api() {
  static const backend* const b = load();  // thread-safe, once; a failure is retried on the next call
  return *b;
}

}  // namespace

void load_backend() { api(); }

reader::reader(const std::string& path) : m_file(path), m_impl(api().open(path)) {}
reader::~reader() = default;
bool reader::is_group(const std::string& path) const { return m_impl->is_group(path); }
bool reader::is_dataset(const std::string& path) const { return m_impl->is_dataset(path); }
std::vector<std::string> reader::members(const std::string& group) const { return m_impl->members(group); }
value reader::read(const std::string& dataset) const { return m_impl->read(dataset); }

writer::writer(const std::string& path) : m_impl(api().create(path)) {}
writer::~writer() = default;
void writer::group(const std::string& path) { m_impl->group(path); }
void writer::string(const std::string& path, const std::string& s) { m_impl->string(path, s); }
void writer::string_pairs(const std::string& path, const std::vector<std::pair<std::string, std::string>>& v) {
  m_impl->string_pairs(path, v);
}
void writer::float32(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<float>& v) {
  m_impl->float32(path, shape, v);
}
void writer::float64(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<double>& v) {
  m_impl->float64(path, shape, v);
}
void writer::int64(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<std::int64_t>& v) {
  m_impl->int64(path, shape, v);
}
void writer::uint8(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<std::uint8_t>& v) {
  m_impl->uint8(path, shape, v);
}
void writer::close() { m_impl->close(); }

}  // namespace spiketlm::h5
