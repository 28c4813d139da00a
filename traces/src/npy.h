// spiketlm: numpy .npy files (format versions 1.0, 2.0, 3.0), reader and writer.
//
// Supported element types: int8, uint8, int16, int32, int64, float32, float64, bool, little-endian,
// C order. The reader checks the magic, the header dictionary, the dtype, the byte order,
// the order and that the data is exactly shape-product x item-size bytes long (a truncated
// file or trailing bytes are errors). Every fault raises spiketlm::fail("trace",
// "<path>: <field>: expected ..., got ...").
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace spiketlm {

enum class npy_dtype { i8, u8, i16, i32, f32, f64, i64, b1 };

// "int8", "uint8", ... as numpy names them.
const char* npy_dtype_name(npy_dtype t);
std::size_t npy_dtype_size(npy_dtype t);
template <class T> npy_dtype npy_dtype_of();

// An n-dimensional array: element type, shape and the raw little-endian bytes (C order).
struct npy_array {
  npy_dtype dtype = npy_dtype::u8;
  std::vector<std::size_t> shape;
  std::vector<std::uint8_t> bytes;

  std::size_t size() const;  // number of elements (1 for a 0-d array)
  // Elements converted to T; T must be the array's own type (checked; fails otherwise).
  template <class T> std::vector<T> values() const;
  template <class T> const T* data() const { return reinterpret_cast<const T*>(bytes.data()); }

  template <class T> static npy_array make(std::vector<std::size_t> shape, const std::vector<T>& v);
};

// "[16, 1, 3, 3]".
std::string shape_text(const std::vector<std::size_t>& shape);

npy_array npy_read(const std::string& path);
void npy_write(const std::string& path, const npy_array& a);
template <class T>
void npy_write(const std::string& path, std::vector<std::size_t> shape, const std::vector<T>& v) {
  npy_write(path, npy_array::make<T>(std::move(shape), v));
}

// ---- templates ----
template <> inline npy_dtype npy_dtype_of<std::int8_t>() { return npy_dtype::i8; }
template <> inline npy_dtype npy_dtype_of<std::uint8_t>() { return npy_dtype::u8; }
template <> inline npy_dtype npy_dtype_of<std::int16_t>() { return npy_dtype::i16; }
template <> inline npy_dtype npy_dtype_of<std::int32_t>() { return npy_dtype::i32; }
template <> inline npy_dtype npy_dtype_of<std::int64_t>() { return npy_dtype::i64; }
template <> inline npy_dtype npy_dtype_of<float>() { return npy_dtype::f32; }
template <> inline npy_dtype npy_dtype_of<double>() { return npy_dtype::f64; }

[[noreturn]] void npy_type_mismatch(npy_dtype have, npy_dtype want);
void npy_check_count(const std::vector<std::size_t>& shape, std::size_t n);

template <class T> std::vector<T> npy_array::values() const {
  if (npy_dtype_of<T>() != dtype) npy_type_mismatch(dtype, npy_dtype_of<T>());
  std::vector<T> v(size());
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
  return v;
}

template <class T>
npy_array npy_array::make(std::vector<std::size_t> shape, const std::vector<T>& v) {
  npy_check_count(shape, v.size());
  npy_array a;
  a.dtype = npy_dtype_of<T>();
  a.shape = std::move(shape);
  a.bytes.resize(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(a.bytes.data(), v.data(), a.bytes.size());
  return a;
}

}  // namespace spiketlm
