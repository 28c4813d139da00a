// libFuzzer harness: the trace bundle reader (traces/src/trace.h). Input: trace.yaml, then
// any number of "\n@@FILE name\n" + file bytes (the .npy tensors), written to a scratch
// directory that read_bundle() reads. A bundle that reads must have consistent sizes, and a
// functional one must write back (write_bundle) to a bundle that reads the same.
#include <dirent.h>

#include <exception>

#include "tests/fuzz/fuzz_util.h"
#include "traces/src/trace.h"

using namespace spiketlm;

namespace {
void clear(const std::string& dir) {
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') unlink((dir + "/" + e->d_name).c_str());
    closedir(d);
  }
}

void check(const bundle& b) {
  const std::size_t N = std::size_t(b.samples), T = std::size_t(b.timesteps), K = std::size_t(b.classes);
  fuzz::require(!b.layers.empty(), "at least one layer");
  fuzz::require(b.layers.back().out_shape.size() == K, "the output layer has `classes` outputs");
  for (const layer& l : b.layers) {
    if (!l.is_compute() || !b.functional()) continue;
    const std::size_t k = std::size_t(l.kernel);
    const std::size_t w = std::size_t(l.out_channels) * std::size_t(l.in_channels) * (l.type == layer_type::conv2d ? k * k : 1);
    fuzz::require(l.weight.size() == w, "weights match the layer's shape");
  }
  if (!b.functional()) return;
  fuzz::require(b.labels.size() == N, "one label per sample");
  fuzz::require(b.ref_outputs.size() == N * T * K, "reference outputs [N, T, classes]");
  fuzz::require(b.inputs.size() == N * b.input_shape.size() * (b.encoding == "spikes" ? T : 1), "inputs [N, (T,) C, H, W]");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [yaml, files] = fuzz::split(data, size, "\n@@FILE ");
  const std::string dir = fuzz::scratch_dir() + "/bundle";
  mkdir(dir.c_str(), 0700);
  clear(dir);
  fuzz::require(fuzz::write_file(dir + "/trace.yaml", yaml), "scratch trace.yaml");
  for (const auto& f : files)
    if (fuzz::plain_name(f.first) && f.first != "trace.yaml") fuzz::write_file(dir + "/" + f.first, f.second);
  bundle b;
  try {
    b = read_bundle(dir);
  } catch (const std::exception&) {
    return 0;
  }
  check(b);
  if (!b.functional()) return 0;
  const std::string out = fuzz::scratch_dir() + "/written";
  mkdir(out.c_str(), 0700);
  clear(out);
  write_bundle(b, out);
  bundle c;
  try {
    c = read_bundle(out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fuzz::require(false, "a bundle written by write_bundle reads back");
  }
  fuzz::require(c.layers.size() == b.layers.size() && c.samples == b.samples && c.ref_outputs == b.ref_outputs &&
                    c.inputs.bytes == b.inputs.bytes && c.labels == b.labels,
                "write_bundle + read_bundle gives the same bundle");
  return 0;
}
