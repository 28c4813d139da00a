#include "tlm/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "tlm/error.h"
#include "tlm/output.h"

namespace spiketlm {

int64_t Value::as_int() const {
  if (is_int()) return std::get<int64_t>(m_v);
  if (is_double()) return int64_t(std::get<double>(m_v));
  fail("report", "value '" + text() + "' is not a number");
}

double Value::as_double() const {
  if (is_double()) return std::get<double>(m_v);
  if (is_int()) return double(std::get<int64_t>(m_v));
  fail("report", "value '" + text() + "' is not a number");
}

const std::string& Value::as_string() const {
  if (!is_string()) fail("report", "value '" + text() + "' is not a string");
  return std::get<std::string>(m_v);
}

std::string Value::text() const {
  switch (m_v.index()) {
    case 0: return "-";
    case 1: return std::to_string(std::get<int64_t>(m_v));
    case 2: {
      const double d = std::get<double>(m_v);
      std::ostringstream os;
      const double a = std::fabs(d);
      if (d == 0) os << "0";
      else if (a >= 1e7 || a < 1e-3) os << std::setprecision(4) << std::scientific << d;
      else if (a >= 100) os << std::fixed << std::setprecision(1) << d;
      else os << std::setprecision(4) << d;
      return os.str();
    }
    default: return std::get<std::string>(m_v);
  }
}

std::string json_escape(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += char(c);
        }
    }
  }
  return o + "\"";
}

std::string Value::json() const {
  switch (m_v.index()) {
    case 0: return "null";
    case 1: return std::to_string(std::get<int64_t>(m_v));
    case 2: {
      const double d = std::get<double>(m_v);
      if (!std::isfinite(d)) return "null";
      std::ostringstream os;
      os << std::setprecision(17) << d;
      return os.str();
    }
    default: return json_escape(std::get<std::string>(m_v));
  }
}

void Table::add_row(std::vector<Value> row) {
  if (row.size() != columns.size())
    fail("report", "table " + id + ": row has " + std::to_string(row.size()) + " values, expected " +
                       std::to_string(columns.size()));
  rows.push_back(std::move(row));
}

size_t Table::column(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  fail("report", "table " + id + ": no column '" + name + "'");
}

Report::Section& Report::section(const std::string& name) {
  for (auto& s : m_sections)
    if (s.name == name) return s;
  m_sections.push_back({name, {}});
  return m_sections.back();
}

namespace {
// Keys of the JSON object that sections may not take.
bool reserved(const std::string& name) {
  for (const char* r : {"schema", "schema_version", "title", "warnings", "units", "tables", "table_info"})
    if (name == r) return true;
  return false;
}
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

std::string unit_suffix(const std::string& unit) {
  if (unit.empty()) return "";
  if (unit.rfind("GB/s", 0) == 0) return "_gbps";
  if (unit.rfind("mappings/s", 0) == 0) return "_per_s";
  if (unit.rfind("frames/s/W", 0) == 0) return "_per_s_per_w";
  if (unit.rfind("frames/s", 0) == 0) return "_per_s";
  const std::string base = unit.substr(0, unit.find_first_of("/ ,("));
  static const std::map<std::string, std::string> k = {
      {"s", "_s"},       {"ms", "_ms"},     {"us", "_us"},        {"ns", "_ns"},          {"J", "_j"},
      {"mJ", "_mj"},     {"uJ", "_uj"},     {"nJ", "_nj"},        {"pJ", "_pj"},          {"J*s", "_j_s"},
      {"mW", "_mw"},     {"%", "_pct"},     {"mm^2", "_mm2"},     {"um^2", "_um2"},       {"cycles", "_cycles"},
      {"B", "_bytes"},   {"KB", "_kb"},     {"MHz", "_mhz"},      {"samples", "_samples"}, {"MAC", "_macs"},
      {"AC", "_acs"},    {"mappings", "_mappings"}, {"W", "_w"},    {"timesteps", "_timesteps"}};
  const auto it = k.find(base);
  if (it == k.end()) fail("report", "unit '" + unit + "' has no key suffix rule (tlm/report.cpp unit_suffix)");
  return it->second;
}

void Report::set(const std::string& sec, const std::string& key, Value v, const std::string& unit) {
  if (reserved(sec)) fail("report", "section name '" + sec + "' is reserved");
  const std::string suffix = unit_suffix(unit);
  if (!suffix.empty() && !ends_with(key, suffix))
    fail("report", sec + "." + key + ": a value in " + unit + " needs a key ending in " + suffix);
  for (const auto& s : m_sections)
    if (s.name != sec)
      for (const auto& it : s.items)
        if (it.key == key) fail("report", sec + "." + key + ": key already in section " + s.name + " (one name per quantity)");
  Section& s = section(sec);
  for (auto& it : s.items)
    if (it.key == key) {
      it.value = std::move(v);
      it.unit = unit;
      return;
    }
  s.items.push_back({key, std::move(v), unit});
}

void Report::warn(const std::string& text) {
  for (const auto& w : m_warnings)
    if (w == text) return;
  m_warnings.push_back(text);
}

bool Report::has(const std::string& sec, const std::string& key) const {
  for (const auto& s : m_sections)
    if (s.name == sec)
      for (const auto& it : s.items)
        if (it.key == key) return true;
  return false;
}

const Value& Report::get(const std::string& sec, const std::string& key) const {
  for (const auto& s : m_sections)
    if (s.name == sec)
      for (const auto& it : s.items)
        if (it.key == key) return it.value;
  fail("report", "no value " + sec + "." + key);
}

Table& Report::table(const std::string& id, const std::string& title, const std::vector<std::string>& cols,
                     const std::string& group) {
  for (auto& t : m_tables)
    if (t.id == id) return t;
  static const char* groups[] = {"layer", "component", "more", "detail", "sample"};
  if (std::find(std::begin(groups), std::end(groups), group) == std::end(groups))
    fail("report", "table " + id + ": unknown group '" + group + "'");
  m_tables.push_back({id, title, cols, {}, group, {}});
  return m_tables.back();
}

const Table& Report::table(const std::string& id) const {
  for (const auto& t : m_tables)
    if (t.id == id) return t;
  fail("report", "no table '" + id + "'");
}

bool Report::has_table(const std::string& id) const {
  for (const auto& t : m_tables)
    if (t.id == id) return true;
  return false;
}

void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail("report", path + ": cannot open for writing");
    out << content;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      fail("report", path + ": write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    fail("report", path + ": cannot rename temporary file into place");
  }
}

void Report::save(const std::string& path, const std::string& format) const {
  std::ostringstream os;
  if (format == "json") write_json(os);
  else if (format == "csv") write_csv(os);
  else if (format == "text") write_text(os);
  else fail("report", path + ": unknown report format '" + format + "' (expected json, csv or text)");
  OutputSet::process().write(path, os.str());
}

}  // namespace spiketlm
