// The NIR reader runs libhdf5 in a child process with a time limit (traces/nir/graph_guard.md).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>

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

// tests/fuzz/regressions/nir: a corrupted global heap on which libhdf5 1.10.8 loops forever in
// H5Dread (it hung the fuzzer for > 120 s). Stopped at the limit, the child killed and reaped.
TEST(NirGuard, ALibraryHangStopsAtTheLimit) {
  const std::string path = source_dir() + "/tests/fuzz/regressions/nir/libhdf5_global_heap_hang.nir";
  EXPECT_EQ(error_of([&] { nir::read_graph(path, 1.5); }),
            "spiketlm/nir: " + path + ": file: expected an HDF5 file libhdf5 reads within 1.5 s, got one it was still "
            "reading (stopped; a corrupted HDF5 structure such as its global heap makes libhdf5 loop)");
  expect_no_child();
}

// tests/fuzz/known/nir: a corrupted global heap on which libhdf5 1.10.8 itself reads past a heap
// block in H5HG_read (found 2026-12-05 by the harness reading in process: AddressSanitizer's
// memcpy-param-overlap inside libhdf5; SIGSEGV without ASan). The child dies; the parent gives
// one line and exit 1 (spiketlm import: "killed by signal 11"), and no child is left.
TEST(NirGuard, ALibraryCrashIsAOneLineError) {
  const std::string path = source_dir() + "/tests/fuzz/known/nir/libhdf5_global_heap_overflow.nir";
  const std::string e = error_of([&] { nir::read_graph(path, 30); });
  EXPECT_EQ(e.rfind("spiketlm/nir: " + path + ": file: expected an HDF5 file libhdf5 can read, got one its reader process "
                    "died on (", 0), 0u) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  expect_no_child();
}
