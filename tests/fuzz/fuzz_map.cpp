// libFuzzer harness: the mapping YAML reader (sw/map/mapping.h) against two networks (the
// first input byte chooses: Fashion-MNIST SNN or the VGG-9 CIFAR-10 workload). A mapping that
// is accepted must be in range (groups cover the layers in order, time batches 1..T) and
// write back (to_yaml) to text that reads to the same mapping.
#include <exception>

#include "sw/map/mapping.h"
#include "tests/fuzz/fuzz_util.h"
#include "tlm/error.h"
#include "traces/src/trace.h"

using namespace spiketlm;

namespace {
const map::Network& network(int which) {
  static const map::Network n[2] = {
      map::network_of(read_bundle(SPIKETLM_SOURCE_DIR "/traces/fmnist_snn"), map::ArrayShape{}),
      map::network_of(read_bundle(SPIKETLM_SOURCE_DIR "/traces/workloads/vgg9_cifar10"), map::ArrayShape{})};
  return n[which];
}

void check(const map::Mapping& m, const map::Network& n) {
  const int L = int(n.layers.size());
  fuzz::require(!m.groups.empty() && m.groups.front().first == 0 && m.groups.back().last == L - 1,
                "the groups cover every layer");
  for (size_t i = 0; i < m.groups.size(); ++i) {
    const map::Group& g = m.groups[i];
    fuzz::require(g.first <= g.last && (i == 0 || g.first == m.groups[i - 1].last + 1), "groups in layer order");
    fuzz::require(g.time_batch >= 1 && g.time_batch <= n.timesteps, "time batch 1..T");
  }
  fuzz::require(m.state.size() == size_t(L), "one state per layer");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const map::Network& n = network(data[0] & 1);
  const std::string yaml(reinterpret_cast<const char*>(data) + 1, size - 1);
  map::Mapping m;
  try {
    m = map::parse_mapping(yaml, "fuzz.yaml", n);
  } catch (const std::exception& e) {
    fuzz::require_one_line(error_text(e));
    return 0;
  }
  check(m, n);
  map::Mapping back;
  try {
    back = map::parse_mapping(map::to_yaml(m, n), "back.yaml", n);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fuzz::require(false, "a written mapping reads back");
  }
  fuzz::require(back == m, "to_yaml + parse_mapping gives the same mapping");
  return 0;
}
