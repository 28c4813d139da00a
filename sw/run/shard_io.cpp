// A shard's state as JSON (sw/run/shard.md): written with 17 significant digits, so every double
// reads back to the same bits; read with yaml-cpp (JSON is YAML), every field checked.
#include <cstring>

#include <yaml-cpp/yaml.h>

#include "sw/run/shard.h"
#include "tlm/input.h"
#include "tlm/report.h"

namespace spiketlm {

namespace {

constexpr int kShardVersion = 1;

template <class T, class F>
std::string list(const std::vector<T>& v, F f) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + f(v[i]);
  return s + "]";
}
std::string u64(uint64_t v) { return std::to_string(v); }
std::string dbl(double v) { return Value(v).json(); }  // the report writer's 17 digits

std::string counts_json(const ShardCounts& c) {
  std::string s = "{\"ledger\": " + list(c.ledger, u64) + ", \"stats\": [";
  for (size_t i = 0; i < c.stats.size(); ++i) {
    const Stat& t = c.stats[i];
    s += std::string(i ? ",\n    " : "\n    ") + "[" + json_escape(c.modules[i]) + ", " + json_escape(t.name) + ", " +
         json_escape(t.unit) + ", " + json_escape(t.doc) + ", " + (t.integer ? "1" : "0") + ", " + (t.time ? "1" : "0") +
         ", " + u64(t.count) + ", " + dbl(t.value) + "]";
  }
  return s + "]}";
}

std::string sample_json(const SampleResult& r) {
  return "{\"seconds\": " + dbl(r.seconds) + ", \"regs\": " +
         list(std::vector<uint64_t>{r.irq_cause, r.status, r.err_code, r.err_layer, r.err_field, r.prediction,
                                    r.exit_timestep, r.cycles, r.dram_bytes, r.glb_bytes, r.spikes, r.spikes_in},
              u64) +
         ", \"outputs\": " + list(r.outputs, [](int32_t v) { return std::to_string(v); }) + "}";
}

template <class T>
std::string named(const std::map<std::string, std::vector<T>>& m, std::string (*f)(T)) {
  std::string s = "{";
  for (const auto& [k, v] : m) s += (s.size() > 1 ? ", " : "") + json_escape(k) + ": " + list(v, f);
  return s + "}";
}

std::vector<uint32_t> desc_words(const LayerDesc& d) {
  std::vector<uint32_t> w(LAYERDESC_WORDS);
  std::memcpy(w.data(), &d, sizeof d);
  return w;
}

}  // namespace

std::string state_json(const ShardState& s) {
  std::string j = "{\"spiketlm_shard\": " + std::to_string(kShardVersion) + ",\n \"config\": " + json_escape(s.config) +
                  ",\n \"first_sample\": " + std::to_string(s.first) + ", \"samples\": " + std::to_string(s.samples) +
                  ",\n \"actions\": " + list(s.actions, json_escape) + ",\n \"setup\": " + counts_json(s.setup) +
                  ",\n \"total\": " + counts_json(s.total) + ",\n \"results\": [";
  for (size_t i = 0; i < s.results.samples.size(); ++i) j += (i ? ",\n  " : "\n  ") + sample_json(s.results.samples[i]);
  j += "],\n \"descriptors\": " + list(s.results.descriptors, [](const LayerDesc& d) {
         return list(desc_words(d), [](uint32_t w) { return std::to_string(w); });
       });
  j += ",\n \"layer_of_desc\": " + list(s.results.layer_of_desc, [](int v) { return std::to_string(v); });
  j += ",\n \"warnings\": " + list(s.warnings, json_escape);
  j += ",\n \"platform\": {\"sum\": " + named(s.platform.sum, u64) + ", \"last\": " + named(s.platform.last, dbl) +
       ", \"concat\": " + named(s.platform.concat, dbl) + "}}\n";
  return j;
}

namespace {

// Reads fields of one state file; every error names the file and the field.
struct Reader {
  std::string file;
  [[noreturn]] void bad(const std::string& field, const std::string& expected) const {
    fail("merge", file + ": " + field + ": expected " + expected);
  }
  YAML::Node need(const YAML::Node& n, const std::string& field, bool seq) const {
    if (!n || (seq ? !n.IsSequence() : !(n.IsMap() || n.IsScalar()))) bad(field, seq ? "a list" : "a value");
    return n;
  }
  template <class T>
  T scalar(const YAML::Node& n, const std::string& field) const {
    if (!n || !n.IsScalar()) bad(field, "a number");
    try {
      return n.as<T>();
    } catch (const YAML::Exception&) {
      bad(field, "a number, got '" + n.Scalar() + "'");
    }
  }
  std::string text(const YAML::Node& n, const std::string& field) const {
    if (!n || !n.IsScalar()) bad(field, "a string");
    return n.Scalar();
  }
  template <class T>
  std::vector<T> numbers(const YAML::Node& n, const std::string& field) const {
    need(n, field, true);
    std::vector<T> v;
    for (size_t i = 0; i < n.size(); ++i) v.push_back(scalar<T>(n[i], field + "[" + std::to_string(i) + "]"));
    return v;
  }
  ShardCounts counts(const YAML::Node& n, const std::string& field) const;
  SampleResult sample(const YAML::Node& n, const std::string& field) const;
  void platform(const YAML::Node& n, PlatformState& p) const;
};

ShardCounts Reader::counts(const YAML::Node& n, const std::string& field) const {
  if (!n || !n.IsMap()) bad(field, "an object with ledger and stats");
  ShardCounts c;
  c.ledger = numbers<uint64_t>(n["ledger"], field + ".ledger");
  const YAML::Node st = need(n["stats"], field + ".stats", true);
  for (size_t i = 0; i < st.size(); ++i) {
    const std::string f = field + ".stats[" + std::to_string(i) + "]";
    if (!st[i].IsSequence() || st[i].size() != 8) bad(f, "[module, name, unit, doc, integer, time, count, value]");
    c.modules.push_back(text(st[i][0], f + "[0]"));
    Stat s{text(st[i][1], f + "[1]"), text(st[i][2], f + "[2]"), text(st[i][3], f + "[3]"),
           scalar<int>(st[i][4], f + "[4]") != 0, scalar<uint64_t>(st[i][6], f + "[6]"), scalar<double>(st[i][7], f + "[7]")};
    s.time = scalar<int>(st[i][5], f + "[5]") != 0;
    c.stats.push_back(s);
  }
  return c;
}

SampleResult Reader::sample(const YAML::Node& n, const std::string& field) const {
  if (!n || !n.IsMap()) bad(field, "an object with seconds, regs and outputs");
  SampleResult r;
  r.seconds = scalar<double>(n["seconds"], field + ".seconds");
  const std::vector<uint64_t> g = numbers<uint64_t>(n["regs"], field + ".regs");
  if (g.size() != 12) bad(field + ".regs", "12 register values");
  uint32_t* w[] = {&r.irq_cause, &r.status, &r.err_code, &r.err_layer, &r.err_field, &r.prediction, &r.exit_timestep};
  for (int i = 0; i < 7; ++i) *w[i] = uint32_t(g[size_t(i)]);
  r.cycles = g[7], r.dram_bytes = g[8], r.glb_bytes = g[9], r.spikes = g[10], r.spikes_in = g[11];
  r.outputs = numbers<int32_t>(n["outputs"], field + ".outputs");
  return r;
}

void Reader::platform(const YAML::Node& n, PlatformState& p) const {
  if (!n || !n.IsMap()) bad("platform", "an object with sum, last and concat");
  auto each = [&](const char* kind, auto& out, auto tag) {
    const YAML::Node m = n[kind];
    if (!m || !m.IsMap()) bad(std::string("platform.") + kind, "an object of lists");
    for (const auto& kv : m) {
      const std::string k = kv.first.Scalar();
      out[k] = numbers<decltype(tag)>(kv.second, std::string("platform.") + kind + "." + k);
    }
  };
  each("sum", p.sum, uint64_t());
  each("last", p.last, double());
  each("concat", p.concat, double());
}

}  // namespace

ShardState read_state(const std::string& path) {
  ShardState s;
  s.file = path;
  Reader rd{path};
  YAML::Node n;
  try {
    n = YAML::Load(read_input_file(path, {"merge", "file", "a shard's state (spiketlm run --shard-state)", uint64_t(1) << 30}));
  } catch (const YAML::Exception& e) {
    rd.bad("file", "a shard's state in JSON, got a parse error at line " + std::to_string(e.mark.line + 1));
  }
  if (!n.IsMap() || !n["spiketlm_shard"]) rd.bad("spiketlm_shard", "a shard's state (spiketlm run --shard-state)");
  if (rd.scalar<int>(n["spiketlm_shard"], "spiketlm_shard") != kShardVersion)
    rd.bad("spiketlm_shard", "version " + std::to_string(kShardVersion));
  s.config = rd.text(n["config"], "config");
  s.first = rd.scalar<int>(n["first_sample"], "first_sample");
  s.samples = rd.scalar<int>(n["samples"], "samples");
  const YAML::Node acts = rd.need(n["actions"], "actions", true);
  for (size_t i = 0; i < acts.size(); ++i) s.actions.push_back(rd.text(acts[i], "actions[" + std::to_string(i) + "]"));
  s.setup = rd.counts(n["setup"], "setup");
  s.total = rd.counts(n["total"], "total");
  const YAML::Node res = rd.need(n["results"], "results", true);
  for (size_t i = 0; i < res.size(); ++i) s.results.samples.push_back(rd.sample(res[i], "results[" + std::to_string(i) + "]"));
  const YAML::Node ds = rd.need(n["descriptors"], "descriptors", true);
  for (size_t i = 0; i < ds.size(); ++i) {
    const auto w = rd.numbers<uint32_t>(ds[i], "descriptors[" + std::to_string(i) + "]");
    if (w.size() != LAYERDESC_WORDS) rd.bad("descriptors[" + std::to_string(i) + "]", std::to_string(LAYERDESC_WORDS) + " words");
    LayerDesc d;
    std::memcpy(&d, w.data(), sizeof d);
    s.results.descriptors.push_back(d);
  }
  s.results.layer_of_desc = rd.numbers<int>(n["layer_of_desc"], "layer_of_desc");
  const YAML::Node ws = rd.need(n["warnings"], "warnings", true);
  for (size_t i = 0; i < ws.size(); ++i) s.warnings.push_back(rd.text(ws[i], "warnings[" + std::to_string(i) + "]"));
  rd.platform(n["platform"], s.platform);
  if (int(s.results.samples.size()) != s.samples)
    rd.bad("results", std::to_string(s.samples) + " samples (samples), got " + std::to_string(s.results.samples.size()));
  return s;
}

}  // namespace spiketlm
