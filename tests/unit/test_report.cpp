// The one report writer: text, JSON and CSV carry the same content; files appear atomically.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/helpers.h"
#include "tlm/error.h"
#include "tlm/output.h"
#include "tlm/report.h"

using namespace spiketlm;

namespace {
Report sample() {
  Report r("demo");
  r.set("summary", "latency_cycles", int64_t(1234), "cycles");
  r.set("summary", "energy_pj", 5.5, "pJ");
  r.set("summary", "name", std::string("a \"quoted\", name"));
  auto& t = r.table("layers", "Per layer", {"layer", "cycles", "energy_pj"}, "layer");
  t.add_row({"conv1", int64_t(10), 1.25});
  t.add_row({"fc", int64_t(3), Value()});
  r.warn("x.bits = 8: refitted");
  return r;
}
}  // namespace

TEST(Report, JsonHasEveryValueExactly) {
  std::ostringstream os;
  sample().write_json(os);
  const std::string j = os.str();
  EXPECT_NE(j.find("\"schema\": \"spiketlm-report\",\n  \"schema_version\": 1,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"warnings\": [\"x.bits = 8: refitted\"]"), std::string::npos) << j;
  EXPECT_NE(j.find("\"latency_cycles\": 1234"), std::string::npos) << j;
  EXPECT_NE(j.find("\"energy_pj\": 5.5"), std::string::npos) << j;
  EXPECT_NE(j.find("\"name\": \"a \\\"quoted\\\", name\""), std::string::npos) << j;
  EXPECT_NE(j.find("{\"layer\": \"conv1\", \"cycles\": 10, \"energy_pj\": 1.25}"), std::string::npos) << j;
  EXPECT_NE(j.find("{\"layer\": \"fc\", \"cycles\": 3, \"energy_pj\": null}"), std::string::npos) << j;
  EXPECT_NE(j.find("\"latency_cycles\": \"cycles\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"layers\": {\"title\": \"Per layer\", \"group\": \"layer\", \"columns\": [\"layer\", \"cycles\", \"energy_pj\"]}"),
            std::string::npos) << j;
}

TEST(Report, TextAndCsvCarryTheSameCells) {
  std::ostringstream t, c;
  Report r = sample();
  r.write_text(t);
  r.write_csv(c);
  for (const char* cell : {"latency_cycles", "1234", "conv1", "1.25", "Per layer", "warning: x.bits = 8: refitted"})
    EXPECT_NE(t.str().find(cell), std::string::npos) << cell;
  EXPECT_EQ(c.str().rfind("table,row,column,value,unit\nschema,,schema_version,1,\n", 0), 0u) << c.str();
  EXPECT_NE(c.str().find("\nwarnings,0,text,x.bits = 8: refitted,\n"), std::string::npos) << c.str();
  EXPECT_NE(c.str().find("\nsummary,,latency_cycles,1234,cycles\n"), std::string::npos) << c.str();
  EXPECT_NE(c.str().find("\nsummary,,name,\"a \"\"quoted\"\", name\",\n"), std::string::npos) << c.str();
  EXPECT_NE(c.str().find("\nlayers,0,layer,conv1,\nlayers,0,cycles,10,\nlayers,0,energy_pj,1.25,\n"), std::string::npos);
  EXPECT_NE(c.str().find("\nlayers,1,energy_pj,,\n"), std::string::npos);
}

TEST(Report, OneNamePerQuantityAndUnitsInNames) {
  Report r;
  r.set("summary", "energy_uj", 1.0, "uJ/inference");
  EXPECT_EQ(test::error_of([&] { r.set("flop_estimate", "energy_uj", 2.0, "uJ/inference"); }),
            "spiketlm/report: flop_estimate.energy_uj: key already in section summary (one name per quantity)");
  EXPECT_EQ(test::error_of([&] { r.set("summary", "latency", 2.0, "us/inference"); }),
            "spiketlm/report: summary.latency: a value in us/inference needs a key ending in _us");
  EXPECT_EQ(test::error_of([&] { r.set("summary", "x_furlongs", 2.0, "furlongs"); }),
            "spiketlm/report: unit 'furlongs' has no key suffix rule (tlm/report.cpp unit_suffix)");
  EXPECT_EQ(test::error_of([&] { r.set("tables", "n", 1); }), "spiketlm/report: section name 'tables' is reserved");
  EXPECT_EQ(test::error_of([&] { r.table("t", "T", {"a"}, "misc"); }), "spiketlm/report: table t: unknown group 'misc'");
  r.set("summary", "energy_uj", 3.0, "uJ/inference");   // the same key again replaces its value
  EXPECT_EQ(r.get("summary", "energy_uj").as_double(), 3.0);
  EXPECT_EQ(unit_suffix("GB/s"), "_gbps");
  EXPECT_EQ(unit_suffix("mm^2 on chip"), "_mm2");
  EXPECT_EQ(unit_suffix("J*s/inference"), "_j_s");
}

TEST(Report, DefaultTextShowsBriefColumnsAndLeavesDetailTablesToFull) {
  Report r;
  r.set("summary", "energy_uj", 1.0, "uJ/inference");
  auto& t = r.table("layers", "Per layer", {"layer", "cycles", "stall_cycles"}, "layer");
  t.brief = {"layer", "cycles"};
  t.add_row({"conv1", int64_t(10), int64_t(77777)});
  r.table("stats", "Statistics", {"module", "value"}).add_row({"x.y", int64_t(424242)});
  std::ostringstream brief, full;
  r.write_text(brief);
  r.write_text(full, true);
  EXPECT_EQ(brief.str().find("77777"), std::string::npos) << brief.str();
  EXPECT_EQ(brief.str().find("424242"), std::string::npos) << brief.str();
  EXPECT_NE(brief.str().find("(not shown: 1 detail tables, 1 columns; --full prints them"), std::string::npos) << brief.str();
  EXPECT_NE(full.str().find("77777"), std::string::npos) << full.str();
  EXPECT_NE(full.str().find("424242"), std::string::npos) << full.str();
  EXPECT_EQ(full.str().find("not shown"), std::string::npos) << full.str();
  // The summary comes before the tables.
  EXPECT_LT(brief.str().find("energy_uj"), brief.str().find("Per layer"));
}

TEST(Report, RowWidthMustMatchColumns) {
  Report r;
  auto& t = r.table("x", "X", {"a", "b"});
  try {
    t.add_row({1});
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_EQ(error_text(e), "spiketlm/report: table x: row has 1 values, expected 2");
  }
}

TEST(Report, SaveIsAtomicAndLeavesNoFileOnError) {
  const std::string dir = test::binary_dir() + "/report_test";
  std::filesystem::create_directories(dir);
  const std::string ok = dir + "/r.json";
  std::filesystem::remove(ok);
  sample().save(ok, "json");
  EXPECT_FALSE(std::filesystem::exists(ok));  // staged until the run's outputs are committed
  OutputSet::process().commit();
  EXPECT_TRUE(std::filesystem::exists(ok));
  EXPECT_FALSE(std::filesystem::exists(ok + ".tmp"));
  const std::string bad = dir + "/no/such/dir/r.json";
  EXPECT_THROW(sample().save(bad, "json"), std::exception);
  EXPECT_FALSE(std::filesystem::exists(bad));
  EXPECT_THROW(sample().save(dir + "/r.xml", "xml"), std::exception);
  EXPECT_FALSE(std::filesystem::exists(dir + "/r.xml"));
}

TEST(Report, TableReferencesStayValidWhenMoreTablesAreAdded) {
  Report r;
  Table& first = r.table("a", "A", {"x"});
  for (int i = 0; i < 100; ++i) r.table("t" + std::to_string(i), "T", {"x"});
  first.add_row({int64_t(7)});
  ASSERT_EQ(r.table("a").rows.size(), 1u);
  EXPECT_EQ(r.table("a").rows[0][0].as_int(), 7);
}
