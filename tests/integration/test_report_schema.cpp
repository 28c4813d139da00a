// Real reports of both platforms against their documented layout (tlm/report.md): schema
// version, the summary's keys and units, one name per quantity, tables as row objects with the
// columns table_info names, totals that add up, warnings for automatic adjustments, the
// per-sample table only on request, the long CSV, and a first screen that answers the
// newcomer's questions in 40 lines.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {

const std::vector<std::pair<std::string, std::string>> kSummary = {
    {"latency_us", "us/inference"},          {"latency_cycles", "cycles/inference"},
    {"energy_uj", "uJ/inference"},           {"dynamic_energy_uj", "uJ/inference"},
    {"leakage_energy_uj", "uJ/inference"},   {"edp_j_s", "J*s/inference"},
    {"accuracy_pct", "%"},                   {"area_mm2", "mm^2 on chip"},
    {"average_timesteps", ""},               {"exited_early_samples", "samples"},
    {"reference_mismatch_samples", "samples"}};

const std::string kSataRun = "run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 3";
const std::string kSfRun = "run platforms/spikeflow/spikeflow.yaml --trace traces/fmnist_snn --samples 3";

// A report written by the CLI exactly as a user would (no --per-sample).
struct Written {
  CliResult r;
  Json j;
  std::string csv;
};
Written write(const std::string& cmd, const std::string& tag) {
  const std::string d = scratch(tag);
  Written w;
  w.r = cli(cmd + " --json " + d + "/r.json --csv " + d + "/r.csv");
  EXPECT_EQ(w.r.code, 0) << w.r.err;
  w.j = load_json(d + "/r.json");
  w.csv = slurp(d + "/r.csv");
  return w;
}

double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

void check_layout(const Json& j, const std::string& what) {
  EXPECT_EQ(j.get<std::string>("schema"), "spiketlm-report") << what;
  EXPECT_EQ(j.get<int>("schema_version"), 1) << what;
  // The summary: exactly the documented keys, in order, with their units.
  std::vector<std::string> keys;
  for (const auto& kv : j.get_child("summary")) keys.push_back(kv.first);
  std::vector<std::string> want;
  for (const auto& kv : kSummary) want.push_back(kv.first);
  EXPECT_EQ(keys, want) << what;
  for (const auto& [key, unit] : kSummary)
    EXPECT_EQ(j.get<std::string>("units." + key, ""), unit) << what << " " << key;
  // One name per quantity: no key in two sections.
  std::map<std::string, std::string> seen;
  for (const auto& sec : j) {
    if (sec.second.empty() || sec.first == "units" || sec.first == "tables" || sec.first == "table_info" ||
        sec.first == "warnings")
      continue;
    for (const auto& kv : sec.second) {
      EXPECT_EQ(seen.count(kv.first), 0u) << what << ": " << kv.first << " in " << seen[kv.first] << " and " << sec.first;
      seen[kv.first] = sec.first;
    }
  }
  // Every table: rows are objects with exactly the columns table_info names, in that order.
  for (const auto& t : j.get_child("tables")) {
    std::vector<std::string> cols;
    for (const auto& c : j.get_child("table_info." + t.first + ".columns")) cols.push_back(c.second.data());
    for (const auto& row : t.second) {
      std::vector<std::string> got;
      for (const auto& cell : row.second) got.push_back(cell.first);
      EXPECT_EQ(got, cols) << what << " table " << t.first;
    }
  }
}

// Totals add up: components to the summary, dynamic + leakage to energy, areas to area_mm2.
void check_totals(const Json& j, const std::string& what) {
  const double e = summary(j, "energy_uj"), d = summary(j, "dynamic_energy_uj"), l = summary(j, "leakage_energy_uj");
  EXPECT_NEAR(d + l, e, 1e-12 * e) << what;
  EXPECT_NEAR(sum(column(j, "energy_by_component", "energy_uj")), e, 1e-9 * e) << what;
  EXPECT_NEAR(sum(column(j, "energy_by_component", "dynamic_uj")), d, 1e-9 * e) << what;
  EXPECT_NEAR(sum(column(j, "energy_by_component", "leakage_uj")), l, 1e-9 * e) << what;
  EXPECT_NEAR(sum(column(j, "area_by_component", "area_um2")), 1e6 * summary(j, "area_mm2"), 1e-6) << what;
  EXPECT_NEAR(summary(j, "edp_j_s"), e * 1e-6 * summary(j, "latency_us") * 1e-6, 1e-12 * summary(j, "edp_j_s")) << what;
  EXPECT_GT(l, 0) << what;  // leakage is reported, not folded away
}

}  // namespace

TEST(ReportSchema, SataReportFollowsTheDocumentedLayout) {
  const Written w = write(kSataRun, "schema_sata");
  EXPECT_EQ(w.r.err, "");
  check_layout(w.j, "sata");
  check_totals(w.j, "sata");
  // The area covers every global buffer (CACTI 7 areas of platforms/tech/sata_28nm.yaml).
  EXPECT_DOUBLE_EQ(table_cell(w.j, "area_by_component", "glb_weight", "area_um2"), 525797.8);
  EXPECT_DOUBLE_EQ(table_cell(w.j, "area_by_component", "glb_ifmap", "area_um2"), 123535.2);
  EXPECT_DOUBLE_EQ(table_cell(w.j, "area_by_component", "glb_ofmap", "area_um2"), 123535.2);
  // Per layer: named bundle layers; their latencies add up to the inference's compute time.
  EXPECT_EQ(text_column(w.j, "layers", "layer"), (std::vector<std::string>{"conv1", "pool1", "conv2", "pool2", "fc"}));
  EXPECT_LE(sum(column(w.j, "layers", "latency_us")), summary(w.j, "latency_us"));
  EXPECT_GT(sum(column(w.j, "layers", "latency_us")), 0.9 * summary(w.j, "latency_us"));
  EXPECT_FALSE(w.j.get_child_optional("tables.samples")) << "per-sample rows only with --per-sample";
  EXPECT_TRUE(w.j.get_child("warnings").empty());
}

TEST(ReportSchema, SpikeFlowReportFollowsTheDocumentedLayout) {
  const Written w = write(kSfRun, "schema_sf");
  EXPECT_EQ(w.r.err, "");
  check_layout(w.j, "spikeflow");
  check_totals(w.j, "spikeflow");
  // SpikeSim's own area model is the chip without the global buffer and the exit unit.
  const double glb = table_cell(w.j, "area_by_component", "global_buffer", "area_um2");
  const double exit_unit = table_cell(w.j, "area_by_component", "exit_unit", "area_um2");
  EXPECT_DOUBLE_EQ(glb, 387501.3);
  EXPECT_GT(exit_unit, 0);
  EXPECT_NEAR(1e6 * (summary(w.j, "area_mm2") - summary(w.j, "spikesim_model_area_mm2")), glb + exit_unit, 1e-3);
}

TEST(ReportSchema, WorkloadTraceHasNoAccuracyButTheSameKeys) {
  const Written w = write("run platforms/sata/sata.yaml --trace traces/workloads/vgg9_cifar10", "schema_workload");
  check_layout(w.j, "workload");
  EXPECT_EQ(w.j.get<std::string>("summary.accuracy_pct"), "null");
  EXPECT_EQ(w.j.get<std::string>("summary.reference_mismatch_samples"), "null");
  EXPECT_FALSE(w.j.get_child_optional("tables.accuracy"));
}

TEST(ReportSchema, PerSampleRowsOnlyOnRequest) {
  const std::string d = scratch("schema_per_sample");
  ASSERT_EQ(cli(kSataRun + " --per-sample --quiet --json " + d + "/r.json").code, 0);
  const Json j = load_json(d + "/r.json");
  EXPECT_EQ(column(j, "samples", "sample"), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(j.get<std::string>("table_info.samples.group"), "sample");
  const CliResult t = cli(kSataRun + " --per-sample");
  EXPECT_NE(t.out.find("\nPer sample\n"), std::string::npos) << t.out;
  EXPECT_EQ(cli(kSataRun).out.find("Per sample"), std::string::npos);
}

TEST(ReportSchema, AutomaticAdjustmentIsAWarningInTheReportAndOnStderr) {
  const Written w = write(kSataRun + " -c sata.lif.membrane_bits=8", "schema_warn");
  const std::string warning =
      "sata.lif.membrane_bits = 8: thresholds refitted to the 8-bit membrane (conv1 256 -> 64, conv2 256 -> 64; "
      "traces/src/requantize.h); reference outputs recomputed at 8 bits";
  ASSERT_EQ(w.j.get_child("warnings").size(), 1u);
  EXPECT_EQ(w.j.get_child("warnings").begin()->second.data(), warning);
  EXPECT_EQ(w.r.err, "spiketlm: warning: " + warning + "\n");
  EXPECT_NE(w.r.out.find("\nwarning: " + warning + "\n"), std::string::npos) << w.r.out;
  EXPECT_NE(w.csv.find("\nwarnings,0,text,\"" + warning + "\",\n"), std::string::npos);  // quoted: it has commas
  EXPECT_EQ(summary(w.j, "requantized_layers"), 2);
  // The same on SpikeFlow, under its own key.
  const CliResult sf = cli(kSfRun + " --quiet -c spikeflow.tile.lif.membrane_bits=8");
  EXPECT_EQ(sf.err.rfind("spiketlm: warning: spikeflow.tile.lif.membrane_bits = 8: thresholds refitted", 0), 0u) << sf.err;
}

TEST(ReportSchema, CsvIsOneLongTableWithTheJsonValues) {
  const Written w = write(kSataRun, "schema_csv");
  std::istringstream in(w.csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "table,row,column,value,unit");
  std::set<std::string> tables;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    tables.insert(line.substr(0, line.find(',')));
  }
  for (const char* t : {"schema", "run", "summary", "layers", "energy_by_component", "area_by_component", "stats"})
    EXPECT_EQ(tables.count(t), 1u) << t;
  std::ostringstream e;
  e.precision(17);
  e << w.j.get<double>("summary.energy_uj");
  EXPECT_NE(w.csv.find("\nsummary,,energy_uj," + e.str() + ",uJ/inference\n"), std::string::npos);
  EXPECT_GT(n, 500u);
}

// Issue 23's "done when": the first screen of the quick start's run fits in 40 lines and
// answers how much energy and time per inference, where it goes, and how accurate.
TEST(ReportSchema, FirstScreenOfTheDefaultRunAnswersTheQuestions) {
  const CliResult r = cli("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 100");
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream in(r.out);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_GE(lines.size(), 40u);
  std::string screen;
  for (size_t i = 0; i < 40; ++i) {
    EXPECT_LE(lines[i].size(), 100u) << lines[i];
    screen += lines[i] + "\n";
  }
  for (const auto& kv : kSummary) EXPECT_NE(screen.find("\n  " + kv.first + " "), std::string::npos) << kv.first;
  // Where the energy goes: the whole component table, down to its last row.
  EXPECT_NE(screen.find("\nEnergy by component (per inference)\n"), std::string::npos) << screen;
  EXPECT_NE(screen.find("\n  control "), std::string::npos) << screen;
  EXPECT_NE(screen.find("\nPer layer (per inference)\n"), std::string::npos) << screen;
}
