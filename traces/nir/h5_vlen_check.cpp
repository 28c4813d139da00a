#include "traces/nir/h5_checks.h"

#include "tlm/error.h"

#include <fstream>
#include <map>
#include <utility>
#include <vector>

// Layouts from the HDF5 File Format Specification (version 3), section III.E "Global Heap" and
// the variable-length datatype's disk form (section IV.A.2.d, "Variable-length"): an element is
// a 4-byte length, then a global heap ID (a collection address of "size of offsets" bytes and a
// 4-byte object index). A collection is "GCOL", version 1, 3 reserved bytes, its size ("size of
// lengths" bytes, header included), then objects: index (2), reference count (2), reserved (4),
// size ("size of lengths"), the data padded to a multiple of 8. Index 0 is free space whose size
// counts its own header. Numbers are little-endian.

namespace spiketlm::h5 {

namespace {

constexpr std::uint64_t k_min_collection = 4096;  // libhdf5 never writes a smaller collection (H5HG_MINSIZE)

struct context {
  std::string file, dataset;
  raw_file* raw = nullptr;
  unsigned addr_bytes = 8, len_bytes = 8;
  std::uint64_t base = 0;  // the user block: heap addresses are relative to the superblock
  std::map<std::uint64_t, std::map<std::uint64_t, std::uint64_t>> heaps;  // address -> object index -> size

  [[noreturn]] void bad(const std::string& what) const {
    fail("nir", file + ": " + dataset + ": expected variable-length strings whose global heap is intact, got " + what +
                    " (a damaged file)");
  }
  std::vector<unsigned char> bytes(std::uint64_t offset, std::uint64_t n, const std::string& what) {
    std::vector<unsigned char> b;
    if (!raw->read(offset, n, b)) bad(what + " at byte " + std::to_string(offset) + " past the end of the file");
    return b;
  }
};

std::uint64_t le(const unsigned char* p, unsigned n) {
  std::uint64_t v = 0;
  for (unsigned i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

std::uint64_t align8(std::uint64_t n) { return (n + 7) / 8 * 8; }

// The objects of the collection at `addr`: index -> size, after checking that each lies inside
// it (libhdf5 1.10.8 follows sizes it never checks: fuzzing found reads past the block and a
// loop on a zero-sized free-space object, tests/fuzz/README.md).
const std::map<std::uint64_t, std::uint64_t>& collection(context& c, std::uint64_t addr) {
  const auto found = c.heaps.find(addr);
  if (found != c.heaps.end()) return found->second;
  const std::string where = "the heap collection at " + std::to_string(addr);
  // both headers are padded to a multiple of 8 (as libhdf5 writes them: 4-byte lengths give 16)
  const unsigned hdr = unsigned(align8(8 + c.len_bytes)), obj_hdr = hdr;
  if (addr > c.raw->size() - c.base) c.bad(where + " past the end of the file");
  const std::vector<unsigned char> head = c.bytes(c.base + addr, hdr, where);
  if (std::string(head.begin(), head.begin() + 4) != "GCOL" || head[4] != 1) c.bad(where + " without its GCOL version 1 header");
  const std::uint64_t size = le(head.data() + 8, c.len_bytes);
  if (size < k_min_collection) c.bad(where + " of " + std::to_string(size) + " bytes, below HDF5's 4096");
  const std::vector<unsigned char> b = c.bytes(c.base + addr, size, where);
  std::map<std::uint64_t, std::uint64_t> objects;
  for (std::uint64_t p = hdr; p < size;) {
    if (size - p < obj_hdr) break;  // too small for an object: free space, as libhdf5 reads it
    const std::uint64_t index = le(b.data() + p, 2), n = le(b.data() + p + 8, c.len_bytes);
    const std::uint64_t need = index == 0 ? n : obj_hdr + align8(n);
    if (n > size || need > size - p || (index == 0 && n < obj_hdr))
      c.bad(where + " holding object " + std::to_string(index) + " of " + std::to_string(n) + " bytes at byte " +
            std::to_string(p) + " of its " + std::to_string(size));
    if (index != 0 && !objects.emplace(index, n).second) c.bad(where + " holding object " + std::to_string(index) + " twice");
    p += need;
  }
  return c.heaps.emplace(addr, std::move(objects)).first->second;
}

// Checks `n` element descriptors at file offset `offset`.
void check_elements(context& c, std::uint64_t offset, std::uint64_t n) {
  const unsigned elem = 4 + c.addr_bytes + 4;
  if (n > c.raw->size() / elem) c.bad(std::to_string(n) + " elements, more than the file holds");
  const std::vector<unsigned char> b = c.bytes(offset, n * elem, "string data");
  for (std::uint64_t i = 0; i < n; ++i) {
    const unsigned char* e = b.data() + i * elem;
    const std::uint64_t len = le(e, 4), addr = le(e + 4, c.addr_bytes), index = le(e + 4 + c.addr_bytes, 4);
    const std::string which = "string " + std::to_string(i);
    if (addr == 0) {
      if (len != 0) c.bad(which + " of " + std::to_string(len) + " bytes with no heap object");
      continue;
    }
    const auto& objects = collection(c, addr);
    const auto o = objects.find(index);
    if (o == objects.end()) c.bad(which + " naming object " + std::to_string(index) + " that its collection does not hold");
    if (o->second != len)
      c.bad(which + " of " + std::to_string(len) + " bytes stored in an object of " + std::to_string(o->second));
  }
}

// Where the dataset's element descriptors are: (file offset, elements) per stored block.
std::vector<std::pair<std::uint64_t, std::uint64_t>> blocks(context& c, hid_t file_id, hid_t ds, std::uint64_t elements) {
  const storage st = storage_of(ds);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  const unsigned elem = 4 + c.addr_bytes + 4;
  if (st.layout == H5D_CONTIGUOUS && st.external == 0) {
    const haddr_t at = H5Dget_offset(ds);
    if (at != HADDR_UNDEF) out.emplace_back(at, elements);  // undefined: never written, read as empty strings
    return out;
  }
  if (st.layout != H5D_CHUNKED || st.filters != 0)
    c.bad("a storage libhdf5's strings are not checked in (expected contiguous or unfiltered chunked, as h5py writes)");
  each_chunk(file_id, ds, [&](const std::string& what) { c.bad(what); }, [&](const chunk_at& k) {
    if (k.bytes % elem != 0) c.bad("a chunk at byte " + std::to_string(k.offset) + " that is not a whole number of strings");
    out.emplace_back(k.offset, k.bytes / elem);
  });
  return out;
}

}  // namespace

void check_vlen_strings(hid_t file_id, hid_t ds, std::uint64_t elements, raw_file& raw, const std::string& file,
                        const std::string& dataset) {
  context c;
  c.file = file;
  c.dataset = dataset;
  c.raw = &raw;
  const file_sizes f = sizes_of(file_id);
  if (!f.ok) c.bad("unreadable address sizes");
  c.addr_bytes = f.addr_bytes;
  c.len_bytes = f.len_bytes;
  c.base = f.user_block;
  if (c.base > raw.size()) c.bad("a user block larger than the file");
  if (!raw.open()) c.bad("a file that could not be opened again");
  for (const auto& [offset, n] : blocks(c, file_id, ds, elements)) check_elements(c, offset, n);
}

}  // namespace spiketlm::h5
