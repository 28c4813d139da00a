// spiketlm sweep: a thin RAII layer over SQLite's C API (libsqlite3).
//
// Values are the report's Value (integer, real, text or null), so a report's cells go into a
// table unchanged. Every error is one line naming the database file and the statement.
#pragma once
#include <string>
#include <vector>

#include "tlm/report.h"

struct sqlite3;
struct sqlite3_stmt;

namespace spiketlm::dse {

class Db {
 public:
  explicit Db(const std::string& path);  // opens (creates) the file
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  class Stmt {
   public:
    Stmt(Db& db, const std::string& sql);
    ~Stmt();
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt& bind(int i, const Value& v);   // 1-based
    bool step();                          // true while a row is available
    void reset();
    int columns() const;
    std::string column_name(int i) const;
    Value column(int i) const;            // 0-based

   private:
    Db& m_db;
    sqlite3_stmt* m_s = nullptr;
    std::string m_sql;
  };

  void exec(const std::string& sql);
  // Runs `sql` with `params` bound and returns every row.
  std::vector<std::vector<Value>> query(const std::string& sql, const std::vector<Value>& params = {});
  // The columns of table `t` (empty if the table does not exist).
  std::vector<std::string> table_columns(const std::string& t);
  // Adds the columns of `cols` that table `t` lacks (untyped; SQLite keeps each value's type).
  void ensure_columns(const std::string& t, const std::vector<std::string>& cols);
  const std::string& path() const { return m_path; }

  // BEGIN IMMEDIATE ... COMMIT; rolled back unless commit() is called.
  class Transaction {
   public:
    explicit Transaction(Db& db);
    ~Transaction();
    void commit();

   private:
    Db& m_db;
    bool m_done = false;
  };

 private:
  [[noreturn]] void raise(const std::string& what) const;
  sqlite3* m_db = nullptr;
  std::string m_path;
};

// A quoted SQL identifier ("sata.pe_array.rows").
std::string sql_ident(const std::string& name);

}  // namespace spiketlm::dse
