#include "sw/run/firmware_host.h"

#include <iostream>

#include "hw/cpu/cpu.h"
#include "hw/ctrl/csr.h"
#include "tlm/boundary.h"

namespace spiketlm {

namespace {
// Program `cpu` with the firmware chosen by run.firmware for `fc` (running against `hal`), the
// interrupt line and level of `csr`, and the transaction log run.txlog.
void install_firmware(Cpu& cpu, Hal& hal, Csr& csr, FirmwareContext fc) {
  Params& p = fc.ctx->params;
  const std::string name = p.get_string("run.firmware", "runtime", {"firmware model run by the CPU (--firmware)"});
  const FirmwareInfo* fw = FirmwareRegistry::instance().find(name);
  if (!fw) {
    std::string known;
    for (const FirmwareInfo* f : FirmwareRegistry::instance().all()) known += (known.empty() ? "" : ", ") + f->name;
    fail("config", p.origin("run.firmware") + ": run.firmware: unknown firmware '" + name + "' (known: " + known + ")");
  }
  const std::string txlog = p.get_string("run.txlog", "", {"register-level transaction log file (--txlog)"});
  if (!txlog.empty()) cpu.set_txlog(txlog, csr.base_address());
  fc.refusal_reason = [&csr] { return csr.refusal_reason(); };
  if (fw->elaborate) fw->elaborate(fc);
  cpu.set_irq_level([&csr] { return csr.irq_level(); });
  auto state = std::make_shared<FirmwareContext>(std::move(fc));
  FirmwareFn run = fw->run;
  cpu.program([state, &hal, run] { run(hal, *state); }, &csr.irq_event());
}
}  // namespace

void FirmwareHost::install(Platform& p) {
  const HostPort& host = p.host();
  if (!host.cpu) return;
  m_hal = std::make_unique<CpuHal>(*host.cpu);
  Hal* hal = m_hal.get();
  if (m_progress_delay_s >= 0) {
    m_progress = std::make_unique<Progress>(p.samples(), m_progress_delay_s, std::cerr);
    m_progress_hal = std::make_unique<ProgressHal>(*m_hal, host.target.csr_base, *m_progress);
    hal = m_progress_hal.get();
  }
  m_rt = std::make_unique<Runtime>(*hal, p.trace(), host.target);
  // Each sample begins at a defined state (tlm/boundary.md): when the firmware writes its input,
  // the previous inference and its output read are over; the DRAM precharges every bank and
  // the firmware waits until it has (so the next START finds every bank idle).
  m_rt->on_sample = [cpu = host.cpu, ctx = &p.ctx()] {
    cpu->delay_until(ctx->attribute<Boundary>().start(cpu->local_now()));
  };
  FirmwareContext fc;
  fc.platform = p.unit_kind().substr(p.unit_kind().find('.') + 1);
  fc.path = p.path();
  fc.trace = &p.trace();
  fc.runtime = m_rt.get();
  fc.cfg = host.target;
  fc.first_sample = p.first_sample();
  fc.samples = p.samples();
  fc.results = &m_results.samples;
  fc.ctx = &p.ctx();
  install_firmware(*host.cpu, *hal, *host.csr, std::move(fc));
}

const RunResults& FirmwareHost::results() {
  if (m_rt) {
    m_results.descriptors = m_rt->descriptors();
    m_results.layer_of_desc = m_rt->layer_of_desc();
  }
  return m_results;
}

}  // namespace spiketlm
