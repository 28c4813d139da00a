#include "sw/map/mapping.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tlm/printable.h"
#include "tlm/input.h"

namespace spiketlm::map {

const char* state_name(State s) { return s == State::dram ? "dram" : s == State::glb ? "glb" : "none"; }

bool Mapping::operator==(const Mapping& o) const {
  if (groups.size() != o.groups.size() || state != o.state) return false;
  for (size_t i = 0; i < groups.size(); ++i) {
    const Group &a = groups[i], &b = o.groups[i];
    if (a.first != b.first || a.last != b.last || a.time_batch != b.time_batch || a.fuse != b.fuse) return false;
  }
  return true;
}

Mapping baseline(const Network& n) {
  Mapping m;
  m.groups.push_back({0, int(n.layers.size()) - 1, 1, false});
  m.state.assign(n.layers.size(), State::dram);
  return m;
}

Mapping time_inner(const Network& n) {
  Mapping m;
  m.groups.push_back({0, int(n.layers.size()) - 1, n.timesteps, false});
  m.state.assign(n.layers.size(), State::dram);
  return m;
}

std::string to_yaml(const Mapping& m, const Network& n) {
  std::ostringstream o;
  o << "# spiketlm mapping (sw/map/map.md)\nformat: spiketlm-mapping\nversion: 1\n";
  o << "network: " << n.name << "\ntimesteps: " << n.timesteps << "\ngroups:\n";
  for (const Group& g : m.groups)
    o << "  - {first: " << n.layers[size_t(g.first)].name << ", last: " << n.layers[size_t(g.last)].name
      << ", time_batch: " << g.time_batch << ", fuse: " << (g.fuse ? "true" : "false") << "}\n";
  o << "state:\n";
  bool any = false;
  for (size_t i = 0; i < n.layers.size(); ++i)
    if (n.layers[i].state_bytes) {
      o << "  " << n.layers[i].name << ": " << state_name(m.state[i]) << "\n";
      any = true;
    }
  if (!any) o << "  {}\n";
  return o.str();
}

namespace {

struct Reader {
  const std::string& origin;
  const Network& n;
  [[noreturn]] void bad(const std::string& field, const std::string& expected, const std::string& got) const {
    throw std::runtime_error(printable(origin + ": " + field, 400) + ": expected " + printable(expected, 400) + ", got '" +
                             printable(got, 80) + "'");
  }
  std::string text(const YAML::Node& v) const { return v.IsScalar() ? v.Scalar() : YAML::Dump(v); }
  int layer(const YAML::Node& v, const std::string& field) const {
    const int i = v.IsScalar() ? n.index(v.Scalar()) : -1;
    if (i < 0) bad(field, "a layer of network '" + n.name + "'", text(v));
    return i;
  }
  int integer(const YAML::Node& v, const std::string& field, int lo, int hi) const {
    long x = 0;
    try {
      size_t used = 0;
      x = std::stol(v.IsScalar() ? v.Scalar() : std::string("?"), &used);
      if (used != v.Scalar().size()) throw std::invalid_argument("");
    } catch (const std::exception&) { bad(field, "an integer " + std::to_string(lo) + ".." + std::to_string(hi), text(v)); }
    if (x < lo || x > hi) bad(field, "an integer " + std::to_string(lo) + ".." + std::to_string(hi), text(v));
    return int(x);
  }
  bool boolean(const YAML::Node& v, const std::string& field) const {
    if (v.IsScalar() && (v.Scalar() == "true" || v.Scalar() == "false")) return v.Scalar() == "true";
    bad(field, "true or false", text(v));
  }
  void keys(const YAML::Node& node, const std::string& field, const std::vector<std::string>& allowed) const {
    for (const auto& kv : node) {
      const std::string k = kv.first.Scalar();
      bool ok = false;
      for (const auto& a : allowed) ok = ok || a == k;
      if (!ok) bad(field + "." + k, "no such key (known: first, last, time_batch, fuse)", k);
    }
  }
  Group group(const YAML::Node& g, const std::string& f) const;
  void groups(const YAML::Node& gs, Mapping& m) const;
  void states(const YAML::Node& st, Mapping& m) const;
};

Group Reader::group(const YAML::Node& g, const std::string& f) const {
  if (!g.IsMap()) bad(f, "a map {first, last, time_batch, fuse}", text(g));
  keys(g, f, {"first", "last", "time_batch", "fuse"});
  for (const char* k : {"first", "last", "time_batch"})
    if (!g[k]) bad(f + "." + k, "a value", "");
  Group r;
  r.first = layer(g["first"], f + ".first");
  r.last = layer(g["last"], f + ".last");
  r.time_batch = integer(g["time_batch"], f + ".time_batch", 1, n.timesteps);
  r.fuse = g["fuse"] ? boolean(g["fuse"], f + ".fuse") : false;
  if (r.last < r.first) bad(f + ".last", "a layer at or after '" + n.layers[size_t(r.first)].name + "'", g["last"].Scalar());
  return r;
}

void Reader::groups(const YAML::Node& gs, Mapping& m) const {
  if (!gs || !gs.IsSequence() || gs.size() == 0) bad("groups", "a non-empty list of layer groups", gs ? text(gs) : "");
  int next = 0;
  for (size_t i = 0; i < gs.size(); ++i) {
    const std::string f = "groups[" + std::to_string(i) + "]";
    Group g = group(gs[i], f);
    if (g.first != next)
      bad(f + ".first", "'" + (next < int(n.layers.size()) ? n.layers[size_t(next)].name : std::string("(none)")) +
                            "' (groups cover the layers in order, each once)", n.layers[size_t(g.first)].name);
    next = g.last + 1;
    m.groups.push_back(g);
  }
  if (next != int(n.layers.size()))
    bad("groups", "groups up to the last layer '" + n.layers.back().name + "'", n.layers[size_t(next - 1)].name);
}

void Reader::states(const YAML::Node& st, Mapping& m) const {
  m.state.assign(n.layers.size(), State::dram);
  if (!st) return;
  if (!st.IsMap()) bad("state", "a map layer: dram|glb|none", text(st));
  for (const auto& kv : st) {
    const std::string f = "state." + kv.first.Scalar();
    const int i = layer(kv.first, "state");
    if (!n.layers[size_t(i)].state_bytes) bad(f, "a layer with neuron state", kv.first.Scalar());
    const std::string v = kv.second.IsScalar() ? kv.second.Scalar() : text(kv.second);
    if (v == "dram") m.state[size_t(i)] = State::dram;
    else if (v == "glb") m.state[size_t(i)] = State::glb;
    else if (v == "none") m.state[size_t(i)] = State::none;
    else bad(f, "dram, glb or none", v);
  }
}

}  // namespace

Mapping parse_mapping(const std::string& yaml, const std::string& origin, const Network& n) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(origin + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + printable(e.msg));
  }
  Reader r{origin, n};
  if (!root.IsMap()) r.bad("(top level)", "a mapping file (format: spiketlm-mapping)", r.text(root));
  if (!root["format"] || root["format"].Scalar() != "spiketlm-mapping")
    r.bad("format", "spiketlm-mapping", root["format"] ? r.text(root["format"]) : "");
  if (root["timesteps"] && r.integer(root["timesteps"], "timesteps", 1, 1 << 20) != n.timesteps)
    r.bad("timesteps", std::to_string(n.timesteps) + " (the network's)", root["timesteps"].Scalar());
  Mapping m;
  r.groups(root["groups"], m);
  r.states(root["state"], m);
  return m;
}

Mapping read_mapping(const std::string& path, const Network& n) {
  return parse_mapping(read_input_file(path, {"map", "file", "a readable mapping file (YAML)"}), path, n);
}

}  // namespace spiketlm::map
