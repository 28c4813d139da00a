// spiketlm: the one parameter system.
//
// A platform YAML is flattened into hierarchical keys ("sata.glb_weight.size_kb"); later
// files and `-c key=value` overrides replace earlier values. Units read their parameters with
// typed getters that declare the parameter at the same time (type, default, range, unit, doc):
// the declarations feed `spiketlm list` and `--dump-config`. After elaboration every key that
// no unit read is an error ("unknown key"), with the nearest declared key as a hint.
// Errors are one line: "<file>:<line>: <key>: expected <what>, got '<value>'".
#pragma once
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace YAML { class Node; }

namespace spiketlm {

// What a unit says about a parameter when it reads it.
struct ParamSpec {
  std::string doc;
  std::string unit;                                // "ns", "KB", "pJ", "" ...
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;                // for enumerations (strings)
};

struct ParamDecl {
  std::string key;
  std::string type;        // bool, int, double, string, list
  std::string default_value;
  std::string value;       // effective value (text)
  ParamSpec spec;
};

class Params {
 public:
  // Flatten a YAML file's mapping into keys under `prefix` (empty for the root).
  void load_file(const std::string& path, const std::string& prefix = "");
  void load_string(const std::string& yaml, const std::string& origin, const std::string& prefix = "");
  // `-c key=value` (the value is parsed as YAML, so numbers and lists work).
  void set_override(const std::string& assignment);
  void set(const std::string& key, const std::string& value, const std::string& origin);
  void set_list(const std::string& key, const std::vector<std::string>& items, const std::string& origin);

  bool has(const std::string& key) const;
  // Immediate children of `prefix` that exist in the configuration (in file order).
  std::vector<std::string> children(const std::string& prefix) const;

  bool get_bool(const std::string& key, bool def, const ParamSpec& spec = {});
  int64_t get_int(const std::string& key, int64_t def, const ParamSpec& spec = {});
  double get_double(const std::string& key, double def, const ParamSpec& spec = {});
  std::string get_string(const std::string& key, const std::string& def, const ParamSpec& spec = {});
  std::vector<std::string> get_list(const std::string& key, const std::vector<std::string>& def,
                                    const ParamSpec& spec = {});
  // Where a key's value came from ("file:line", "-c", or "default").
  std::string origin(const std::string& key) const;

  // Every key that was set but never read is an error.
  void check_unused() const;
  const std::vector<ParamDecl>& declarations() const { return m_decls; }
  // The complete effective configuration as YAML (nested maps), every declared key with its
  // value; it loads back unchanged.
  std::string dump_yaml() const;

 private:
  struct Entry {
    std::string text;       // scalar text, or flow YAML for a list
    bool is_list = false;
    std::vector<std::string> items;
    std::string origin;     // file:line or -c
    mutable bool used = false;
  };
  const Entry* find(const std::string& key) const;
  void declare(const std::string& key, const std::string& type, const std::string& def,
               const std::string& value, const ParamSpec& spec);
  [[noreturn]] void bad(const std::string& key, const std::string& expected) const;
  void flatten(const YAML::Node& node, const std::string& prefix, const std::string& file);

  std::map<std::string, Entry> m_entries;
  std::vector<std::string> m_order;          // keys in the order they were first set
  std::vector<ParamDecl> m_decls;
  std::map<std::string, size_t> m_decl_index;
};

// Nearest string by edit distance (for "did you mean" hints); empty if none is close.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace spiketlm
