// spiketlm compare: each (platform, network) run is its own child process (SystemC elaborates
// once per process) that writes its JSON report; the parent reads them back (sw/dse report
// reader) and writes one report through tlm/report. See sw/cli/compare.md.
#include "sw/cli/compare.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "sw/dse/report_reader.h"
#include "sw/run/simulation.h"
#include "tlm/cleanup.h"
#include "tlm/error.h"
#include "tlm/output.h"
#include "tlm/report.h"

namespace spiketlm::cli {

namespace {

struct CompareArgs {
  std::string snn, ann_trace, ann_bits, samples, json, csv;
  std::vector<std::string> platforms;
  bool quiet = false;
};

[[noreturn]] void usage(const std::string& msg) { usage_error("compare", msg); }

CompareArgs parse(int argc, char** argv) {
  CompareArgs a;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) usage(std::string(argv[i]) + ": missing value");
    return argv[++i];
  };
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "--trace") a.snn = value(i);
    else if (s == "--ann-trace") a.ann_trace = value(i);
    else if (s == "--ann") a.ann_bits = value(i);
    else if (s == "--samples") a.samples = value(i);
    else if (s == "--platform") a.platforms.push_back(value(i));
    else if (s == "--json") a.json = value(i);
    else if (s == "--csv") a.csv = value(i);
    else if (s == "--quiet" || s == "-q") a.quiet = true;
    else if (!s.empty() && s[0] == '-') usage(s + ": unknown option");
    else usage(s + ": unexpected argument, expected options only");
  }
  if (a.snn.empty()) usage("missing --trace SNN_DIR, expected spiketlm compare --trace SNN_DIR [options]");
  if (!a.ann_trace.empty() && !a.ann_bits.empty()) usage("--ann-trace and --ann exclude each other, expected one of them");
  if (a.platforms.empty())
    a.platforms = {"platforms/sata/sata.yaml", "platforms/spikeflow/spikeflow.yaml", "platforms/northpole/northpole.yaml"};
  return a;
}

// The run request of one cell: the SNN trace, or the ANN twin (its own trace, or the SNN trace
// turned into an ANN of BITS bits: run --ann BITS).
RunRequest request(const CompareArgs& a, const std::string& platform, bool ann) {
  RunRequest req;
  req.config = platform;
  req.run_params.push_back({"run.trace", ann && !a.ann_trace.empty() ? a.ann_trace : a.snn});
  if (ann && a.ann_trace.empty()) {
    req.run_params.push_back({"run.network", "ann"});
    req.run_params.push_back({"run.ann_bits", a.ann_bits.empty() ? "8" : a.ann_bits});
  }
  if (!a.samples.empty()) req.run_params.push_back({"run.samples", a.samples});
  return req;
}

// One run in a child process; its report goes to `json`. Returns the child's exit code.
int run_child(const RunRequest& req, const std::string& json) {
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = fork();
  if (pid < 0) fail("compare", std::string("fork: expected a child process, got ") + std::strerror(errno));
  if (pid == 0) {
    cleanup::reset_after_fork();  // the parent's temporaries are the parent's to remove
    int rc = 0;
    try {
      Simulation sim;
      sim.configure(req);
      sim.elaborate();
      sim.run();
      sim.report().save(json, "json");
      OutputSet::process().commit();
    } catch (const std::exception& e) {
      std::cerr << "spiketlm: error: " << req.config << ": " << error_text(e) << "\n";
      rc = 1;
    }
    std::cout.flush();
    std::cerr.flush();
    _exit(rc);
  }
  int st = 0;
  if (waitpid(pid, &st, 0) < 0) fail("compare", std::string("waitpid: ") + std::strerror(errno));
  if (WIFSIGNALED(st))
    std::cerr << "spiketlm: error: " << req.config << ": the run ended by signal " << WTERMSIG(st) << " ("
              << strsignal(WTERMSIG(st)) << ")\n";
  return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

const std::vector<std::string> kMetrics = {"energy_uj", "latency_us", "edp_j_s", "accuracy_pct", "area_mm2"};

// A summary value as the run wrote it (null stays null: a workload has no accuracy).
Value metric(const Report& r, const std::string& key) { return r.has("summary", key) ? r.get("summary", key) : Value(); }

Value ratio(const Value& s, const Value& n) {
  if (s.empty() || n.empty() || n.as_double() == 0) return Value();
  return s.as_double() / n.as_double();
}

Report build(const CompareArgs& a, const std::vector<Report>& runs) {
  Report out("spiketlm compare");
  out.set("run", "snn_trace", a.snn);
  out.set("run", "ann_trace", a.ann_trace.empty() ? a.snn + " (--ann " + (a.ann_bits.empty() ? "8" : a.ann_bits) + ")" : a.ann_trace);
  out.set("run", "platforms", int64_t(a.platforms.size()));
  std::vector<std::string> cols = {"platform", "config", "network", "trace", "samples"};
  cols.insert(cols.end(), kMetrics.begin(), kMetrics.end());
  Table& t = out.table("compare", "SNN and ANN per platform (per inference)", cols, "layer");
  Table& q = out.table("snn_over_ann", "SNN / ANN per platform (accuracy: SNN - ANN)",
                       {"platform", "energy_ratio", "latency_ratio", "edp_ratio", "accuracy_diff_pct"}, "layer");
  for (size_t p = 0; p < a.platforms.size(); ++p) {
    const Report& s = runs[2 * p];
    const Report& n = runs[2 * p + 1];
    const std::string name = s.get("run", "platform").as_string();
    for (const Report* r : {&s, &n}) {
      std::vector<Value> row = {name, a.platforms[p], r->get("run", "network"), r->get("run", "trace"), r->get("run", "samples")};
      for (const auto& m : kMetrics) row.push_back(metric(*r, m));
      t.add_row(row);
    }
    const Value sa = metric(s, "accuracy_pct"), na = metric(n, "accuracy_pct");
    q.add_row({name, ratio(metric(s, "energy_uj"), metric(n, "energy_uj")),
               ratio(metric(s, "latency_us"), metric(n, "latency_us")), ratio(metric(s, "edp_j_s"), metric(n, "edp_j_s")),
               sa.empty() || na.empty() ? Value() : Value(sa.as_double() - na.as_double())});
  }
  return out;
}

}  // namespace

int compare_main(int argc, char** argv) {
  const CompareArgs a = parse(argc, argv);
  OutputSet& outs = OutputSet::process();
  try {
    if (!a.json.empty()) outs.claim(a.json, "--json");
    if (!a.csv.empty()) outs.claim(a.csv, "--csv");
    std::string tmpl = (std::filesystem::temp_directory_path() / "spiketlm_compare_XXXXXX").string();
    if (!mkdtemp(tmpl.data())) fail("compare", tmpl + ": expected a temporary directory, got " + std::strerror(errno));
    struct Cleanup {
      std::string dir;
      ~Cleanup() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
      }
    } cleanup{tmpl};
    std::vector<Report> runs;
    for (size_t p = 0; p < a.platforms.size(); ++p)
      for (bool ann : {false, true}) {
        const std::string json = tmpl + "/run" + std::to_string(runs.size()) + ".json";
        if (run_child(request(a, a.platforms[p], ann), json) != 0) return 1;
        runs.push_back(dse::read_report_json(json));
      }
    const Report out = build(a, runs);
    if (!a.json.empty()) out.save(a.json, "json");
    if (!a.csv.empty()) out.save(a.csv, "csv");
    outs.commit();
    if (!a.quiet) out.write_text(std::cout);
  } catch (const std::exception& e) {
    outs.discard();
    std::cerr << "spiketlm: error: " << error_text(e) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace spiketlm::cli
