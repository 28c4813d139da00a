// spiketlm: the one report writer.
//
// A report is an ordered set of sections of named scalar values (with units) and an ordered
// set of tables. The same content is written as a readable text table, as JSON and as CSV
// (one file per table is not needed: the CSV holds every table, each preceded by its id).
// Files are written to a temporary name and renamed, so a failed run leaves no partial file.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

namespace spiketlm {

class Value {
 public:
  Value() = default;
  Value(int64_t v) : m_v(v) {}
  Value(int v) : m_v(int64_t(v)) {}
  Value(uint64_t v) : m_v(int64_t(v)) {}
  Value(double v) : m_v(v) {}
  Value(const char* v) : m_v(std::string(v)) {}
  Value(std::string v) : m_v(std::move(v)) {}
  bool empty() const { return m_v.index() == 0; }
  bool is_int() const { return m_v.index() == 1; }
  bool is_double() const { return m_v.index() == 2; }
  bool is_string() const { return m_v.index() == 3; }
  int64_t as_int() const;
  double as_double() const;          // ints convert
  const std::string& as_string() const;
  std::string text() const;          // for the text table
  std::string json() const;

 private:
  std::variant<std::monostate, int64_t, double, std::string> m_v;
};

struct Table {
  std::string id, title;
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  void add_row(std::vector<Value> row);
  size_t column(const std::string& name) const;   // error if missing
};

class Report {
 public:
  explicit Report(std::string title = "spiketlm") : m_title(std::move(title)) {}
  void set(const std::string& section, const std::string& key, Value v, const std::string& unit = "");
  bool has(const std::string& section, const std::string& key) const;
  const Value& get(const std::string& section, const std::string& key) const;
  Table& table(const std::string& id, const std::string& title, const std::vector<std::string>& columns);
  const Table& table(const std::string& id) const;

  void write_text(std::ostream& os) const;
  void write_json(std::ostream& os) const;
  void write_csv(std::ostream& os) const;
  // Write to path atomically (temp file + rename); format from the extension or explicit.
  void save(const std::string& path, const std::string& format) const;

 private:
  struct Item {
    std::string key;
    Value value;
    std::string unit;
  };
  struct Section {
    std::string name;
    std::vector<Item> items;
  };
  Section& section(const std::string& name);
  std::string m_title;
  std::vector<Section> m_sections;
  std::deque<Table> m_tables;   // deque: references from table() stay valid as tables are added
};

std::string json_escape(const std::string& s);
// Write `content` to `path` through a temporary file and rename; error names the file.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace spiketlm
