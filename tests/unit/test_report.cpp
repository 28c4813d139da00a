// The one report writer: text, JSON and CSV carry the same content; files appear atomically.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/helpers.h"
#include "tlm/error.h"
#include "tlm/report.h"

using namespace spiketlm;

namespace {
Report sample() {
  Report r("demo");
  r.set("summary", "latency_cycles", int64_t(1234), "cycles");
  r.set("summary", "energy_pj", 5.5, "pJ");
  r.set("summary", "name", std::string("a \"quoted\", name"));
  auto& t = r.table("layers", "Per layer", {"layer", "cycles", "energy_pj"});
  t.add_row({"conv1", int64_t(10), 1.25});
  t.add_row({"fc", int64_t(3), Value()});
  return r;
}
}  // namespace

TEST(Report, JsonHasEveryValueExactly) {
  std::ostringstream os;
  sample().write_json(os);
  const std::string j = os.str();
  EXPECT_NE(j.find("\"latency_cycles\": 1234"), std::string::npos) << j;
  EXPECT_NE(j.find("\"energy_pj\": 5.5"), std::string::npos) << j;
  EXPECT_NE(j.find("\"name\": \"a \\\"quoted\\\", name\""), std::string::npos) << j;
  EXPECT_NE(j.find("[\"conv1\", 10, 1.25]"), std::string::npos) << j;
  EXPECT_NE(j.find("[\"fc\", 3, null]"), std::string::npos) << j;
  EXPECT_NE(j.find("\"summary.latency_cycles\": \"cycles\""), std::string::npos) << j;
}

TEST(Report, TextAndCsvCarryTheSameCells) {
  std::ostringstream t, c;
  Report r = sample();
  r.write_text(t);
  r.write_csv(c);
  for (const char* cell : {"latency_cycles", "1234", "conv1", "1.25", "Per layer"})
    EXPECT_NE(t.str().find(cell), std::string::npos) << cell;
  EXPECT_NE(c.str().find("summary,latency_cycles,1234,cycles"), std::string::npos) << c.str();
  EXPECT_NE(c.str().find("summary,name,\"a \"\"quoted\"\", name\","), std::string::npos) << c.str();
  EXPECT_NE(c.str().find("conv1,10,1.25"), std::string::npos);
  EXPECT_NE(c.str().find("fc,3,\n"), std::string::npos);
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
  sample().save(ok, "json");
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
