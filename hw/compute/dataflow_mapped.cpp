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

MappedDataflow::MappedDataflow(sc_core::sc_module_name nm, Context& ctx) : TickBatch(nm, ctx) {
  const auto list = param_list("groups", {}, {"layer groups 'first-last/time_batch' over descriptor indices, in order "
                                              "(written from a mapping file: sw/map/map.md)"});
  const std::string where = ctx.params.origin(path() + ".groups") + ": " + path() + ".groups";
  for (const auto& s : param_list("stateless", {}, {"layers (descriptor indices) whose membranes do not carry over "
                                                   "between timesteps (a mapping's state: none; changes the function)"})) {
    char* end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end || v < 0)
      fail("dataflow", ctx.params.origin(path() + ".stateless") + ": " + path() +
                           ".stateless: expected layer indices (integers >= 0), got '" + s + "'");
    m_stateless.push_back(uint32_t(v));
  }
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
                       "DRAM between batches");
