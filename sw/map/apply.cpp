#include "sw/map/apply.h"

#include <stdexcept>

#include "sw/map/mapping.h"
#include "tlm/params.h"
#include "traces/src/trace.h"

namespace spiketlm::map {

namespace {

// The platform's top-level key (the one child that is not a configuration section).
std::string top_of(const Params& p) {
  for (const auto& c : p.children(""))
    if (c != "tech" && c != "plugins" && c != "sim" && c != "run" && c != "mapping") return c;
  throw std::runtime_error("mapping: the configuration has no platform");
}

// The descriptor index of every layer (a flatten has none: it moves no data) and the count.
std::vector<int> descriptor_of(const bundle& b, int& count) {
  std::vector<int> d(b.layers.size(), -1);
  count = 0;
  for (size_t i = 0; i < b.layers.size(); ++i)
    if (b.layers[i].type != layer_type::flatten) d[i] = count++;
  return d;
}

// The dataflow's groups (descriptor indices); `fused` gets the indices of the fused ones.
std::vector<std::string> groups_of(const Mapping& m, const bundle& b, std::vector<std::string>& fused) {
  int count = 0;
  const std::vector<int> desc = descriptor_of(b, count);
  std::vector<std::string> out;
  int next = 0;
  for (size_t gi = 0; gi < m.groups.size(); ++gi) {
    const Group& g = m.groups[gi];
    int last = -1;
    for (int l = g.first; l <= g.last; ++l) last = std::max(last, desc[size_t(l)]);
    if (last < next) continue;  // a group of flatten layers only
    if (g.fuse) fused.push_back(std::to_string(out.size()));
    out.push_back(std::to_string(next) + "-" + std::to_string(last) + "/" + std::to_string(g.time_batch));
    next = last + 1;
  }
  return out;
}

// A workload's layers that read a generated input map (FORMAT.md input_rate) instead of their
// producer's output: 'layer:producer' (descriptor indices; through flattens), so a fused group
// keeps the producer's map on chip for them (hw/compute/dataflow.md).
std::vector<std::string> stands_for(const bundle& b) {
  int count = 0;
  const std::vector<int> desc = descriptor_of(b, count);
  std::vector<std::string> out;
  if (b.functional()) return out;
  for (size_t i = 0; i < b.layers.size(); ++i) {
    const layer& l = b.layers[i];
    if (l.input_rate.empty() || l.inputs.empty() || l.inputs[0].empty()) continue;
    int q = b.layer_index(l.inputs[0]);
    while (q >= 0 && b.layers[size_t(q)].type == layer_type::flatten)
      q = b.layers[size_t(q)].inputs.empty() || b.layers[size_t(q)].inputs[0].empty() ? -1 : b.layer_index(b.layers[size_t(q)].inputs[0]);
    if (q >= 0) out.push_back(std::to_string(desc[i]) + ":" + std::to_string(desc[size_t(q)]));
  }
  return out;
}

}  // namespace

void apply_mapping(Params& p) {
  if (!p.has("mapping")) return;
  const std::string file = p.get_string("mapping", "", {"mapping file (sw/map/map.md): run the layer groups and time "
                                                        "batches it names (dataflow.mapped)"});
  if (!p.has("run.trace")) throw std::runtime_error(file + ": a mapping needs the bundle it maps (--trace)");
  const bundle b = read_bundle(p.get_string("run.trace", ""));
  Network n;
  n.name = b.name;
  n.timesteps = b.timesteps;
  for (const layer& l : b.layers) {
    MapLayer m;
    m.name = l.name;
    m.state_bytes = l.fires() && !b.ann() ? 1 : 0;
    n.layers.push_back(m);
  }
  const Mapping m = read_mapping(file, n);
  const std::string top = top_of(p);
  if (!p.has(top + ".dataflow.kind"))
    throw std::runtime_error(file + ": a mapping runs on a platform with a dataflow (SATA: platforms/sata), expected one, "
                             "got '" + top + "' without " + top + ".dataflow");
  p.set(top + ".dataflow.kind", "dataflow.mapped", file);
  std::vector<std::string> fused;
  p.set_list(top + ".dataflow.groups", groups_of(m, b, fused), file);
  if (!fused.empty()) {
    p.set_list(top + ".dataflow.fused", fused, file);
    const std::vector<std::string> stands = stands_for(b);
    if (!stands.empty()) p.set_list(top + ".dataflow.stands_for", stands, file);
  }
  // descriptor indices of the layers whose state is removed, and of those whose state waits on chip
  std::vector<std::string> stateless, onchip;
  int count = 0;
  const std::vector<int> desc = descriptor_of(b, count);
  for (size_t l = 0; l < m.state.size(); ++l)
    if (b.layers[l].fires()) {
      if (m.state[l] == State::none) stateless.push_back(std::to_string(desc[l]));
      if (m.state[l] == State::glb) onchip.push_back(std::to_string(desc[l]));
    }
  if (!stateless.empty()) p.set_list(top + ".dataflow.stateless", stateless, file);
  if (!onchip.empty()) p.set_list(top + ".dataflow.onchip_state", onchip, file);
}

}  // namespace spiketlm::map
