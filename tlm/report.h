// spiketlm: the one report writer.
//
// A report is a title, a list of warnings (every automatic adjustment the run made), ordered
// sections of named scalar values (with units) and ordered tables. The same content is written
// as text (tlm/report_text.cpp), JSON and CSV (tlm/report_json.cpp); the format is specified,
// with its schema version, in tlm/report.md.
//
// Rules the writer enforces (tlm/report.md, "Names"):
// - one name per quantity: a key appears in one section only;
// - units in names: a value with a unit has a key ending in that unit's suffix ("latency_us"
//   for "us/inference", "accuracy_pct" for "%"); table columns follow the same convention.
// Tables belong to a group that orders the text and HTML: layer, component, more, detail,
// sample. The default text shows the summary, then the layer, component and more groups (only
// a table's brief columns, if it names any); --full adds every column and the detail group.
// Files go through the run's outputs (tlm/output.h): staged beside the target and put in place
// by OutputSet::commit(), so a failed run leaves no partial file and changes no file.
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

// The version of the JSON/CSV layout (tlm/report.md); bumped on any incompatible change.
constexpr int kReportSchemaVersion = 1;

struct Table {
  std::string id, title;
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  std::string group = "detail";    // layer, component, more, detail, sample
  std::vector<std::string> brief;  // columns of the default text (empty: all)
  void add_row(std::vector<Value> row);
  size_t column(const std::string& name) const;   // error if missing
};

class Report {
 public:
  explicit Report(std::string title = "spiketlm") : m_title(std::move(title)) {}
  const std::string& title() const { return m_title; }
  // Error if `key` is already set in another section, or has a unit but not its suffix.
  void set(const std::string& section, const std::string& key, Value v, const std::string& unit = "");
  bool has(const std::string& section, const std::string& key) const;
  const Value& get(const std::string& section, const std::string& key) const;
  Table& table(const std::string& id, const std::string& title, const std::vector<std::string>& columns,
               const std::string& group = "detail");
  const Table& table(const std::string& id) const;
  bool has_table(const std::string& id) const;
  void warn(const std::string& text);
  const std::vector<std::string>& warnings() const { return m_warnings; }

  struct Item {
    std::string key;
    Value value;
    std::string unit;
  };
  struct Section {
    std::string name;
    std::vector<Item> items;
  };
  const std::vector<Section>& sections() const { return m_sections; }
  const std::deque<Table>& tables() const { return m_tables; }

  // `full`: every column and the detail tables (the default is the short form above).
  void write_text(std::ostream& os, bool full = false) const;
  void write_json(std::ostream& os) const;
  void write_csv(std::ostream& os) const;   // one long table: table,row,column,value,unit
  // Stage in OutputSet::process() (put in place by its commit()); format json, csv or text.
  void save(const std::string& path, const std::string& format) const;

 private:
  Section& section(const std::string& name);
  std::string m_title;
  std::vector<std::string> m_warnings;
  std::vector<Section> m_sections;
  std::deque<Table> m_tables;   // deque: references from table() stay valid as tables are added
};

// The key suffix a unit requires ("uJ/inference" -> "_uj"; "" if the unit has no rule).
std::string unit_suffix(const std::string& unit);
std::string json_escape(const std::string& s);
// One table as a plain CSV (a header row, then one line per row): a tidy table on its own
// (spiketlm sweep's results.csv).
void write_csv_table(std::ostream& os, const Table& t);
// Write `content` to `path` through a temporary file and rename; error names the file. For
// files inside a folder the tool owns (a sweep's folder); a file the user named goes through
// OutputSet (tlm/output.h), which also keeps symlinks and devices.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace spiketlm
