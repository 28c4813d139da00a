#include "traces/src/npy.h"

#include "tlm/error.h"
#include "tlm/printable.h"
#include "tlm/input.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>

namespace spiketlm {

namespace {

struct dtype_info {
  npy_dtype type;
  const char* name;
  const char* descr;  // numpy's dtype.str on a little-endian machine
  std::size_t size;
};

const dtype_info k_types[] = {
    {npy_dtype::i8, "int8", "|i1", 1},     {npy_dtype::u8, "uint8", "|u1", 1},
    {npy_dtype::i16, "int16", "<i2", 2},   {npy_dtype::i32, "int32", "<i4", 4},
    {npy_dtype::f32, "float32", "<f4", 4}, {npy_dtype::f64, "float64", "<f8", 8},
    {npy_dtype::i64, "int64", "<i8", 8},   {npy_dtype::b1, "bool", "|b1", 1},
};

const dtype_info& info(npy_dtype t) {
  for (const auto& i : k_types)
    if (i.type == t) return i;
  return k_types[0];
}

[[noreturn]] void bad(const std::string& path, const std::string& field, const std::string& msg) {
  fail("trace", path + ": " + field + ": " + msg);
}

// Readable name of a numpy descr string: "<i8" -> "int64", ">f4" -> "float32 big-endian".
std::string descr_name(const std::string& d) {
  for (const auto& i : k_types)
    if (d == i.descr || (i.size == 1 && d.size() == 3 && d.substr(1) == std::string(i.descr).substr(1)))
      return i.name;
  if (d.size() >= 3) {
    std::string kind;
    switch (d[1]) {
      case 'i': kind = "int"; break;
      case 'u': kind = "uint"; break;
      case 'f': kind = "float"; break;
      case 'b': kind = "bool"; break;
      case 'c': kind = "complex"; break;
      default: kind = std::string(1, d[1]);
    }
    // The item size in bytes as bits; any other text (or a size no dtype has) as written.
    std::string bits = printable(d.substr(2), 40);
    const std::string digits = d.substr(2);
    if (!digits.empty() && digits.size() <= 4 && digits.find_first_not_of("0123456789") == std::string::npos)
      bits = std::to_string(std::stoi(digits) * 8);
    std::string s = kind + (kind == "bool" ? "" : bits);
    if (d[0] == '>') s += " big-endian";
    return s;
  }
  return "'" + printable(d, 40) + "'";
}

// Minimal parser for the header dict: {'descr': '<f4', 'fortran_order': False, 'shape': (3,), }
struct header_parser {
  const std::string& s;
  const std::string& path;
  std::size_t p = 0;

  void ws() {
    while (p < s.size() && std::isspace(static_cast<unsigned char>(s[p]))) ++p;
  }
  bool eat(char c) {
    ws();
    if (p < s.size() && s[p] == c) {
      ++p;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) bad(path, "header", std::string("expected '") + c + "' in the header dictionary, got '" + s + "'");
  }
  std::string str() {
    ws();
    if (p >= s.size() || (s[p] != '\'' && s[p] != '"')) bad(path, "header", "expected a quoted string in '" + s + "'");
    char q = s[p++];
    std::size_t e = s.find(q, p);
    if (e == std::string::npos) bad(path, "header", "unterminated string in '" + s + "'");
    std::string r = s.substr(p, e - p);
    p = e + 1;
    return r;
  }
  std::string word() {
    ws();
    std::size_t b = p;
    while (p < s.size() && std::isalnum(static_cast<unsigned char>(s[p]))) ++p;
    return s.substr(b, p - b);
  }
};

}  // namespace

const char* npy_dtype_name(npy_dtype t) { return info(t).name; }
std::size_t npy_dtype_size(npy_dtype t) { return info(t).size; }

void npy_type_mismatch(npy_dtype have, npy_dtype want) {
  fail("trace", std::string("npy array: dtype: expected ") + npy_dtype_name(want) + ", got " + npy_dtype_name(have));
}

void npy_check_count(const std::vector<std::size_t>& shape, std::size_t n) {
  std::size_t k = 1;
  for (auto d : shape) k *= d;
  if (k != n)
    fail("trace", "npy array: values: expected " + std::to_string(k) + " for shape " + shape_text(shape) + ", got " +
                      std::to_string(n));
}

std::size_t npy_array::size() const {
  std::size_t k = 1;
  for (auto d : shape) k *= d;
  return k;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

npy_array npy_read(const std::string& path) {
  // A regular file of at most 4 GB (tlm/input.h): a device or FIFO is an error, not a hang.
  const std::string all = read_input_file(path, {"trace", "file", "a readable .npy file", uint64_t(4) << 30});
  static const char magic[] = "\x93NUMPY";
  if (all.size() < 10 || all.compare(0, 6, magic, 6) != 0)
    bad(path, "magic", "expected the .npy magic \\x93NUMPY, got " +
                           (all.size() < 6 ? std::to_string(all.size()) + " bytes" : std::string("other bytes")));
  const int major = static_cast<unsigned char>(all[6]);
  std::size_t hlen, hstart;
  if (major == 1) {
    hlen = static_cast<unsigned char>(all[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(all[9])) << 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (all.size() < 12) bad(path, "header", "expected a 12-byte preamble, got " + std::to_string(all.size()) + " bytes");
    hlen = 0;
    for (int i = 0; i < 4; ++i) hlen |= static_cast<std::size_t>(static_cast<unsigned char>(all[8 + i])) << (8 * i);
    hstart = 12;
  } else {
    bad(path, "version", "expected format version 1, 2 or 3, got " + std::to_string(major));
  }
  if (hstart + hlen > all.size())
    bad(path, "header", "expected " + std::to_string(hlen) + " header bytes, got " +
                            std::to_string(all.size() - hstart) + " (truncated)");
  const std::string h = all.substr(hstart, hlen);
  header_parser ps{h, path};
  ps.expect('{');
  std::string descr;
  bool fortran = false, have_descr = false, have_order = false, have_shape = false;
  std::vector<std::size_t> shape;
  while (!ps.eat('}')) {
    std::string key = ps.str();
    ps.expect(':');
    if (key == "descr") {
      ps.ws();
      if (ps.p < h.size() && h[ps.p] == '[') bad(path, "dtype", "expected a plain numeric dtype, got a structured dtype");
      descr = ps.str();
      have_descr = true;
    } else if (key == "fortran_order") {
      std::string w = ps.word();
      if (w != "True" && w != "False") bad(path, "fortran_order", "expected True or False, got '" + w + "'");
      fortran = w == "True";
      have_order = true;
    } else if (key == "shape") {
      ps.expect('(');
      while (!ps.eat(')')) {
        std::string w = ps.word();
        if (w.empty() || !std::all_of(w.begin(), w.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
          bad(path, "shape", "expected a tuple of non-negative integers in '" + h + "'");
        shape.push_back(static_cast<std::size_t>(std::stoull(w)));
        ps.eat(',');
      }
      have_shape = true;
    } else {
      bad(path, "header", "expected keys descr, fortran_order, shape, got '" + key + "'");
    }
    ps.eat(',');
    if (ps.p >= h.size()) bad(path, "header", "expected '}' closing the header dictionary, got end of header");
  }
  if (!have_descr) bad(path, "descr", "missing in the header");
  if (!have_order) bad(path, "fortran_order", "missing in the header");
  if (!have_shape) bad(path, "shape", "missing in the header");
  if (fortran) bad(path, "fortran_order", "expected False (C order), got True");
  npy_array a;
  bool found = false;
  for (const auto& i : k_types) {
    std::string d = i.descr;
    if (descr == d || (i.size == 1 && descr.size() == 3 && descr.substr(1) == d.substr(1))) {
      a.dtype = i.type;
      found = true;
    }
  }
  if (!found)
    bad(path, "dtype", "expected one of int8, uint8, int16, int32, int64, float32, float64, bool (little-endian), got " +
                           descr_name(descr));
  a.shape = shape;
  const std::size_t want = a.size() * npy_dtype_size(a.dtype);
  const std::size_t have = all.size() - hstart - hlen;
  if (have < want)
    bad(path, "data", "expected " + std::to_string(want) + " bytes for " + npy_dtype_name(a.dtype) + " " +
                          shape_text(shape) + ", got " + std::to_string(have) + " (truncated)");
  if (have > want)
    bad(path, "data", "expected " + std::to_string(want) + " bytes for " + npy_dtype_name(a.dtype) + " " +
                          shape_text(shape) + ", got " + std::to_string(have) + " (trailing bytes)");
  a.bytes.assign(all.begin() + static_cast<std::ptrdiff_t>(hstart + hlen), all.end());
  return a;
}

void npy_write(const std::string& path, const npy_array& a) {
  if (a.bytes.size() != a.size() * npy_dtype_size(a.dtype))
    fail("trace", path + ": data: expected " + std::to_string(a.size() * npy_dtype_size(a.dtype)) + " bytes, got " +
                      std::to_string(a.bytes.size()));
  std::ostringstream d;
  d << "{'descr': '" << info(a.dtype).descr << "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < a.shape.size(); ++i) d << a.shape[i] << ", ";
  std::string h = d.str();
  if (a.shape.size() >= 1) h.resize(h.size() - (a.shape.size() == 1 ? 1 : 2));  // numpy: (3,) and (3, 4)
  h += "), }";
  // Pad with spaces so that magic + len + header (ending in '\n') is a multiple of 64.
  std::size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) fail("trace", path + ": file: expected a writable path, got an error on open");
  f.write("\x93NUMPY\x01\x00", 8);
  const unsigned char len[2] = {static_cast<unsigned char>(h.size() & 0xff), static_cast<unsigned char>(h.size() >> 8)};
  f.write(reinterpret_cast<const char*>(len), 2);
  f << h;
  f.write(reinterpret_cast<const char*>(a.bytes.data()), static_cast<std::streamsize>(a.bytes.size()));
  if (!f) fail("trace", path + ": file: expected a complete write, got an I/O error");
}

}  // namespace spiketlm
