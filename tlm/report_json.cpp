// The report as JSON and as one long CSV table (layout and schema: tlm/report.md).
#include <ostream>

#include "tlm/report.h"

namespace spiketlm {

namespace {
void json_list(std::ostream& os, const std::vector<std::string>& v) {
  os << "[";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << json_escape(v[i]);
  os << "]";
}

void json_sections(std::ostream& os, const std::vector<Report::Section>& sections) {
  for (const auto& s : sections) {
    os << ",\n  " << json_escape(s.name) << ": {";
    for (size_t i = 0; i < s.items.size(); ++i)
      os << (i ? ", " : "") << "\n    " << json_escape(s.items[i].key) << ": " << s.items[i].value.json();
    os << "\n  }";
  }
  os << ",\n  \"units\": {";
  bool first = true;
  for (const auto& s : sections)
    for (const auto& it : s.items)
      if (!it.unit.empty()) {
        os << (first ? "" : ", ") << "\n    " << json_escape(it.key) << ": " << json_escape(it.unit);
        first = false;
      }
  os << "\n  }";
}

// Each table as a list of row objects (column name -> value).
void json_tables(std::ostream& os, const std::deque<Table>& tables) {
  os << ",\n  \"tables\": {";
  for (size_t ti = 0; ti < tables.size(); ++ti) {
    const Table& t = tables[ti];
    os << (ti ? "," : "") << "\n    " << json_escape(t.id) << ": [";
    for (size_t r = 0; r < t.rows.size(); ++r) {
      os << (r ? "," : "") << "\n      {";
      for (size_t c = 0; c < t.columns.size(); ++c)
        os << (c ? ", " : "") << json_escape(t.columns[c]) << ": " << t.rows[r][c].json();
      os << "}";
    }
    os << (t.rows.empty() ? "]" : "\n    ]");
  }
  os << "\n  },\n  \"table_info\": {";
  for (size_t ti = 0; ti < tables.size(); ++ti) {
    const Table& t = tables[ti];
    os << (ti ? "," : "") << "\n    " << json_escape(t.id) << ": {\"title\": " << json_escape(t.title)
       << ", \"group\": " << json_escape(t.group) << ", \"columns\": ";
    json_list(os, t.columns);
    os << "}";
  }
  os << "\n  }";
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

std::string csv_value(const Value& v) {
  if (v.empty()) return "";
  if (v.is_string()) return csv_cell(v.as_string());
  const std::string j = v.json();
  return j == "null" ? "" : j;
}
}  // namespace

void Report::write_json(std::ostream& os) const {
  os << "{\n  \"schema\": \"spiketlm-report\",\n  \"schema_version\": " << kReportSchemaVersion
     << ",\n  \"title\": " << json_escape(m_title) << ",\n  \"warnings\": ";
  json_list(os, m_warnings);
  json_sections(os, m_sections);
  json_tables(os, m_tables);
  os << "\n}\n";
}

// One long (tidy) table: a scalar is (section, "", key, value, unit); a table cell is
// (table id, row index, column, value, ""); a warning is ("warnings", index, "text", text, "").
void Report::write_csv(std::ostream& os) const {
  os << "table,row,column,value,unit\n";
  os << "schema,,schema_version," << kReportSchemaVersion << ",\n";
  for (size_t i = 0; i < m_warnings.size(); ++i) os << "warnings," << i << ",text," << csv_cell(m_warnings[i]) << ",\n";
  for (const auto& s : m_sections)
    for (const auto& it : s.items)
      os << csv_cell(s.name) << ",," << csv_cell(it.key) << "," << csv_value(it.value) << "," << csv_cell(it.unit) << "\n";
  for (const auto& t : m_tables)
    for (size_t r = 0; r < t.rows.size(); ++r)
      for (size_t c = 0; c < t.columns.size(); ++c)
        os << csv_cell(t.id) << "," << r << "," << csv_cell(t.columns[c]) << "," << csv_value(t.rows[r][c]) << ",\n";
}

// One table on its own as a plain CSV: a header row of its columns, then one line per row.
void write_csv_table(std::ostream& os, const Table& t) {
  for (size_t c = 0; c < t.columns.size(); ++c) os << (c ? "," : "") << csv_cell(t.columns[c]);
  os << "\n";
  for (const auto& r : t.rows) {
    for (size_t c = 0; c < r.size(); ++c) os << (c ? "," : "") << csv_value(r[c]);
    os << "\n";
  }
}

}  // namespace spiketlm
