// spiketlm: a platform's energy-report categories (its "energy by component" table).
//
// Categories are a platform's own enum, assigned to the units that produce the energy: the unit
// object itself (its ledger lines and those of its children not assigned themselves), and where
// one unit's lines split, the component or action it declared. A ledger line lands in the
// category of the innermost assigned unit that is its module or an ancestor of it: a component
// or action rule of that unit that fits the line, else the unit's own category. Nothing is
// matched by name prefix; a line that no assignment covers, or that two rules claim, is an
// error naming its module (tests/integration/test_energy_categories.cpp runs every platform).
#pragma once
#include <string>
#include <vector>

#include "tlm/energy.h"
#include "tlm/module.h"

namespace spiketlm {

class EnergyCategories {
 public:
  // The categories' names in report order; category c of the platform's enum is names[c].
  explicit EnergyCategories(std::vector<std::string> names) : m_names(std::move(names)) {}

  // Every line of `unit` and of its children not assigned themselves.
  template <class Cat>
  void assign(const Module& unit, Cat c) { add(unit.path(), Rule::unit, "", int(c)); }
  // The lines of `unit` whose component (or action) is `name`.
  template <class Cat>
  void assign_component(const Module& unit, const std::string& name, Cat c) {
    add(unit.path(), Rule::component, name, int(c));
  }
  template <class Cat>
  void assign_action(const Module& unit, const std::string& name, Cat c) {
    add(unit.path(), Rule::action, name, int(c));
  }

  // The categories the assignments give a line (exactly one on a well-formed platform).
  std::vector<int> matches(const EnergyLedger::Line& l) const;
  // The one category of a line; fails (naming the module) on none or several.
  int of(const EnergyLedger::Line& l) const;
  // Energy per category of these lines, summed in their order.
  std::vector<double> totals(const std::vector<EnergyLedger::Line>& lines) const;
  const std::vector<std::string>& names() const { return m_names; }

 private:
  struct Rule {
    enum Kind { unit, component, action } kind;
    std::string module, name;
    int category;
  };
  void add(const std::string& module, Rule::Kind kind, const std::string& name, int c);
  std::vector<std::string> m_names;
  std::vector<Rule> m_rules;
};

}  // namespace spiketlm
