// .npy reader and writer: round trip, byte-exact header, and every fault as a one-line error.
#include "tests/helpers.h"
#include "tlm/error.h"
#include "traces/src/npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

namespace fs = std::filesystem;
using namespace spiketlm;

namespace {

using spiketlm::test::error_of;

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("spiketlm_npy_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

void write_bytes(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// A version 1.0 .npy file exactly as numpy writes it (header padded to 64 bytes).
std::string npy_file(const std::string& dict, const std::string& data) {
  std::string h = dict;
  std::size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  std::string s("\x93NUMPY\x01\x00", 8);
  s += static_cast<char>(h.size() & 0xff);
  s += static_cast<char>(h.size() >> 8);
  return s + h + data;
}

}  // namespace

TEST(TraceNpy, RoundTripEveryDtype) {
  const fs::path d = temp_dir("rt");
  npy_write<std::int8_t>((d / "a.npy").string(), {2, 3}, {-128, -1, 0, 1, 2, 127});
  npy_write<std::uint8_t>((d / "b.npy").string(), {3}, {0, 128, 255});
  npy_write<std::int16_t>((d / "c.npy").string(), {2}, {-32768, 32767});
  npy_write<std::int32_t>((d / "d.npy").string(), {1, 1, 2}, {-2147483647 - 1, 2147483647});
  npy_write<float>((d / "e.npy").string(), {2}, {0.1f, -3.5f});
  npy_write<double>((d / "f.npy").string(), {}, {0.1});
  auto a = npy_read((d / "a.npy").string());
  EXPECT_EQ(a.dtype, npy_dtype::i8);
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a.values<std::int8_t>(), (std::vector<std::int8_t>{-128, -1, 0, 1, 2, 127}));
  EXPECT_EQ(npy_read((d / "b.npy").string()).values<std::uint8_t>(), (std::vector<std::uint8_t>{0, 128, 255}));
  EXPECT_EQ(npy_read((d / "c.npy").string()).values<std::int16_t>(), (std::vector<std::int16_t>{-32768, 32767}));
  EXPECT_EQ(npy_read((d / "d.npy").string()).values<std::int32_t>(),
            (std::vector<std::int32_t>{-2147483647 - 1, 2147483647}));
  EXPECT_EQ(npy_read((d / "e.npy").string()).values<float>(), (std::vector<float>{0.1f, -3.5f}));
  auto f = npy_read((d / "f.npy").string());
  EXPECT_TRUE(f.shape.empty());
  EXPECT_EQ(f.values<double>(), (std::vector<double>{0.1}));
  fs::remove_all(d);
}

TEST(TraceNpy, WriterMatchesNumpyBytes) {
  // np.save(f, np.array([[1, -2, 3]], dtype=np.int16)) writes exactly these bytes.
  const fs::path d = temp_dir("bytes");
  npy_write<std::int16_t>((d / "x.npy").string(), {1, 3}, {1, -2, 3});
  const std::string want = npy_file("{'descr': '<i2', 'fortran_order': False, 'shape': (1, 3), }",
                                    std::string("\x01\x00\xfe\xff\x03\x00", 6));
  EXPECT_EQ(read_bytes(d / "x.npy"), want);
  EXPECT_EQ(want.size(), 128u + 6u);
  npy_write<std::uint8_t>((d / "y.npy").string(), {4}, {1, 2, 3, 4});
  EXPECT_EQ(read_bytes(d / "y.npy"),
            npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }", std::string("\x01\x02\x03\x04", 4)));
  fs::remove_all(d);
}

TEST(TraceNpy, ReadsVersion2Header) {
  const fs::path d = temp_dir("v2");
  std::string h = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
  h.append(64 - (12 + h.size() + 1) % 64, ' ');
  h += '\n';
  std::string s("\x93NUMPY\x02\x00", 8);
  const std::uint32_t n = static_cast<std::uint32_t>(h.size());
  s.append(reinterpret_cast<const char*>(&n), 4);
  const double v = -2.25;
  s += h + std::string(reinterpret_cast<const char*>(&v), 8);
  write_bytes(d / "v2.npy", s);
  EXPECT_EQ(npy_read((d / "v2.npy").string()).values<double>(), std::vector<double>{-2.25});
  fs::remove_all(d);
}

TEST(TraceNpy, FaultsAreOneLineErrors) {
  const fs::path d = temp_dir("faults");
  const std::string p = (d / "t.npy").string();
  auto check = [&](const std::string& content, const std::string& want) {
    write_bytes(p, content);
    const std::string e = error_of([&] { npy_read(p); });
    EXPECT_EQ(e, "spiketlm/trace: " + p + ": " + want);
    EXPECT_EQ(e.find('\n'), std::string::npos);
  };
  const std::string i8 = "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }";
  check(npy_file(i8, "abcd"), "data: expected 6 bytes for int8 [2, 3], got 4 (truncated)");
  check(npy_file(i8, "abcdefg"), "data: expected 6 bytes for int8 [2, 3], got 7 (trailing bytes)");
  check(npy_file("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", "12345678"),
        "dtype: expected one of int8, uint8, int16, int32, int64, float32, float64, bool (little-endian), got uint64");
  check(npy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", "1234"),
        "dtype: expected one of int8, uint8, int16, int32, int64, float32, float64, bool (little-endian), got float32 "
        "big-endian");
  // Found by the fuzzer (tests/fuzz/regressions/npy/descr_huge_item_size): an item size
  // beyond int overflowed (undefined behaviour) while naming the dtype.
  check(npy_file("{'descr': '<i2114236215', 'fortran_order': False, 'shape': (1,), }", "1234"),
        "dtype: expected one of int8, uint8, int16, int32, int64, float32, float64, bool (little-endian), got "
        "int2114236215");
  check(npy_file("{'descr': '<f16', 'fortran_order': False, 'shape': (1,), }", "1234"),
        "dtype: expected one of int8, uint8, int16, int32, int64, float32, float64, bool (little-endian), got float128");
  check(npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", "1234"),
        "fortran_order: expected False (C order), got True");
  check(npy_file("{'descr': '<f4', 'fortran_order': False, }", "1234"), "shape: missing in the header");
  check("PK\x03\x04 not a numpy file", "magic: expected the .npy magic \\x93NUMPY, got other bytes");
  check(std::string("\x93NUMPY\x01\x00\x40\x00{'descr'", 17), "header: expected 64 header bytes, got 7 (truncated)");
  check(std::string("\x93NUMPY\x07\x00\x40\x00", 10), "version: expected format version 1, 2 or 3, got 7");
  const std::string missing = (d / "none.npy").string();
  EXPECT_EQ(error_of([&] { npy_read(missing); }),
            "spiketlm/trace: " + missing + ": file: expected a readable .npy file, got none (No such file or directory)");
  // Typed access checks the dtype.
  npy_write<float>(p, {1}, {1.0f});
  EXPECT_EQ(error_of([&] { npy_read(p).values<std::int32_t>(); }),
            "spiketlm/trace: npy array: dtype: expected int32, got float32");
  fs::remove_all(d);
}
