// TLM-2.0 compliance (issue 17, item 5): a memory written only against the standard
// (tests/plugins/std_memory/std_memory.h: simple_target_socket, honours the generic payload,
// ignores every extension, counts base-protocol violations such as a null data pointer) is
// placed in each buffer slot of the three platforms (SATA, SpikeFlow, NorthPole), one slot at a
// time and all at once.
//
// What is compared, and why: the functional results must not depend on which memory holds
// the bytes. Every timestep's logits of every sample are compared bit for bit with the golden
// model (summary.reference_mismatches = 0 on both runs, so the two runs' logits are equal),
// and the predictions, exit timesteps, per-layer spike counts, accumulates and DRAM bytes
// moved are equal to the run with spiketlm's own memories. Latency and energy are not
// compared: the standard memory's timing is a flat latency per transaction and it has no
// energy model, so they differ by design. Its statistics show that it carried the traffic
// and that no transaction broke the base protocol. The approximately-timed variant (`at:
// true`: nb_transport_fw only, four phases; the platform's blocking calls reach it through
// simple_target_socket's conversion, which waits inside the call) gives the same results.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {

struct Slot {
  std::string name, from, to;  // the slot's YAML (regex) and its replacement
};

std::string std_slot(const std::string& name, const std::string& base, const std::string& kb) {
  return "  " + name + ": {kind: test.std_memory, base: " + base + ", capacity_kb: " + kb + "}";
}

const std::vector<Slot> kSataSlots = {
    {"dram", "  dram:\n    kind: dram\\.sata\n    base: 0x0", std_slot("dram", "0x0", "524288")},
    {"glb_weight", "  glb_weight: \\{[^\n]*\\}", std_slot("glb_weight", "0x80000000", "144")},
    {"glb_ifmap", "  glb_ifmap: \\{[^\n]*\\}", std_slot("glb_ifmap", "0x81000000", "32")},
    {"glb_ofmap", "  glb_ofmap: \\{[^\n]*\\}", std_slot("glb_ofmap", "0x82000000", "32")},
};
const std::vector<Slot> kSpikeFlowSlots = {
    {"dram", "  dram: \\{kind: dram\\.lpddr4, base: 0x0\\}", std_slot("dram", "0x0", "524288")},
    {"glb", "  glb: \\{[^\n]*\\}", std_slot("glb", "0x80000000", "64")},
};

// NorthPole (issue 20): the core memories (one bank of 768 KB per core), the frame buffer and
// the host memory.
const std::vector<Slot> kNorthPoleSlots = {
    {"core_memory", "  core_memory: \\{[^\n]*\\}", std_slot("core_memory", "0x100000000", "196608")},
    {"frame_buffer", "  frame_buffer: \\{[^\n]*\\}", std_slot("frame_buffer", "0x80000000", "32768")},
    {"host", "  host: \\{[^\n]*\\}", std_slot("host", "0x0", "524288")},
};

// The same slots with the approximately-timed memory.
std::vector<Slot> at(std::vector<Slot> slots) {
  for (Slot& s : slots) s.to = s.to.substr(0, s.to.size() - 1) + ", at: true}";
  return slots;
}

std::string plugin() { return binary_dir() + "/plugins/libspiketlm_std_memory.so"; }

// `yaml` with the plugin loaded, tech paths made absolute and the given slots replaced.
std::string edited(const std::string& dir, const std::string& yaml, const std::vector<Slot>& slots, const std::string& out) {
  std::string y = slurp(source_dir() + "/" + yaml);
  y = std::regex_replace(y, std::regex("tech: \\[\\.\\./tech/"), "plugins: [" + plugin() + "]\ntech: [" + source_dir() + "/platforms/tech/");
  y = std::regex_replace(y, std::regex("\\.\\./tech/"), source_dir() + "/platforms/tech/");
  for (const Slot& s : slots) {
    EXPECT_TRUE(std::regex_search(y, std::regex(s.from))) << yaml << ": slot " << s.name << " not found";
    y = std::regex_replace(y, std::regex(s.from), s.to);
  }
  std::ofstream(dir + "/" + out) << y;
  return dir + "/" + out;
}

// The value of statistic `stat` of module `module` in the stats table.
double stat(const Json& j, const std::string& module, const std::string& name) {
  for (const auto& r : j.get_child("tables.stats")) {
    auto c = r.second.begin();
    const std::string m = c->second.get_value<std::string>();
    const std::string s = (++c)->second.get_value<std::string>();
    if (m == module && s == name) return (++c)->second.get_value<double>();
  }
  ADD_FAILURE() << "no statistic " << module << "." << name;
  return -1;
}

void expect_same_results(const Json& ref, const Json& j, const std::vector<std::string>& layer_cols, const std::string& what) {
  EXPECT_EQ(summary(ref, "reference_mismatch_samples"), 0) << what;
  EXPECT_EQ(summary(j, "reference_mismatch_samples"), 0) << what;
  for (const char* c : {"prediction", "exit_timestep"}) EXPECT_EQ(column(ref, "samples", c), column(j, "samples", c)) << what << ": " << c;
  for (const std::string& c : layer_cols) EXPECT_EQ(column(ref, "layers", c), column(j, "layers", c)) << what << ": " << c;
  EXPECT_EQ(summary(ref, "accuracy_pct"), summary(j, "accuracy_pct")) << what;
}

// Per-layer columns that do not depend on memory timing (SATA's dram_bytes: the bytes the
// DMA moved; SpikeFlow's crossbar reads and NoC bytes: spike-driven; NorthPole's placement
// and closed-form cycles and stage times).
std::vector<std::string> layer_columns(const std::string& top) {
  if (top == "sata") return {"spikes_in", "spikes_out", "accumulates", "dram_bytes"};
  if (top == "spikeflow") return {"spikes_in", "spikes_out", "accumulates", "xbar_reads", "noc_bytes"};
  return {"bits", "kc", "sp", "ic", "x", "y", "weight_bytes", "core_bytes", "vmm_cycles", "vector_cycles", "cycles", "stage_us"};
}

// Runs `yaml` with its own memories, then with each slot and all slots standard memories.
// `same_bytes`: each standard memory also moved exactly the bytes the platform's own memory in
// that slot moved.
void check_platform(const std::string& tag, const std::string& yaml, const std::string& top, const std::vector<Slot>& slots,
                    const std::string& args, const std::string& trace = "traces/fmnist_snn", bool same_bytes = false) {
  const std::vector<std::string> cols = layer_columns(top);
  const std::string dir = scratch(tag);
  const std::string run = " --trace " + trace + " --samples 4 " + args;
  const Json ref = run_json("run " + edited(dir, yaml, {}, "ref.yaml") + run, tag + "_ref");
  std::vector<std::vector<Slot>> cases;
  for (const Slot& s : slots) cases.push_back({s});
  cases.push_back(slots);
  for (const auto& c : cases) {
    const std::string name = c.size() == 1 ? c[0].name : "all";
    const Json j = run_json("run " + edited(dir, yaml, c, name + ".yaml") + run, tag + "_" + name);
    expect_same_results(ref, j, cols, tag + " " + name);
    for (const Slot& s : c) {
      const std::string m = top + "." + s.name;
      EXPECT_GT(stat(j, m, "bytes_written"), 0) << m;
      EXPECT_GT(stat(j, m, "bytes_read"), 0) << m;
      EXPECT_EQ(stat(j, m, "protocol_violations"), 0) << m;
      if (!same_bytes) continue;
      for (const char* b : {"bytes_read", "bytes_written"}) EXPECT_EQ(stat(j, m, b), stat(ref, m, b)) << m << " " << b;
    }
  }
}

}  // namespace

TEST(StdMemory, SataOutputStationaryInEverySlot) { check_platform("std_sata_os", "platforms/sata/sata.yaml", "sata", kSataSlots, ""); }

// Weight-stationary spills partial sums to the ofmap buffer (traffic without modelled bytes).
TEST(StdMemory, SataWeightStationaryInEverySlot) {
  check_platform("std_sata_ws", "platforms/sata/sata.yaml", "sata", kSataSlots, "-c sata.dataflow.kind=dataflow.ws");
}

// Tick-batch keeps membranes in DRAM through the ofmap buffer; early exit reads logits.
TEST(StdMemory, SataTickBatchWithExitInEverySlot) {
  check_platform("std_sata_tb", "platforms/sata/sata_tick_batch.yaml", "sata", kSataSlots, "--exit-threshold 0.9");
}

TEST(StdMemory, SpikeFlowInEverySlot) {
  check_platform("std_sf", "platforms/spikeflow/spikeflow.yaml", "spikeflow", kSpikeFlowSlots, "");
}

TEST(StdMemory, SpikeFlowWithExitInEverySlot) {
  check_platform("std_sf_exit", "platforms/spikeflow/spikeflow.yaml", "spikeflow", kSpikeFlowSlots, "--exit-threshold 0.9");
}

TEST(StdMemory, SataApproximatelyTimedInEverySlot) {
  check_platform("std_sata_at", "platforms/sata/sata.yaml", "sata", at(kSataSlots), "");
}

TEST(StdMemory, SpikeFlowApproximatelyTimedInEverySlot) {
  check_platform("std_sf_at", "platforms/spikeflow/spikeflow.yaml", "spikeflow", at(kSpikeFlowSlots), "");
}

// NorthPole: every access to its memories is a complete payload (TimedAccess): the SNN and
// its ANN twin, bit-exact, with the standard memory in the core-memory, frame-buffer and host
// slots, loosely- and approximately-timed.
TEST(StdMemory, NorthPoleInEverySlot) {
  check_platform("std_np_snn", "platforms/northpole/northpole.yaml", "northpole", kNorthPoleSlots, "", "traces/fmnist_snn", true);
  check_platform("std_np_ann", "platforms/northpole/northpole.yaml", "northpole", kNorthPoleSlots, "", "traces/fmnist_ann8", true);
}

TEST(StdMemory, NorthPoleApproximatelyTimedInEverySlot) {
  check_platform("std_np_at", "platforms/northpole/northpole.yaml", "northpole", at(kNorthPoleSlots), "", "traces/fmnist_snn", true);
}

// A core memory of another kind is taken as equal banks, one per core: a size that does not
// divide is a one-line error naming the slot and the sizes.
TEST(StdMemory, NorthPoleCoreMemoryMustBeEqualBanks) {
  const std::string dir = scratch("std_np_banks");
  const Slot odd{"core_memory", kNorthPoleSlots[0].from, std_slot("core_memory", "0x100000000", "1.1")};
  const CliResult r = cli("run " + edited(dir, "platforms/northpole/northpole.yaml", {odd}, "odd.yaml") +
                          " --trace traces/fmnist_ann8 --samples 1 --json " + dir + "/r.json");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("northpole.core_memory: expected a size of equal banks, one per core (256 = "
                       "northpole.core.grid_width x grid_height), got 1126 bytes"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/r.json"));
}
