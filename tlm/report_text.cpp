// The report as text: the short form a person reads first (tlm/report.md, "Text").
#include <algorithm>
#include <ostream>

#include "tlm/report.h"

namespace spiketlm {

namespace {
constexpr size_t kWidth = 100;   // the run line wraps here

// "run: a=1  b=2 ..." wrapped at kWidth.
void run_line(std::ostream& os, const Report::Section& s) {
  std::string line = "run:";
  for (const auto& it : s.items) {
    const std::string kv = it.key + "=" + it.value.text();
    if (line.size() + 2 + kv.size() > kWidth && line.size() > 5) {
      os << line << "\n";
      line = "    ";
    }
    line += (line.size() > 4 ? "  " : " ") + kv;
  }
  os << line << "\n";
}

void print_section(std::ostream& os, const Report::Section& s, const std::string& heading) {
  os << "\n" << heading << "\n";
  size_t w = 0, nw = 0;   // key width, number width
  for (const auto& it : s.items) {
    w = std::max(w, it.key.size());
    if (!it.value.is_string()) nw = std::max(nw, it.value.text().size());
  }
  for (const auto& it : s.items) {
    const std::string v = it.value.text();
    const std::string pad(!it.value.is_string() && v.size() < nw ? nw - v.size() : 0, ' ');
    os << "  " << it.key << std::string(w - it.key.size() + 2, ' ') << pad << v << (it.unit.empty() ? "" : "  " + it.unit)
       << "\n";
  }
}

void row(std::ostream& os, const std::vector<std::string>& cells, const std::vector<size_t>& w,
         const std::vector<bool>& right) {
  std::string s = " ";
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string pad(w[i] - cells[i].size(), ' ');
    s += " " + (right[i] ? pad + cells[i] : cells[i] + pad);
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  os << s << "\n";
}

// Prints `t` (its brief columns unless `full`); returns how many columns it left out.
size_t print_table(std::ostream& os, const Table& t, bool full) {
  std::vector<size_t> cols;
  for (size_t c = 0; c < t.columns.size(); ++c)
    if (full || t.brief.empty() || std::find(t.brief.begin(), t.brief.end(), t.columns[c]) != t.brief.end())
      cols.push_back(c);
  std::vector<std::string> head, rule;
  std::vector<size_t> w;
  for (size_t c : cols) {
    size_t x = t.columns[c].size();
    for (const auto& r : t.rows) x = std::max(x, r[c].text().size());
    w.push_back(x);
    head.push_back(t.columns[c]);
    rule.push_back(std::string(x, '-'));
  }
  os << "\n" << t.title << "\n";
  row(os, head, w, std::vector<bool>(cols.size(), false));
  row(os, rule, w, std::vector<bool>(cols.size(), false));
  for (const auto& r : t.rows) {
    std::vector<std::string> cells;
    std::vector<bool> right;
    for (size_t c : cols) {
      cells.push_back(r[c].text());
      right.push_back(!r[c].is_string());
    }
    row(os, cells, w, right);
  }
  return t.columns.size() - cols.size();
}
}  // namespace

void Report::write_text(std::ostream& os, bool full) const {
  os << "== " << m_title << " ==\n";
  for (const auto& s : m_sections)
    if (s.name == "run") run_line(os, s);
  for (const auto& w : m_warnings) os << "warning: " << w << "\n";
  for (const auto& s : m_sections)
    if (s.name == "summary") print_section(os, s, "Summary");
  size_t hidden_tables = 0, hidden_cols = 0;
  auto group = [&](const char* g) {
    for (const auto& t : m_tables)
      if (t.group == g) hidden_cols += print_table(os, t, full);
  };
  group("layer");
  group("component");
  for (const auto& s : m_sections)
    if (s.name != "run" && s.name != "summary") print_section(os, s, "[" + s.name + "]");
  group("more");
  if (full) group("detail");
  else
    for (const auto& t : m_tables) hidden_tables += t.group == "detail";
  group("sample");
  if (hidden_tables || hidden_cols)
    os << "\n(not shown: " << hidden_tables << " detail tables, " << hidden_cols
       << " columns; --full prints them; --json and --csv hold everything)\n";
}

}  // namespace spiketlm
