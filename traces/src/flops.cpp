#include "traces/src/flops.h"

#include "tlm/error.h"

namespace spiketlm {

flop_estimate_result flop_estimate(const bundle& b, const std::vector<std::uint64_t>& accumulates, int inferences) {
  const std::string where = (b.dir.empty() ? b.name : b.dir) + ": flop_estimate: ";
  if (inferences < 1) fail("trace", where + "inferences: expected an integer >= 1, got " + std::to_string(inferences));
  if (!accumulates.empty() && accumulates.size() != b.layers.size())
    fail("trace", where + "accumulates: expected " + std::to_string(b.layers.size()) +
                      " counts (one per layer) or none, got " + std::to_string(accumulates.size()));
  flop_estimate_result r;
  for (std::size_t i = 0; i < b.layers.size(); ++i) {
    const layer& l = b.layers[i];
    const std::uint64_t acs = accumulates.empty() ? 0 : accumulates[i];
    if (!l.is_compute()) {
      if (acs != 0)
        fail("trace", where + "accumulates[" + std::to_string(i) + "]: expected 0 for " + l.name + " (" +
                          layer_type_name(l.type) + ", not a conv2d/linear), got " + std::to_string(acs));
      continue;
    }
    flop_layer f;
    f.layer = static_cast<int>(i);
    f.name = l.name;
    f.macs = l.dense_macs() * static_cast<std::uint64_t>(inferences);
    f.acs = acs;
    f.e_snn_pj = static_cast<double>(f.acs) * k_flop_ac_pj;
    f.e_ann_pj = static_cast<double>(f.macs) * k_flop_mac_pj;
    r.macs += f.macs;
    r.acs += f.acs;
    r.e_snn_pj += f.e_snn_pj;
    r.e_ann_pj += f.e_ann_pj;
    r.layers.push_back(f);
  }
  return r;
}

}  // namespace spiketlm
