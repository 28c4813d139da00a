#include "tlm/factory.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>

#include "tlm/error.h"
#include "tlm/input.h"
#include "tlm/params.h"

namespace spiketlm {

namespace {
thread_local std::string g_pending_kind;
}

std::string Factory::take_pending_kind() {
  std::string k;
  std::swap(k, g_pending_kind);
  return k;
}

Module* Factory::create(const std::string& kind, const std::string& name, Context& ctx, const std::string& who) {
  const KindInfo& info = get(kind, who);
  g_pending_kind = kind;
  Module* m = info.make(name.c_str(), ctx);
  g_pending_kind.clear();
  return m;
}

Factory& Factory::instance() {
  static Factory f;
  return f;
}

void Factory::add(KindInfo info) {
  info.origin = m_loading.empty() ? "built-in" : m_loading;
  auto it = m_kinds.find(info.kind);
  if (it != m_kinds.end() && !m_loading.empty()) {
    if (m_plugin_error.empty())
      m_plugin_error = m_loading + ": kind '" + info.kind + "' is registered twice (first by " +
                       it->second.origin + ")";
    return;
  }
  if (it != m_kinds.end())
    fail("factory", (m_loading.empty() ? std::string("built-in") : m_loading) + ": kind '" + info.kind +
                        "' is registered twice (first by " + it->second.origin + ")");
  m_kinds[info.kind] = std::move(info);
  ++m_registrations;
}

const KindInfo& Factory::get(const std::string& kind, const std::string& who) const {
  auto it = m_kinds.find(kind);
  if (it == m_kinds.end()) {
    std::vector<std::string> names;
    for (const auto& kv : m_kinds) names.push_back(kv.first);
    const std::string hint = nearest(kind, names);
    fail("factory", who + ": unknown kind '" + kind + "'" +
                        (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; `spiketlm list` shows all");
  }
  return it->second;
}

std::vector<const KindInfo*> Factory::all() const {
  std::vector<const KindInfo*> v;
  for (const auto& kv : m_kinds) v.push_back(&kv.second);
  return v;
}

void Factory::load_plugin(const std::string& path) {
  // A path (not a bare name for the library search path) must be a regular file: dlopen of
  // a FIFO would wait for a writer.
  struct stat st;
  if (path.find('/') != std::string::npos && ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    fail("factory", path + ": plugin failed to load: expected a shared library (a regular file), got " + file_kind_of(st.st_mode));
  const uint64_t before = m_registrations;
  m_loading = path;
  m_plugin_error.clear();
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  m_loading.clear();
  if (!m_plugin_error.empty()) fail("factory", m_plugin_error);
  if (!h) {
    const char* e = dlerror();
    std::string msg = e ? e : "unknown dlopen error";
    fail("factory", path + ": plugin failed to load: " + msg);
  }
  if (std::find(m_handles.begin(), m_handles.end(), h) != m_handles.end()) return;  // loaded before
  m_handles.push_back(h);
  if (m_registrations == before)
    fail("factory", path + ": plugin registers nothing, expected at least one kind (SPIKETLM_REGISTER_KIND) or "
                           "firmware model (SPIKETLM_REGISTER_FIRMWARE)");
}

}  // namespace spiketlm
