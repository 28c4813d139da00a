// Technology tables and the energy ledger: counts x table values, leakage x time, tree totals.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/helpers.h"
#include "tlm/energy.h"
#include "tlm/error.h"
#include "tlm/report.h"

using namespace spiketlm;

namespace {
std::string tech_file() { return test::source_dir() + "/tests/data/tech_test.yaml"; }
using spiketlm::test::error_of;
std::string write_tmp(const std::string& name, const std::string& text) {
  const std::string p = test::binary_dir() + "/" + name;
  std::ofstream(p) << text;
  return p;
}
}  // namespace

TEST(Energy, CountsTimesTableValues) {
  TechTable t;
  t.load_file(tech_file());
  EnergyLedger l(t);
  const ActionId rd = l.declare_action("top.mem", "mem", "read");
  const ActionId wr = l.declare_action("top.mem", "mem", "write");
  const ActionId mac = l.declare_action("top.pe", "pe", "mac");
  l.add(rd, 10);
  l.add(wr, 3);
  l.add(mac, 1000);
  EXPECT_DOUBLE_EQ(l.total_pj(0), 10 * 2.5 + 3 * 4.0 + 1000 * 0.125);
  EXPECT_DOUBLE_EQ(l.total_pj(0, "top.mem"), 37.0);
  EXPECT_DOUBLE_EQ(l.total_pj(0, "top.pe"), 125.0);
  // Declaring the same action twice returns the same counter.
  EXPECT_EQ(l.declare_action("top.mem", "mem", "read"), rd);
}

TEST(Energy, LeakageTimesTime) {
  TechTable t;
  t.load_file(tech_file());
  EnergyLedger l(t);
  l.declare_leakage("top.mem", "mem", 2);  // two instances of 1.5 mW
  // 3 mW for 1 us = 3e-9 J = 3000 pJ
  EXPECT_NEAR(l.total_pj(1e-6), 3000.0, 1e-9);
  const auto lines = l.lines(1e-6);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].action, "leakage");
}

TEST(Energy, TreeTotalsAddUp) {
  TechTable t;
  t.load_file(tech_file());
  EnergyLedger l(t);
  l.add(l.declare_action("top.a.x", "mem", "read"), 4);   // 10
  l.add(l.declare_action("top.a.y", "mem", "write"), 1);  // 4
  l.add(l.declare_action("top.b", "pe", "mac"), 8);       // 1
  l.declare_leakage("top.b", "mem", 1);                   // 1.5 mW x 2 us = 3000 pJ
  const auto tree = l.tree(2e-6);
  EXPECT_DOUBLE_EQ(tree.at("top.a"), tree.at("top.a.x") + tree.at("top.a.y"));
  EXPECT_DOUBLE_EQ(tree.at("top"), tree.at("top.a") + tree.at("top.b"));
  EXPECT_NEAR(tree.at("top"), 10 + 4 + 1 + 3000, 1e-9);
  EXPECT_EQ(tree.count("top.ab"), 0u);
  EXPECT_TRUE(in_subtree("top.a.x", "top.a"));
  EXPECT_FALSE(in_subtree("top.ab", "top.a"));
}

TEST(Energy, AreaTree) {
  TechTable t;
  t.load_file(tech_file());
  EnergyLedger l(t);
  l.declare_area("top.pe", "pe", 128);
  l.declare_area("top.mem", "mem", 1);
  EXPECT_DOUBLE_EQ(l.area_um2(), 1280 + 100);
  EXPECT_DOUBLE_EQ(l.area_tree().at("top"), 1380);
}

TEST(Energy, MissingActionIsAnErrorAtDeclaration) {
  TechTable t;
  t.load_file(tech_file());
  EnergyLedger l(t);
  EXPECT_EQ(error_of([&] { l.declare_action("top.mem", "mem", "refresh"); }),
            "spiketlm/tech: top.mem: action 'refresh' of component 'mem' is missing from the technology table");
  const std::string e = error_of([&] { l.declare_action("top.x", "rooter", "byte"); });
  EXPECT_NE(e.find("component 'rooter' is not in the technology table"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'router'"), std::string::npos) << e;
  EXPECT_EQ(error_of([&] { l.declare_leakage("top.r", "router", 1); }),
            "spiketlm/tech: top.r: component 'router' has no leakage_mw in the technology table");
}

TEST(Energy, TableEntriesNeedASourceAndANumber) {
  TechTable t;
  const auto p1 = write_tmp("nosrc.yaml", "components:\n  c:\n    actions:\n      read: 1.0\n");
  EXPECT_EQ(error_of([&] { t.load_file(p1); }),
            "spiketlm/tech: " + p1 + ": components.c.actions: read: no source given (every entry needs one)");
  const auto p2 = write_tmp("nonum.yaml", "components:\n  c:\n    source: s\n    actions:\n      read: lots\n");
  EXPECT_EQ(error_of([&] { t.load_file(p2); }),
            "spiketlm/tech: " + p2 + ": components.c.actions: read: expected a number, got 'lots'");
  const auto p3 = write_tmp("badkey.yaml", "components:\n  c:\n    source: s\n    leak_mw: 1\n");
  EXPECT_NE(error_of([&] { t.load_file(p3); }).find("leak_mw: unknown key"), std::string::npos);
}

TEST(Energy, ReportHasTreeAndActions) {
  TechTable t;
  t.load_file(tech_file());
  EnergyLedger l(t);
  l.add(l.declare_action("top.mem", "mem", "read"), 2);
  Report r;
  l.to_report(r, 0);
  EXPECT_DOUBLE_EQ(r.get("ledger", "run_energy_pj").as_double(), 5.0);
  const Table& a = r.table("energy_by_action");
  ASSERT_EQ(a.rows.size(), 1u);
  EXPECT_EQ(a.rows[0][a.column("count")].as_int(), 2);
}
