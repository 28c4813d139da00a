// libFuzzer harness: the .npy reader (traces/src/npy.h). Input: the bytes of one .npy file.
// A file that reads must hold exactly shape-product x item-size bytes and write back to a
// file that reads to the same array.
#include <exception>

#include "tests/fuzz/fuzz_util.h"
#include "traces/src/npy.h"

using namespace spiketlm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::scratch_dir() + "/a.npy";
  fuzz::require(fuzz::write_file(path, std::string(reinterpret_cast<const char*>(data), size)), "scratch file");
  npy_array a;
  try {
    a = npy_read(path);
  } catch (const std::exception&) {
    return 0;
  }
  fuzz::require(a.bytes.size() == a.size() * npy_dtype_size(a.dtype), "data size equals the shape's");
  fuzz::require(a.bytes.size() <= size, "no more data than the file holds");
  const std::string back = fuzz::scratch_dir() + "/b.npy";
  npy_write(back, a);
  const npy_array b = npy_read(back);
  fuzz::require(b.dtype == a.dtype && b.shape == a.shape && b.bytes == a.bytes, "write + read gives the same array");
  return 0;
}
