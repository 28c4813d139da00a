#include "tlm/module.h"

#include <iostream>

#include <tlm_utils/tlm_quantumkeeper.h>

#include <algorithm>
#include <cxxabi.h>

namespace spiketlm {

Context::Context() = default;
Context::~Context() = default;

void Context::apply_quantum() {
  const double q = params.get_double("sim.quantum_ns", 1000,
                                     {"TLM global quantum for temporal decoupling", "ns", 0, 1e9});
  tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_core::sc_time(q, sc_core::SC_NS));
}

Module* Context::find(const std::string& path) const {
  for (auto* m : m_modules)
    if (m->path() == path) return m;
  return nullptr;
}

void Context::to_report(Report& r) const {
  auto& t = r.table("stats", "Statistics by module", {"module", "statistic", "value", "unit"});
  for (auto* m : m_modules) {
    for (const auto& s : m->stats())
      t.add_row({m->path(), s.name, s.integer ? Value(s.count) : Value(s.real()), s.unit});
  }
  for (auto* m : m_modules) m->report(r);
  ledger.to_report(r, elapsed_s);
  for (const auto& w : m_warnings) r.warn(w);
}

void Context::warn(const std::string& text) {
  if (std::find(m_warnings.begin(), m_warnings.end(), text) != m_warnings.end()) return;
  m_warnings.push_back(text);
  if (echo_warnings) std::cerr << "spiketlm: warning: " << text << std::endl;
}

Module::Module(sc_core::sc_module_name nm, Context& ctx) : sc_core::sc_module(nm), m_ctx(ctx) {
  m_kind = Factory::take_pending_kind();
  ctx.m_modules.push_back(this);
}

Module::~Module() {
  m_children.clear();
  auto& v = m_ctx.m_modules;
  v.erase(std::remove(v.begin(), v.end(), this), v.end());
}

int64_t Module::param_int(const std::string& key, int64_t def, const ParamSpec& spec) {
  return m_ctx.params.get_int(path() + "." + key, def, spec);
}
double Module::param_double(const std::string& key, double def, const ParamSpec& spec) {
  return m_ctx.params.get_double(path() + "." + key, def, spec);
}
bool Module::param_bool(const std::string& key, bool def, const ParamSpec& spec) {
  return m_ctx.params.get_bool(path() + "." + key, def, spec);
}
std::string Module::param_string(const std::string& key, const std::string& def, const ParamSpec& spec) {
  return m_ctx.params.get_string(path() + "." + key, def, spec);
}
std::vector<std::string> Module::param_list(const std::string& key, const std::vector<std::string>& def,
                                            const ParamSpec& spec) {
  return m_ctx.params.get_list(path() + "." + key, def, spec);
}

ActionId Module::action(const std::string& component, const std::string& act) {
  return m_ctx.ledger.declare_action(path(), component, act);
}
void Module::leakage(const std::string& component, double instances) {
  m_ctx.ledger.declare_leakage(path(), component, instances);
}
void Module::area(const std::string& component, double instances) {
  m_ctx.ledger.declare_area(path(), component, instances);
}

uint64_t& Module::counter(const std::string& name, const std::string& unit, const std::string& doc) {
  for (auto& s : m_stats)
    if (s.name == name) return s.count;
  m_stats.push_back({name, unit, doc, true, 0, 0});
  return m_stats.back().count;
}

double& Module::real_stat(const std::string& name, const std::string& unit, const std::string& doc) {
  for (auto& s : m_stats)
    if (s.name == name) return s.value;
  m_stats.push_back({name, unit, doc, false, 0, 0});
  return m_stats.back().value;
}

uint64_t& Module::time_stat(const std::string& name, const std::string& doc) {
  Stat proto{name, "ns", doc, false, 0, 0};
  proto.time = true;
  return stat_slot(proto).count;
}

Stat& Module::stat_slot(const Stat& proto) {
  for (auto& s : m_stats)
    if (s.name == proto.name) return s;
  m_stats.push_back(proto);
  return m_stats.back();
}

double Stat::real() const {
  if (!time) return value;
  static const double res_fs = double(uint64_t(sc_core::sc_get_time_resolution().to_seconds() * 1e15 + 0.5));
  return double(count) * res_fs * 1e-15 * 1e9;  // nanoseconds(): the same expression
}

const Stat* Module::find_stat(const std::string& name) const {
  for (const auto& s : m_stats)
    if (s.name == name) return &s;
  return nullptr;
}

Module* Module::build_child(const std::string& member, const std::string& default_kind) {
  const std::string key = path() + "." + member + ".kind";
  const std::string kind = m_ctx.params.get_string(key, default_kind, {"kind of unit " + member});
  Module* m = Factory::instance().create(kind, member, m_ctx, m_ctx.params.origin(key) + ": " + key);
  m_children.emplace_back(m);
  if (m->get_parent_object() != this)
    fail("factory", path() + "." + member + ": make_child must be called from " + path() +
                        "'s constructor (SystemC builds the hierarchy during construction)");
  return m;
}

void Module::child_mismatch(const std::string& member, Module* m, const char* wanted) {
  int st = 0;
  char* d = abi::__cxa_demangle(wanted, nullptr, nullptr, &st);
  std::string w = st == 0 && d ? d : wanted;
  std::free(d);
  const std::string key = path() + "." + member + ".kind";
  const KindInfo& info = Factory::instance().get(m->unit_kind(), key);
  fail("factory", m_ctx.params.origin(key) + ": " + key + ": kind '" + m->unit_kind() + "' (family " +
                      info.family + ") does not fit here: this slot needs a " + w);
}

}  // namespace spiketlm
