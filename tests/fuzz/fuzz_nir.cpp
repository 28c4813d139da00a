// libFuzzer harness: the NIR reader (traces/nir/graph.h, HDF5 through traces/nir/h5.h, in a
// child process) and what import builds from a graph (build_network, make_plan). Input: the
// bytes of one .nir file. Whatever the bytes, each step either accepts them or throws a one-line error.
// SPIKETLM_FUZZ_NIR_IN_PROCESS=1 reads with read_graph_in_process instead (no child: the HDF5
// reading's own coverage is seen, about 680 executions/s against 6-90 forked). It is an
// experiment, not a CI mode: in process, AddressSanitizer stops at libhdf5's own memory errors
// (README.md, Findings: within 1,368 executions), which the child process contains in a real run.
#include <cstdlib>
#include <exception>

#include "tests/fuzz/fuzz_util.h"
#include "tlm/error.h"
#include "traces/nir/graph.h"
#include "traces/nir/h5.h"
#include "traces/nir/network.h"
#include "traces/nir/plan.h"

using namespace spiketlm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::scratch_dir() + "/a.nir";
  fuzz::require(fuzz::write_file(path, std::string(reinterpret_cast<const char*>(data), size)), "scratch file");
  // The HDF5 side loads (traces/nir/h5_backend.md): a harness that could not load it would see
  // nothing but the same one-line error. Outside the try: a failure stops the fuzzer.
  static const bool backend = (h5::load_backend(), true);
  (void)backend;
  try {
    // libhdf5 reads in a child process (traces/nir/graph_guard.md), stopped after 5 s; that
    // child's coverage is not seen here, the graph it sends back and what import builds are.
    // In process, the reader runs under the child's address-space cap (graph_guard.md, "Memory"),
    // so an allocation libhdf5 sizes from a corrupted field fails as it does in a real run.
    static const bool in_process = std::getenv("SPIKETLM_FUZZ_NIR_IN_PROCESS") != nullptr &&
                                   nir::limit_read_memory(std::uintmax_t(1) << 16) != 0;
    const nir::graph g = in_process ? nir::read_graph_in_process(path) : nir::read_graph(path, 5.0);
    nir::make_plan(nir::build_network(g));
  } catch (const std::exception& e) {
    const std::string text = error_text(e);
    fuzz::require_one_line(text);
    // A reader that crashed (a sanitizer report or a signal in the child) is a finding: the
    // guard's own message, whole from its start (a member of the file may be named with its words).
    const std::string died = "spiketlm/nir: " + path + ": file: expected an HDF5 file libhdf5 can read, got one its "
                             "reader process died on (";
    fuzz::require(text.rfind(died, 0) != 0, text.c_str());
  }
  return 0;
}
