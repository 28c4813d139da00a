// libFuzzer harness: the NIR reader (traces/nir/graph.h, HDF5 through traces/nir/h5.h) and
// what import builds from a graph (build_network, make_plan). Input: the bytes of one .nir
// file. Whatever the bytes, each step either accepts them or throws a one-line error.
#include <exception>

#include "tests/fuzz/fuzz_util.h"
#include "tlm/error.h"
#include "traces/nir/graph.h"
#include "traces/nir/network.h"
#include "traces/nir/plan.h"

using namespace spiketlm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::scratch_dir() + "/a.nir";
  fuzz::require(fuzz::write_file(path, std::string(reinterpret_cast<const char*>(data), size)), "scratch file");
  try {
    const nir::graph g = nir::read_graph(path);
    nir::make_plan(nir::build_network(g));
  } catch (const std::exception& e) {
    fuzz::require_one_line(error_text(e));
  }
  return 0;
}
