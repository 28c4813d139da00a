// The NIR reader runs libhdf5 in a child process with a time limit (traces/nir/graph_guard.md).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>

#include "tests/helpers.h"
#include "tlm/error.h"
#include "traces/nir/graph.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {
void expect_same_fields(const nir::field_map& a, const nir::field_map& b, const std::string& where) {
  ASSERT_EQ(a.size(), b.size()) << where;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
    SCOPED_TRACE(where + "/" + i->first);
    EXPECT_EQ(i->first, j->first);
    EXPECT_EQ(i->second.type, j->second.type);
    EXPECT_EQ(i->second.integer, j->second.integer);
    EXPECT_EQ(i->second.float64, j->second.float64);
    EXPECT_EQ(i->second.uint8, j->second.uint8);
    EXPECT_EQ(i->second.shape, j->second.shape);
    EXPECT_EQ(i->second.numbers, j->second.numbers);
    EXPECT_EQ(i->second.strings, j->second.strings);
  }
}

// No child of this process is left (running or a zombie).
void expect_no_child() {
  int status = 0;
  EXPECT_EQ(waitpid(-1, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}
}  // namespace

// The graph that comes back through the pipe is the one libhdf5 read, field for field.
TEST(NirGuard, GraphFromTheChildEqualsTheInProcessRead) {
  for (const std::string f : {"conv_if.nir", "linear_lif.nir"}) {
    const std::string path = source_dir() + "/tests/fuzz/corpus/nir/" + f;
    const nir::graph a = nir::read_graph(path), b = nir::read_graph_in_process(path);
    SCOPED_TRACE(f);
    EXPECT_EQ(a.file, b.file);
    EXPECT_EQ(a.version, b.version);
    ASSERT_EQ(a.nodes.size(), b.nodes.size());
    EXPECT_GT(a.nodes.size(), 2u);
    for (std::size_t i = 0; i < a.nodes.size(); ++i) {
      EXPECT_EQ(a.nodes[i].name, b.nodes[i].name);
      EXPECT_EQ(a.nodes[i].type, b.nodes[i].type);
      expect_same_fields(a.nodes[i].fields, b.nodes[i].fields, a.nodes[i].name);
      expect_same_fields(a.nodes[i].metadata, b.nodes[i].metadata, a.nodes[i].name + "/metadata");
    }
    EXPECT_EQ(a.edges, b.edges);
    expect_same_fields(a.metadata, b.metadata, "metadata");
  }
  expect_no_child();
}

// The child's one-line error is raised in the parent as it was.
TEST(NirGuard, TheReadersErrorPassesThroughUnchanged) {
  EXPECT_EQ(error_of([] { nir::read_graph("/etc/passwd"); }),
            "spiketlm/nir: /etc/passwd: file: expected an HDF5 file (a NIR graph), got another format");
  EXPECT_EQ(error_of([] { nir::read_graph("/etc/passwd"); }), error_of([] { nir::read_graph_in_process("/etc/passwd"); }));
  expect_no_child();
}

// A reader that never returns (libhdf5 1.10.8 looped forever on a corrupted global heap before
// h5_vlen_check.cpp; other corrupted structures may still make it loop) is stopped at the limit,
// the child killed and reaped.
TEST(NirGuard, AReaderThatHangsStopsAtTheLimit) {
  const std::string path = source_dir() + "/tests/fuzz/corpus/nir/linear_lif.nir";
  const auto hang = [](const std::string&) -> nir::graph {
    for (;;) pause();
  };
  EXPECT_EQ(error_of([&] { nir::read_graph_guarded(path, 1.5, hang); }),
            "spiketlm/nir: " + path + ": file: expected an HDF5 file libhdf5 reads within 1.5 s, got one it was still "
            "reading (stopped; a corrupted HDF5 structure can make libhdf5 loop)");
  expect_no_child();
}

// A reader that dies (a memory error inside libhdf5 on a damaged file: SIGSEGV without ASan,
// an ASan report and exit 1 with it) gives one line and exit 1, and no child is left.
TEST(NirGuard, AReaderThatDiesIsAOneLineError) {
  const std::string path = source_dir() + "/tests/fuzz/corpus/nir/linear_lif.nir";
  const auto die = [](const std::string&) -> nir::graph {
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
    _exit(9);
  };
  EXPECT_EQ(error_of([&] { nir::read_graph_guarded(path, 30, die); }),
            "spiketlm/nir: " + path + ": file: expected an HDF5 file libhdf5 can read, got one its reader process "
            "died on (killed by signal 11)");
  expect_no_child();
}

namespace {
std::uint64_t virtual_bytes() {
  std::ifstream in("/proc/self/statm");
  std::uint64_t pages = 0;
  in >> pages;
  return pages * std::uint64_t(sysconf(_SC_PAGESIZE));
}
}  // namespace

// The child caps its address space at its size plus 1 GiB + 16 x the file before reading, so an
// allocation sized by a corrupted field fails (libhdf5 reports an error) instead of taking the
// machine's memory. The reader here reports the cap and whether 1.25 GiB could be allocated.
TEST(NirGuard, TheReaderRunsUnderAnAddressSpaceCap) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizer's allocator aborts on a refused allocation instead of returning null";
#else
  const std::string path = source_dir() + "/tests/fuzz/corpus/nir/linear_lif.nir";
  const auto probe = [](const std::string&) -> nir::graph {
    rlimit r{};
    getrlimit(RLIMIT_AS, &r);
    void* p = std::malloc(std::size_t(nir::k_read_memory_base) + (std::size_t(256) << 20));
    const bool refused = p == nullptr;
    std::free(p);
    fail("nir", std::to_string(r.rlim_cur) + (refused ? " refused" : " allowed"));
  };
  const std::uint64_t budget = nir::k_read_memory_base + 16 * std::uint64_t(std::filesystem::file_size(path));
  const std::uint64_t before = virtual_bytes();
  const std::string e = error_of([&] { nir::read_graph_guarded(path, 30, probe); });
  std::istringstream in(e.substr(e.find(": ") + 2));
  std::uint64_t cap = 0;
  std::string verdict;
  in >> cap >> verdict;
  EXPECT_EQ(verdict, "refused") << e;
  EXPECT_GE(cap, before + budget) << e;
  EXPECT_LE(cap, virtual_bytes() + budget + (std::uint64_t(64) << 20)) << e;
#endif
  expect_no_child();
}

// A reader that runs out of its budget is one line naming the budget.
TEST(NirGuard, AReaderOutOfMemoryIsAOneLineError) {
  const std::string path = source_dir() + "/tests/fuzz/corpus/nir/linear_lif.nir";
  const auto greedy = [](const std::string&) -> nir::graph { throw std::bad_alloc(); };
  EXPECT_EQ(error_of([&] { nir::read_graph_guarded(path, 30, greedy); }),
            "spiketlm/nir: " + path + ": file: expected an HDF5 file that reads within 1024 MiB (1 GiB + 16 x its "
            "size), got one whose reading asked for more (a damaged size)");
  expect_no_child();
}

// tests/fuzz/regressions/nir: files on which libhdf5 1.10.8 itself loops forever
// (global_heap_hang: H5Dread of a variable-length string spinning in H5C_protect), reads past a
// heap block (global_heap_overflow, global_heap_overlap: memcpy inside H5HG_read), reads outside
// a conversion buffer (integer_type_bus_error: SIGBUS in H5T__bit_copy), copies from freed memory
// (chunk_wider_than_dataset), copies a 12-byte chunk out of the 11 bytes stored for it
// (chunk_stored_short: a heap-buffer-overflow), asks for 19.8 TB (20tb_cache_entry: a local
// heap's data segment size) or reads from a null pointer (local_heap_null_read: H5HL_protect on a
// local heap whose data segment is at the undefined address) or strdups past an object header
// (enum_names_past_header: "version" turned into an enum whose names run off the header: strdup
// in H5O_msg_read from H5Dopen) or divides by zero (chunk_layout_no_dimensions: a chunked layout
// of 0 dimensions, SIGFPE in H5D__chunk_set_info from H5Dopen). Each is now refused before libhdf5
// goes there (h5_vlen_check.md, h5_group_check.md, h5.cpp): a one-line error in this process, at
// once (under the ASan suite any read past a block would end the test), and the same through
// the guarded reader. Two also damage a group's structures, the file's first error now
// (global_heap_hang: the node group's local heap; chunk_wider_than_dataset: node/edges' object
// header); python test_nir_heap.py covers the global heap and chunk checks they found.
TEST(NirHeap, LibraryFaultsFoundByFuzzingAreOneLineErrorsInProcess) {
  const std::string k_group = "node: expected a group whose HDF5 structures are intact (object header, B-tree, symbol "
                              "table nodes, local heap), got ";
  const std::pair<const char*, std::string> cases[] = {
      {"libhdf5_global_heap_hang.nir", k_group + "the local heap at byte 6160 without its HEAP version 0 header"},
      {"libhdf5_global_heap_overflow.nir", "version: expected variable-length strings whose global heap is intact, got "
                                           "the heap collection at 2064 holding object 17 of 2031619 bytes"},
      {"libhdf5_global_heap_overlap.nir", "version: expected variable-length strings whose global heap is intact, got "
                                          "the heap collection at 2064 holding object 3 of 3236710 bytes"},
      {"libhdf5_integer_type_bus_error.nir", "node/nodes/input/shape: expected numbers of a standard HDF5 type"},
      {"libhdf5_chunk_wider_than_dataset.nir", "node/edges: expected a version 1 object header whose messages fill its "
                                               "chunks inside the file, got an object header of version 0 at byte 54304"},
      {"libhdf5_chunk_stored_short.nir", "node/nodes/lif1/v_leak: expected chunks that hold exactly their data, got the "
                                         "chunk at byte 8390 storing 11 bytes of a 12-byte chunk"},
      {"libhdf5_20tb_cache_entry.nir", k_group + "the local heap at byte 6160 whose 19791209300056-byte data segment "
                                       "at byte 26594437496832 lies past the end of the file"},
      {"libhdf5_enum_names_past_header.nir", "version: expected dataset messages the reader reads and libhdf5 decodes "
                                             "safely, got the header chunk of 256 bytes at byte 816 with a datatype of "
                                             "class 8 (expected integers, floats, strings or variable-length strings)"},
      {"libhdf5_chunk_layout_no_dimensions.nir", "node/nodes/input/shape: expected dataset messages the reader reads "
                                                 "and libhdf5 decodes safely, got the header chunk of 256 bytes at byte "
                                                 "11320 with a chunked layout of 0 dimensions"},
      {"libhdf5_local_heap_null_read.nir", k_group + "the local heap at byte 6160 whose 88-byte data segment at the "
                                           "undefined address lies past the end of the file (a damaged file)"},
  };
  for (const auto& [f, want] : cases) {
    const std::string path = source_dir() + "/tests/fuzz/regressions/nir/" + f;
    const std::string e = error_of([&] { nir::read_graph_in_process(path); });
    SCOPED_TRACE(e);
    EXPECT_EQ(e.rfind("spiketlm/nir: " + path + ": " + want, 0), 0u);
    EXPECT_EQ(e.find('\n'), std::string::npos);
    EXPECT_EQ(e, error_of([&] { nir::read_graph(path); }));
  }
  expect_no_child();
}

namespace {
// Whether a library whose file name holds `name` is mapped into this process.
bool mapped(const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find(name) != std::string::npos) return true;
  return false;
}
}  // namespace

// libhdf5 (and the curl, gnutls, crypto it pulls in) is loaded by the first NIR read, not by
// every process that links the traces layer (traces/nir/h5_backend.md); a read before and
// after the load gives the same graph.
TEST(NirGuard, LibHdf5IsLoadedOnlyByTheFirstNirRead) {
  // This process links every layer (platforms, hardware, runtime, traces) and maps neither.
  EXPECT_FALSE(mapped("libhdf5")) << "libhdf5 was mapped before any NIR file was read";
  EXPECT_FALSE(mapped("libspiketlm_h5.so"));
  const std::string path = source_dir() + "/tests/fuzz/corpus/nir/linear_lif.nir";
  const nir::graph g = nir::read_graph(path);  // loads it in this process, then reads in the child
  EXPECT_TRUE(mapped("libspiketlm_h5.so"));
  EXPECT_TRUE(mapped("libhdf5"));
  const nir::graph again = nir::read_graph_in_process(path);
  ASSERT_EQ(g.nodes.size(), again.nodes.size());
  for (std::size_t i = 0; i < g.nodes.size(); ++i) expect_same_fields(g.nodes[i].fields, again.nodes[i].fields, g.nodes[i].name);
}
