// libFuzzer harness: the sweep file reader (sw/dse/spec.h, load_sweep). Input: the bytes of
// one sweep YAML, written to a scratch folder. An accepted sweep has axes whose zipped keys
// carry equally many values, discrete values where the method is grid, and no key twice.
#include <exception>
#include <set>

#include "sw/dse/spec.h"
#include "tests/fuzz/fuzz_util.h"
#include "tlm/error.h"

using namespace spiketlm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::scratch_dir() + "/sweep.yaml";
  fuzz::require(fuzz::write_file(path, std::string(reinterpret_cast<const char*>(data), size)), "scratch file");
  dse::SweepSpec s;
  try {
    s = dse::load_sweep(path);
  } catch (const std::exception& e) {
    fuzz::require_one_line(error_text(e));
    return 0;
  }
  std::set<std::string> keys;
  for (const dse::Axis& a : s.axes) {
    fuzz::require(!a.keys.empty(), "an axis has a key");
    for (const dse::AxisKey& k : a.keys) {
      fuzz::require(keys.insert(k.key).second, "each key on one axis");
      fuzz::require(k.continuous || k.values.size() == a.keys.front().values.size(), "zipped keys vary together");
      fuzz::require(s.method != "grid" || !k.continuous, "a grid has discrete values");
    }
  }
  return 0;
}
