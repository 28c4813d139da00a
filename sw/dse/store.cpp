#include "sw/dse/store.h"

#include "tlm/error.h"

namespace spiketlm::dse {

namespace {

constexpr const char* kPointColumns =
    "point INTEGER PRIMARY KEY, state TEXT NOT NULL, dir TEXT NOT NULL, args TEXT NOT NULL, exit_code INTEGER, "
    "error TEXT, job TEXT, attempts INTEGER NOT NULL DEFAULT 0, seconds REAL";
constexpr int kFixedColumns = 9;

// An axis value as stored: integers and reals as numbers (so SQL compares them as numbers).
Value typed(const std::string& text) {
  try {
    size_t pos = 0;
    const long long i = std::stoll(text, &pos, 10);
    if (pos == text.size()) return Value(int64_t(i));
    const double d = std::stod(text, &pos);
    if (pos == text.size()) return Value(d);
  } catch (const std::exception&) {
  }
  return Value(text);
}

}  // namespace

Store::Store(const std::string& path) : m_db(path) {
  m_db.exec("PRAGMA journal_mode=DELETE");
}

void Store::create(const SweepSpec& s, const std::vector<Point>& pts, const std::vector<std::string>& dirs,
                   const std::vector<std::string>& args) {
  Db::Transaction t(m_db);
  std::string cols = kPointColumns;
  std::string marks = "?,?,?,?";
  for (const auto& a : s.axes)
    for (const auto& k : a.keys) {
      cols += ", " + sql_ident(k.key);
      marks += ",?";
    }
  m_db.exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value)");
  m_db.exec("CREATE TABLE points(" + cols + ")");
  m_db.exec("CREATE TABLE summary(point INTEGER NOT NULL, section TEXT, key TEXT, value, unit TEXT)");
  m_db.exec("CREATE INDEX summary_point ON summary(point)");
  m_db.exec("CREATE TABLE layers(point INTEGER NOT NULL)");
  m_db.exec("CREATE TABLE components(point INTEGER NOT NULL)");
  m_db.query("INSERT INTO meta VALUES('name', ?), ('sweep_file', ?), ('points', ?), ('method', ?)",
             {s.name, s.file, int64_t(pts.size()), s.method});
  std::string names = "point, state, dir, args";
  for (const auto& a : s.axes)
    for (const auto& k : a.keys) names += ", " + sql_ident(k.key);
  Db::Stmt ins(m_db, "INSERT INTO points(" + names + ") VALUES(" + marks + ")");
  for (size_t i = 0; i < pts.size(); ++i) {
    ins.bind(1, pts[i].index).bind(2, "pending").bind(3, dirs[i]).bind(4, args[i]);
    for (size_t v = 0; v < pts[i].values.size(); ++v) ins.bind(int(5 + v), typed(pts[i].values[v].second));
    ins.step();
    ins.reset();
  }
  t.commit();
}

void Store::init(const SweepSpec& s, const std::vector<Point>& pts, const std::vector<std::string>& dirs,
                 const std::vector<std::string>& args) {
  if (m_db.table_columns("points").empty()) return create(s, pts, dirs, args);
  const auto rows = m_db.query("SELECT point, args FROM points ORDER BY point");
  const std::string where = m_db.path() + ": ";
  if (rows.size() != pts.size())
    fail("sweep", where + "holds a sweep of " + std::to_string(rows.size()) + " points, this one has " +
                      std::to_string(pts.size()) + "; expected the same sweep file (or another out: folder)");
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i][1].as_string() != args[i])
      fail("sweep", where + "point " + std::to_string(i) + " was '" + rows[i][1].as_string() + "', this sweep runs '" +
                        args[i] + "'; expected the same sweep file (or another out: folder)");
}

std::vector<std::string> Store::axis_keys() {
  std::vector<std::string> cols = m_db.table_columns("points");
  return {cols.begin() + kFixedColumns, cols.end()};
}

std::vector<PointRow> Store::points() {
  std::vector<PointRow> out;
  for (auto& r : m_db.query("SELECT * FROM points ORDER BY point")) {
    PointRow p;
    p.point = r[0].as_int();
    p.state = r[1].as_string();
    p.dir = r[2].as_string();
    p.args = r[3].as_string();
    p.exit_code = r[4];
    p.error = r[5].empty() ? "" : r[5].text();
    p.job = r[6].empty() ? "" : r[6].text();
    p.attempts = r[7].as_int();
    p.seconds = r[8];
    p.params.assign(r.begin() + kFixedColumns, r.end());
    out.push_back(std::move(p));
  }
  return out;
}

std::map<std::string, int64_t> Store::counts() {
  std::map<std::string, int64_t> c = {{"pending", 0}, {"running", 0}, {"queued", 0}, {"done", 0}, {"failed", 0}};
  for (const auto& r : m_db.query("SELECT state, COUNT(*) FROM points GROUP BY state")) c[r[0].as_string()] = r[1].as_int();
  return c;
}

void Store::mark(const std::vector<int64_t>& ids, const std::string& state, const std::vector<std::string>& jobs,
                 bool counted) {
  Db::Transaction t(m_db);
  const bool attempt = counted || state == "running" || state == "queued";
  Db::Stmt st(m_db, std::string("UPDATE points SET state = ?, job = ?, exit_code = NULL, error = NULL") +
                        (attempt ? ", attempts = attempts + 1" : "") + " WHERE point = ?");
  for (size_t i = 0; i < ids.size(); ++i) {
    st.bind(1, state).bind(2, jobs.empty() ? Value() : Value(jobs[i])).bind(3, ids[i]);
    st.step();
    st.reset();
  }
  t.commit();
}

void Store::insert_table(const std::string& name, int64_t id, const Table& t) {
  std::vector<std::string> cols = {"point"};
  cols.insert(cols.end(), t.columns.begin(), t.columns.end());
  m_db.ensure_columns(name, cols);
  std::string names, marks;
  for (const auto& c : cols) {
    names += (names.empty() ? "" : ", ") + sql_ident(c);
    marks += marks.empty() ? "?" : ",?";
  }
  Db::Stmt ins(m_db, "INSERT INTO " + sql_ident(name) + "(" + names + ") VALUES(" + marks + ")");
  for (const auto& row : t.rows) {
    ins.bind(1, id);
    for (size_t c = 0; c < row.size(); ++c) ins.bind(int(c + 2), row[c]);
    ins.step();
    ins.reset();
  }
}

void Store::record_done(int64_t id, const Report& r, double seconds) {
  Db::Transaction t(m_db);
  for (const char* tab : {"summary", "layers", "components"})
    m_db.query(std::string("DELETE FROM ") + tab + " WHERE point = ?", {id});
  Db::Stmt ins(m_db, "INSERT INTO summary VALUES(?, ?, ?, ?, ?)");
  for (const auto& s : r.sections())
    for (const auto& it : s.items) {
      ins.bind(1, id).bind(2, s.name).bind(3, it.key).bind(4, it.value).bind(5, it.unit);
      ins.step();
      ins.reset();
    }
  if (r.has_table("layers")) insert_table("layers", id, r.table("layers"));
  if (r.has_table("energy_by_component")) insert_table("components", id, r.table("energy_by_component"));
  m_db.query("UPDATE points SET state = 'done', exit_code = 0, error = NULL, seconds = ? WHERE point = ?",
             {seconds < 0 ? Value() : Value(seconds), id});
  t.commit();
}

void Store::record_failed(int64_t id, const Value& exit_code, const std::string& error, double seconds) {
  m_db.query("UPDATE points SET state = 'failed', exit_code = ?, error = ?, seconds = ? WHERE point = ?",
             {exit_code, error, seconds < 0 ? Value() : Value(seconds), id});
}

}  // namespace spiketlm::dse
