#include "hw/compute/dataflow_mapped.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace spiketlm {

namespace {

// "first-last/tb" (descriptor indices, time batch).
MappedDataflow::Group parse_group(const std::string& s, const std::string& where) {
  MappedDataflow::Group g{};
  char tail = 0;
  if (std::sscanf(s.c_str(), "%d-%d/%d%c", &g.first, &g.last, &g.tb, &tail) != 3 || g.first < 0 || g.last < g.first ||
      g.tb < 1)
    fail("dataflow", where + ": expected groups as 'first-last/time_batch' (layer indices, first <= last, batch >= 1), got '" +
                         s + "'");
  return g;
}

}  // namespace

std::vector<uint32_t> MappedDataflow::layer_list(Context& ctx, const std::string& key, const std::string& help) {
  std::vector<uint32_t> out;
  for (const auto& s : param_list(key, {}, {help})) {
    char* end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end || v < 0)
      fail("dataflow", ctx.params.origin(path() + "." + key) + ": " + path() + "." + key +
                           ": expected layer indices (integers >= 0), got '" + s + "'");
    out.push_back(uint32_t(v));
  }
  return out;
}

MappedDataflow::MappedDataflow(sc_core::sc_module_name nm, Context& ctx) : TickBatch(nm, ctx) {
  const auto list = param_list("groups", {}, {"layer groups 'first-last/time_batch' over descriptor indices, in order "
                                              "(written from a mapping file: sw/map/map.md)"});
  const std::string where = ctx.params.origin(path() + ".groups") + ": " + path() + ".groups";
  m_stateless = layer_list(ctx, "stateless", "layers (descriptor indices) whose membranes do not carry over between "
                                            "timesteps (a mapping's state: none; changes the function)");
  m_onchip = layer_list(ctx, "onchip_state", "layers (descriptor indices) whose membranes wait between batches in the "
                                             "ofmap GLB instead of DRAM (a mapping's state: glb)");
  for (const auto& s : list) {
    m_groups.push_back(parse_group(s, where));
    const int expect = m_groups.size() == 1 ? 0 : m_groups[m_groups.size() - 2].last + 1;
    if (m_groups.back().first != expect)
      fail("dataflow", where + ": expected the group after layer " + std::to_string(expect - 1) + " to start at " +
                           std::to_string(expect) + ", got '" + s + "'");
  }
}

bool MappedDataflow::keeps_state(uint32_t layer) const {
  return std::find(m_stateless.begin(), m_stateless.end(), layer) == m_stateless.end();
}

std::vector<StateSlot> MappedDataflow::place_states(const std::vector<LayerCmd>& layers, int timesteps, int mb) const {
  // A layer's membranes wait on chip when they outlive its calls: its group runs in several batches.
  std::vector<uint64_t> bytes(layers.size(), 0);
  std::vector<int> group(layers.size(), -1);
  for (size_t gi = 0; gi < m_groups.size(); ++gi)
    for (int l = m_groups[gi].first; l <= m_groups[gi].last && size_t(l) < layers.size(); ++l) group[size_t(l)] = int(gi);
  for (uint32_t l : m_onchip) {
    if (l >= layers.size()) fail("dataflow", path() + ".onchip_state: layer " + std::to_string(l) + " is not in the network (" +
                                                 std::to_string(layers.size()) + " layers)");
    const LayerCmd& L = layers[l];
    if (!L.fires() || L.relu() || !(L.computes() || L.op == OP_ADD))
      fail("dataflow", path() + ".onchip_state: layer " + std::to_string(l) +
                           " keeps no membranes (expected a spiking convolution, linear or add layer)");
    if (group[l] < 0) continue;  // not in any group: schedule() refuses the groups
    if (keeps_state(l) && m_groups[size_t(group[l])].tb < timesteps) bytes[l] = uint64_t(L.g.out_c) * L.g.npx() * uint64_t(mb);
  }
  return spiketlm::place_states(bytes, group);
}

bool MappedDataflow::timestep_outer() const { return m_groups.size() == 1 && m_groups[0].tb == 1; }  // OS order

std::vector<LayerCall> MappedDataflow::schedule(int layers, int timesteps) const {
  if (m_groups.empty())
    fail("dataflow", path() + ".groups: expected at least one group 'first-last/time_batch' (spiketlm run -c mapping=FILE "
                              "sets them)");
  if (m_groups.back().last != layers - 1)
    fail("dataflow", path() + ".groups: expected groups covering the network's " + std::to_string(layers) +
                         " layers (0-" + std::to_string(layers - 1) + "), they end at " +
                         std::to_string(m_groups.back().last));
  std::vector<LayerCall> calls;
  for (const Group& g : m_groups)
    for (int t0 = 0; t0 < timesteps; t0 += g.tb) {
      std::vector<int> ts;
      for (int t = t0; t < std::min(timesteps, t0 + g.tb); ++t) ts.push_back(t);
      for (int l = g.first; l <= g.last; ++l) calls.push_back({l, ts});
    }
  return calls;
}

}  // namespace spiketlm

SPIKETLM_REGISTER_KIND(spiketlm::MappedDataflow, "dataflow.mapped", "dataflow",
                       "a mapping's layer groups and time batches (sw/map): tick-batch calls of each batch, membranes to "
                       "DRAM (or a region of the ofmap GLB) between batches");
