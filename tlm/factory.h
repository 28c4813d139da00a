// spiketlm: the kind registry.
//
// Every unit is a registered `kind` (a string such as "dram.lpddr4" or "lif.basic") with a
// family (the role it can play: "memory", "neuron", ...) and a one-line doc. A platform YAML
// names the kind of each instance; Module::make_child builds it through this registry and
// checks that the built object fits the slot (its C++ interface). Plugins (shared libraries)
// register more kinds when loaded.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace spiketlm {

class Module;
class Context;

struct KindInfo {
  std::string kind, family, doc, origin;  // origin: "built-in" or the plugin file
  std::function<Module*(const char* name, Context&)> make;
};

class Factory {
 public:
  static Factory& instance();
  void add(KindInfo info);           // error if the kind exists already
  const KindInfo& get(const std::string& kind, const std::string& who) const;
  bool has(const std::string& kind) const { return m_kinds.count(kind) != 0; }
  std::vector<const KindInfo*> all() const;
  // Build a unit of `kind` named `name` (its Module base records the kind). `who` names the
  // configuration key for error messages.
  Module* create(const std::string& kind, const std::string& name, Context& ctx, const std::string& who);
  // Called by Module's constructor: the kind being built by create(), or "".
  static std::string take_pending_kind();
  // dlopen a plugin; its static registrars add kinds (origin = path). Errors name the file:
  // a path that is not a regular file, a library that fails to load, and a library that
  // registers nothing (no kind, no firmware model). Loading a library again is a no-op.
  void load_plugin(const std::string& path);
  // Other registries (firmware models, sw/fw) count their registrations here, so that a
  // plugin that registers only those is not taken for an empty one.
  void note_registration() { ++m_registrations; }

 private:
  std::map<std::string, KindInfo> m_kinds;
  std::string m_loading;        // the plugin whose static constructors are running
  std::string m_plugin_error;   // an error raised while they ran (no throwing through dlopen)
  uint64_t m_registrations = 0;  // kinds and firmware models registered so far
  std::vector<void*> m_handles;  // plugins loaded
};

template <class T>
struct KindRegistrar {
  KindRegistrar(const char* kind, const char* family, const char* doc) {
    Factory::instance().add({kind, family, doc, "", [](const char* name, Context& ctx) -> Module* {
                               return new T(name, ctx);
                             }});
  }
};

}  // namespace spiketlm

#define SPIKETLM_CAT2(a, b) a##b
#define SPIKETLM_CAT(a, b) SPIKETLM_CAT2(a, b)
// Register class T (constructor T(sc_module_name, Context&)) as `kind`.
#define SPIKETLM_REGISTER_KIND(T, kind, family, doc) \
  static ::spiketlm::KindRegistrar<T> SPIKETLM_CAT(spiketlm_kind_, __LINE__)(kind, family, doc)
