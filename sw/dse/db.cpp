#include "sw/dse/db.h"

#include <sqlite3.h>

#include <algorithm>

#include "tlm/error.h"

namespace spiketlm::dse {

std::string sql_ident(const std::string& name) {
  std::string q = "\"";
  for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

Db::Db(const std::string& path) : m_path(path) {
  if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    const std::string msg = m_db ? sqlite3_errmsg(m_db) : "out of memory";
    sqlite3_close(m_db);
    m_db = nullptr;
    fail("sweep", path + ": expected an SQLite database, got: " + msg);
  }
  sqlite3_busy_timeout(m_db, 10000);
}

Db::~Db() { sqlite3_close(m_db); }

void Db::raise(const std::string& what) const {
  fail("sweep", m_path + ": " + what + ": " + sqlite3_errmsg(m_db));
}

void Db::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    fail("sweep", m_path + ": " + sql.substr(0, 60) + ": " + msg);
  }
}

Db::Stmt::Stmt(Db& db, const std::string& sql) : m_db(db), m_sql(sql) {
  if (sqlite3_prepare_v2(db.m_db, sql.c_str(), -1, &m_s, nullptr) != SQLITE_OK) db.raise(sql.substr(0, 60));
}

Db::Stmt::~Stmt() { sqlite3_finalize(m_s); }

Db::Stmt& Db::Stmt::bind(int i, const Value& v) {
  int rc;
  if (v.empty()) rc = sqlite3_bind_null(m_s, i);
  else if (v.is_int()) rc = sqlite3_bind_int64(m_s, i, v.as_int());
  else if (v.is_double()) rc = sqlite3_bind_double(m_s, i, v.as_double());
  else rc = sqlite3_bind_text(m_s, i, v.as_string().c_str(), int(v.as_string().size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) m_db.raise(m_sql.substr(0, 60));
  return *this;
}

bool Db::Stmt::step() {
  const int rc = sqlite3_step(m_s);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  m_db.raise(m_sql.substr(0, 60));
}

void Db::Stmt::reset() {
  sqlite3_reset(m_s);
  sqlite3_clear_bindings(m_s);
}

int Db::Stmt::columns() const { return sqlite3_column_count(m_s); }

std::string Db::Stmt::column_name(int i) const { return sqlite3_column_name(m_s, i); }

Value Db::Stmt::column(int i) const {
  switch (sqlite3_column_type(m_s, i)) {
    case SQLITE_INTEGER: return Value(int64_t(sqlite3_column_int64(m_s, i)));
    case SQLITE_FLOAT: return Value(sqlite3_column_double(m_s, i));
    case SQLITE_NULL: return Value();
    default: {
      const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(m_s, i));
      return Value(std::string(t ? t : "", size_t(sqlite3_column_bytes(m_s, i))));
    }
  }
}

std::vector<std::vector<Value>> Db::query(const std::string& sql, const std::vector<Value>& params) {
  Stmt s(*this, sql);
  for (size_t i = 0; i < params.size(); ++i) s.bind(int(i + 1), params[i]);
  std::vector<std::vector<Value>> rows;
  while (s.step()) {
    rows.emplace_back();
    for (int c = 0; c < s.columns(); ++c) rows.back().push_back(s.column(c));
  }
  return rows;
}

std::vector<std::string> Db::table_columns(const std::string& t) {
  std::vector<std::string> cols;
  for (const auto& r : query("PRAGMA table_info(" + sql_ident(t) + ")")) cols.push_back(r[1].as_string());
  return cols;
}

void Db::ensure_columns(const std::string& t, const std::vector<std::string>& cols) {
  const std::vector<std::string> have = table_columns(t);
  for (const auto& c : cols)
    if (std::find(have.begin(), have.end(), c) == have.end())
      exec("ALTER TABLE " + sql_ident(t) + " ADD COLUMN " + sql_ident(c));
}

Db::Transaction::Transaction(Db& db) : m_db(db) { m_db.exec("BEGIN IMMEDIATE"); }

Db::Transaction::~Transaction() {
  if (!m_done) sqlite3_exec(m_db.m_db, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Db::Transaction::commit() {
  m_db.exec("COMMIT");
  m_done = true;
}

}  // namespace spiketlm::dse
