#include "sw/run/shard.h"

#include <algorithm>
#include <map>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "tlm/boundary.h"

namespace spiketlm {

ShardCounts snapshot(const Context& ctx) {
  ShardCounts c;
  c.ledger = ctx.ledger.counts();
  for (const Module* m : ctx.modules())
    for (const Stat& s : m->stats()) {
      c.modules.push_back(m->path());
      c.stats.push_back(s);
    }
  return c;
}

namespace {
// `c` laid out like `like` (statistics matched by module and name; units create some during the
// run, so a later snapshot has more of them, not always at the end): zero where c has none.
ShardCounts aligned(const ShardCounts& c, const ShardCounts& like) {
  std::map<std::pair<std::string, std::string>, const Stat*> by;
  for (size_t i = 0; i < c.stats.size(); ++i) by[{c.modules[i], c.stats[i].name}] = &c.stats[i];
  ShardCounts a = like;
  a.ledger.assign(like.ledger.size(), 0);
  std::copy(c.ledger.begin(), c.ledger.begin() + long(std::min(c.ledger.size(), a.ledger.size())), a.ledger.begin());
  for (size_t i = 0; i < a.stats.size(); ++i) {
    const auto it = by.find({a.modules[i], a.stats[i].name});
    a.stats[i].count = it == by.end() ? 0 : it->second->count;
    a.stats[i].value = it == by.end() ? 0.0 : it->second->value;
  }
  return a;
}

// to += a - b, laid out like a (the latest snapshot).
void add_difference(ShardCounts& to, const ShardCounts& a, const ShardCounts& b) {
  const ShardCounts t = aligned(to, a), base = aligned(b, a);
  to = a;
  for (size_t i = 0; i < a.ledger.size(); ++i) to.ledger[i] = t.ledger[i] + (a.ledger[i] - base.ledger[i]);
  for (size_t i = 0; i < a.stats.size(); ++i) {
    to.stats[i].count = t.stats[i].count + (a.stats[i].count - base.stats[i].count);
    to.stats[i].value = t.stats[i].value + (a.stats[i].value - base.stats[i].value);
  }
}
}  // namespace

ShardRecorder::ShardRecorder(Simulation& sim) : m_sim(sim) {
  Boundary& b = sim.ctx().attribute<Boundary>();
  b.on_start.push_back([this](const sc_core::sc_time& t) {
    if (!m_have_setup) m_setup = snapshot(m_sim.ctx());   // after the units' hooks: the precharge is setup's
    m_have_setup = true;
    return t;
  });
  b.on_setup.push_back([this](bool begin) {
    if (!m_have_setup) return;  // before the first sample: in the setup anyway
    if (begin) m_window = snapshot(m_sim.ctx());
    else add_difference(m_setup, snapshot(m_sim.ctx()), m_window);
  });
}

ShardState ShardRecorder::state(const std::string& config) const {
  if (!m_have_setup)
    fail("run", "--shard-state: the platform started no inference, expected a platform whose firmware runs samples");
  ShardState s;
  s.config = shard_config(config);
  s.actions = m_sim.ctx().ledger.action_names();
  s.first = m_sim.platform().first_sample();
  s.samples = int(m_sim.results().samples.size());
  s.total = snapshot(m_sim.ctx());
  s.setup = aligned(m_setup, s.total);
  s.results = m_sim.results();
  s.warnings = m_sim.ctx().warnings();
  s.platform = m_sim.platform().state();
  return s;
}

std::string shard_config(const std::string& dump) {
  YAML::Node n = YAML::Load(dump);
  if (n["run"] && n["run"].IsMap()) {
    n["run"].remove("first_sample");
    n["run"].remove("samples");
  }
  YAML::Emitter e;
  e << n;
  return e.c_str();
}

namespace {

[[noreturn]] void bad(const ShardState& s, const std::string& field, const std::string& expected) {
  fail("merge", s.file + ": " + field + ": expected " + expected);
}

// A configuration as dotted keys and their values (lists as flow YAML), in file order.
void flatten(const YAML::Node& n, const std::string& key, std::vector<std::pair<std::string, std::string>>& out) {
  if (n.IsMap()) {
    for (const auto& kv : n) flatten(kv.second, (key.empty() ? "" : key + ".") + kv.first.Scalar(), out);
    return;
  }
  YAML::Emitter e;
  e << YAML::Flow << n;
  out.push_back({key, e.c_str()});
}

// The first key whose value differs between configurations `a` (the reference) and `b`: the
// run options (run.trace ...) first, as they name the cause (the platform's keys follow them).
std::string first_difference(const std::string& a, const std::string& b) {
  std::vector<std::pair<std::string, std::string>> fa, fb;
  flatten(YAML::Load(a), "", fa);
  flatten(YAML::Load(b), "", fb);
  const auto run_first = [](const auto& x, const auto& y) { return x.first.rfind("run.", 0) == 0 && y.first.rfind("run.", 0) != 0; };
  std::stable_sort(fa.begin(), fa.end(), run_first);
  const std::map<std::string, std::string> mb(fb.begin(), fb.end()), ma(fa.begin(), fa.end());
  for (const auto& [k, v] : fa) {
    const auto it = mb.find(k);
    if (it == mb.end() || it->second != v)
      return k + " is " + (it == mb.end() ? std::string("not set") : "'" + it->second + "'") + ", not '" + v + "'";
  }
  for (const auto& [k, v] : fb)
    if (!ma.count(k)) return k + " is '" + v + "', not set";
  return "the same keys";
}

void check_same(const ShardState& s, const ShardState& ref) {
  const std::string theirs = " of " + ref.file;
  if (s.config != ref.config)
    bad(s, "config", "the configuration" + theirs + " (all but run.first_sample and run.samples), got another: " +
                         first_difference(ref.config, s.config));
  if (s.actions != ref.actions) bad(s, "actions", "the energy actions" + theirs + " (the same platform)");
  if (s.setup.ledger != ref.setup.ledger || s.setup.modules != ref.setup.modules)
    bad(s, "setup", "the setup counts" + theirs + " (the same configuration and trace)");
  for (size_t i = 0; i < s.setup.stats.size(); ++i)
    if (s.setup.stats[i].count != ref.setup.stats[i].count || s.setup.stats[i].name != ref.setup.stats[i].name)
      bad(s, "setup.stats[" + std::to_string(i) + "]", "the setup counts" + theirs + " (" + ref.setup.stats[i].name + ")");
  if (s.total.modules != ref.total.modules || s.total.stats.size() != ref.total.stats.size())
    bad(s, "total.stats", "the statistics" + theirs);
  if (s.results.layer_of_desc != ref.results.layer_of_desc ||
      s.results.descriptors.size() != ref.results.descriptors.size())
    bad(s, "descriptors", "the descriptor table" + theirs);
  if (s.warnings != ref.warnings) bad(s, "warnings", "the warnings" + theirs);
}

// Sorted by first sample; each range starts where the one before ended.
void check_ranges(const std::vector<ShardState>& v) {
  for (size_t i = 1; i < v.size(); ++i) {
    const ShardState &a = v[i - 1], &b = v[i];
    const int end = a.first + a.samples;
    if (b.first < end)
      bad(b, "first_sample", "samples after " + std::to_string(end - 1) + " (the last of " + a.file + "), got " +
                                 std::to_string(b.first) + ": the shards overlap");
    if (b.first > end)
      bad(b, "first_sample", std::to_string(end) + " (after " + a.file + "), got " + std::to_string(b.first) +
                                 ": samples " + std::to_string(end) + ".." + std::to_string(b.first - 1) + " are in no shard");
  }
}

uint64_t merged_count(const std::vector<ShardState>& v, size_t i, bool peak) {
  const auto base = [](const ShardState& s, size_t k) { return k < s.setup.stats.size() ? s.setup.stats[k].count : 0; };
  uint64_t c = peak ? 0 : base(v[0], i);
  for (const auto& s : v) c = peak ? std::max(c, s.total.stats[i].count) : c + (s.total.stats[i].count - base(s, i));
  return c;
}

double merged_value(const std::vector<ShardState>& v, size_t i, bool peak) {
  const auto base = [](const ShardState& s, size_t k) { return k < s.setup.stats.size() ? s.setup.stats[k].value : 0.0; };
  double c = peak ? 0 : base(v[0], i);
  for (const auto& s : v) c = peak ? std::max(c, s.total.stats[i].value) : c + (s.total.stats[i].value - base(s, i));
  return c;
}

void merge_platform(const std::vector<ShardState>& v, PlatformState& out) {
  out = PlatformState{};
  for (const auto& s : v) {
    for (const auto& [k, x] : s.platform.sum) {
      auto& y = out.sum[k];
      if (y.size() < x.size()) y.resize(x.size(), 0);
      for (size_t i = 0; i < x.size(); ++i) y[i] += x[i];
    }
    for (const auto& [k, x] : s.platform.concat) out.concat[k].insert(out.concat[k].end(), x.begin(), x.end());
  }
  out.last = v.back().platform.last;
}

}  // namespace

ShardState merge_states(std::vector<ShardState> v) {
  if (v.empty()) fail("merge", "expected at least one shard");
  std::stable_sort(v.begin(), v.end(), [](const ShardState& a, const ShardState& b) { return a.first < b.first; });
  for (const auto& s : v) check_same(s, v[0]);
  check_ranges(v);
  ShardState m = v[0];
  m.samples = 0;
  m.results.samples.clear();
  for (const auto& s : v) {
    m.samples += s.samples;
    m.results.samples.insert(m.results.samples.end(), s.results.samples.begin(), s.results.samples.end());
  }
  for (size_t a = 0; a < m.total.ledger.size(); ++a) {
    m.total.ledger[a] = m.setup.ledger[a];
    for (const auto& s : v) m.total.ledger[a] += s.total.ledger[a] - s.setup.ledger[a];
  }
  for (size_t i = 0; i < m.total.stats.size(); ++i) {
    Stat& st = m.total.stats[i];
    st.count = merged_count(v, i, st.peak());
    st.value = merged_value(v, i, st.peak());
  }
  merge_platform(v, m.platform);
  return m;
}

namespace {
// The configuration the merge elaborates: the shards' without the transaction log (the merge's
// own sample would write it over the shard's); BN adaptation needs every sample in one process.
std::string merge_config(const ShardState& m) {
  YAML::Node n = YAML::Load(m.config);
  if (n["run"] && n["run"].IsMap()) {
    const YAML::Node cal = n["run"]["calibrate_out"];
    if (cal && cal.IsScalar() && !cal.Scalar().empty()) bad(m, "config", "a run without run.calibrate_out (BN adaptation runs in one process)");
    n["run"].remove("txlog");
  }
  YAML::Emitter e;
  e << n;
  return e.c_str();
}
}  // namespace

Report merged_report(const ShardState& m, const std::vector<std::string>& plugins) {
  Simulation sim;
  sim.ctx().echo_warnings = false;  // each shard said them
  RunRequest req;
  req.config = m.file;
  req.config_yaml = merge_config(m);
  req.plugins = plugins;
  req.run_params = {{"run.first_sample", std::to_string(m.first)}, {"run.samples", "1"}};
  sim.configure(req);
  sim.elaborate();
  sim.run();  // the setup and one sample: what the report reads besides counters
  Context& ctx = sim.ctx();
  if (ctx.ledger.action_names() != m.actions)
    fail("merge", m.file + ": actions: expected the energy actions this build declares for the configuration");
  ctx.ledger.set_counts(m.total.ledger);
  for (size_t i = 0; i < m.total.stats.size(); ++i) {
    Module* mod = ctx.find(m.total.modules[i]);
    if (!mod) fail("merge", m.file + ": total.stats[" + std::to_string(i) + "]: expected a module of the configuration, got " + m.total.modules[i]);
    Stat& s = mod->stat_slot(m.total.stats[i]);
    s.count = m.total.stats[i].count;
    s.value = m.total.stats[i].value;
  }
  sim.platform().set_state(m.platform);
  ctx.set_warnings(m.warnings);
  return sim.report(m.results);
}

}  // namespace spiketlm
