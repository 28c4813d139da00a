// libFuzzer harness: the parameter system (tlm/params.h). Input: a platform YAML text, then
// any number of "\n@@-c key=value" lines (overrides). Every key is read with each typed getter;
// a configuration that loads must dump to YAML that loads back to the same dump.
#include <exception>

#include "tests/fuzz/fuzz_util.h"
#include "tlm/params.h"

using namespace spiketlm;

namespace {
void read_all(Params& p, const std::string& prefix, int depth) {
  if (depth > 64) return;
  for (const auto& c : p.children(prefix)) {
    const std::string k = prefix.empty() ? c : prefix + "." + c;
    if (p.has(k)) {
      try { p.get_string(k, ""); } catch (const std::exception&) {}
      try { p.get_list(k, {}); } catch (const std::exception&) {}
      try { p.get_int(k, 0, {"", "", -1e6, 1e6}); } catch (const std::exception&) {}
      try { p.get_double(k, 0); } catch (const std::exception&) {}
      try { p.get_bool(k, false); } catch (const std::exception&) {}
      try { p.origin(k); } catch (const std::exception&) {}
    }
    read_all(p, k, depth + 1);
  }
}

// The values as text: strings, and lists where a key holds a list (one getter per key, as
// units read them), for the --dump-config round trip.
void read_as_text(Params& p, const std::string& prefix, int depth) {
  if (depth > 64) return;
  for (const auto& c : p.children(prefix)) {
    const std::string k = prefix.empty() ? c : prefix + "." + c;
    if (p.has(k)) {
      try {
        p.get_string(k, "");
      } catch (const std::exception&) {
        p.get_list(k, {});
      }
    }
    read_as_text(p, k, depth + 1);
  }
}

bool load(Params& p, const std::string& yaml, const std::vector<std::pair<std::string, std::string>>& overrides) {
  try {
    p.load_string(yaml, "fuzz.yaml");
    for (const auto& o : overrides) p.set_override(o.first + (o.second.empty() ? "" : "\n" + o.second));
  } catch (const std::exception&) {
    return false;  // a one-line error: fine
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [yaml, overrides] = fuzz::split(data, size, "\n@@-c ");
  Params p;
  if (!load(p, yaml, overrides)) return 0;
  read_all(p, "", 0);  // every typed getter on every key: none may crash
  try {
    p.check_unused();
    p.dump_yaml();
  } catch (const std::exception&) {
  }
  // Round trip: what --dump-config writes loads back to the same configuration.
  Params a;
  load(a, yaml, overrides);
  read_as_text(a, "", 0);
  // A key that is both a value and a parent ("a: 1" with "a.b: 2") cannot be one YAML
  // document; the CLI never dumps it (its parent would be an unknown key to every unit).
  for (const auto& d : a.declarations())
    for (const auto& e : a.declarations())
      if (e.key.size() > d.key.size() && e.key.compare(0, d.key.size(), d.key) == 0 && e.key[d.key.size()] == '.') return 0;
  std::string dump;
  try {
    dump = a.dump_yaml();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fuzz::require(false, "a configuration that loaded cannot be dumped");
  }
  Params b;
  try {
    b.load_string(dump, "dump.yaml");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fuzz::require(false, "a dumped configuration does not load back");
  }
  read_as_text(b, "", 0);
  fuzz::require(b.dump_yaml() == dump, "a dumped configuration loads back different");
  return 0;
}
