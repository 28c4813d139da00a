// The README's firmware example, verbatim (a test checks it is still the README's), run
// in-process: it reproduces the reference outputs of the bundled trace, reads the prediction
// register (the argmax of the reference outputs), and gives the default runtime's accuracy.
#include <gtest/gtest.h>

#include <algorithm>

#include "platforms/sata/sata.h"
#include "sw/run/simulation.h"
#include "tests/cli.h"

// ---- README example begins ----
#include "sw/fw/firmware.h"

namespace {
using namespace spiketlm;

// Run every sample, one START each; handle refusals and early exit.
void my_firmware(Hal& hal, FirmwareContext& fc) {
  const uint64_t csr = fc.cfg.csr_base;
  Runtime& rt = *fc.runtime;
  rt.load();                                    // tensors + descriptor table into DRAM
  for (int s = 0; s < fc.samples; ++s) {
    rt.write_input(fc.first_sample + s);         // this sample's input maps (host DMA)
    hal.reg_write64(csr, REG_DESC_ADDR_LO, rt.descriptor_address());
    hal.reg_write(csr, REG_NUM_LAYERS, uint32_t(rt.descriptors().size()));
    hal.reg_write(csr, REG_TIMESTEPS, uint32_t(fc.trace->timesteps));
    const uint64_t t0 = hal.now_ps();
    hal.reg_write(csr, REG_CTRL, CTRL_START);
    hal.wait_irq();
    SampleResult r;
    r.seconds = span_seconds(t0, hal.now_ps());  // START to interrupt, exact
    r.irq_cause = hal.reg_read(csr, REG_IRQ_CAUSE);   // DONE | EXITED_EARLY, or ERROR
    r.status = hal.reg_read(csr, REG_STATUS);
    r.err_code = hal.reg_read(csr, REG_ERR_CODE);
    r.err_layer = hal.reg_read(csr, REG_ERR_LAYER);
    r.err_field = hal.reg_read(csr, REG_ERR_FIELD);
    r.exit_timestep = hal.reg_read(csr, REG_EXIT_TIMESTEP);
    r.prediction = hal.reg_read(csr, REG_PREDICTION);  // the class: the report's accuracy counts it
    r.cycles = hal.reg_read64(csr, REG_CYCLES_LO);
    check_refused(fc, r);                        // a refused descriptor: one-line error
    const uint32_t T = timesteps_run(r.status, r.exit_timestep, uint32_t(fc.trace->timesteps));
    r.outputs.resize(size_t(T) * size_t(fc.trace->classes));   // only the timesteps run
    hal.read(rt.result_address(), r.outputs.data(), r.outputs.size() * 4);
    hal.reg_write(csr, REG_CTRL, CTRL_IRQ_ACK);
    fc.results->push_back(r);                    // the report is built from these
  }
}
}  // namespace

SPIKETLM_REGISTER_FIRMWARE(my_firmware, "mine", "my firmware: one START per sample");
// ---- README example ends ----

using namespace spiketlm;
using namespace spiketlm::test;

TEST(FirmwareReadme, TheExampleIsTheReadmesAndGivesTheRuntimesOutputsPredictionsAndAccuracy) {
  const std::string readme = slurp(source_dir() + "/README.md");
  const std::string me = slurp(source_dir() + "/tests/integration/test_firmware_readme.cpp");
  const std::string b = "// ---- README example begins ----\n", e = "// ---- README example ends ----";
  const size_t i = me.find(b) + b.size();
  const std::string code = me.substr(i, me.find(e, i) - i);
  EXPECT_NE(readme.find("```cpp\n" + code + "```"), std::string::npos) << "README.md and this test's copy differ";

  // 20 samples with the per-sample table; the runtime firmware's run of the same samples by the CLI.
  constexpr int kN = 20;
  const Json ref = run_json("run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 20", "fw_readme_runtime");
  Simulation sim;
  RunRequest req;
  req.config = source_dir() + "/platforms/sata/sata.yaml";
  req.run_params = {{"run.trace", source_dir() + "/traces/fmnist_snn"}, {"run.samples", std::to_string(kN)},
                    {"run.firmware", "mine"}, {"run.per_sample", "true"}};
  sim.configure(req);
  Sata& s = dynamic_cast<Sata&>(sim.elaborate());
  sim.run();
  const bundle& tb = s.trace();
  ASSERT_EQ(sim.results().samples.size(), size_t(kN));
  const std::vector<std::string> ref_pred = text_column(ref, "samples", "prediction");
  ASSERT_EQ(ref_pred.size(), size_t(kN));
  for (int k = 0; k < kN; ++k) {
    const SampleResult& r = sim.results().samples[size_t(k)];
    EXPECT_EQ(r.irq_cause, IRQ_DONE);
    EXPECT_GT(r.cycles, 0u);
    ASSERT_EQ(r.outputs.size(), size_t(tb.timesteps) * size_t(tb.classes));
    std::vector<int64_t> z(size_t(tb.classes), 0);   // the reference's argmax (ties to the lowest class)
    for (int t = 0; t < tb.timesteps; ++t)
      for (int c = 0; c < tb.classes; ++c) {
        EXPECT_EQ(r.outputs[size_t(t) * tb.classes + c], tb.ref_output(k, t, c));
        z[size_t(c)] += tb.ref_output(k, t, c);
      }
    EXPECT_EQ(int(r.prediction), int(std::max_element(z.begin(), z.end()) - z.begin())) << "sample " << k;
    EXPECT_EQ(std::to_string(r.prediction), ref_pred[size_t(k)]) << "sample " << k;
  }
  const double acc = sim.report().get("summary", "accuracy_pct").as_double();
  EXPECT_GT(acc, 0.0);
  EXPECT_EQ(acc, summary(ref, "accuracy_pct"));
}
