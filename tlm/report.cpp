#include "tlm/report.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "tlm/error.h"

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

void Report::set(const std::string& sec, const std::string& key, Value v, const std::string& unit) {
  Section& s = section(sec);
  for (auto& it : s.items)
    if (it.key == key) {
      it.value = std::move(v);
      it.unit = unit;
      return;
    }
  s.items.push_back({key, std::move(v), unit});
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

Table& Report::table(const std::string& id, const std::string& title, const std::vector<std::string>& cols) {
  for (auto& t : m_tables)
    if (t.id == id) return t;
  m_tables.push_back({id, title, cols, {}});
  return m_tables.back();
}

const Table& Report::table(const std::string& id) const {
  for (const auto& t : m_tables)
    if (t.id == id) return t;
  fail("report", "no table '" + id + "'");
}

void Report::write_text(std::ostream& os) const {
  os << "== " << m_title << " ==\n";
  for (const auto& s : m_sections) {
    os << "\n[" << s.name << "]\n";
    size_t w = 0;
    for (const auto& it : s.items) w = std::max(w, it.key.size());
    for (const auto& it : s.items)
      os << "  " << std::left << std::setw(int(w)) << it.key << "  " << it.value.text()
         << (it.unit.empty() ? "" : " " + it.unit) << "\n";
  }
  for (const auto& t : m_tables) {
    os << "\n" << t.title << "\n";
    std::vector<size_t> w(t.columns.size());
    for (size_t c = 0; c < t.columns.size(); ++c) w[c] = t.columns[c].size();
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : t.rows) {
      cells.emplace_back();
      for (size_t c = 0; c < r.size(); ++c) {
        cells.back().push_back(r[c].text());
        w[c] = std::max(w[c], cells.back().back().size());
      }
    }
    auto line = [&](const std::vector<std::string>& v, const std::vector<Value>* types) {
      os << " ";
      for (size_t c = 0; c < v.size(); ++c) {
        const bool num = types && !(*types)[c].is_string();
        os << " " << (num ? std::right : std::left) << std::setw(int(w[c])) << v[c];
      }
      os << "\n";
    };
    line(t.columns, nullptr);
    std::vector<std::string> rule;
    for (size_t c = 0; c < w.size(); ++c) rule.push_back(std::string(w[c], '-'));
    line(rule, nullptr);
    for (size_t i = 0; i < cells.size(); ++i) line(cells[i], &t.rows[i]);
  }
}

void Report::write_json(std::ostream& os) const {
  os << "{\n  \"title\": " << json_escape(m_title);
  for (const auto& s : m_sections) {
    os << ",\n  " << json_escape(s.name) << ": {";
    for (size_t i = 0; i < s.items.size(); ++i)
      os << (i ? ", " : "") << "\n    " << json_escape(s.items[i].key) << ": " << s.items[i].value.json();
    os << "\n  }";
  }
  os << ",\n  \"units\": {";
  bool first = true;
  for (const auto& s : m_sections)
    for (const auto& it : s.items)
      if (!it.unit.empty()) {
        os << (first ? "" : ", ") << "\n    " << json_escape(s.name + "." + it.key) << ": " << json_escape(it.unit);
        first = false;
      }
  os << "\n  },\n  \"tables\": {";
  for (size_t ti = 0; ti < m_tables.size(); ++ti) {
    const auto& t = m_tables[ti];
    os << (ti ? "," : "") << "\n    " << json_escape(t.id) << ": {\"title\": " << json_escape(t.title)
       << ", \"columns\": [";
    for (size_t c = 0; c < t.columns.size(); ++c) os << (c ? ", " : "") << json_escape(t.columns[c]);
    os << "], \"rows\": [";
    for (size_t r = 0; r < t.rows.size(); ++r) {
      os << (r ? "," : "") << "\n      [";
      for (size_t c = 0; c < t.rows[r].size(); ++c) os << (c ? ", " : "") << t.rows[r][c].json();
      os << "]";
    }
    os << "]}";
  }
  os << "\n  }\n}\n";
}

namespace {
std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}
std::string csv_value(const Value& v) {
  if (v.empty()) return "";
  if (v.is_string()) return csv_cell(v.as_string());
  return v.json();
}
}  // namespace

void Report::write_csv(std::ostream& os) const {
  os << "section,key,value,unit\n";
  for (const auto& s : m_sections)
    for (const auto& it : s.items)
      os << csv_cell(s.name) << "," << csv_cell(it.key) << "," << csv_value(it.value) << "," << csv_cell(it.unit) << "\n";
  for (const auto& t : m_tables) {
    os << "\n# table " << t.id << "\n";
    for (size_t c = 0; c < t.columns.size(); ++c) os << (c ? "," : "") << csv_cell(t.columns[c]);
    os << "\n";
    for (const auto& r : t.rows) {
      for (size_t c = 0; c < r.size(); ++c) os << (c ? "," : "") << csv_value(r[c]);
      os << "\n";
    }
  }
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
  write_file_atomic(path, os.str());
}

}  // namespace spiketlm
