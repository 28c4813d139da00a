#include "sw/dse/report_reader.h"

#include <yaml-cpp/yaml.h>

#include "tlm/error.h"
#include "tlm/input.h"

namespace spiketlm::dse {

namespace {

// A JSON scalar: quoted text is a string (yaml-cpp tags it "!"), null is empty, a plain
// number is an integer when it is one exactly, else a real.
Value json_value(const YAML::Node& n) {
  if (n.IsNull()) return Value();
  if (!n.IsScalar()) fail("sweep", "expected a scalar value");
  if (n.Tag() == "!") return Value(n.Scalar());
  int64_t i = 0;
  if (YAML::convert<int64_t>::decode(n, i)) return Value(i);
  double d = 0;
  if (YAML::convert<double>::decode(n, d)) return Value(d);
  return Value(n.Scalar());
}

// Schema v1 (tlm/report.md): tables are lists of row objects; table_info keeps each table's
// title, group and column order (also for an empty table).
void read_tables(const YAML::Node& tables, const YAML::Node& info, Report& r) {
  for (auto it = tables.begin(); it != tables.end(); ++it) {
    const std::string id = it->first.as<std::string>();
    const YAML::Node ti = info ? info[id] : YAML::Node();
    if (!ti || !ti["columns"]) fail("sweep", "table '" + id + "': expected its table_info with columns");
    std::vector<std::string> cols;
    for (const auto& c : ti["columns"]) cols.push_back(c.as<std::string>());
    Table& tab = r.table(id, ti["title"].as<std::string>(""), cols, ti["group"].as<std::string>("detail"));
    // A copy: it->second lives in the iterator's temporary proxy, which a range-for over it
    // would outlive (stack-use-after-scope, found by the ASan suite).
    const YAML::Node rows = it->second;
    for (const auto& row : rows) {
      std::vector<Value> v;
      for (const auto& c : cols) v.push_back(row[c] ? json_value(row[c]) : Value());
      tab.add_row(std::move(v));
    }
  }
}

}  // namespace

Report read_report_json(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(read_input_file(path, {"sweep", "file", "a JSON report", uint64_t(1) << 30}));
  } catch (const YAML::Exception& e) {
    fail("sweep", path + ": expected a JSON report, got: " + e.msg);
  }
  if (!root.IsMap() || !root["title"] || root["schema_version"].as<int>(0) != kReportSchemaVersion)
    fail("sweep", path + ": expected a JSON report of schema version " + std::to_string(kReportSchemaVersion));
  Report r(root["title"].as<std::string>());
  const YAML::Node units = root["units"];
  try {
    for (auto it = root.begin(); it != root.end(); ++it) {
      const std::string sec = it->first.as<std::string>();
      if (sec == "schema" || sec == "schema_version" || sec == "title" || sec == "warnings" || sec == "units" ||
          sec == "tables" || sec == "table_info")
        continue;
      for (auto kv = it->second.begin(); kv != it->second.end(); ++kv) {
        const std::string key = kv->first.as<std::string>();
        const YAML::Node u = units ? units[key] : YAML::Node();  // v1: a key is in one section only
        r.set(sec, key, json_value(kv->second), u ? u.as<std::string>() : "");
      }
    }
    if (root["warnings"])
      for (const auto& w : root["warnings"]) r.warn(w.as<std::string>());
    if (root["tables"]) read_tables(root["tables"], root["table_info"], r);
  } catch (const YAML::Exception& e) {
    fail("sweep", path + ": expected a JSON report, got: " + e.msg);
  }
  return r;
}

}  // namespace spiketlm::dse
