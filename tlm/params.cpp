#include "tlm/params.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <fstream>
#include <sstream>

#include "tlm/error.h"
#include "tlm/input.h"
#include "tlm/printable.h"

namespace spiketlm {

namespace {

// A key is dot-separated names of ASCII letters, digits, '_' and '-' (every key a unit declares
// is; anything else could not be written back by --dump-config: found by tests/fuzz,
// regressions/params/override_key_control_chars, yaml_key_empty_parts, yaml_key_not_utf8).
bool valid_key(const std::string& key) {
  bool ok = !key.empty() && key.front() != '.' && key.back() != '.' && key.find("..") == std::string::npos;
  for (unsigned char c : key) ok = ok && (std::isalnum(c) || c == '_' || c == '-' || c == '.');
  return ok;
}

// The length of the UTF-8 sequence at s[i] and its code point in `cp`; 0 when it is not
// valid UTF-8 (a stray or truncated byte, an overlong form, a surrogate, above U+10FFFF).
size_t utf8_at(const std::string& s, size_t i, uint32_t& cp) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  cp = c;
  if (c < 0x80) return 1;
  const size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = c & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    const unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  const uint32_t least = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
  return cp < least || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : n;
}

// YAML 1.2's printable characters (c-printable): tab, line breaks, and no other control
// character (yaml-cpp reads a NUL byte as part of an escape and dumps a byte that is not UTF-8).
bool yaml_printable(uint32_t cp) {
  return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0x7e) || cp == 0x85 ||
         (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
}

// The first fault of `s` as YAML text, "" when there is none: bytes that are not UTF-8, or a
// character YAML does not allow (found by tests/fuzz: regressions/params/value_not_utf8,
// value_nul_byte). `line` is set to its 1-based line.
std::string yaml_text_fault(const std::string& s, int& line) {
  line = 1;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t n = utf8_at(s, i, cp);
    if (n == 0) return "a byte sequence that is not UTF-8";
    if (!yaml_printable(cp)) {
      char u[16];
      std::snprintf(u, sizeof u, "U+%04X", unsigned(cp));
      return std::string("the control character ") + u + " (YAML text allows tab, line breaks and printable characters)";
    }
    if (cp == '\n') ++line;
    i += n;
  }
  return "";
}

// YAML's line breaks (CR LF, CR, LF) as LF, as the YAML spec normalises them: yaml-cpp keeps a
// lone CR at the end of the text inside a plain scalar, which --dump-config then wrote back as
// a line break (found by tests/fuzz: regressions/params/value_lone_cr).
std::string yaml_line_breaks(const std::string& s) {
  if (s.find('\r') == std::string::npos) return s;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\r') {
      out += s[i];
    } else if (i + 1 == s.size() || s[i + 1] != '\n') {
      out += '\n';
    }
  }
  return out;
}

std::string join_key(const std::string& prefix, const std::string& k) {
  return prefix.empty() ? k : prefix + "." + k;
}

std::string format_number(double v) {
  std::ostringstream os;
  os.precision(15);
  os << v;
  return os.str();
}

std::string range_text(const ParamSpec& s) {
  const bool lo = std::isfinite(s.min), hi = std::isfinite(s.max);
  if (lo && hi) return " in [" + format_number(s.min) + ", " + format_number(s.max) + "]";
  if (lo) return " >= " + format_number(s.min);
  if (hi) return " <= " + format_number(s.max);
  return "";
}

}  // namespace

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(3, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::vector<size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= c.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (word[i - 1] != c[j - 1])});
      std::swap(prev, cur);
    }
    if (prev[c.size()] < best_d) { best_d = prev[c.size()]; best = c; }
  }
  return best;
}

namespace {
// A list as one line of flow YAML ("[a, b]"), items quoted where YAML needs it ("[\"a, b\", c]"):
// the text loads back to the same items (--dump-config).
std::string flow_list(const std::vector<std::string>& items) {
  YAML::Node n(YAML::NodeType::Sequence);
  for (const auto& i : items) n.push_back(i);
  YAML::Emitter em;
  em << YAML::Flow << n;
  return em.c_str();
}
}  // namespace

void Params::flatten(const YAML::Node& node, const std::string& prefix, const std::string& file) {
  std::map<std::string, int> seen;  // key -> line: a key twice in one mapping is an error
  for (auto it = node.begin(); it != node.end(); ++it) {
    const int line = it->first.Mark().line + 1;
    const std::string origin = file + ":" + std::to_string(line);
    if (!it->first.IsScalar())
      fail("params", origin + ": " + (prefix.empty() ? "(top level)" : prefix) + ": expected a plain key, got a " +
                         (it->first.IsMap() ? "mapping" : it->first.IsSequence() ? "list" : "null") + " as key");
    const std::string name = it->first.as<std::string>();
    const std::string key = join_key(prefix, name);
    const YAML::Node v = it->second;  // a copy: it-> returns a temporary proxy
    const auto [first, fresh] = seen.emplace(name, line);
    if (!fresh)
      fail("params", origin + ": " + printable(key, 120) + ": duplicate key (first at line " + std::to_string(first->second) +
                         "), expected each key once in a mapping");
    if (!valid_key(name))
      fail("params", origin + ": key '" + printable(name, 80) +
                         "': expected dot-separated names of letters, digits, _ and -");
    if (v.IsMap()) {
      flatten(v, key, file);
    } else if (v.IsSequence()) {
      std::vector<std::string> items;
      for (const auto& item : v) {
        if (!item.IsScalar()) fail("params", origin + ": " + key + ": expected a list of scalars");
        items.push_back(item.as<std::string>());
      }
      set_list(key, items, origin);
    } else if (v.IsScalar()) {
      set(key, v.as<std::string>(), origin);
    } else {  // null: "key:" with nothing
      fail("params", origin + ": " + key + ": expected a value, got nothing");
    }
  }
}

void Params::load_string(const std::string& yaml_text, const std::string& origin, const std::string& prefix) {
  const std::string yaml = yaml_line_breaks(yaml_text);
  int line = 0;
  const std::string fault = yaml_text_fault(yaml, line);
  if (!fault.empty()) fail("params", origin + ":" + std::to_string(line) + ": expected UTF-8 text, got " + fault);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    fail("params", origin + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) fail("params", origin + ": expected a mapping of keys at the top level");
  flatten(root, prefix, origin);
}

void Params::load_file(const std::string& path, const std::string& prefix) {
  load_string(read_input_file(path, {"params", "file", "a readable YAML file"}), path, prefix);
}

void Params::set(const std::string& key, const std::string& value, const std::string& origin) {
  Entry e;
  e.text = value;
  e.origin = origin;
  if (!m_entries.count(key)) m_order.push_back(key);
  m_entries[key] = e;
}

void Params::set_list(const std::string& key, const std::vector<std::string>& items,
                      const std::string& origin) {
  Entry e;
  e.is_list = true;
  e.items = items;
  e.origin = origin;
  e.text = flow_list(items);
  if (!m_entries.count(key)) m_order.push_back(key);
  m_entries[key] = e;
}

void Params::set_override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    fail("params", "-c " + printable(assignment, 120) + ": expected key=value");
  int line = 0;
  const std::string fault = yaml_text_fault(assignment, line);
  if (!fault.empty()) fail("params", "-c " + printable(assignment, 120) + ": expected UTF-8 text, got " + fault);
  const std::string key = assignment.substr(0, eq);
  const std::string val = yaml_line_breaks(assignment.substr(eq + 1));
  if (!valid_key(key))
    fail("params", "-c " + printable(assignment, 120) +
                       ": key: expected dot-separated names of letters, digits, _ and -, got '" + printable(key, 80) + "'");
  YAML::Node n;
  try {
    n = YAML::Load(val);
  } catch (const YAML::Exception& e) {
    fail("params", "-c " + assignment + ": malformed value: " + e.msg);
  }
  if (n.IsSequence()) {
    std::vector<std::string> items;
    for (const auto& item : n) {
      if (!item.IsScalar()) fail("params", "-c " + assignment + ": expected a list of scalars");
      items.push_back(item.as<std::string>());
    }
    set_list(key, items, "-c");
  } else {
    set(key, val, "-c");
  }
}

bool Params::has(const std::string& key) const { return m_entries.count(key) != 0; }

std::vector<std::string> Params::children(const std::string& prefix) const {
  std::vector<std::string> out;
  const std::string p = prefix.empty() ? "" : prefix + ".";
  for (const auto& k : m_order) {
    if (k.compare(0, p.size(), p) != 0) continue;
    std::string rest = k.substr(p.size());
    rest = rest.substr(0, rest.find('.'));
    if (std::find(out.begin(), out.end(), rest) == out.end()) out.push_back(rest);
  }
  return out;
}

const Params::Entry* Params::find(const std::string& key) const {
  auto it = m_entries.find(key);
  if (it == m_entries.end()) return nullptr;
  it->second.used = true;
  return &it->second;
}

std::string Params::origin(const std::string& key) const {
  auto it = m_entries.find(key);
  return it == m_entries.end() ? "default" : it->second.origin;
}

void Params::bad(const std::string& key, const std::string& expected) const {
  auto it = m_entries.find(key);
  const std::string got = it == m_entries.end() ? "" : it->second.text;
  fail("params", origin(key) + ": " + key + ": expected " + expected + ", got '" + got + "'");
}

void Params::declare(const std::string& key, const std::string& type, const std::string& def,
                     const std::string& value, const ParamSpec& spec) {
  ParamDecl d{key, type, def, value, spec};
  auto it = m_decl_index.find(key);
  if (it != m_decl_index.end()) {
    m_decls[it->second] = d;
  } else {
    m_decl_index[key] = m_decls.size();
    m_decls.push_back(d);
  }
}

bool Params::get_bool(const std::string& key, bool def, const ParamSpec& spec) {
  bool v = def;
  if (const Entry* e = find(key)) {
    std::string t = e->text;
    std::transform(t.begin(), t.end(), t.begin(), ::tolower);
    if (e->is_list) bad(key, "true or false");
    if (t == "true" || t == "yes" || t == "on" || t == "1") v = true;
    else if (t == "false" || t == "no" || t == "off" || t == "0") v = false;
    else bad(key, "true or false");
  }
  declare(key, "bool", def ? "true" : "false", v ? "true" : "false", spec);
  return v;
}

int64_t Params::get_int(const std::string& key, int64_t def, const ParamSpec& spec) {
  int64_t v = def;
  if (const Entry* e = find(key)) {
    const std::string& t = e->text;
    size_t pos = 0;
    bool ok = !e->is_list && !t.empty();
    if (ok) {
      try {
        v = std::stoll(t, &pos, 0);
      } catch (...) {
        ok = false;
      }
      ok = ok && pos == t.size();
    }
    if (!ok) bad(key, "an integer" + range_text(spec));
  }
  if (v < spec.min || v > spec.max) bad(key, "an integer" + range_text(spec));
  declare(key, "int", std::to_string(def), std::to_string(v), spec);
  return v;
}

double Params::get_double(const std::string& key, double def, const ParamSpec& spec) {
  double v = def;
  if (const Entry* e = find(key)) {
    const std::string& t = e->text;
    size_t pos = 0;
    bool ok = !e->is_list && !t.empty();
    if (ok) {
      try {
        v = std::stod(t, &pos);
      } catch (...) {
        ok = false;
      }
      ok = ok && pos == t.size() && std::isfinite(v);
    }
    if (!ok) bad(key, "a number" + range_text(spec));
  }
  if (v < spec.min || v > spec.max) bad(key, "a number" + range_text(spec));
  declare(key, "double", format_number(def), format_number(v), spec);
  return v;
}

std::string Params::get_string(const std::string& key, const std::string& def, const ParamSpec& spec) {
  std::string v = def;
  if (const Entry* e = find(key)) {
    if (e->is_list) bad(key, "a single value");
    v = e->text;
  }
  if (!spec.choices.empty() &&
      std::find(spec.choices.begin(), spec.choices.end(), v) == spec.choices.end()) {
    std::string all;
    for (const auto& c : spec.choices) all += (all.empty() ? "" : "|") + c;
    bad(key, "one of " + all);
  }
  declare(key, "string", def, v, spec);
  return v;
}

std::vector<std::string> Params::get_list(const std::string& key, const std::vector<std::string>& def,
                                          const ParamSpec& spec) {
  std::vector<std::string> v = def;
  if (const Entry* e = find(key)) {
    if (e->is_list) v = e->items;
    else if (e->text.empty()) v.clear();
    else v = {e->text};  // a single scalar is a list of one
  }
  declare(key, "list", flow_list(def), flow_list(v), spec);
  return v;
}

void Params::check_unused() const {
  std::vector<std::string> declared;
  for (const auto& d : m_decls) declared.push_back(d.key);
  for (const auto& k : m_order) {
    const Entry& e = m_entries.at(k);
    if (e.used) continue;
    std::string hint = nearest(k, declared);
    fail("params", e.origin + ": " + k + ": unknown key" +
                       (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
  }
}

namespace {
struct DumpNode {
  std::vector<std::pair<std::string, DumpNode>> kids;
  const ParamDecl* decl = nullptr;
  DumpNode& child(const std::string& k) {
    for (auto& kv : kids)
      if (kv.first == k) return kv.second;
    kids.emplace_back(k, DumpNode{});
    return kids.back().second;
  }
};

void emit(YAML::Emitter& em, const DumpNode& n) {
  if (n.decl && n.kids.empty()) {
    if (n.decl->type == "list") {
      em << YAML::Flow << YAML::BeginSeq;
      for (const auto& item : YAML::Load(n.decl->value)) em << item.as<std::string>();
      em << YAML::EndSeq;
    } else {
      em << n.decl->value;
    }
    return;
  }
  em << YAML::BeginMap;
  for (const auto& kv : n.kids) {
    em << YAML::Key << kv.first << YAML::Value;
    emit(em, kv.second);
  }
  em << YAML::EndMap;
}
}  // namespace

std::string Params::dump_yaml() const {
  DumpNode root;
  for (const auto& d : m_decls) {
    DumpNode* n = &root;
    std::stringstream ss(d.key);
    for (std::string part; std::getline(ss, part, '.');) n = &n->child(part);
    n->decl = &d;
  }
  YAML::Emitter em;
  emit(em, root);
  return std::string(em.c_str()) + "\n";
}

}  // namespace spiketlm
