// spiketlm: two example firmware models, written register by register against the HAL.
//
// "example": what a driver does, spelled out. It asks the runtime only for the memory layout
// (load(): tensors and the descriptor table into DRAM; write_input(): one sample's input),
// and drives the accelerator itself. It follows the runtime's register sequence exactly, so
// its outputs, counters and simulated time equal the default runtime's (tested).
// "polling": the same, but it polls STATUS every poll_ns (run.poll_ns) instead of sleeping
// until the interrupt; the interrupt is masked (IRQ_ENABLE = 0).
#include "sw/fw/firmware.h"
#include "tlm/module.h"

namespace spiketlm {
namespace {

// One sample after START: read the result registers and the outputs, acknowledge.
SampleResult collect(Hal& hal, const FirmwareContext& fc, uint64_t t0_ps) {
  const uint64_t csr = fc.cfg.csr_base;
  SampleResult r;
  r.seconds = span_seconds(t0_ps, hal.now_ps());
  r.irq_cause = hal.reg_read(csr, REG_IRQ_CAUSE);
  r.status = hal.reg_read(csr, REG_STATUS);
  r.err_code = hal.reg_read(csr, REG_ERR_CODE);
  r.err_layer = hal.reg_read(csr, REG_ERR_LAYER);
  r.err_field = hal.reg_read(csr, REG_ERR_FIELD);
  r.prediction = hal.reg_read(csr, REG_PREDICTION);
  r.exit_timestep = hal.reg_read(csr, REG_EXIT_TIMESTEP);
  r.cycles = hal.reg_read64(csr, REG_CYCLES_LO);
  r.dram_bytes = hal.reg_read64(csr, REG_DRAM_BYTES_LO);
  r.glb_bytes = hal.reg_read64(csr, REG_GLB_BYTES_LO);
  r.spikes = hal.reg_read64(csr, REG_SPIKES_LO);
  r.spikes_in = hal.reg_read64(csr, REG_SPIKES_IN_LO);
  if (!(r.status & STATUS_ERROR)) {
    // After an early exit only the timesteps run have outputs.
    const uint32_t T = timesteps_run(r.status, r.exit_timestep, uint32_t(fc.trace->timesteps));
    r.outputs.resize(size_t(T) * size_t(fc.trace->classes));
    hal.read(fc.runtime->result_address(), r.outputs.data(), r.outputs.size() * 4);
  }
  hal.reg_write(csr, REG_CTRL, CTRL_IRQ_ACK);
  return r;
}

void program_run(Hal& hal, const FirmwareContext& fc) {
  const uint64_t csr = fc.cfg.csr_base;
  const Runtime& rt = *fc.runtime;
  hal.reg_write64(csr, REG_DESC_ADDR_LO, rt.descriptor_address());
  hal.reg_write(csr, REG_NUM_LAYERS, uint32_t(rt.descriptors().size()));
  hal.reg_write(csr, REG_TIMESTEPS, uint32_t(fc.trace->timesteps));
  hal.reg_write64(csr, REG_OUT_ADDR_LO, rt.result_address());
  hal.reg_write(csr, REG_EXIT_THRESHOLD, fc.cfg.exit_threshold);
}

void example_firmware(Hal& hal, FirmwareContext& fc) {
  const uint64_t csr = fc.cfg.csr_base;
  fc.runtime->load();
  for (int s = 0; s < fc.samples; ++s) {
    fc.runtime->write_input(fc.first_sample + s);
    program_run(hal, fc);
    const uint64_t t0 = hal.now_ps();
    hal.reg_write(csr, REG_CTRL, CTRL_START);
    hal.wait_irq();
    SampleResult r = collect(hal, fc, t0);
    check_refused(fc, r);
    fc.results->push_back(std::move(r));
  }
}

double g_poll_ns = 1000;

void polling_firmware(Hal& hal, FirmwareContext& fc) {
  const uint64_t csr = fc.cfg.csr_base;
  hal.reg_write(csr, REG_IRQ_ENABLE, 0);  // no interrupt: poll
  fc.runtime->load();
  for (int s = 0; s < fc.samples; ++s) {
    fc.runtime->write_input(fc.first_sample + s);
    program_run(hal, fc);
    const uint64_t t0 = hal.now_ps();
    hal.reg_write(csr, REG_CTRL, CTRL_START);
    while (hal.reg_read(csr, REG_STATUS) & STATUS_BUSY) hal.delay_ns(g_poll_ns);
    SampleResult r = collect(hal, fc, t0);
    check_refused(fc, r);
    fc.results->push_back(std::move(r));
  }
}

void polling_elaborate(FirmwareContext& fc) {
  g_poll_ns = fc.ctx->params.get_double("run.poll_ns", 1000, {"polling firmware: STATUS poll period", "ns", 1, 1e9});
}

}  // namespace

SPIKETLM_REGISTER_FIRMWARE(example_firmware, "example",
                           "the runtime's sequence written out register by register (README example)");
static FirmwareRegistrar polling_registrar("polling", "polls STATUS every run.poll_ns instead of waiting for the IRQ",
                                           polling_firmware, polling_elaborate);

}  // namespace spiketlm
