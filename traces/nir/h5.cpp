// libspiketlm_h5.so: h5.h over libhdf5 (h5_backend.md).
#include "traces/nir/h5_backend.h"
#include "traces/nir/h5_checks.h"

#include "tlm/error.h"

#include <hdf5.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <memory>
#include <new>

namespace spiketlm::h5 {

namespace {

// No HDF5 error stack on stderr: every failure here becomes one line of our own.
void quiet() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

// A handle closed by `close` when it goes out of scope.
struct handle {
  hid_t id;
  herr_t (*close)(hid_t);
  handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  ~handle() {
    if (id >= 0) close(id);
  }
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  bool ok() const { return id >= 0; }
};

[[noreturn]] void bad(const std::string& file, const std::string& path, const std::string& what) {
  fail("nir", file + ": " + path + ": " + what);
}

constexpr std::size_t k_max_elements = std::size_t(1) << 31;

std::vector<std::size_t> extent(hid_t space, const std::string& file, const std::string& path) {
  const int nd = H5Sget_simple_extent_ndims(space);
  if (nd < 0 || nd > 8) bad(file, path, "expected a simple dataspace of at most 8 dimensions, got an unreadable one");
  hsize_t dims[8] = {};
  if (nd > 0 && H5Sget_simple_extent_dims(space, dims, nullptr) < 0) bad(file, path, "expected readable dimensions, got none");
  std::vector<std::size_t> shape(dims, dims + nd);
  std::size_t n = 1;
  for (const std::size_t d : shape) {
    if (d != 0 && n > k_max_elements / d) bad(file, path, "expected at most 2^31 elements, got more");
    n *= d;
  }
  return shape;
}

std::size_t count(const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (const std::size_t d : shape) n *= d;
  return n;
}

// Before anything of a dataset's size is allocated: its data must come from the file. The bytes
// stored for it (H5Dget_storage_size) are at most the file's, and its elements x their size in
// the file at most 1032 x the stored bytes (deflate, the filter NIR writers use, expands at most
// 1032:1: zlib's technical notes, zlib.net/zlib_tech.html) plus 1 KB for compact data kept in
// the object header. A corrupted or hostile header that claims
// gigabytes in a small file (found by fuzzing: 4.7 GB in a 60 KB file) is a one-line error.
void check_stored(hid_t ds, hid_t type, std::size_t elements, std::uintmax_t file_bytes, const std::string& file,
                  const std::string& path) {
  if (elements == 0) return;
  const long double stored = static_cast<long double>(H5Dget_storage_size(ds));
  const long double need = static_cast<long double>(elements) * static_cast<long double>(H5Tget_size(type));
  if (stored > static_cast<long double>(file_bytes) || need > 1032.0L * stored + 1024.0L)
    bad(file, path, "expected a dataset whose " + std::to_string(elements) + " elements are stored in the file, got " +
                        std::to_string(static_cast<unsigned long long>(stored)) + " stored bytes in a file of " +
                        std::to_string(file_bytes) + " (a damaged header or data that was never written)");
}

// Numbers must be stored in one of HDF5's standard types (what numpy, h5py and the NIR writers
// use): a corrupted integer type (a precision or bit offset past its size) made libhdf5 1.10.8's
// integer-to-float conversion read outside its buffer (fuzzing, tests/fuzz/README.md).
void check_number_type(hid_t type, const std::string& file, const std::string& path) {
  static const hid_t standard[] = {H5T_STD_I8LE,  H5T_STD_I16LE, H5T_STD_I32LE, H5T_STD_I64LE,  H5T_STD_U8LE,
                                   H5T_STD_U16LE, H5T_STD_U32LE, H5T_STD_U64LE, H5T_IEEE_F32LE, H5T_IEEE_F64LE,
                                   H5T_STD_I8BE,  H5T_STD_I16BE, H5T_STD_I32BE, H5T_STD_I64BE,  H5T_STD_U8BE,
                                   H5T_STD_U16BE, H5T_STD_U32BE, H5T_STD_U64BE, H5T_IEEE_F32BE, H5T_IEEE_F64BE};
  for (const hid_t t : standard)
    if (H5Tequal(type, t) > 0) return;
  bad(file, path, "expected numbers of a standard HDF5 type (8- to 64-bit integers, 32- or 64-bit IEEE floats), got a "
                  "non-standard " + std::to_string(H5Tget_size(type)) + "-byte type");
}

// Contiguous or chunked storage in this file (what h5py and the NIR writers write); chunks no
// larger than a fixed-size dimension (a corrupted chunk 3,585 times wider than its dataset made
// libhdf5 1.10.8 copy from freed memory: fuzzing, tests/fuzz/README.md). Compact storage is
// refused (h5py writes none; it is read from the object header, which fuzzing corrupts most
// easily) and so is external storage (it would read other files named by this one).
storage check_storage(hid_t ds, const std::string& file, const std::string& path) {
  const storage st = storage_of(ds);
  if (st.layout == H5D_CHUNKED && st.chunk_past_extent)
    bad(file, path, "expected chunks no larger than a fixed-size dimension (libhdf5 creates no other), got a larger one");
  if ((st.layout == H5D_CONTIGUOUS || st.layout == H5D_CHUNKED) && st.external == 0) return st;
  const char* what = st.external != 0               ? "storage in external files"
                     : st.layout == H5D_COMPACT       ? "compact storage"
                     : st.layout == H5D_VIRTUAL       ? "a virtual dataset"
                                                      : "unreadable storage properties";
  bad(file, path, std::string("expected data stored contiguously or in chunks in this file (as h5py writes), got ") + what);
}

void read_strings(hid_t ds, hid_t type, value& v, const std::string& file, const std::string& path) {
  const std::size_t n = count(v.shape);
  v.type = value::kind::string;
  const handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  if (H5Tis_variable_str(type) > 0) {
    H5Tset_size(mem.id, H5T_VARIABLE);
    H5Tset_cset(mem.id, H5Tget_cset(type));
    std::vector<char*> buf(n, nullptr);
    if (n && H5Dread(ds, mem.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
      bad(file, path, "expected readable strings, got a read error (truncated or damaged file)");
    for (char* s : buf) v.strings.emplace_back(s ? s : "");
    if (n) {
      const handle space(H5Dget_space(ds), H5Sclose);
      H5Dvlen_reclaim(mem.id, space.id, H5P_DEFAULT, buf.data());
    }
    return;
  }
  const std::size_t size = H5Tget_size(type);
  if (size == 0 || size > (std::size_t(1) << 20)) bad(file, path, "expected a string type of a sane size, got " + std::to_string(size));
  H5Tset_size(mem.id, size);
  std::vector<char> buf(n * size + 1, '\0');
  if (n && H5Dread(ds, mem.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
    bad(file, path, "expected readable strings, got a read error (truncated or damaged file)");
  for (std::size_t i = 0; i < n; ++i) {
    const char* p = buf.data() + i * size;
    v.strings.emplace_back(p, strnlen(p, size));
  }
}

// The reader and writer over libhdf5 (the checks before each read: h5_checks.h).
class hdf5_reader final : public reader_impl {
 public:
  explicit hdf5_reader(const std::string& path);
  ~hdf5_reader() override;
  bool is_group(const std::string& path) const override;
  bool is_dataset(const std::string& path) const override;
  std::vector<std::string> members(const std::string& group) const override;
  value read(const std::string& dataset) const override;

 private:
  std::string m_file;
  hid_t m_id = -1;
  std::uintmax_t m_bytes = 0;       // the file's size: no dataset holds more than it stores
  std::unique_ptr<raw_file> m_raw;  // the same file read directly, for the checks (h5_checks.h)
};

class hdf5_writer final : public writer_impl {
 public:
  explicit hdf5_writer(const std::string& path);
  ~hdf5_writer() override;
  void group(const std::string& path) override;
  void string(const std::string& path, const std::string& s) override;
  void string_pairs(const std::string& path, const std::vector<std::pair<std::string, std::string>>& v) override;
  void float32(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<float>& v) override;
  void float64(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<double>& v) override;
  void int64(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<std::int64_t>& v) override;
  void uint8(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<std::uint8_t>& v) override;
  void close() override;

 private:
  void numbers(const std::string& path, const std::vector<std::size_t>& shape, const void* data, hid_t type);
  std::string m_file;
  hid_t m_id = -1;
};

}  // namespace

hdf5_reader::hdf5_reader(const std::string& path) : m_file(path) {
  quiet();
  if (!std::ifstream(path)) fail("nir", path + ": file: expected a readable NIR file, got none (missing or unreadable)");
  if (H5Fis_hdf5(path.c_str()) <= 0) fail("nir", path + ": file: expected an HDF5 file (a NIR graph), got another format");
  std::error_code ec;
  m_bytes = std::filesystem::file_size(path, ec);
  if (ec) fail("nir", path + ": file: expected a regular file of known size, got " + ec.message());
  m_raw = std::make_unique<raw_file>(path, m_bytes);
  check_groups(*m_raw, path);  // before libhdf5 walks the groups: H5Fopen reads the root group (h5_group_check.md)
  m_id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (m_id < 0) fail("nir", path + ": file: expected an HDF5 file that opens, got a truncated or damaged one");
}

hdf5_reader::~hdf5_reader() {
  if (m_id >= 0) H5Fclose(m_id);
}

bool hdf5_reader::is_group(const std::string& path) const {
  const handle g(H5Gopen2(m_id, path.c_str(), H5P_DEFAULT), H5Gclose);
  return g.ok();
}

bool hdf5_reader::is_dataset(const std::string& path) const {
  const handle d(H5Dopen2(m_id, path.c_str(), H5P_DEFAULT), H5Dclose);
  return d.ok();
}

std::vector<std::string> hdf5_reader::members(const std::string& group) const {
  const handle g(H5Gopen2(m_id, group.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.ok()) bad(m_file, group, "expected a group, got none");
  H5G_info_t info;
  if (H5Gget_info(g.id, &info) < 0) bad(m_file, group, "expected a readable group, got a damaged one");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) bad(m_file, group, "expected readable member names, got a damaged group");
    std::string s(static_cast<std::size_t>(len) + 1, '\0');
    H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, s.data(), s.size(), H5P_DEFAULT);
    s.resize(static_cast<std::size_t>(len));
    names.push_back(s);
  }
  return names;
}

value hdf5_reader::read(const std::string& path) const {
  const handle ds(H5Dopen2(m_id, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) bad(m_file, path, "expected a dataset, got none");
  const handle space(H5Dget_space(ds.id), H5Sclose);
  const handle type(H5Dget_type(ds.id), H5Tclose);
  if (!space.ok() || !type.ok()) bad(m_file, path, "expected a readable dataset, got a damaged one");
  value v;
  v.shape = extent(space.id, m_file, path);
  if (check_storage(ds.id, m_file, path).layout == H5D_CHUNKED) check_chunks(m_id, ds.id, *m_raw, m_file, path);
  check_stored(ds.id, type.id, count(v.shape), m_bytes, m_file, path);
  const H5T_class_t cls = H5Tget_class(type.id);
  try {
    if (cls == H5T_STRING) {
      if (H5Tis_variable_str(type.id) > 0) check_vlen_strings(m_id, ds.id, count(v.shape), *m_raw, m_file, path);
      read_strings(ds.id, type.id, v, m_file, path);
    } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
      check_number_type(type.id, m_file, path);
      v.integer = cls == H5T_INTEGER;
      v.float64 = cls == H5T_FLOAT && H5Tget_size(type.id) == 8;
      v.uint8 = cls == H5T_INTEGER && H5Tget_size(type.id) == 1 && H5Tget_sign(type.id) == H5T_SGN_NONE;
      v.numbers.resize(count(v.shape));
      if (!v.numbers.empty() && H5Dread(ds.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.numbers.data()) < 0)
        bad(m_file, path, "expected readable numbers, got a read error (truncated or damaged file)");
    } else {
      bad(m_file, path, "expected numbers or strings, got another HDF5 type (class " + std::to_string(int(cls)) + ")");
    }
  } catch (const std::bad_alloc&) {
    bad(m_file, path, "expected a dataset that fits in memory, got one too large");
  }
  return v;
}

hdf5_writer::hdf5_writer(const std::string& path) : m_file(path) {
  quiet();
  m_id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (m_id < 0) fail("nir", path + ": file: expected a writable path, got an error on create");
}

hdf5_writer::~hdf5_writer() {
  if (m_id >= 0) H5Fclose(m_id);
}

void hdf5_writer::close() {
  if (m_id >= 0 && H5Fclose(m_id) < 0) {
    m_id = -1;
    fail("nir", m_file + ": file: expected a complete write, got an I/O error on close");
  }
  m_id = -1;
}

void hdf5_writer::group(const std::string& path) {
  const handle g(H5Gcreate2(m_id, path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (!g.ok()) bad(m_file, path, "expected a new group, got an error on create");
}

namespace {
hid_t utf8_string_type() {
  const hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}
}  // namespace

void hdf5_writer::string(const std::string& path, const std::string& s) {
  const handle t(utf8_string_type(), H5Tclose);
  const handle space(H5Screate(H5S_SCALAR), H5Sclose);
  const handle d(H5Dcreate2(m_id, path.c_str(), t.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  const char* p = s.c_str();
  if (!d.ok() || H5Dwrite(d.id, t.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) < 0)
    bad(m_file, path, "expected a written string, got a write error");
}

void hdf5_writer::string_pairs(const std::string& path, const std::vector<std::pair<std::string, std::string>>& v) {
  const handle t(utf8_string_type(), H5Tclose);
  const hsize_t dims[2] = {v.size(), 2};
  const handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
  const handle d(H5Dcreate2(m_id, path.c_str(), t.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  std::vector<const char*> p;
  for (const auto& e : v) {
    p.push_back(e.first.c_str());
    p.push_back(e.second.c_str());
  }
  if (!d.ok() || (!p.empty() && H5Dwrite(d.id, t.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) < 0))
    bad(m_file, path, "expected written strings, got a write error");
}

void hdf5_writer::numbers(const std::string& path, const std::vector<std::size_t>& shape, const void* data, hid_t type) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  const handle space(dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(int(dims.size()), dims.data(), nullptr),
                     H5Sclose);
  const hid_t file_type = type == H5T_NATIVE_FLOAT    ? H5T_IEEE_F32LE
                          : type == H5T_NATIVE_DOUBLE ? H5T_IEEE_F64LE
                          : type == H5T_NATIVE_UINT8  ? H5T_STD_U8LE
                                                      : H5T_STD_I64LE;
  const handle d(H5Dcreate2(m_id, path.c_str(), file_type, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!d.ok() || (count(shape) > 0 && H5Dwrite(d.id, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
    bad(m_file, path, "expected a written dataset, got a write error");
}

void hdf5_writer::float32(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<float>& v) {
  if (v.size() != count(shape)) bad(m_file, path, "expected data of the shape's size, got " + std::to_string(v.size()));
  numbers(path, shape, v.data(), H5T_NATIVE_FLOAT);
}

void hdf5_writer::float64(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<double>& v) {
  if (v.size() != count(shape)) bad(m_file, path, "expected data of the shape's size, got " + std::to_string(v.size()));
  numbers(path, shape, v.data(), H5T_NATIVE_DOUBLE);
}

void hdf5_writer::int64(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<std::int64_t>& v) {
  if (v.size() != count(shape)) bad(m_file, path, "expected data of the shape's size, got " + std::to_string(v.size()));
  numbers(path, shape, v.data(), H5T_NATIVE_INT64);
}

void hdf5_writer::uint8(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<std::uint8_t>& v) {
  if (v.size() != count(shape)) bad(m_file, path, "expected data of the shape's size, got " + std::to_string(v.size()));
  numbers(path, shape, v.data(), H5T_NATIVE_UINT8);
}

namespace {
std::unique_ptr<reader_impl> open_file(const std::string& path) { return std::make_unique<hdf5_reader>(path); }
std::unique_ptr<writer_impl> create_file(const std::string& path) { return std::make_unique<hdf5_writer>(path); }
const backend k_hdf5{open_file, create_file};
}  // namespace

}  // namespace spiketlm::h5

const spiketlm::h5::backend* spiketlm_h5_backend() { return &spiketlm::h5::k_hdf5; }
