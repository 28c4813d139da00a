#include "traces/src/trace_fields.h"

#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

#include "tlm/error.h"
#include "traces/src/trace.h"

namespace spiketlm {
namespace trace_fields {

[[noreturn]] void bad(const where& w, const std::string& msg) { fail("trace", w.file + ": " + w.path + ": " + msg); }

int ceil_log2(std::uint64_t v) {
  int r = 0;
  while ((std::uint64_t(1) << r) < v) ++r;
  return r;
}

std::string scalar_text(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsScalar()) return "'" + n.Scalar() + "'";
  if (n.IsSequence()) return "a list";
  return "a map";
}

YAML::Node req(const YAML::Node& m, const std::string& key, const where& w) {
  YAML::Node n = m[key];
  if (!n.IsDefined() || n.IsNull()) bad(w.at(key), "missing (required)");
  return n;
}

bool has(const YAML::Node& m, const std::string& key) {
  YAML::Node n = m[key];
  return n.IsDefined() && !n.IsNull();
}

void check_keys(const YAML::Node& m, const where& w, std::initializer_list<const char*> allowed) {
  if (!m.IsMap()) bad(w, "expected a map, got " + scalar_text(m));
  std::set<std::string> seen;
  for (const auto& kv : m) {
    if (!kv.first.IsScalar()) bad(w.path.empty() ? where{w.file, "yaml"} : w, "expected plain keys, got " + scalar_text(kv.first) + " as a key");
    const std::string k = kv.first.as<std::string>();
    if (!seen.insert(k).second) bad(w.at(k), "duplicate key, expected each key once");
    bool ok = false;
    for (auto a : allowed) ok = ok || k == a;
    if (!ok) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      bad(w.at(k), "unknown key (expected one of " + list + ")");
    }
  }
}

long long as_int(const YAML::Node& n, const where& w, long long lo, long long hi) {
  long long v = 0;
  bool ok = n.IsScalar();
  if (ok) {
    const std::string s = n.Scalar();
    std::size_t pos = 0;
    try {
      v = std::stoll(s, &pos);
    } catch (...) {
      ok = false;
    }
    ok = ok && pos == s.size();
  }
  if (!ok) bad(w, "expected an integer, got " + scalar_text(n));
  if (v < lo || v > hi)
    bad(w, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(v));
  return v;
}

double as_double(const YAML::Node& n, const where& w) {
  double v = 0;
  bool ok = n.IsScalar();
  if (ok) {
    const std::string s = n.Scalar();
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    ok = !s.empty() && end == s.c_str() + s.size() && std::isfinite(v);
  }
  if (!ok) bad(w, "expected a finite number, got " + scalar_text(n));
  return v;
}

std::string as_str(const YAML::Node& n, const where& w) {
  if (!n.IsScalar()) bad(w, "expected a string, got " + scalar_text(n));
  return n.Scalar();
}

std::string as_enum(const YAML::Node& n, const where& w, std::initializer_list<const char*> values) {
  const std::string s = n.IsScalar() ? n.Scalar() : std::string();
  for (auto v : values)
    if (s == v) return s;
  std::string list;
  for (auto v : values) list += (list.empty() ? "" : ", ") + std::string(v);
  bad(w, "expected one of " + list + ", got " + scalar_text(n));
}

npy_array tensor(const std::string& dir, const YAML::Node& m, const std::string& key, const where& w,
                 npy_dtype dtype, const std::vector<std::size_t>& shape) {
  const std::string file = as_str(req(m, key, w), w.at(key));
  const std::string path = dir + "/" + file;
  npy_array a = npy_read(path);
  if (a.dtype != dtype)
    fail("trace", path + ": dtype: expected " + npy_dtype_name(dtype) + " (" + w.at(key).path + "), got " +
                      npy_dtype_name(a.dtype));
  if (a.shape != shape)
    fail("trace", path + ": shape: expected " + shape_text(shape) + " (" + w.at(key).path + "), got " +
                      shape_text(a.shape));
  return a;
}

std::string file_of(const std::string& dir, const YAML::Node& m, const std::string& key) {
  return dir + "/" + m[key].as<std::string>();
}

void check_finite(const std::vector<float>& v, const std::string& file, bool positive, bool non_negative) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    const float x = v[i];
    if (!std::isfinite(x) || (positive && !(x > 0)) || (non_negative && x < 0)) {
      std::ostringstream s;
      s << x;
      fail("trace", file + ": [" + std::to_string(i) + "]: expected a finite" +
                        (positive ? " positive" : (non_negative ? " non-negative" : "")) + " value, got " + s.str());
    }
  }
}

}  // namespace trace_fields
}  // namespace spiketlm
