#include "sw/dse/results.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>

#include "sw/dse/axis_values.h"
#include "sw/dse/pareto.h"

namespace spiketlm::dse {

namespace {

struct Metrics {
  std::vector<std::string> names;                              // column order
  std::map<std::string, std::string> units;
  std::map<int64_t, std::map<std::string, Value>> values;      // point -> metric -> value
};

Metrics read_metrics(Store& st, const SweepSpec& s) {
  Metrics m;
  auto add_name = [&](const std::string& n) {
    if (std::find(m.names.begin(), m.names.end(), n) == m.names.end()) m.names.push_back(n);
  };
  for (const auto& r : st.db().query("SELECT key, MAX(unit) FROM summary WHERE section = 'summary' "
                                      "GROUP BY key ORDER BY MIN(rowid)")) {
    add_name(r[0].as_string());
    m.units[r[0].as_string()] = r[1].empty() ? "" : r[1].text();
  }
  for (const auto& r : st.db().query("SELECT point, key, value FROM summary WHERE section = 'summary'"))
    m.values[r[0].as_int()][r[1].as_string()] = r[2];
  for (const auto& o : s.objectives) {
    const auto dot = o.metric.find('.');
    if (dot == std::string::npos) continue;
    add_name(o.metric);
    for (const auto& r : st.db().query("SELECT point, value, unit FROM summary WHERE section = ? AND key = ?",
                                        {o.metric.substr(0, dot), o.metric.substr(dot + 1)})) {
      m.values[r[0].as_int()][o.metric] = r[1];
      m.units[o.metric] = r[2].empty() ? "" : r[2].text();
    }
  }
  return m;
}

double number_of(const Value& v) {
  return (v.is_int() || v.is_double()) ? v.as_double() : std::numeric_limits<double>::quiet_NaN();
}

// Indexes of `rows` (done points) on the front, or none if an objective is missing everywhere.
std::vector<size_t> front_of(const std::vector<PointRow>& rows, const Metrics& m, const SweepSpec& s) {
  std::vector<std::vector<double>> obj;
  std::vector<bool> maxi;
  for (const auto& o : s.objectives) maxi.push_back(o.maximise);
  for (const auto& o : s.objectives)
    if (std::find(m.names.begin(), m.names.end(), o.metric) == m.names.end()) {
      if (!m.values.empty())
        std::cerr << "spiketlm: warning: objective " << o.metric << ": no finished point reports it; no Pareto front\n";
      return {};
    }
  for (const auto& p : rows) {
    obj.emplace_back();
    auto it = m.values.find(p.point);
    for (const auto& o : s.objectives) {
      const bool have = p.state == "done" && it != m.values.end() && it->second.count(o.metric);
      obj.back().push_back(have ? number_of(it->second.at(o.metric)) : std::numeric_limits<double>::quiet_NaN());
    }
  }
  return pareto_front(obj, maxi);
}

// The axis values of every point as written (`-c` text), integers as numbers where a key
// only ever takes integers.
std::vector<std::vector<Value>> axis_cells(const std::vector<Point>& pts) {
  std::vector<bool> integer(pts.empty() ? 0 : pts[0].values.size(), true);
  for (const auto& p : pts)
    for (size_t k = 0; k < p.values.size(); ++k) integer[k] = integer[k] && is_integer_text(p.values[k].second);
  std::vector<std::vector<Value>> cells;
  for (const auto& p : pts) {
    cells.emplace_back();
    for (size_t k = 0; k < p.values.size(); ++k)
      cells.back().push_back(integer[k] ? Value(int64_t(std::stoll(p.values[k].second))) : Value(p.values[k].second));
  }
  return cells;
}

}  // namespace

Report sweep_results(Store& st, const SweepSpec& s, const SweepFolder& f, const std::vector<Point>& pts) {
  Report r("spiketlm sweep " + s.name);
  const std::vector<PointRow> rows = st.points();
  const std::vector<std::string> keys = st.axis_keys();
  const Metrics m = read_metrics(st, s);
  r.set("sweep", "name", s.name);
  r.set("sweep", "folder", f.root);
  r.set("sweep", "method", s.method);
  r.set("sweep", "points", int64_t(rows.size()));
  for (const auto& kv : st.counts()) r.set("sweep", kv.first, kv.second);
  std::string objs;
  for (const auto& o : s.objectives) objs += (objs.empty() ? "" : ", ") + o.metric + (o.maximise ? " max" : " min");
  r.set("sweep", "objectives", objs);
  for (const auto& n : m.names) r.set("metric_units", n, m.units.count(n) ? m.units.at(n) : "");
  std::vector<std::string> cols = {"point", "state"};
  cols.insert(cols.end(), keys.begin(), keys.end());
  cols.insert(cols.end(), m.names.begin(), m.names.end());
  cols.insert(cols.end(), {"pareto", "seconds", "error", "dir"});
  const std::vector<size_t> front = front_of(rows, m, s);
  const std::vector<std::vector<Value>> axis = axis_cells(pts);
  r.set("sweep", "pareto_points", int64_t(front.size()));
  Table& t = r.table("points", "Points", cols);
  for (size_t i = 0; i < rows.size(); ++i) {
    const PointRow& p = rows[i];
    std::vector<Value> v = {p.point, p.state};
    v.insert(v.end(), axis[i].begin(), axis[i].end());
    auto it = m.values.find(p.point);
    for (const auto& n : m.names)
      v.push_back(p.state == "done" && it != m.values.end() && it->second.count(n) ? it->second.at(n) : Value());
    const bool on = std::binary_search(front.begin(), front.end(), i);
    v.insert(v.end(), {int64_t(on), p.seconds, p.error.empty() ? Value() : Value(p.error), p.dir});
    t.add_row(std::move(v));
  }
  std::vector<size_t> order = front;
  if (!s.objectives.empty() && !order.empty()) {
    const size_t c = t.column(s.objectives[0].metric);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return t.rows[a][c].as_double() < t.rows[b][c].as_double(); });
  }
  Table& pf = r.table("pareto", "Pareto front (" + objs + ")", cols);
  for (size_t i : order) pf.add_row(t.rows[i]);
  return r;
}

void write_results(const Report& r, const SweepFolder& f) {
  std::ostringstream csv, pcsv;
  write_csv_table(csv, r.table("points"));
  write_csv_table(pcsv, r.table("pareto"));
  write_file_atomic(f.path("results.csv"), csv.str());
  write_file_atomic(f.path("pareto.csv"), pcsv.str());
  std::ostringstream json;  // the sweep's own folder: written now, not at the CLI's commit
  r.write_json(json);
  write_file_atomic(f.path("results.json"), json.str());
}

}  // namespace spiketlm::dse
