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

std::vector<uint32_t> MappedDataflow::layer_list(Context& ctx, const std::string& key, const std::string& help,
                                                const char* what) {
  std::vector<uint32_t> out;
  for (const auto& s : param_list(key, {}, {help})) {
    char* end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end || v < 0)
      fail("dataflow", ctx.params.origin(path() + "." + key) + ": " + path() + "." + key +
                           ": expected " + what + " indices (integers >= 0), got '" + s + "'");
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
  for (const auto& s : param_list("stands_for", {}, {"'C:P': layer C's generated input map (a workload) stands for "
                                                   "layer P's output, so a fused group keeps it on chip"})) {
    unsigned c = 0, q = 0;
    char tail = 0;
    if (std::sscanf(s.c_str(), "%u:%u%c", &c, &q, &tail) != 2)
      fail("dataflow", ctx.params.origin(path() + ".stands_for") + ": " + path() +
                           ".stands_for: expected 'layer:producer' (descriptor indices), got '" + s + "'");
    m_stands.push_back({c, q});
  }
  const std::vector<uint32_t> fused = layer_list(ctx, "fused", "groups (indices into groups) whose layers keep the maps "
                                                             "they pass to each other in the ifmap GLB (a mapping's fuse: true)",
                                                "group");
  for (const auto& s : list) {
    m_groups.push_back(parse_group(s, where));
    const int expect = m_groups.size() == 1 ? 0 : m_groups[m_groups.size() - 2].last + 1;
    if (m_groups.back().first != expect)
      fail("dataflow", where + ": expected the group after layer " + std::to_string(expect - 1) + " to start at " +
                           std::to_string(expect) + ", got '" + s + "'");
  }
  for (uint32_t gi : fused) {
    if (gi >= m_groups.size())
      fail("dataflow", ctx.params.origin(path() + ".fused") + ": " + path() + ".fused: group " + std::to_string(gi) +
                           " does not exist (" + std::to_string(m_groups.size()) + " groups)");
    m_groups[gi].fuse = true;
  }
}

std::vector<int> MappedDataflow::group_of(size_t layers) const {
  std::vector<int> group(layers, -1);
  for (size_t gi = 0; gi < m_groups.size(); ++gi)
    for (int l = m_groups[gi].first; l <= m_groups[gi].last && size_t(l) < layers; ++l) group[size_t(l)] = int(gi);
  return group;
}

namespace {

// Whether every layer that reads P's output map (as its input, its generated input standing for
// it, or an add's second operand) is in P's group, and at least one does.
// The last such reader (-1: none, or one outside the group).
int consumed_within(const std::vector<LayerCmd>& layers, const std::vector<int>& group, size_t P,
                    const std::vector<int>& stands) {
  int last = -1;
  for (size_t C = 0; C < layers.size(); ++C) {
    const LayerCmd& c = layers[C];
    const bool reads = C != P && (c.in_addr == layers[P].out_addr || stands[C] == int(P) ||
                                  (c.op == OP_ADD && c.in2_addr == layers[P].out_addr));
    if (reads && group[C] != group[P]) return -1;
    if (reads) last = int(C);
  }
  return last;
}

}  // namespace

std::vector<RegionSlot> MappedDataflow::place_maps(const std::vector<LayerCmd>& layers, int timesteps) const {
  const std::vector<int> group = group_of(layers.size());
  std::vector<int> stands(layers.size(), -1);
  for (size_t C = 0; C < layers.size(); ++C) stands[C] = stands_for(uint32_t(C));
  std::vector<uint64_t> bytes(layers.size(), 0);
  std::vector<int> last(layers.size(), -1);
  for (size_t P = 0; P < layers.size(); ++P) {
    if (group[P] < 0 || !m_groups[size_t(group[P])].fuse) continue;
    last[P] = consumed_within(layers, group, P, stands);
    if (last[P] >= 0) bytes[P] = layers[P].out_step_bytes() * uint64_t(std::min(m_groups[size_t(group[P])].tb, timesteps));
  }
  return place_live(bytes, last, group);  // a map's place is free again once its last reader ran
}

std::vector<RegionSlot> MappedDataflow::place_weights(const std::vector<LayerCmd>& layers, int timesteps, int cols) const {
  const std::vector<int> group = group_of(layers.size());
  std::vector<uint64_t> bytes(layers.size(), 0);
  for (size_t l = 0; l < layers.size(); ++l) {
    const LayerCmd& L = layers[l];
    if (group[l] < 0 || !L.computes()) continue;
    const Group& g = m_groups[size_t(group[l])];
    if (g.fuse && g.tb < timesteps)
      bytes[l] = (uint64_t(L.g.out_c) + uint64_t(cols) - 1) / uint64_t(cols) * L.g.w_dim() * uint64_t(cols);
  }
  return place_regions(bytes, group);
}

int MappedDataflow::stands_for(uint32_t layer) const {
  for (const auto& [c, q] : m_stands)
    if (c == layer) return int(q);
  return -1;
}

FoldCount MappedDataflow::folds(const FoldShape& s, uint64_t p0, uint64_t p1, const uint32_t* nnz, bool skip_zero,
                                bool first_t) const {
  return os_folds(s, p0, p1, nnz, skip_zero, first_t, s.timesteps != 1);
}

bool MappedDataflow::keeps_state(uint32_t layer) const {
  return std::find(m_stateless.begin(), m_stateless.end(), layer) == m_stateless.end();
}

std::vector<RegionSlot> MappedDataflow::place_states(const std::vector<LayerCmd>& layers, int timesteps, int mb) const {
  // A layer's membranes wait on chip when they outlive its calls: its group runs in several batches.
  std::vector<uint64_t> bytes(layers.size(), 0);
  const std::vector<int> group = group_of(layers.size());
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
  return place_regions(bytes, group);
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
