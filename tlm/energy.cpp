#include "tlm/energy.h"

#include <yaml-cpp/yaml.h>

#include "tlm/error.h"
#include "tlm/input.h"
#include "tlm/params.h"
#include "tlm/report.h"

namespace spiketlm {

bool in_subtree(const std::string& path, const std::string& prefix) {
  if (prefix.empty()) return true;
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.';
}

namespace {

// A value given either as a number or as {value: x, source: "..."}.
double read_value(const YAML::Node& n, const std::string& where, const std::string& key,
                  const std::string& default_source, std::string& source) {
  // yaml-cpp nodes are references: assigning to one writes through, so use reset().
  YAML::Node v;
  v.reset(n);
  source = default_source;
  if (n.IsMap()) {
    if (!n["value"] && !n["energy_pj"])
      fail("tech", where + ": " + key + ": expected a number or {value, source}");
    v.reset(n["value"] ? n["value"] : n["energy_pj"]);
    if (n["source"]) source = n["source"].as<std::string>();
  }
  double d;
  try {
    d = v.as<double>();
  } catch (const YAML::Exception&) {
    fail("tech", where + ": " + key + ": expected a number, got '" +
                     (v.IsScalar() ? v.as<std::string>() : std::string("?")) + "'");
  }
  if (!(d >= 0)) fail("tech", where + ": " + key + ": expected a number >= 0, got " + std::to_string(d));
  if (source.empty()) fail("tech", where + ": " + key + ": no source given (every entry needs one)");
  return d;
}

}  // namespace

void TechTable::load_file(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(read_input_file(path, {"tech", "file", "a readable technology table (YAML)"}));
  } catch (const YAML::Exception& e) {
    fail("tech", path + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
  }
  if (!root.IsMap() || !root["components"] || !root["components"].IsMap())
    fail("tech", path + ": components: expected a mapping of component names");
  for (const auto& kv : root) {
    const auto k = kv.first.as<std::string>();
    if (k != "components" && k != "technology" && k != "description")
      fail("tech", path + ": " + k + ": unknown key (expected technology, description, components)");
  }
  for (const auto& ckv : root["components"]) {
    TechComponent c;
    c.name = ckv.first.as<std::string>();
    const YAML::Node& cn = ckv.second;
    const std::string where = path + ": components." + c.name;
    if (!cn.IsMap()) fail("tech", where + ": expected a mapping");
    const std::string src = cn["source"] ? cn["source"].as<std::string>() : "";
    for (const auto& kv : cn) {
      const auto k = kv.first.as<std::string>();
      if (k == "source") continue;
      if (k == "actions") {
        if (!kv.second.IsMap()) fail("tech", where + ".actions: expected a mapping");
        for (const auto& akv : kv.second) {
          TechAction a;
          const auto an = akv.first.as<std::string>();
          a.energy_pj = read_value(akv.second, where + ".actions", an, src, a.source);
          c.actions[an] = a;
        }
      } else if (k == "leakage_mw") {
        c.leakage_mw = read_value(kv.second, where, k, src, c.leakage_source);
        c.has_leakage = true;
      } else if (k == "area_um2") {
        c.area_um2 = read_value(kv.second, where, k, src, c.area_source);
        c.has_area = true;
      } else {
        fail("tech", where + ": " + k + ": unknown key (expected source, actions, leakage_mw, area_um2)");
      }
    }
    m_components[c.name] = c;
  }
  m_files.push_back(path);
}

const TechComponent& TechTable::component(const std::string& name, const std::string& who) const {
  auto it = m_components.find(name);
  if (it == m_components.end()) {
    std::vector<std::string> names;
    for (const auto& kv : m_components) names.push_back(kv.first);
    std::string hint = nearest(name, names);
    std::string files;
    for (const auto& f : m_files) files += (files.empty() ? "" : ", ") + f;
    fail("tech", who + ": component '" + name + "' is not in the technology table (" +
                     (files.empty() ? "none loaded" : files) + ")" +
                     (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
  }
  return it->second;
}

const TechAction& TechTable::action(const std::string& name, const std::string& action, const std::string& who) const {
  const TechComponent& c = component(name, who);
  auto it = c.actions.find(action);
  if (it == c.actions.end())
    fail("tech", who + ": action '" + action + "' of component '" + name + "' is missing from the technology table");
  return it->second;
}

ActionId EnergyLedger::declare_action(const std::string& module, const std::string& component,
                                      const std::string& action) {
  const double pj = m_tech.action(component, action, module).energy_pj;
  for (ActionId i = 0; i < m_decls.size(); ++i)
    if (m_decls[i].module == module && m_decls[i].component == component && m_decls[i].action == action)
      return i;
  m_decls.push_back({module, component, action, pj});
  m_counts.push_back(0);
  return static_cast<ActionId>(m_decls.size() - 1);
}

void EnergyLedger::declare_leakage(const std::string& module, const std::string& component, double instances) {
  const TechComponent& c = m_tech.component(component, module);
  if (!c.has_leakage)
    fail("tech", module + ": component '" + component + "' has no leakage_mw in the technology table");
  m_leaks.push_back({module, component, c.leakage_mw, instances});
}

void EnergyLedger::declare_area(const std::string& module, const std::string& component, double instances) {
  const TechComponent& c = m_tech.component(component, module);
  if (!c.has_area)
    fail("tech", module + ": component '" + component + "' has no area_um2 in the technology table");
  m_areas.push_back({module, component, c.area_um2, instances});
}

std::vector<EnergyLedger::Line> EnergyLedger::lines(double seconds) const {
  std::vector<Line> out;
  for (size_t i = 0; i < m_decls.size(); ++i) {
    const auto& d = m_decls[i];
    out.push_back({d.module, d.component, d.action, d.pj, m_counts[i], d.pj * double(m_counts[i])});
  }
  for (const auto& l : m_leaks)
    out.push_back({l.module, l.component, "leakage", l.mw, 0, l.energy_pj(seconds)});
  return out;
}

double EnergyLedger::total_pj(double seconds, const std::string& prefix) const {
  // The sum of lines(seconds) in their order, without building them (units call this per layer).
  double t = 0;
  for (size_t i = 0; i < m_decls.size(); ++i)
    if (in_subtree(m_decls[i].module, prefix)) t += m_decls[i].pj * double(m_counts[i]);
  for (const auto& l : m_leaks)
    if (in_subtree(l.module, prefix)) t += l.energy_pj(seconds);
  return t;
}

void EnergyLedger::set_counts(const std::vector<uint64_t>& c) {
  if (c.size() != m_counts.size())
    fail("energy", "ledger: expected " + std::to_string(m_counts.size()) + " action counts, got " + std::to_string(c.size()));
  m_counts = c;
}

void EnergyLedger::add_since(std::vector<uint64_t>& acc, const std::vector<uint64_t>& since) const {
  if (acc.size() < m_counts.size()) acc.resize(m_counts.size(), 0);
  for (size_t i = 0; i < m_counts.size(); ++i) acc[i] += m_counts[i] - (i < since.size() ? since[i] : 0);
}

double EnergyLedger::dynamic_pj(const std::vector<uint64_t>& counts) const {
  double t = 0;
  for (size_t i = 0; i < m_decls.size() && i < counts.size(); ++i) t += m_decls[i].pj * double(counts[i]);
  return t;
}

std::vector<std::string> EnergyLedger::action_names() const {
  std::vector<std::string> v;
  for (const auto& d : m_decls) v.push_back(d.module + " " + d.component + " " + d.action);
  return v;
}

double EnergyLedger::area_um2(const std::string& prefix) const {
  double t = 0;
  for (const auto& a : m_areas)
    if (in_subtree(a.module, prefix)) t += a.um2 * a.instances;
  return t;
}

namespace {
void add_to_tree(std::map<std::string, double>& tree, const std::string& module, double v) {
  for (size_t pos = 0;;) {
    pos = module.find('.', pos);
    tree[module.substr(0, pos)] += v;
    if (pos == std::string::npos) break;
    ++pos;
  }
}
}  // namespace

std::map<std::string, double> EnergyLedger::tree(double seconds) const {
  std::map<std::string, double> t;
  for (const auto& l : lines(seconds)) add_to_tree(t, l.module, l.energy_pj);
  return t;
}

std::map<std::string, double> EnergyLedger::area_tree() const {
  std::map<std::string, double> t;
  for (const auto& a : m_areas) add_to_tree(t, a.module, a.um2 * a.instances);
  return t;
}

void EnergyLedger::to_report(Report& r, double seconds) const {
  auto& tree_tab = r.table("energy_by_module", "Energy by module (tree totals)",
                           {"module", "energy_pj", "share_pct"});
  const auto t = tree(seconds);
  double total = 0;
  for (const auto& kv : t)
    if (kv.first.find('.') == std::string::npos) total += kv.second;
  for (const auto& kv : t)
    tree_tab.add_row({kv.first, kv.second, total > 0 ? 100.0 * kv.second / total : 0.0});
  auto& act = r.table("energy_by_action", "Energy by action",
                      {"module", "component", "action", "count", "pj_per_action", "energy_pj"});
  for (const auto& l : lines(seconds)) {
    if (l.action == "leakage")
      act.add_row({l.module, l.component, "leakage", Value(), Value(), l.energy_pj});
    else
      act.add_row({l.module, l.component, l.action, int64_t(l.count), l.per_action_pj, l.energy_pj});
  }
  r.set("ledger", "run_energy_pj", total, "pJ, whole run (all samples, with leakage)");
  if (!m_areas.empty()) {
    auto& at = r.table("area_by_module", "Area by module (tree totals)", {"module", "area_um2"});
    for (const auto& kv : area_tree()) at.add_row({kv.first, kv.second});
  }
}

std::vector<EnergyLedger::AreaLine> EnergyLedger::area_lines() const {
  std::vector<AreaLine> v;
  for (const auto& a : m_areas) v.push_back({a.module, a.component, a.um2 * a.instances});
  return v;
}

}  // namespace spiketlm
