// spiketlm: the module base and the simulation context.
//
// A Context is one simulation: its parameters, technology table, energy ledger, tracer and
// the list of units. Every unit derives from Module (an sc_module) and reads its parameters,
// declares its energy actions, statistics and traced values through it, so that all units
// are configured, accounted, reported and traced the same way.
//
// A unit's configuration path is its SystemC hierarchical name: the module "sata.glb_weight"
// reads "sata.glb_weight.size_kb". Children are built by kind from the YAML with make_child.
#pragma once
#include <systemc>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <typeindex>
#include <vector>

#include "tlm/energy.h"
#include "tlm/error.h"
#include "tlm/factory.h"
#include "tlm/params.h"
#include "tlm/report.h"
#include "tlm/trace.h"

namespace spiketlm {

class Module;

class Context {
 public:
  Context();
  ~Context();
  Params params;
  TechTable tech;
  EnergyLedger ledger{tech};
  Tracer tracer;

  // Global TLM quantum for temporal decoupling (parameter "sim.quantum_ns", default 1000 ns).
  void apply_quantum();
  const std::vector<Module*>& modules() const { return m_modules; }
  Module* find(const std::string& path) const;
  // An automatic adjustment of what was asked (a parameter refitted, a trace re-derived): one
  // line on stderr now ("spiketlm: warning: <text>") and in the report's warnings.
  void warn(const std::string& text);
  // false: warnings go to the report only (a tool that elaborates a platform without running
  // it, e.g. the sweep driver's validation, where each point's own run says them).
  bool echo_warnings = true;
  const std::vector<std::string>& warnings() const { return m_warnings; }
  void set_warnings(std::vector<std::string> w) { m_warnings = std::move(w); }   // a merge of shards
  // Statistics of every module into the report's "stats" table; ledger into energy tables.
  void to_report(Report& r) const;
  // Seconds of simulated time used for leakage (set by the platform at the end of a run).
  double elapsed_s = 0;
  // A run-wide attribute of type T that the layers above define (one value per type,
  // default-constructed on first use): e.g. hw's NetworkMode (hw/neuron/network_mode.h), set by
  // the platform before it elaborates its units. The framework gives it no meaning.
  template <class T>
  T& attribute() {
    std::shared_ptr<void>& p = m_attributes[std::type_index(typeid(T))];
    if (!p) p = std::make_shared<T>();
    return *static_cast<T*>(p.get());
  }

 private:
  friend class Module;
  std::vector<Module*> m_modules;
  std::map<std::type_index, std::shared_ptr<void>> m_attributes;
  std::vector<std::string> m_warnings;
};

struct Stat {
  std::string name, unit, doc;
  bool integer = true;
  uint64_t count = 0;   // integer statistics; a time statistic's kernel ticks
  double value = 0;     // real-valued ones (averages, peaks in fractional units)
  bool time = false;    // a time statistic (Module::time_stat): `count` ticks, reported in ns
  // The reported real value: `value`, or a time statistic's ticks in ns (as nanoseconds()).
  double real() const;
  // A merge of shards (sw/run/shard.h) takes the maximum of a statistic named peak_*, else the sum.
  bool peak() const { return name.rfind("peak_", 0) == 0; }
};

class Module : public sc_core::sc_module {
 public:
  Module(sc_core::sc_module_name name, Context& ctx);
  ~Module() override;
  Context& ctx() const { return m_ctx; }
  std::string path() const { return name(); }
  const std::string& unit_kind() const { return m_kind; }

  // Parameters under this module's path.
  int64_t param_int(const std::string& key, int64_t def, const ParamSpec& spec = {});
  double param_double(const std::string& key, double def, const ParamSpec& spec = {});
  bool param_bool(const std::string& key, bool def, const ParamSpec& spec = {});
  std::string param_string(const std::string& key, const std::string& def, const ParamSpec& spec = {});
  std::vector<std::string> param_list(const std::string& key, const std::vector<std::string>& def,
                                      const ParamSpec& spec = {});

  // Energy: an action of a tech-table component, counted by this module.
  ActionId action(const std::string& component, const std::string& action);
  void count(ActionId id, uint64_t n = 1) { m_ctx.ledger.add(id, n); }
  void leakage(const std::string& component, double instances = 1);
  void area(const std::string& component, double instances = 1);

  // Statistics (reported in the "stats" table). The reference stays valid for the run.
  uint64_t& counter(const std::string& name, const std::string& unit = "", const std::string& doc = "");
  double& real_stat(const std::string& name, const std::string& unit = "", const std::string& doc = "");
  // A sum of durations, counted exactly in kernel ticks (t.value()) and reported in ns: sums
  // of sc_time add without rounding, so shards of a run merge exactly (sw/run/shard.h).
  uint64_t& time_stat(const std::string& name, const std::string& doc = "");
  // The statistic named like `proto` (created as `proto` if missing): a merge sets it.
  Stat& stat_slot(const Stat& proto);
  const std::deque<Stat>& stats() const { return m_stats; }
  const Stat* find_stat(const std::string& name) const;

  // Trace a member variable into the VCD (if tracing is on and the name passes the filter).
  template <class T>
  void trace(const std::string& name, const T& v) {
    m_ctx.tracer.add(path() + "." + name, v);
  }

  // A timed value in the VCD (tlm/trace.h): p.set(t, v) shows v at simulated time t (the
  // unit's local time under temporal decoupling). bits 1 = flag, 0 = real. Empty if not traced.
  Probe probe(const std::string& name, unsigned bits = 32, Probe::Kind kind = Probe::value) {
    return m_ctx.tracer.probe(path() + "." + name, bits, kind);
  }

  // Extra report content (per-unit tables); called by Context::to_report.
  virtual void report(Report&) const {}

  // Build child `member` of C++ type T from "<path>.<member>.kind" (default_kind if unset).
  template <class T>
  T* make_child(const std::string& member, const std::string& default_kind) {
    Module* m = build_child(member, default_kind);
    T* t = dynamic_cast<T*>(m);
    if (!t) child_mismatch(member, m, typeid(T).name());
    return t;
  }

 private:
  Module* build_child(const std::string& member, const std::string& default_kind);
  [[noreturn]] void child_mismatch(const std::string& member, Module* m, const char* wanted);
  Context& m_ctx;
  std::string m_kind;
  std::deque<Stat> m_stats;
  std::vector<std::unique_ptr<Module>> m_children;
};

// The simulated time an initiator has reached, including its local offset.
inline double seconds(const sc_core::sc_time& t) { return t.to_seconds(); }
// t.to_seconds() * 1e9 bit for bit (the library's arithmetic: value x resolution in fs x 1e-15),
// without its out-of-line call: for statistics summed per transaction.
inline double nanoseconds(const sc_core::sc_time& t) {
  static const double res_fs = double(uint64_t(sc_core::sc_get_time_resolution().to_seconds() * 1e15 + 0.5));
  return double(t.value()) * res_fs * 1e-15 * 1e9;
}

}  // namespace spiketlm
