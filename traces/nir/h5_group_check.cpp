// The old-style group walk of the NIR reader, made on the file's bytes before libhdf5 opens it
// (h5_checks.h, h5_group_check.md). Layouts: HDF5 File Format Specification version 3.0 (the
// format of libhdf5 1.10), cited by section below. Numbers are little-endian.
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <utility>

#include "tlm/error.h"
#include "tlm/printable.h"
#include "traces/nir/h5_checks.h"

namespace spiketlm::h5 {

namespace {

// End of a local heap's free list as libhdf5 writes it (H5HL_FREE_NULL, its H5HLpkg.h); it
// refuses the spec's undefined value there itself ("bad heap free list").
constexpr std::uint64_t k_free_null = 1;
constexpr unsigned k_max_level = 16;            // B-tree depth: 2K = 32 children per level fill 32^17 entries
constexpr std::size_t k_max_objects = 1 << 16;  // object headers walked (a NIR graph has hundreds)
constexpr std::size_t k_max_chunks = 1024;      // chunks of one object header (h5py writes 1-3)
const char* const k_group =
    "a group whose HDF5 structures are intact (object header, B-tree, symbol table nodes, local heap)";
const char k_signature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};  // II.A

std::uint64_t le(const unsigned char* p, unsigned n) {
  std::uint64_t v = 0;
  for (unsigned i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

std::uint64_t align8(std::uint64_t n) { return (n + 7) / 8 * 8; }

// A symbol table message's data (IV.A.2.r): the group's B-tree and local heap.
struct stab {
  bool found = false;
  std::uint64_t btree = 0, heap = 0;
  std::vector<std::pair<std::uint64_t, unsigned>> chunk_indexes;  // a chunked layout's B-tree and dimensionality
  bool vlen = false;                                              // a variable-length datatype
  std::uint64_t type_bytes = 0;                                   // the datatype's size
  std::vector<std::uint64_t> fills;  // the sizes of stored fill values (old and new messages)
};

const char* const k_dataset = "dataset messages the reader reads and libhdf5 decodes safely";

// What the walk has seen: heaps by address, every B-tree and symbol table node and header chunk
// (none may be reached twice), every object header (reached twice through hard links is fine).
class walker {
 public:
  walker(raw_file& raw, const std::string& file) : m_raw(raw), m_file(file) {}
  void run();

 private:
  [[noreturn]] void bad(const std::string& where, const std::string& expect, const std::string& got) const {
    fail("nir", m_file + ": " + printable(where) + ": expected " + expect + ", got " + got + " (a damaged file)");
  }
  [[noreturn]] void bad_group(const std::string& where, const std::string& got) const { bad(where, k_group, got); }
  // The "undefined address" has every bit of its "size of offsets" bytes set (I.B).
  std::uint64_t undefined() const { return m_o == 8 ? ~std::uint64_t(0) : (std::uint64_t(1) << (8 * m_o)) - 1; }
  std::string at(std::uint64_t addr) const {
    return addr == undefined() ? "the undefined address" : "byte " + std::to_string(addr);
  }
  bool inside(std::uint64_t addr, std::uint64_t n) const { return addr <= m_size && n <= m_size - addr; }
  std::vector<unsigned char> bytes(std::uint64_t addr, std::uint64_t n) {
    std::vector<unsigned char> b;
    if (!inside(addr, n) || !m_raw.read(m_base + addr, n, b)) b.clear();
    return b;
  }
  std::uint64_t superblock();
  std::uint64_t superblock_v0(const std::vector<unsigned char>& b, unsigned version);
  void end_of_file(std::uint64_t base, std::uint64_t eof) const;
  void driver_info(std::uint64_t addr);
  stab header(const std::string& where, std::uint64_t addr);
  void dataset_message(const std::string& where, const std::string& here, std::uint64_t type, unsigned flags,
                       const unsigned char* d, std::uint64_t n, stab& s);
  void chunk(const std::string& where, std::uint64_t addr, std::uint64_t size,
             std::deque<std::pair<std::uint64_t, std::uint64_t>>& more, std::uint64_t& messages, stab& s);
  const std::vector<unsigned char>& heap(const std::string& where, std::uint64_t addr);
  void free_list(const std::string& where, std::uint64_t addr, const std::vector<unsigned char>& data,
                 std::uint64_t head);
  std::string name(const std::string& where, const std::vector<unsigned char>& heap, std::uint64_t offset,
                   const std::string& what);
  struct tree_node {
    std::vector<unsigned char> b;
    unsigned level = 0;
    std::uint64_t used = 0;
    std::string here;
  };
  tree_node tree(const std::string& where, const std::string& expect, std::uint64_t addr, unsigned type, int level,
                 std::uint64_t two_k, std::uint64_t key);
  void btree(const std::string& where, std::uint64_t addr, int level, const std::vector<unsigned char>& heap,
             std::vector<std::uint64_t>& nodes);
  void chunk_btree(const std::string& where, std::uint64_t addr, int level, unsigned ndims);
  void snod(const std::string& where, std::uint64_t addr, const std::vector<unsigned char>& heap);
  void group(const std::string& where, const stab& s);

  raw_file& m_raw;
  std::string m_file;
  std::uint64_t m_base = 0, m_size = 0;  // the superblock's offset (after a user block); bytes from it to the end
  unsigned m_o = 8, m_l = 8, m_leaf_k = 4, m_node_k = 16, m_chunk_k = 32;
  std::map<std::uint64_t, std::vector<unsigned char>> m_heaps;
  std::set<std::uint64_t> m_nodes, m_objects;
  std::deque<std::pair<std::string, std::uint64_t>> m_pending;  // (path, object header) not yet walked
};

// II.A: the signature is at 0, 512, 1024, 2048, ... (a user block before it); addresses are
// relative to it (libhdf5 takes the signature's offset as the base address, whatever the field
// says). Returns the root group's object header address (undefined: none to walk).
std::uint64_t walker::superblock() {
  std::vector<unsigned char> b;
  for (std::uint64_t p = 0; p < m_raw.size(); p = p == 0 ? 512 : 2 * p) {
    if (m_raw.read(p, 9, b) && std::memcmp(b.data(), k_signature, 8) == 0) {
      m_base = p;
      break;
    }
    b.clear();
  }
  const std::string expect =
      "an HDF5 superblock of version 0 to 3 with 2-, 4- or 8-byte addresses and lengths, inside the file";
  if (b.empty()) bad("superblock", expect, "no HDF5 signature at byte 0, 512, 1024, ...");
  m_size = m_raw.size() - m_base;
  const unsigned version = b[8];
  if (version > 3) bad("superblock", expect, "version " + std::to_string(version));
  b = bytes(0, version <= 1 ? 28 : 12);
  if (b.empty()) bad("superblock", expect, "a superblock past the end of the file");
  m_o = b[version <= 1 ? 13 : 9], m_l = b[version <= 1 ? 14 : 10];
  const auto ok = [](unsigned n) { return n == 2 || n == 4 || n == 8; };
  if (!ok(m_o) || !ok(m_l))
    bad("superblock", expect, std::to_string(m_o) + "-byte addresses and " + std::to_string(m_l) + "-byte lengths");
  if (version <= 1) return superblock_v0(b, version);
  // Version 2 and 3 (II.A): base, extension, end of file and root object header addresses,
  // then a checksum libhdf5 verifies. Their groups are new-style: not walked (h5_group_check.md).
  b = bytes(12, 4 * m_o + 4);
  if (b.empty())
    bad("superblock", expect, "a version " + std::to_string(version) + " superblock past the end of the file");
  end_of_file(le(b.data(), m_o), le(b.data() + 2 * m_o, m_o));
  const std::uint64_t root = le(b.data() + 3 * m_o, m_o);
  if (!inside(root, 16))
    bad("superblock", expect, "the root group's object header at " + at(root) + ", past the end of the file");
  return undefined();
}

// Superblock version 0 and 1 (II.A): free-space, root group entry and shared header versions 0,
// group leaf and internal node K above 0; then (after version 1's indexed storage K) the base,
// free-space, end-of-file and driver information addresses and the root group's symbol table
// entry (III.C): name offset (L), object header address (O), cache type (4), reserved (4) and a
// 16-byte scratch pad (a group's B-tree and local heap addresses when the cache type is 1).
std::uint64_t walker::superblock_v0(const std::vector<unsigned char>& b, unsigned version) {
  const std::string expect = "an HDF5 superblock version " + std::to_string(version) +
                             " with format versions 0, group node ranks (K) above 0 and a root group inside the file";
  if (b[9] != 0 || b[10] != 0 || b[12] != 0)
    bad("superblock", expect,
        "free-space, symbol table entry and shared header versions " + std::to_string(b[9]) + ", " +
            std::to_string(b[10]) + " and " + std::to_string(b[12]));
  m_leaf_k = unsigned(le(b.data() + 16, 2)), m_node_k = unsigned(le(b.data() + 18, 2));
  if (version == 1) m_chunk_k = unsigned(le(b.data() + 24, 2));  // else libhdf5's default, 32
  if (m_chunk_k == 0) bad("superblock", expect, "an indexed storage internal node K of 0");
  if (m_leaf_k == 0 || m_node_k == 0)
    bad("superblock", expect,
        "group leaf node K " + std::to_string(m_leaf_k) + " and internal node K " + std::to_string(m_node_k));
  const std::uint64_t fields = version == 0 ? 24 : 28, entry = m_l + m_o + 8 + 16;
  const std::vector<unsigned char> f = bytes(fields, 4 * m_o + entry);
  if (f.empty()) bad("superblock", expect, "a superblock past the end of the file");
  end_of_file(le(f.data(), m_o), le(f.data() + 2 * m_o, m_o));
  driver_info(le(f.data() + 3 * m_o, m_o));
  const unsigned char* e = f.data() + 4 * m_o;
  const std::uint64_t root = le(e + m_l, m_o), cache = le(e + m_l + m_o, 4);
  if (!inside(root, 16))
    bad("superblock", expect, "the root group's object header at " + at(root) + ", past the end of the file");
  if (cache > 1)
    bad("superblock", expect, "a root group entry of cache type " + std::to_string(cache) + " (expected 0 or 1)");
  const std::uint64_t btree = le(e + m_l + m_o + 8, m_o), heap = le(e + m_l + 2 * m_o + 8, m_o);
  if (cache == 1 && (!inside(btree, 8) || !inside(heap, 8)))
    bad("superblock", expect,
        "the root group's cached B-tree at " + at(btree) + " and local heap at " + at(heap) +
            ", past the end of the file");
  return root;
}

// II.A's end of file address, which libhdf5 compares with the file's size first ("truncated
// file"): it counts from the base address field (h5py writes the user block's size there), which
// libhdf5 moves to where the signature is. A file shorter than it is the truncated file it is.
void walker::end_of_file(std::uint64_t base, std::uint64_t eof) const {
  const std::uint64_t end = eof - base + m_base;  // modulo 2^64, as libhdf5 computes it
  if (end > m_raw.size())
    fail("nir", m_file +
                    ": file: expected an HDF5 file that opens, got a truncated or damaged one (its superblock ends it "
                    "at byte " +
                    std::to_string(end) + ", it has " + std::to_string(m_raw.size()) + ")");
}

// II.B: the driver information block, when there is one: version 0, 3 reserved bytes, the size
// of its information (4 bytes), the 8-byte driver name, the information, all inside the file.
void walker::driver_info(std::uint64_t addr) {
  if (addr == undefined()) return;
  const std::string expect = "no driver information block or a version 0 one inside the file";
  const std::vector<unsigned char> b = bytes(addr, 16);
  if (b.empty()) bad("superblock", expect, "a driver information block at " + at(addr) + ", past the end of the file");
  if (b[0] != 0) bad("superblock", expect, "a driver information block of version " + std::to_string(b[0]));
  if (!inside(addr + 16, le(b.data() + 4, 4)))
    bad("superblock", expect,
        "a driver information block of " + std::to_string(le(b.data() + 4, 4)) + " bytes at " + at(addr) +
            ", past the end of the file");
}

// IV.A.1.a: a version 1 object header: version 1, reserved, message count (2), reference count
// (4), the first chunk's size (4), padding to 16; the messages of that chunk follow, then of the
// continuation chunks it names. A version 2 header ("OHDR", checksummed) is not walked.
stab walker::header(const std::string& where, std::uint64_t addr) {
  const std::string expect = "a version 1 object header whose messages fill its chunks inside the file";
  const std::vector<unsigned char> b = bytes(addr, 16);
  if (b.empty()) bad(where, expect, "an object header at " + at(addr) + ", past the end of the file");
  if (std::memcmp(b.data(), "OHDR", 4) == 0) return {};
  if (b[0] != 1) bad(where, expect, "an object header of version " + std::to_string(b[0]) + " at " + at(addr));
  const std::uint64_t count = le(b.data() + 2, 2);
  std::deque<std::pair<std::uint64_t, std::uint64_t>> chunks{{addr + 16, le(b.data() + 8, 4)}};
  std::uint64_t messages = 0;
  stab s;
  for (std::size_t n = 0; !chunks.empty(); ++n) {
    if (n == k_max_chunks) bad(where, expect, "more than " + std::to_string(k_max_chunks) + " header chunks");
    const auto [c, size] = chunks.front();
    chunks.pop_front();
    chunk(where, c, size, chunks, messages, s);
  }
  if (messages != count)
    bad(where, expect,
        "an object header at " + at(addr) + " that counts " + std::to_string(count) + " messages and holds " +
            std::to_string(messages));
  for (const std::uint64_t fill : s.fills) {
    if (s.vlen)
      bad(where, k_dataset,
          "a variable-length string dataset with a stored fill value (h5py writes none; libhdf5 would "
          "follow it into the global heap unchecked)");
    if (fill != s.type_bytes)  // libhdf5 converts it as one element of the type
      bad(where, k_dataset,
          "a fill value of " + std::to_string(fill) + " bytes for elements of " + std::to_string(s.type_bytes));
  }
  return s;
}

// A dataset message (check_message), and what the walk needs of it: a chunked layout's index;
// a contiguous layout's data inside the file (libhdf5 adds address and size unchecked); whether
// the type is variable-length and a fill value is stored (IV.A.2.d, f, i).
void walker::dataset_message(const std::string& where, const std::string& here, std::uint64_t type, unsigned flags,
                             const unsigned char* d, std::uint64_t n, stab& s) {
  const std::string what = check_message(unsigned(type), flags, d, n, m_o, m_l);
  if (!what.empty()) bad(where, k_dataset, here + " with " + what);
  if (type == 0x03) s.vlen = (d[0] & 0x0f) == 9, s.type_bytes = le(d + 4, 4);
  if (type == 0x04 && le(d, 4) > 0) s.fills.push_back(le(d, 4));
  if (type == 0x05 && (d[0] < 3 ? d[3] != 0 : (d[1] & 0x20) != 0) && le(d + (d[0] < 3 ? 4 : 2), 4) > 0)
    s.fills.push_back(le(d + (d[0] < 3 ? 4 : 2), 4));
  if (type != 0x08) return;
  const bool v3 = d[0] == 3;
  const unsigned cls = v3 ? d[1] : d[2];
  if (cls == 0) return;  // compact: no address (check_message checked the data fits)
  const std::uint64_t addr = le(d + (v3 ? 2 + (cls == 2) : 8), m_o), size = v3 && cls == 1 ? le(d + 2 + m_o, m_l) : 0;
  if (cls == 2 && addr != undefined()) s.chunk_indexes.emplace_back(addr, v3 ? d[2] : d[1]);
  if (cls == 1 && addr != undefined() && !inside(addr, size))
    bad(where, k_dataset,
        here + " with contiguous data of " + std::to_string(size) + " bytes at " + at(addr) +
            ", past the end of the file");
}

// The messages of one chunk (IV.A.1.a): type (2), data size (2, a multiple of 8), flags (1),
// reserved (3), the data; they fill the chunk exactly. Continuation messages (IV.A.2.q: an
// address and a length) name more chunks, each inside the file and seen once; a symbol table
// message (IV.A.2.r: B-tree and local heap addresses) makes the object a group. Dataset
// messages must fit their message and be of what the reader reads (check_message).
void walker::chunk(const std::string& where, std::uint64_t addr, std::uint64_t size,
                   std::deque<std::pair<std::uint64_t, std::uint64_t>>& more, std::uint64_t& messages, stab& s) {
  const std::string expect = "a version 1 object header whose messages fill its chunks inside the file";
  const std::string here = "the header chunk of " + std::to_string(size) + " bytes at " + at(addr);
  if (!m_nodes.insert(addr).second) bad(where, expect, here + ", reached twice");
  const std::vector<unsigned char> b = bytes(addr, size);
  if (b.size() != size || size == 0) bad(where, expect, size == 0 ? here : here + ", past the end of the file");
  for (std::uint64_t p = 0; p < size;) {
    const std::uint64_t type = size - p >= 8 ? le(b.data() + p, 2) : 0, n = size - p >= 8 ? le(b.data() + p + 2, 2) : 0;
    if (size - p < 8 || n % 8 != 0 || n > size - p - 8)
      bad(where, expect, here + " with a message of " + std::to_string(n) + " bytes at its byte " + std::to_string(p));
    const unsigned char* d = b.data() + p + 8;
    if (type == 0x10) {
      if (n < m_o + m_l) bad(where, expect, here + " with a continuation message of " + std::to_string(n) + " bytes");
      more.emplace_back(le(d, m_o), le(d + m_o, m_l));
    } else if (type == 0x11) {
      if (n < 2 * m_o || s.found || (b[p + 4] & 0x02) != 0)
        bad(where, expect,
            here + " with a second, shared or short (" + std::to_string(n) + "-byte) symbol table message");
      s.found = true, s.btree = le(d, m_o), s.heap = le(d + m_o, m_o);
    }
    dataset_message(where, here, type, b[p + 4], d, n, s);
    ++messages;
    p += 8 + n;
  }
}

// III.D: a local heap: "HEAP", version 0, 3 reserved bytes, its data segment's size (L), the
// offset of the free list's head (L), the data segment's address (O); the prefix is padded to a
// multiple of 8. libhdf5 1.10.8 reads the data segment it names without checking it lies in the
// file (fuzzing: a null read in H5HL_protect, tests/fuzz/README.md).
const std::vector<unsigned char>& walker::heap(const std::string& where, std::uint64_t addr) {
  const auto found = m_heaps.find(addr);
  if (found != m_heaps.end()) return found->second;
  const std::string here = "the local heap at " + at(addr);
  const std::vector<unsigned char> b = bytes(addr, align8(8 + 2 * m_l + m_o));
  if (b.empty()) bad_group(where, here + ", past the end of the file");
  if (std::memcmp(b.data(), "HEAP", 4) != 0 || b[4] != 0) bad_group(where, here + " without its HEAP version 0 header");
  const std::uint64_t size = le(b.data() + 8, m_l), head = le(b.data() + 8 + m_l, m_l),
                      data = le(b.data() + 8 + 2 * m_l, m_o);
  if (!inside(data, size))
    bad_group(where, here + " whose " + std::to_string(size) + "-byte data segment at " + at(data) +
                         " lies past the end of the file");
  std::vector<unsigned char> d = bytes(data, size);
  free_list(where, addr, d, head);
  return m_heaps.emplace(addr, std::move(d)).first->second;
}

// III.D: a free block of the data segment holds the offset of the next one (L; 1 ends the list,
// as libhdf5 writes it) and its own size (L, at least those two fields). libhdf5 1.10.8 follows
// the list when it loads the heap: every block must lie in the segment, none listed twice.
void walker::free_list(const std::string& where, std::uint64_t addr, const std::vector<unsigned char>& data,
                       std::uint64_t head) {
  const std::uint64_t size = data.size();
  std::set<std::uint64_t> seen;
  for (std::uint64_t p = head; p != k_free_null;) {
    const std::string here = "the local heap at " + at(addr) + " whose free block at offset " + std::to_string(p);
    if (p >= size || size - p < 2 * m_l)
      bad_group(where, here + " lies outside its " + std::to_string(size) + "-byte data segment");
    if (!seen.insert(p).second) bad_group(where, here + " is listed twice");
    const std::uint64_t next = le(data.data() + p, m_l), n = le(data.data() + p + m_l, m_l);
    if (n < 2 * m_l || n > size - p)
      bad_group(where, here + " of " + std::to_string(n) + " bytes does not fit its " + std::to_string(size) +
                           "-byte data segment");
    p = next;
  }
}

// A name in a local heap's data segment: it starts inside and ends with a NUL before the end
// (libhdf5 compares and copies names with strcmp and strdup).
std::string walker::name(const std::string& where, const std::vector<unsigned char>& heap, std::uint64_t offset,
                         const std::string& what) {
  const std::string here = what + " at heap offset " + std::to_string(offset);
  if (offset >= heap.size())
    bad_group(where, here + ", outside its " + std::to_string(heap.size()) + "-byte data segment");
  if (std::memchr(heap.data() + offset, 0, heap.size() - offset) == nullptr)
    bad_group(where, here + " with no NUL before the end of its " + std::to_string(heap.size()) + "-byte data segment");
  return std::string(reinterpret_cast<const char*>(heap.data() + offset));
}

// III.A.1: a version 1 B-tree node: "TREE", node type, level, entries used (at most 2K), left
// and right siblings (O), then keys and children (O) interleaved, a key first and last. libhdf5
// reads the node whole (room for 2K children and 2K + 1 keys of `key` bytes). Its level is
// `level` (at most 16 for the root, -1); no node is reached twice (a cycle).
walker::tree_node walker::tree(const std::string& where, const std::string& expect, std::uint64_t addr, unsigned type,
                               int level, std::uint64_t two_k, std::uint64_t key) {
  const std::string here = (type == 0 ? "the B-tree node at " : "the chunk B-tree node at ") + at(addr);
  if (!m_nodes.insert(addr).second) bad(where, expect, here + ", reached twice (a cycle)");
  const std::uint64_t size = 8 + 2 * m_o + two_k * m_o + (two_k + 1) * key;
  tree_node t{bytes(addr, size), 0, 0, here};
  if (t.b.empty()) bad(where, expect, here + ", past the end of the file");
  if (std::memcmp(t.b.data(), "TREE", 4) != 0 || t.b[4] != type)
    bad(where, expect, here + " without its TREE signature and node type " + std::to_string(type));
  t.level = t.b[5], t.used = le(t.b.data() + 6, 2);
  if (t.level > k_max_level || (level >= 0 && t.level != unsigned(level)))
    bad(where, expect,
        here + " of level " + std::to_string(t.level) + " (expected " +
            (level >= 0 ? std::to_string(level) : "at most " + std::to_string(k_max_level)) + ")");
  if (t.used > two_k)
    bad(where, expect, here + " using " + std::to_string(t.used) + " entries of its " + std::to_string(two_k));
  for (unsigned i = 0; i < 2; ++i) {
    const std::uint64_t sibling = le(t.b.data() + 8 + i * m_o, m_o);
    if (sibling != undefined() && !inside(sibling, size))
      bad(where, expect, here + " whose sibling at " + at(sibling) + " lies past the end of the file");
  }
  return t;
}

// A group's B-tree (node type 0; 2K from the superblock's group internal node K): keys (L) are
// heap offsets of names; children at level 0 are symbol table nodes, at level n nodes of n - 1.
void walker::btree(const std::string& where, std::uint64_t addr, int level, const std::vector<unsigned char>& heap,
                   std::vector<std::uint64_t>& nodes) {
  const tree_node t = tree(where, k_group, addr, 0, level, 2 * std::uint64_t(m_node_k), m_l);
  const unsigned char* p = t.b.data() + 8 + 2 * m_o;
  for (std::uint64_t i = 0; t.used > 0 && i <= t.used; ++i, p += m_l + m_o) {
    name(where, heap, le(p, m_l), t.here + "'s key " + std::to_string(i));
    if (i == t.used) break;
    const std::uint64_t child = le(p + m_l, m_o);
    if (t.level == 0)
      nodes.push_back(child);
    else
      btree(where, child, int(t.level) - 1, heap, nodes);
  }
}

// A chunked dataset's index (node type 1; 2K from the superblock's indexed storage K, 32 for
// version 0): keys are a chunk's stored size (4), filter mask (4) and offset in each of the
// layout's `ndims` dimensions (8 each); children at level 0 are chunks of their key's size,
// inside the file. libhdf5 walks it to find a chunk (H5Dget_chunk_info_by_coord, H5Dread).
void walker::chunk_btree(const std::string& where, std::uint64_t addr, int level, unsigned ndims) {
  const std::string expect = "a chunk index (a version 1 B-tree) inside the file";
  const std::uint64_t key = 8 + 8 * std::uint64_t(ndims);
  const tree_node t = tree(where, expect, addr, 1, level, 2 * std::uint64_t(m_chunk_k), key);
  const unsigned char* p = t.b.data() + 8 + 2 * m_o;
  for (std::uint64_t i = 0; i < t.used; ++i, p += key + m_o) {
    const std::uint64_t child = le(p + key, m_o), n = le(p, 4);
    if (t.level > 0)
      chunk_btree(where, child, int(t.level) - 1, ndims);
    else if (!inside(child, n))
      bad(where, expect,
          t.here + "'s chunk " + std::to_string(i) + " of " + std::to_string(n) + " bytes at " + at(child) +
              ", past the end of the file");
  }
}

// III.B: a symbol table node: "SNOD", version 1, reserved, the number of symbols (at most 2K, K
// the superblock's group leaf node K: libhdf5 1.10.8 decodes that many entries into room for
// 2K), then the entries (III.C): name offset (L) in the group's local heap, object header
// address (O), cache type (4: 0 nothing, 1 a group's B-tree and heap, 2 a soft link whose value
// is at the heap offset in the scratch pad's first 4 bytes), reserved (4), scratch pad (16).
void walker::snod(const std::string& where, std::uint64_t addr, const std::vector<unsigned char>& heap) {
  const std::string here = "the symbol table node at " + at(addr);
  if (!m_nodes.insert(addr).second) bad_group(where, here + ", reached twice");
  const std::uint64_t entry = m_l + m_o + 8 + 16, two_k = 2 * std::uint64_t(m_leaf_k);
  const std::vector<unsigned char> b = bytes(addr, 8 + two_k * entry);
  if (b.empty()) bad_group(where, here + ", past the end of the file");
  if (std::memcmp(b.data(), "SNOD", 4) != 0 || b[4] != 1) bad_group(where, here + " without its SNOD version 1 header");
  const std::uint64_t n = le(b.data() + 6, 2);
  if (n > two_k)
    bad_group(where, here + " holding " + std::to_string(n) + " symbols, more than its " + std::to_string(two_k));
  for (std::uint64_t i = 0; i < n; ++i) {
    const unsigned char* e = b.data() + 8 + i * entry;
    const std::string what = here + "'s symbol " + std::to_string(i);
    const std::string member = name(where, heap, le(e, m_l), what + " name");
    const std::uint64_t header = le(e + m_l, m_o), cache = le(e + m_l + m_o, 4);
    if (cache > 2) bad_group(where, what + " of cache type " + std::to_string(cache) + " (expected 0, 1 or 2)");
    if (cache == 2) {
      name(where, heap, le(e + m_l + m_o + 8, 4), what + "'s soft link value");
      continue;
    }
    if (!inside(header, 16))
      bad_group(where, what + " ('" + printable(member, 60) + "') whose object header at " + at(header) +
                           " lies past the end of the file");
    if (m_objects.insert(header).second) m_pending.emplace_back(where == "/" ? member : where + "/" + member, header);
  }
}

void walker::group(const std::string& where, const stab& s) {
  const std::vector<unsigned char>& h = heap(where, s.heap);
  std::vector<std::uint64_t> nodes;
  btree(where, s.btree, -1, h, nodes);
  for (const std::uint64_t a : nodes) snod(where, a, h);
}

void walker::run() {
  const std::uint64_t root = superblock();
  if (root == undefined()) return;
  m_objects.insert(root);
  m_pending.emplace_back("/", root);
  while (!m_pending.empty()) {
    if (m_objects.size() > k_max_objects)
      bad("/", "at most " + std::to_string(k_max_objects) + " objects (a NIR graph has hundreds)", "more");
    const auto [where, addr] = m_pending.front();
    m_pending.pop_front();
    const stab s = header(where, addr);
    if (s.found) group(where, s);
    for (const auto& [index, ndims] : s.chunk_indexes) chunk_btree(where, index, -1, ndims);
  }
}

}  // namespace

void check_groups(raw_file& raw, const std::string& file) {
  if (!raw.open()) fail("nir", file + ": file: expected a readable NIR file, got none (missing or unreadable)");
  walker(raw, file).run();
}

}  // namespace spiketlm::h5
