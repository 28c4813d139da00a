// Firmware models: the registry (--firmware NAME), in-process firmware equal to the default
// runtime, the polling example, the transaction log, shadow registers during a run, and a
// bad descriptor refused with its layer and field.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <tuple>

#include "platforms/sata/sata.h"
#include "sw/run/simulation.h"
#include "sw/fw/firmware.h"
#include "tests/cli.h"

using namespace spiketlm;
using namespace spiketlm::test;

namespace {


}  // namespace

TEST(Firmware, ExampleFirmwareEqualsTheRuntimeOnSata) {
  const Outcome a = run_fw(kSata, "", "fw_rt");
  const Outcome b = run_fw(kSata, "--firmware example", "fw_ex");
  ASSERT_FALSE(a.json.empty());
  EXPECT_EQ(a.json, b.json);    // outputs (accuracy, mismatches), counters, latency, energy, stats
  EXPECT_EQ(a.txlog, b.txlog);  // every access, its value and its simulated time
  EXPECT_NE(a.json.find("\"reference_mismatch_samples\": 0"), std::string::npos);
}

TEST(Firmware, ExampleFirmwareEqualsTheRuntimeOnSpikeFlow) {
  const Outcome a = run_fw(kSpikeFlow, "--firmware runtime", "fw_sf_rt");
  const Outcome b = run_fw(kSpikeFlow, "--firmware example", "fw_sf_ex");
  ASSERT_FALSE(a.json.empty());
  EXPECT_EQ(a.json, b.json);
  EXPECT_EQ(a.txlog, b.txlog);
}

TEST(Firmware, PollingFirmwareGivesTheSameOutputsAndCounters) {
  const std::string d = scratch("fw_poll");
  ASSERT_EQ(cli(kSata + " --json " + d + "/rt.json").code, 0);
  const CliResult r = cli(kSata + " --firmware polling -c run.poll_ns=500 --json " + d + "/p.json --txlog " + d + "/tx.log");
  ASSERT_EQ(r.code, 0) << r.err;
  const Json a = load_json(d + "/rt.json"), b = load_json(d + "/p.json");
  EXPECT_EQ(column(a, "accuracy", "accuracy_pct"), column(b, "accuracy", "accuracy_pct"));
  EXPECT_EQ(summary(b, "reference_mismatch_samples"), 0);
  // The accelerator's own work is the same; the firmware only notices the end later.
  EXPECT_EQ(column(a, "layers", "compute_cycles"), column(b, "layers", "compute_cycles"));
  EXPECT_EQ(column(a, "layers", "dram_bytes"), column(b, "layers", "dram_bytes"));
  EXPECT_GE(summary(b, "latency_us"), summary(a, "latency_us"));
  EXPECT_LE(summary(b, "latency_us") - summary(a, "latency_us"), 0.5 + 0.1);  // at most one poll period (us)
  const std::string log = slurp(d + "/tx.log");
  EXPECT_EQ(log.find("IRQ wait"), std::string::npos);
  EXPECT_NE(log.find("W 0xf0000060 IRQ_ENABLE 0x00000000"), std::string::npos);
}

TEST(Firmware, TxlogShowsStartWriteAndStatusReadsWithTimes) {
  const std::string d = scratch("fw_txlog");
  const CliResult r = cli(kSata + " --samples 1 --txlog " + d + "/tx.log");
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream in(slurp(d + "/tx.log"));
  const std::regex line(R"(^(\d+\.\d{3}) (\S+) (W|R|HW|HR) 0x([0-9a-f]+) (\S+) (\S+)$)");
  double start_t = -1, status_t = -1, irq_t = -1;
  int lines = 0;
  for (std::string l; std::getline(in, l);) {
    if (l.empty() || l[0] == '#') continue;
    ++lines;
    if (l.find("IRQ taken") != std::string::npos) irq_t = std::stod(l);
    if (l.find(" IRQ ") != std::string::npos) continue;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(l, m, line)) << l;
    EXPECT_EQ(m[2], "sata.cpu");
    if (m[3] == "W" && m[5] == "CTRL" && m[6] == "0x00000001") start_t = std::stod(m[1]);
    if (m[3] == "R" && m[5] == "STATUS") {
      status_t = std::stod(m[1]);
      EXPECT_EQ(m[6], "0x00000002");  // DONE
      EXPECT_EQ(m[4], "f000000c");
    }
  }
  EXPECT_GT(lines, 20);
  EXPECT_GT(start_t, 0);
  EXPECT_GT(irq_t, start_t + 100e3);  // the inference takes > 100 us
  EXPECT_GT(status_t, irq_t);
  // A failed run writes no log.
  const CliResult bad = cli(kSata + " --firmware nosuch --txlog " + d + "/bad.log");
  EXPECT_EQ(bad.code, 1);
  EXPECT_FALSE(std::filesystem::exists(d + "/bad.log"));
}

TEST(Firmware, UnknownFirmwareIsOneLineNamingTheKnownOnes) {
  const CliResult r = cli(kSata + " --firmware nosuch");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("run.firmware: unknown firmware 'nosuch' (known: example, external, polling, runtime"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

// ---- in-process firmware models registered by this test ----------------------------------

namespace {

struct Observed {
  std::vector<SampleResult> results;
  bool done = false;
} g_obs;

// Starts a run, then at once reprograms every run setting with garbage (the next run's
// "settings"), waits: the running inference must not notice. Then starts again without
// reprogramming: the garbage is what the hardware latches now, and it refuses it.
void shadow_fw(Hal& hal, FirmwareContext& fc) {
  const uint64_t csr = fc.cfg.csr_base;
  Runtime& rt = *fc.runtime;
  rt.load();
  rt.write_input(0);
  hal.reg_write64(csr, REG_DESC_ADDR_LO, rt.descriptor_address());
  hal.reg_write(csr, REG_NUM_LAYERS, uint32_t(rt.descriptors().size()));
  hal.reg_write(csr, REG_TIMESTEPS, uint32_t(fc.trace->timesteps));
  hal.reg_write(csr, REG_CTRL, CTRL_START);
  hal.reg_write64(csr, REG_DESC_ADDR_LO, 0xdead0000ull);
  hal.reg_write(csr, REG_NUM_LAYERS, 9999);
  hal.reg_write(csr, REG_TIMESTEPS, 0);
  hal.wait_irq();
  SampleResult r;
  r.irq_cause = hal.reg_read(csr, REG_IRQ_CAUSE);
  r.status = hal.reg_read(csr, REG_STATUS);
  r.outputs.resize(size_t(fc.trace->timesteps) * size_t(fc.trace->classes));
  hal.read(rt.result_address(), r.outputs.data(), r.outputs.size() * 4);
  r.exit_timestep = hal.reg_read(csr, REG_TIMESTEPS);  // (the shadow: what firmware wrote)
  hal.reg_write(csr, REG_CTRL, CTRL_IRQ_ACK);
  g_obs.results.push_back(r);
  hal.reg_write(csr, REG_CTRL, CTRL_START);
  hal.wait_irq();
  SampleResult e;
  e.irq_cause = hal.reg_read(csr, REG_IRQ_CAUSE);
  e.status = hal.reg_read(csr, REG_STATUS);
  e.err_code = hal.reg_read(csr, REG_ERR_CODE);
  e.err_field = hal.reg_read(csr, REG_ERR_FIELD);
  hal.reg_write(csr, REG_CTRL, CTRL_IRQ_ACK);
  g_obs.results.push_back(e);
  g_obs.done = true;
}
SPIKETLM_REGISTER_FIRMWARE(shadow_fw, "test_shadow", "test: reprograms the registers during a run");

// Corrupts one descriptor (layer 2's stride = 0), runs, repairs it, runs again.
void bad_descriptor_fw(Hal&, FirmwareContext& fc) {
  Runtime& rt = *fc.runtime;
  rt.load();
  const LayerDesc good = rt.descriptors()[2];
  rt.descriptors()[2].stride = 0;
  rt.write_descriptors();
  g_obs.results.push_back(rt.run(0));
  rt.descriptors()[2] = good;
  rt.write_descriptors();
  g_obs.results.push_back(rt.run(0));
  g_obs.done = true;
}
SPIKETLM_REGISTER_FIRMWARE(bad_descriptor_fw, "test_bad_descriptor", "test: corrupts a descriptor");

// Sets DESC_OUT_LEAK by hand (FORMAT.md 2.2): refused with leak_shift 17, with leak_num above
// 2^leak_shift and on a firing layer; then a valid leak 1/2 on the output layer.
void readout_fw(Hal&, FirmwareContext& fc) {
  Runtime& rt = *fc.runtime;
  rt.load();
  const std::vector<LayerDesc> orig = rt.descriptors();
  const size_t out = orig.size() - 1;
  for (const auto& [li, num, shift] : {std::tuple<size_t, uint32_t, uint32_t>{out, 1, 17}, {out, 5, 2}, {0, 1, 1}, {out, 1, 1}}) {
    rt.descriptors() = orig;
    rt.descriptors()[li].flags |= DESC_OUT_LEAK;
    rt.descriptors()[li].leak_num = num;
    rt.descriptors()[li].leak_shift = shift;
    rt.write_descriptors();
    g_obs.results.push_back(rt.run(0));
  }
  g_obs.done = true;
}
SPIKETLM_REGISTER_FIRMWARE(readout_fw, "test_readout", "test: sets the readout leak of descriptors by hand");

Sata& run_in_process(Simulation& sim, const std::string& fw) {
  RunRequest req;
  req.config = source_dir() + "/platforms/sata/sata.yaml";
  req.run_params = {{"run.trace", source_dir() + "/traces/fmnist_snn"}, {"run.samples", "1"}, {"run.firmware", fw}};
  sim.configure(req);
  Sata& s = dynamic_cast<Sata&>(sim.elaborate());
  sim.run();
  return s;
}

}  // namespace

TEST(Firmware, ProgrammingDuringARunDoesNotDisturbIt) {
  Simulation sim;
  Sata& s = run_in_process(sim, "test_shadow");
  ASSERT_TRUE(g_obs.done);
  ASSERT_EQ(g_obs.results.size(), 2u);
  const SampleResult& r = g_obs.results[0];
  EXPECT_EQ(r.status, STATUS_DONE);
  EXPECT_EQ(r.irq_cause, IRQ_DONE);
  EXPECT_EQ(r.exit_timestep, 0u);  // the shadow holds the garbage...
  const bundle& b = s.trace();
  for (int t = 0; t < b.timesteps; ++t)  // ...and the run used what START latched
    for (int c = 0; c < b.classes; ++c)
      EXPECT_EQ(r.outputs[size_t(t) * b.classes + c], b.ref_output(0, t, c)) << t << " " << c;
  // The second START latched the garbage: refused, with the register it refused.
  const SampleResult& e = g_obs.results[1];
  EXPECT_EQ(e.status, STATUS_ERROR);
  EXPECT_EQ(e.irq_cause, IRQ_ERROR);
  EXPECT_EQ(e.err_code, uint32_t(ERR_BAD_SHAPE));
  EXPECT_EQ(e.err_field, uint32_t(REG_NUM_LAYERS));
}

TEST(Firmware, BadDescriptorIsRefusedWithLayerAndFieldAndTheAcceleratorStaysUsable) {
  Simulation sim;
  Sata& s = run_in_process(sim, "test_bad_descriptor");
  ASSERT_TRUE(g_obs.done);
  ASSERT_EQ(g_obs.results.size(), 2u);
  const SampleResult& bad = g_obs.results[0];
  EXPECT_EQ(bad.status, STATUS_ERROR);
  EXPECT_EQ(bad.irq_cause, IRQ_ERROR);
  EXPECT_EQ(bad.err_code, uint32_t(ERR_BAD_SHAPE));
  EXPECT_EQ(bad.err_layer, 2u);
  EXPECT_EQ(bad.err_field, uint32_t(offsetof(LayerDesc, stride) / 4));
  EXPECT_STREQ(spiketlm_desc_field_name(bad.err_field), "stride");
  EXPECT_TRUE(bad.outputs.empty());
  const SampleResult& good = g_obs.results[1];
  EXPECT_EQ(good.status, STATUS_DONE);
  EXPECT_EQ(good.irq_cause, IRQ_DONE);
  const bundle& b = s.trace();
  for (int t = 0; t < b.timesteps; ++t)
    for (int c = 0; c < b.classes; ++c) EXPECT_EQ(good.outputs[size_t(t) * b.classes + c], b.ref_output(0, t, c));
}

TEST(Firmware, ReadoutLeakIsValidatedAndAppliedByTheArgmaxUnit) {
  Simulation sim;
  Sata& s = run_in_process(sim, "test_readout");
  ASSERT_TRUE(g_obs.done);
  ASSERT_EQ(g_obs.results.size(), 4u);
  const char* fields[] = {"leak_shift", "leak_num", "flags"};
  for (int i = 0; i < 3; ++i) {
    const SampleResult& bad = g_obs.results[size_t(i)];
    EXPECT_EQ(bad.status, STATUS_ERROR) << i;
    EXPECT_EQ(bad.err_code, uint32_t(ERR_BAD_PARAM)) << i;
    EXPECT_STREQ(spiketlm_desc_field_name(bad.err_field), fields[i]) << i;
  }
  EXPECT_EQ(g_obs.results[2].err_layer, 0u);
  const SampleResult& ok = g_obs.results[3];
  EXPECT_EQ(ok.status, STATUS_DONE);
  const bundle& b = s.trace();
  std::vector<int64_t> z(size_t(b.classes), 0);
  for (int t = 0; t < b.timesteps; ++t)
    for (int c = 0; c < b.classes; ++c) {
      EXPECT_EQ(ok.outputs[size_t(t) * b.classes + c], b.ref_output(0, t, c));
      z[size_t(c)] = (z[size_t(c)] >> 1) + b.ref_output(0, t, c);   // leak 1/2, floor
    }
  EXPECT_EQ(int(ok.prediction), int(std::max_element(z.begin(), z.end()) - z.begin()));
}
