// The memory-hierarchy demo platform, run through the CLI's flow from its YAML.
#include "hw/memory/dram.h"
#include "memory_fixture.h"
#include "platforms/memdemo/memdemo.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {
struct DemoRun {
  Context ctx;
  Report report{"memdemo"};
  MemDemo* demo = nullptr;
  explicit DemoRun(const std::vector<std::string>& overrides = {}) {
    demo = dynamic_cast<MemDemo*>(
        build_platform(ctx, memdemo_yaml(), memdemo_dir() + "/memdemo.yaml", memdemo_dir(), overrides));
  }
  void go() {
    sc_core::sc_start();
    demo->finish(RunResults{}, report);  // no CPU, no firmware results
    ctx.to_report(report);
  }
  uint64_t stat(const std::string& module, const std::string& name) {
    const Stat* s = ctx.find(module)->find_stat(name);
    EXPECT_NE(s, nullptr) << module << "." << name;
    return s ? s->count : 0;
  }
};
}  // namespace

TEST(MemdemoRun, MovesTheTileAndReports) {
  DemoRun r;
  ASSERT_NE(r.demo, nullptr);
  r.go();
  const Report& rep = r.report;
  EXPECT_EQ(rep.get("summary", "verified").as_string(), "yes");
  EXPECT_EQ(rep.get("summary", "dram_to_glb_bytes").as_int(), 4096);
  EXPECT_EQ(rep.get("summary", "glb_to_spad_bytes").as_int(), 4096);
  EXPECT_EQ(rep.get("summary", "glb_to_spad_pieces").as_int(), 16);
  // The transfers run back to back: simulated time is their sum.
  EXPECT_NEAR(rep.get("summary", "simulated_time_ns").as_double(),
              rep.get("summary", "dram_to_glb_time_ns").as_double() + rep.get("summary", "glb_to_spad_time_ns").as_double(),
              1e-6);
  EXPECT_DOUBLE_EQ(r.ctx.elapsed_s, r.demo->t_end.to_seconds());
  // Bytes per level.
  EXPECT_EQ(r.stat("memdemo.dram", "bytes_read"), 4096u);
  EXPECT_EQ(r.stat("memdemo.dram", "bytes_read.weight"), 4096u);
  EXPECT_EQ(r.stat("memdemo.glb", "bytes_written"), 4096u);
  EXPECT_EQ(r.stat("memdemo.glb", "bytes_read"), 4096u);
  EXPECT_EQ(r.stat("memdemo.spad", "bytes_written"), 4096u);
  EXPECT_EQ(r.stat("memdemo.router", "bytes"), 4u * 4096);
  EXPECT_EQ(r.stat("memdemo.glb", "peak_occupancy_bytes"), 4096u);
  // Energy = counts x table values: each 64-B tile row lies inside one 128-B DRAM access
  // (column offset 64), the GLB moves 32-B blocks, the scratchpad 1-B registers.
  const double s = r.ctx.elapsed_s;
  EXPECT_NEAR(r.ctx.ledger.total_pj(0, "memdemo.dram"), 64 * 468.762, 1e-6);
  EXPECT_NEAR(r.ctx.ledger.total_pj(0, "memdemo.glb"), 128 * 28.22 + 128 * 28.63, 1e-6);
  EXPECT_NEAR(r.ctx.ledger.total_pj(0, "memdemo.spad"), 4096 * 0.031225, 1e-6);
  EXPECT_NEAR(r.ctx.ledger.total_pj(s, "memdemo.glb") - r.ctx.ledger.total_pj(0, "memdemo.glb"),
              24.91e-3 * s * 1e12, 1e-6);
  // Tree totals add up: the platform's total is the sum of its children's.
  const auto tree = r.ctx.ledger.tree(s);
  double children = 0;
  for (const char* c : {"memdemo.dram", "memdemo.router", "memdemo.glb", "memdemo.spad"})
    children += tree.count(c) ? tree.at(c) : 0;
  EXPECT_GT(children, 0);
  EXPECT_NEAR(tree.at("memdemo"), children, 1e-9 * children);
  EXPECT_NEAR(rep.get("ledger", "run_energy_pj").as_double(), tree.at("memdemo"), 1e-9 * children);
  EXPECT_GT(rep.get("summary", "dram_to_glb_gbps").as_double(), 0);
  std::ostringstream os;
  rep.write_text(os);
  std::cout << os.str();
}

TEST(MemdemoRun, DramKindIsSwappableFromYaml) {
  DemoRun r({"memdemo.dram.kind=dram.lpddr4"});
  r.go();
  EXPECT_EQ(r.ctx.find("memdemo.dram")->unit_kind(), "dram.lpddr4");
  EXPECT_EQ(r.report.get("summary", "verified").as_string(), "yes");
  EXPECT_EQ(r.stat("memdemo.dram", "bursts"), 4096u / 32);   // 32-B LPDDR4 bursts
  EXPECT_NEAR(r.ctx.ledger.total_pj(0, "memdemo.dram"),
              128 * 1347.5 + r.stat("memdemo.dram", "activates") * 796.875 +
                  r.stat("memdemo.dram", "precharges") * 407.8125,
              1e-6);
}

TEST(MemdemoErrors, UnknownKeyNamesFileAndKey) {
  EXPECT_EQ(error_of([] { DemoRun r({"memdemo.glb.bankz=4"}); }),
            "spiketlm/params: -c: memdemo.glb.bankz: unknown key (did you mean 'memdemo.glb.banks'?)");
}

TEST(MemdemoErrors, TileTooLargeForScratchpadPiece) {
  const std::string e = error_of([] { DemoRun r({"memdemo.piece_rows=5"}); });
  EXPECT_EQ(e, "spiketlm/memdemo: memdemo.piece_rows: 5 rows of 64 B do not fit in the scratchpad (288 B)");
}

TEST(MemdemoErrors, UnknownKind) {
  const std::string e = error_of([] { DemoRun r({"memdemo.dram.kind=dram.ddr5"}); });
  EXPECT_EQ(e.rfind("spiketlm/factory: -c: memdemo.dram.kind: unknown kind 'dram.ddr5'", 0), 0u) << e;
}
