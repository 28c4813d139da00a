#include "platforms/energy_categories.h"

namespace spiketlm {

namespace {
// Whether `module` is `unit` or below it in the hierarchy.
bool within(const std::string& module, const std::string& unit) {
  return module.compare(0, unit.size(), unit) == 0 && (module.size() == unit.size() || module[unit.size()] == '.');
}
}  // namespace

void EnergyCategories::add(const std::string& module, Rule::Kind kind, const std::string& name, int c) {
  if (c < 0 || c >= int(m_names.size()))
    fail("energy", module + ": energy category " + std::to_string(c) + " out of range (" +
                       std::to_string(m_names.size()) + " categories)");
  for (const Rule& r : m_rules)
    if (r.module == module && r.kind == kind && r.name == name)
      fail("energy", module + ": assigned to an energy category twice");
  m_rules.push_back({kind, module, name, c});
}

std::vector<int> EnergyCategories::matches(const EnergyLedger::Line& l) const {
  // The innermost unit with any rule that covers the line.
  size_t depth = 0;
  bool found = false;
  for (const Rule& r : m_rules)
    if (within(l.module, r.module) && (!found || r.module.size() > depth)) {
      depth = r.module.size();
      found = true;
    }
  std::vector<int> specific, own;
  if (!found) return own;
  for (const Rule& r : m_rules) {
    if (r.module.size() != depth || !within(l.module, r.module)) continue;
    if (r.kind == Rule::unit)
      own.push_back(r.category);
    else if ((r.kind == Rule::component ? l.component : l.action) == r.name)
      specific.push_back(r.category);
  }
  return specific.empty() ? own : specific;
}

int EnergyCategories::of(const EnergyLedger::Line& l) const {
  const std::vector<int> m = matches(l);
  if (m.size() != 1)
    fail("energy", l.module + " (" + l.component + "." + l.action + "): " +
                       (m.empty() ? "in no energy category" : "in " + std::to_string(m.size()) + " energy categories"));
  return m[0];
}

std::vector<double> EnergyCategories::totals(const std::vector<EnergyLedger::Line>& lines) const {
  std::vector<double> t(m_names.size(), 0.0);
  for (const auto& l : lines) t[size_t(of(l))] += l.energy_pj;
  return t;
}

}  // namespace spiketlm
