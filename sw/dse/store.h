// spiketlm sweep: the sweep database (sweep.db, SQLite) -- the state of every point and the
// results of the finished ones.
//
// Tables (sw/dse/README.md):
//   meta(key, value)              sweep name, file, plan size
//   points(point, state, dir, args, exit_code, error, job, attempts, seconds, <axis keys>)
//   summary(point, section, key, value, unit)      every scalar of each point's report
//   layers(point, <the report's per-layer columns>)
//   components(point, <the report's energy_by_component columns>)
// state is pending, running, queued (submitted to Slurm), done or failed. Only the sweep
// driver writes the database (array tasks write their own point folders), so it never sees
// concurrent writers on a shared filesystem. A point's results and its state change in one
// transaction: an interrupted collect leaves the database consistent.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sw/dse/db.h"
#include "sw/dse/plan.h"
#include "sw/dse/spec.h"

namespace spiketlm::dse {

struct PointRow {
  int64_t point = 0;
  std::string state, dir, args, error, job;
  Value exit_code;
  int64_t attempts = 0;
  Value seconds;
  std::vector<Value> params;   // the axis values, in axis-key order
};

class Store {
 public:
  explicit Store(const std::string& path);
  // First use: creates the tables and one pending row per point (`dirs`, `args`: each point's
  // folder and its run's arguments). Later: checks that the stored sweep has the same points
  // with the same arguments; a different sweep in the same folder is a one-line error.
  void init(const SweepSpec& s, const std::vector<Point>& pts, const std::vector<std::string>& dirs,
            const std::vector<std::string>& args);
  std::vector<PointRow> points();
  std::vector<std::string> axis_keys();
  std::map<std::string, int64_t> counts();   // state -> points
  // New state of `ids` (job: the Slurm job and task, "" for local runs); running and queued
  // count an attempt, and so does any state with `attempt` (a point listed for an external
  // runner stays pending).
  void mark(const std::vector<int64_t>& ids, const std::string& state, const std::vector<std::string>& jobs = {},
            bool attempt = false);
  // A finished point: its report's scalars and tables, and state done, in one transaction.
  void record_done(int64_t id, const Report& r, double seconds);
  void record_failed(int64_t id, const Value& exit_code, const std::string& error, double seconds);
  Db& db() { return m_db; }

 private:
  void create(const SweepSpec& s, const std::vector<Point>& pts, const std::vector<std::string>& dirs,
              const std::vector<std::string>& args);
  void insert_table(const std::string& name, int64_t id, const Table& t);
  Db m_db;
};

}  // namespace spiketlm::dse
