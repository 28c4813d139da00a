// The dataset messages of a version 1 object header that libhdf5 1.10.8 decodes when it opens a
// dataset, checked in the file's bytes by the group walk (h5_checks.h, h5_group_check.md).
// Layouts: HDF5 File Format Specification 3.0, section IV.A.2 (cited per message). libhdf5 1.10.8
// decodes them without checking the message's size (names copied with strdup, values with
// memcpy of a size read from the message): each must fit its message. Numbers are little-endian.
#include <cstring>

#include "traces/nir/h5_checks.h"

namespace spiketlm::h5 {

namespace {

std::uint64_t le(const unsigned char* p, unsigned n) {
  std::uint64_t v = 0;
  for (unsigned i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

std::string num(std::uint64_t v) { return std::to_string(v); }

// IV.A.2.b: version 1 (version, rank, flags, 5 reserved bytes) or 2 (version, rank, flags,
// type), then rank dimensions and, when flag bit 0 is set, rank maxima (L bytes each).
std::string dataspace(const unsigned char* d, std::uint64_t n, unsigned l) {
  if (n < 4 || d[0] < 1 || d[0] > 2)
    return "a dataspace message of version " + num(n < 4 ? 0 : d[0]) + " (expected 1 or 2)";
  const std::uint64_t rank = d[1], need = (d[0] == 1 ? 8 : 4) + rank * l * ((d[2] & 1) ? 2 : 1);
  if (rank > 32 || need > n)
    return "a dataspace message of rank " + num(rank) + " in " + num(n) + " bytes (expected at most 32 dimensions, " +
           num(need) + " bytes)";
  return "";
}

// IV.A.2.d: class (low 4 bits) and version (high 4 bits, 1 to 3), 3 bytes of class bits, the
// size (4), then the class's properties: fixed-point 4 bytes, floating-point 12, string none,
// variable-length its base type. The reader reads numbers and strings only: other classes
// (compound, enum, array, opaque, reference, time, bitfield: names and nested types libhdf5
// copies from the message; fuzzing found an enum's names read past the header) are refused, and
// so is a variable-length type of anything but a number (h5py's strings are of bytes).
std::string datatype(const unsigned char* d, std::uint64_t n, bool base = false) {
  if (n < 8) return "a datatype message of " + num(n) + " bytes";
  const unsigned cls = d[0] & 0x0f, version = d[0] >> 4;
  if (version < 1 || version > 3) return "a datatype of version " + num(version) + " (expected 1 to 3)";
  const std::uint64_t props = cls == 0 ? 4 : cls == 1 ? 12 : 0;
  if (cls > 1 && (base || (cls != 3 && cls != 9)))
    return "a datatype of class " + num(cls) + " (expected integers, floats, strings or variable-length strings)";
  if (cls == 9) return datatype(d + 8, n - 8, true);
  if (8 + props > n)
    return "a datatype of class " + num(cls) + " in " + num(n) + " bytes (expected " + num(8 + props) + ")";
  return "";
}

// IV.A.2.f: version 1 or 2 (allocation time, write time, defined; then the size (4) and the
// value when defined) or 3 (flags; the size and value when flag bit 5 is set).
std::string fill_value(const unsigned char* d, std::uint64_t n) {
  if (n < 2 || d[0] < 1 || d[0] > 3)
    return "a fill value message of version " + num(n < 2 ? 0 : d[0]) + " (expected 1 to 3)";
  const std::uint64_t at = d[0] < 3 ? 4 : 2;
  const bool value = d[0] < 3 ? n >= 4 && d[3] != 0 : (d[1] & 0x20) != 0;
  if (d[0] < 3 && n < 4) return "a fill value message of " + num(n) + " bytes";
  if (!value) return "";
  if (n < at + 4 || le(d + at, 4) > n - at - 4)
    return "a fill value of " + num(n < at + 4 ? 0 : le(d + at, 4)) + " bytes in a " + num(n) + "-byte message";
  return "";
}

// A chunked layout's `ndims` sizes (4 bytes each; the last is the element's size): the dataset's
// rank plus one, none 0 (libhdf5 1.10.8 divides by them in H5D__chunk_set_info: fuzzing found
// the division by zero), a chunk of at most 2^32 - 1 bytes (libhdf5's own limit).
std::string chunk_dims(const unsigned char* d, unsigned ndims) {
  if (ndims < 2) return "a chunked layout of " + num(ndims) + " dimensions (expected the rank plus 1, at least 2)";
  std::uint64_t bytes = 1;
  for (unsigned i = 0; i < ndims; ++i) {
    const std::uint64_t dim = le(d + 4 * i, 4);
    if (dim == 0) return "a chunked layout whose dimension " + num(i) + " is 0";
    bytes *= dim;
    if (bytes > 0xffffffffu) return "a chunked layout whose chunks are larger than 2^32 - 1 bytes";
  }
  return "";
}

// IV.A.2.i: version 1 or 2 (dimensionality, class, 5 reserved bytes, an address unless compact,
// the dimensions (4 each), the element size when chunked, the compact data's size (4) and data)
// or 3 (class, then compact: size (2) and data; contiguous: address and size; chunked:
// dimensionality, address, dimensions (4 each)). libhdf5 1.10 writes version 3.
std::string layout(const unsigned char* d, std::uint64_t n, unsigned o, unsigned l) {
  if (n < 2 || d[0] < 1 || d[0] > 3)
    return "a layout message of version " + num(n < 2 ? 0 : d[0]) + " (expected 1 to 3)";
  const std::string small = "a layout message of " + num(n) + " bytes";
  if (d[0] < 3) {
    if (n < 8 || d[1] > 33 || d[2] > 2) return small;
    const std::uint64_t at = 8 + (d[2] != 0 ? o : 0) + 4 * std::uint64_t(d[1]) + (d[2] == 2 ? 4 : 0);
    if (at > n || (d[2] == 0 && (n - at < 4 || le(d + at, 4) > n - at - 4))) return small;
    return d[2] == 2 ? chunk_dims(d + 8 + o, d[1]) : "";
  }
  const unsigned cls = d[1];
  if (cls > 2) return "a layout of class " + num(cls) + " (expected compact, contiguous or chunked)";
  if (cls == 0 && (n < 4 || le(d + 2, 2) > n - 4)) return small;
  if (cls == 1 && n < 2 + o + l) return small;
  if (cls == 2 && (n < 3 || d[2] > 33 || n < 3 + o + 4 * std::uint64_t(d[2]))) return small;
  return cls == 2 ? chunk_dims(d + 3 + o, d[2]) : "";
}

// IV.A.2.l: version 1 (filter count, 6 reserved bytes; per filter: id, name length, flags, value
// count (2 each), the name padded to 8, the values (4 each) padded to 8) or 2 (filter count;
// per filter: id, the name length only for ids from 256, flags, value count, the name, the
// values). Every name ends with a NUL inside its length (libhdf5 copies it with strdup).
std::string pipeline(const unsigned char* d, std::uint64_t n) {
  if (n < 2 || d[0] < 1 || d[0] > 2)
    return "a filter pipeline message of version " + num(n < 2 ? 0 : d[0]) + " (expected 1 or 2)";
  const unsigned version = d[0], count = d[1];
  if (count > 32) return "a filter pipeline of " + num(count) + " filters (expected at most 32)";
  std::uint64_t p = version == 1 ? 8 : 2;
  for (unsigned i = 0; i < count; ++i) {
    const std::string bad =
        "a filter pipeline whose filter " + num(i) + " does not fit its " + num(n) + "-byte message";
    if (n < p + 2) return bad;
    const bool named = version == 1 || le(d + p, 2) >= 256;
    const std::uint64_t fixed = named ? 8 : 6;
    if (n - p < fixed) return bad;
    const std::uint64_t name = named ? le(d + p + 2, 2) : 0, values = le(d + p + fixed - 2, 2);
    p += fixed;
    if (name > n - p || (name > 0 && std::memchr(d + p, 0, name) == nullptr))
      return "a filter pipeline whose filter " + num(i) + " has a name without its NUL inside the message";
    p += name;
    const std::uint64_t bytes = 4 * values + (version == 1 && values % 2 == 1 ? 4 : 0);
    if (bytes > n - p) return bad;
    p += bytes;
  }
  return "";
}

}  // namespace

std::string check_message(unsigned type, unsigned flags, const unsigned char* d, std::uint64_t n, unsigned o,
                          unsigned l) {
  if ((type == 0x01 || type == 0x03 || type == 0x04 || type == 0x05 || type == 0x0b) && (flags & 0x02) != 0)
    return "a shared (committed) message of type " + num(type) + " (h5py writes none in a NIR file)";
  switch (type) {
    case 0x01:
      return dataspace(d, n, l);
    case 0x03:
      return datatype(d, n);
    case 0x04:  // IV.A.2.e, the old fill value: its size (4), the value
      return n >= 4 && le(d, 4) <= n - 4 ? "" : "an old fill value message of " + num(n) + " bytes";
    case 0x05:
      return fill_value(d, n);
    case 0x07:
      return "an external data files message (storage in other files, which the reader refuses)";
    case 0x08:
      return layout(d, n, o, l);
    case 0x0b:
      return pipeline(d, n);
    default:
      return "";
  }
}

}  // namespace spiketlm::h5
