// Energy categories (platforms/energy_categories.h): every ledger line of every platform falls in
// exactly one category, the categories agree with an independent classification by unit name
// written here, and a line that no rule or two rules cover is an error naming its module.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "platforms/energy_categories.h"
#include "platforms/sata/sata.h"
#include "sw/run/simulation.h"
#include "tests/helpers.h"

using namespace spiketlm;
using spiketlm::test::error_of;
using spiketlm::test::source_dir;

namespace {

Platform& run(Simulation& sim, const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  RunRequest req;
  req.config = source_dir() + "/" + yaml;
  req.overrides = overrides;
  req.run_params = {{"run.trace", source_dir() + "/traces/fmnist_snn"}, {"run.samples", "1"}};
  sim.configure(req);
  Platform& p = sim.elaborate();
  sim.run();
  return p;
}

bool starts(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// The classification by instance name, written from the platforms' YAML: the expected category
// of a line, independent of the assignments in sata.cpp / spikeflow.cpp.
std::string sata_by_name(const EnergyLedger::Line& l) {
  const std::string m = l.module.substr(std::string("sata.").size());
  for (const char* u : {"dram", "glb_weight", "glb_ifmap", "glb_ofmap"})
    if (starts(m, u)) return u;
  if (starts(m, "pe_array")) return l.component == "spad_reg8" ? "scratchpads" : "accumulate";
  if (starts(m, "lif")) return "lif";
  if (starts(m, "bus") || starts(m, "dma")) return "interconnect";
  return "control";
}

std::string spikeflow_by_name(const EnergyLedger::Line& l) {
  const std::string m = l.module.substr(std::string("spikeflow.").size());
  if (l.action == "program") return "program";
  if (starts(m, "tile.pe.xbar")) return "crossbar";
  if (starts(m, "tile.pe.adc")) return "adc";
  if (starts(m, "tile.pe")) return l.action == "select" ? "mux" : l.action == "op" ? "shift_add" : "temp_buffer";
  if (starts(m, "tile.lif")) return "neuron";
  if (starts(m, "tile")) return l.action == "fetch" ? "input_fetch" : "tile_buffer";
  for (const char* u : {"noc", "glb", "dram"})
    if (starts(m, u)) return u;
  if (starts(m, "bus") || starts(m, "dma")) return "interconnect";
  return "control";
}

// Every line in exactly one category, the one `expected` names; every category used is named.
void check_lines(const Platform& p, const std::function<std::string(const EnergyLedger::Line&)>& expected) {
  const EnergyCategories* cats = p.energy_categories();
  ASSERT_NE(cats, nullptr);
  const auto lines = p.ctx().ledger.lines(1e-6);
  ASSERT_GT(lines.size(), 10u);
  std::map<std::string, int> seen;
  for (const auto& l : lines) {
    const std::vector<int> m = cats->matches(l);
    ASSERT_EQ(m.size(), 1u) << l.module << " " << l.component << "." << l.action;
    EXPECT_EQ(cats->names()[size_t(m[0])], expected(l)) << l.module << " " << l.component << "." << l.action;
    ++seen[cats->names()[size_t(m[0])]];
  }
  // The per-category totals add up to the ledger's total.
  double sum = 0;
  for (double e : cats->totals(lines)) sum += e;
  EXPECT_NEAR(sum, p.ctx().ledger.total_pj(1e-6), 1e-9 * sum);
  EXPECT_GE(seen.size(), 6u);
}

}  // namespace

TEST(EnergyCategories, SataEveryLineInTheCategoryOfItsUnit) {
  Simulation sim;
  check_lines(run(sim, "platforms/sata/sata.yaml"), sata_by_name);
}

TEST(EnergyCategories, SataTickBatchWithSharedLif) {
  Simulation sim;
  check_lines(run(sim, "platforms/sata/sata_tick_batch.yaml", {"sata.lif.kind=lif.shared", "sata.lif.share=2"}),
              sata_by_name);
}

TEST(EnergyCategories, SpikeFlowEveryLineInTheCategoryOfItsUnit) {
  Simulation sim;
  check_lines(run(sim, "platforms/spikeflow/spikeflow.yaml"), spikeflow_by_name);
}

TEST(EnergyCategories, SpikeFlowSpikeSimMode) {
  Simulation sim;
  check_lines(run(sim, "platforms/spikeflow/spikeflow_spikesim.yaml"), spikeflow_by_name);
}

TEST(EnergyCategories, ALineOfNoUnitOrOfTwoRulesIsAnErrorNamingItsModule) {
  Simulation sim;
  Sata& s = dynamic_cast<Sata&>(run(sim, "platforms/sata/sata.yaml"));
  EnergyLedger::Line stray{"elsewhere.unit", "sram_64kb", "read", 1.0, 1, 1.0};
  EXPECT_EQ(error_of([&] { s.energy_categories()->of(stray); }),
            "spiketlm/energy: elsewhere.unit (sram_64kb.read): in no energy category");

  enum class Cat { a, b };
  EnergyCategories two({"a", "b"});
  Controller& ctrl = s.controller();
  two.assign_component(ctrl, "regs", Cat::a);
  two.assign_action(ctrl, "write", Cat::b);
  EnergyLedger::Line both{ctrl.path(), "regs", "write", 1.0, 1, 1.0};
  EXPECT_EQ(error_of([&] { two.of(both); }), "spiketlm/energy: sata.seq (regs.write): in 2 energy categories");
  // The innermost unit with rules decides (its component/action rules, else its own category);
  // the platform's category does not reach the lines of a unit below it that has rules.
  two.assign(s, Cat::a);
  EnergyLedger::Line child{ctrl.path() + ".sub", "regs", "read", 1.0, 1, 1.0};
  EXPECT_EQ(two.of(child), int(Cat::a));
  EnergyLedger::Line own{ctrl.path(), "regs", "read", 1.0, 1, 1.0};
  EXPECT_EQ(two.of(own), int(Cat::a));  // the component rule of ctrl
  EnergyLedger::Line other{ctrl.path(), "misc", "read", 1.0, 1, 1.0};
  EXPECT_EQ(error_of([&] { two.of(other); }), "spiketlm/energy: sata.seq (misc.read): in no energy category");

  EXPECT_EQ(error_of([&] { two.assign(s, Cat::b); }), "spiketlm/energy: sata: assigned to an energy category twice");
  EXPECT_EQ(error_of([&] { two.assign(s, 5); }), "spiketlm/energy: sata: energy category 5 out of range (2 categories)");
}
