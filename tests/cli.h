// Running the spiketlm CLI from tests, and reading its JSON report.
#pragma once
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers.h"

namespace spiketlm::test {

struct CliResult {
  int code = -1;
  std::string out, err;
};

// A fresh scratch directory for one test (under the build tree).
inline std::string scratch(const std::string& name) {
  const std::string d = binary_dir() + "/scratch/" + name + "_" + std::to_string(getpid());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Under AddressSanitizer an exception thrown on a SystemC coroutine stack makes ASan print a
// three-line warning about stack switching ("ASan is ignoring requested
// __asan_handle_no_return ...", google/sanitizers#189). It is ASan's, not the program's:
// drop exactly those lines so that sanitizer runs compare the program's own stderr.
inline std::string strip_asan_stack_warning(const std::string& err) {
  std::istringstream in(err);
  std::string line, out;
  int skip = 0;
  while (std::getline(in, line)) {
    if (line.rfind("==", 0) == 0 && line.find("ASan is ignoring requested __asan_handle_no_return") != std::string::npos) {
      skip = 2;  // and its two follow-up lines
      continue;
    }
    if (skip > 0 && (line.rfind("False positive error reports may follow", 0) == 0 ||
                     line.rfind("For details see https://github.com/google/sanitizers/issues/189", 0) == 0)) {
      --skip;
      continue;
    }
    skip = 0;
    out += line + "\n";
  }
  return out;
}

// A 64-bit address from a descriptor's lo/hi words (LayerDesc *_addr_lo / *_addr_hi).

// Runs `spiketlm <args>` from the source directory; with `seconds` > 0 under `timeout` (a
// build that blocks then fails the test instead of hanging it; exit code 124).
inline CliResult cli(const std::string& args, int seconds = 0) {
  const std::string dir = scratch("cli");
  const std::string limit = seconds > 0 ? "timeout " + std::to_string(seconds) + " " : std::string();
  const std::string cmd = "cd " + source_dir() + " && SC_COPYRIGHT_MESSAGE=DISABLE " + limit + binary_dir() + "/spiketlm " +
                          args + " >" + dir + "/out.txt 2>" + dir + "/err.txt";
  const int rc = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(dir + "/out.txt");
  r.err = strip_asan_stack_warning(slurp(dir + "/err.txt"));
  return r;
}

using Json = boost::property_tree::ptree;
inline Json load_json(const std::string& path) {
  Json j;
  boost::property_tree::read_json(path, j);
  return j;
}
// A report's scalar `key`, from whichever section holds it (keys are unique in a report,
// tlm/report.md); a null (no value) reads as NaN.
inline double summary(const Json& j, const std::string& key) {
  for (const auto& sec : j) {
    if (sec.first == "units" || sec.first == "tables" || sec.first == "table_info") continue;
    if (const auto v = sec.second.get_child_optional(key)) {
      const std::string s = v->get_value<std::string>();
      return s == "null" || s.empty() ? std::nan("") : std::stod(s);
    }
  }
  throw std::runtime_error("no value " + key + " in the report");
}
// Column `col` of table `table` (a list of row objects), row by row, as text.
inline std::vector<std::string> text_column(const Json& j, const std::string& table, const std::string& col) {
  std::vector<std::string> v;
  for (const auto& row : j.get_child("tables." + table)) {
    const auto c = row.second.get_child_optional(col);
    if (!c) throw std::runtime_error("no column " + col + " in table " + table);
    v.push_back(c->get_value<std::string>());
  }
  return v;
}
// Column `col` of table `table`, row by row (as doubles; null reads as 0).
inline std::vector<double> column(const Json& j, const std::string& table, const std::string& col) {
  std::vector<double> v;
  for (const auto& s : text_column(j, table, col)) v.push_back(s == "null" || s.empty() ? 0.0 : std::stod(s));
  return v;
}

// The value in column `col` of the row of `table` whose first cell is `row`.
inline double table_cell(const Json& j, const std::string& table, const std::string& row, const std::string& col) {
  for (const auto& r : j.get_child("tables." + table))
    if (r.second.begin()->second.get_value<std::string>() == row) {
      const std::string s = r.second.get<std::string>(col);
      return s == "null" || s.empty() ? 0.0 : std::stod(s);
    }
  throw std::runtime_error("no row " + row + " in table " + table);
}

// Runs the CLI `command` (e.g. "run platforms/sata/sata.yaml --trace ...") quietly with a JSON
// report (with its per-sample table) in scratch(tag + "_report"), expects exit code 0 and
// returns the report.
inline Json run_json(const std::string& command, const std::string& tag) {
  const std::string out = scratch(tag + "_report") + "/r.json";
  const CliResult r = cli(command + " --quiet --per-sample --json " + out);
  EXPECT_EQ(r.code, 0) << command << ": " << r.err;
  return load_json(out);
}

// Firmware comparisons: two samples of the Fashion-MNIST SNN on each platform, and a run's
// JSON report and transaction log (the run must succeed with nothing on stderr).
const std::string kSata = "run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 2 --quiet";
const std::string kSpikeFlow = "run platforms/spikeflow/spikeflow.yaml --trace traces/fmnist_snn --samples 2 --quiet";
struct Outcome {
  std::string json, txlog;
};
inline Outcome run_fw(const std::string& base, const std::string& fw_args, const std::string& tag) {
  const std::string d = scratch(tag);
  const CliResult r = cli(base + " " + fw_args + " --json " + d + "/r.json --txlog " + d + "/tx.log");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  return {slurp(d + "/r.json"), slurp(d + "/tx.log")};
}

}  // namespace spiketlm::test
