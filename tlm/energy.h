// spiketlm: the one energy ledger.
//
// Energy = actions x energy per action + leakage power x time (DESIGN.md principle 3).
// Counts are kept apart from energies (Accelergy style): units count named actions; the
// energy per action, the leakage power and the area come from a technology table in YAML
// (platforms/tech/*.yaml), each value with its source. A unit that declares an action the
// table does not have is an error at elaboration, never a silent zero.
//
// Tech table format:
//   technology: sata_28nm
//   components:
//     glb_144kb:
//       source: "FACTS.md s1 (CACTI 7, 28 nm)"    # default source for the entries below
//       actions:
//         read:  {energy_pj: 28.63}
//         write: {energy_pj: 28.22, source: "..."}
//       leakage_mw: 24.91                          # or {value: 24.91, source: "..."}
//       area_um2: 0
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace spiketlm {

class Report;

struct TechAction {
  double energy_pj = 0;
  std::string source;
};

struct TechComponent {
  std::string name;
  std::map<std::string, TechAction> actions;
  bool has_leakage = false, has_area = false;
  double leakage_mw = 0, area_um2 = 0;
  std::string leakage_source, area_source;
};

class TechTable {
 public:
  void load_file(const std::string& path);   // may be called for several files
  const TechComponent& component(const std::string& name, const std::string& who) const;
  // Action `action` of component `name`; error (naming `who`) if either is missing.
  const TechAction& action(const std::string& name, const std::string& action, const std::string& who) const;
  bool has(const std::string& name) const { return m_components.count(name) != 0; }
  const std::vector<std::string>& files() const { return m_files; }

 private:
  std::map<std::string, TechComponent> m_components;
  std::vector<std::string> m_files;
};

using ActionId = uint32_t;

// All counts of one simulation. Hot paths call add(id, n): an indexed add, no lookup.
class EnergyLedger {
 public:
  explicit EnergyLedger(const TechTable& tech) : m_tech(tech) {}

  // `module` is the hierarchical name of the unit that counts; `component` names the tech
  // table entry; the action must exist there.
  ActionId declare_action(const std::string& module, const std::string& component,
                          const std::string& action);
  // Leakage of `instances` copies of `component`, charged over the run's simulated time.
  void declare_leakage(const std::string& module, const std::string& component, double instances);
  void declare_area(const std::string& module, const std::string& component, double instances);

  void add(ActionId id, uint64_t n = 1) { m_counts[id] += n; }
  uint64_t count(ActionId id) const { return m_counts[id]; }
  // Every action's count, by ActionId (a snapshot for per-layer accounting; a shard's state).
  const std::vector<uint64_t>& counts() const { return m_counts; }
  void set_counts(const std::vector<uint64_t>& c);   // a merge of shards; error on a size mismatch
  // acc[i] += count(i) - since[i]: the actions counted since the snapshot `since`.
  void add_since(std::vector<uint64_t>& acc, const std::vector<uint64_t>& since) const;
  // The dynamic energy of `counts` (by ActionId), summed in ActionId order: a per-layer energy
  // from integer counts, so it does not depend on what the run counted before.
  double dynamic_pj(const std::vector<uint64_t>& counts) const;
  // "module component action" of every action, by ActionId.
  std::vector<std::string> action_names() const;

  struct Line {
    std::string module, component, action;
    double per_action_pj;
    uint64_t count;
    double energy_pj;
  };
  // Dynamic energy lines, then leakage lines (action "leakage", per_action_pj = mW, count = 0).
  std::vector<Line> lines(double seconds) const;
  double total_pj(double seconds, const std::string& module_prefix = "") const;
  double area_um2(const std::string& module_prefix = "") const;
  // Energy summed by module path, as a tree: every prefix of a module path gets its subtree's
  // total. Keys are module paths ("sata", "sata.glb_weight", ...).
  std::map<std::string, double> tree(double seconds) const;
  std::map<std::string, double> area_tree() const;
  struct AreaLine {
    std::string module, component;
    double um2;   // all instances
  };
  std::vector<AreaLine> area_lines() const;

  // Adds the ledger to a report: tables energy_by_module, energy_by_action, area_by_module
  // (group detail) and ledger.run_energy_pj (the whole run).
  void to_report(Report& r, double seconds) const;

 private:
  struct Decl {
    std::string module, component, action;
    double pj;
  };
  struct Leak {
    std::string module, component;
    double mw, instances;
    double energy_pj(double seconds) const { return mw * 1e-3 * instances * seconds * 1e12; }
  };
  struct Area {
    std::string module, component;
    double um2, instances;
  };
  const TechTable& m_tech;
  std::vector<Decl> m_decls;
  std::vector<uint64_t> m_counts;
  std::vector<Leak> m_leaks;
  std::vector<Area> m_areas;
};

// Does `path` lie in the subtree `prefix` ("a.b" is in "a" and in "a.b", not in "a.bc")?
bool in_subtree(const std::string& path, const std::string& prefix);

}  // namespace spiketlm
