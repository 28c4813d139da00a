#include "sw/dse/summary.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace spiketlm::dse {

void print_summary(std::ostream& os, const Report& r, const SweepSpec& s, const std::vector<std::string>& keys,
                   bool plotted) {
  auto n = [&](const char* k) { return r.has("sweep", k) ? r.get("sweep", k).as_int() : 0; };
  os << "sweep " << s.name << ": " << n("points") << " points: " << n("done") << " done, " << n("failed") << " failed";
  if (n("queued")) os << ", " << n("queued") << " queued";
  if (n("pending") + n("running")) os << ", " << n("pending") + n("running") << " pending";
  os << "\nresults: " << s.out << "/results.csv (results.json, pareto.csv, sweep.db" << (plotted ? ", pareto.png" : "")
     << ")\n";
  const Table& pf = r.table("pareto");
  if (pf.rows.empty()) return;
  std::vector<std::string> cols = {"point"};
  cols.insert(cols.end(), keys.begin(), keys.end());
  for (const auto& o : s.objectives) cols.push_back(o.metric);
  for (const auto& m : {s.plot_x, s.plot_y, s.plot_color})
    if (std::find(cols.begin(), cols.end(), m) == cols.end() && r.has("metric_units", m)) cols.push_back(m);
  Report out("");
  Table& t = out.table("front", "Pareto front (" + r.get("sweep", "objectives").text() + "): " +
                                    std::to_string(pf.rows.size()) + " points", cols, "more");
  for (const auto& row : pf.rows) {
    std::vector<Value> v;
    for (const auto& c : cols) v.push_back(row[pf.column(c)]);
    t.add_row(std::move(v));
  }
  std::ostringstream text;
  out.write_text(text);
  const std::string s2 = text.str();
  os << s2.substr(s2.find('\n') + 1);  // without the empty report's title line
}

int print_failures(std::ostream& os, const Report& r) {
  const Table& t = r.table("points");
  const size_t st = t.column("state"), err = t.column("error"), dir = t.column("dir"), pt = t.column("point");
  const std::string root = r.get("sweep", "folder").as_string();
  int failed = 0;
  for (const auto& row : t.rows) {
    if (row[st].as_string() != "failed") continue;
    ++failed;
    const std::string log = row[dir].text() + "/stderr.log";
    std::error_code ec;
    const bool has_log = std::filesystem::file_size(root + "/" + log, ec) > 0 && !ec;
    os << "spiketlm: sweep point " << row[pt].as_int() << " failed: " << (row[err].empty() ? "-" : row[err].text())
       << (has_log ? " (" + log + ")" : "") << "\n";
  }
  return failed;
}

}  // namespace spiketlm::dse
