#include "sw/fw/firmware.h"

#include <algorithm>

#include "hw/ctrl/csr.h"
#include "sw/hal/cpu.h"
#include "tlm/module.h"

namespace spiketlm {

FirmwareRegistry& FirmwareRegistry::instance() {
  static FirmwareRegistry r;
  return r;
}

void FirmwareRegistry::add(FirmwareInfo info) {
  if (find(info.name)) fail("firmware", "firmware '" + info.name + "' is registered twice");
  m_fw.push_back(std::move(info));
}

const FirmwareInfo* FirmwareRegistry::find(const std::string& name) const {
  for (const auto& f : m_fw)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<const FirmwareInfo*> FirmwareRegistry::all() const {
  std::vector<const FirmwareInfo*> v;
  for (const auto& f : m_fw) v.push_back(&f);
  std::sort(v.begin(), v.end(), [](const FirmwareInfo* a, const FirmwareInfo* b) { return a->name < b->name; });
  return v;
}

void install_firmware(Cpu& cpu, Csr& csr, FirmwareContext fc) {
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
  fc.csr = &csr;
  if (fw->elaborate) fw->elaborate(fc);
  cpu.set_irq_level([&csr] { return csr.irq_level(); });
  auto state = std::make_shared<FirmwareContext>(std::move(fc));
  FirmwareFn run = fw->run;
  cpu.program([state, run](Hal& h) { run(h, *state); }, &csr.irq_event());
}

void check_refused(const FirmwareContext& fc, const SampleResult& r) {
  if (!(r.status & STATUS_ERROR)) return;
  // The model's reason (not a register: an untimed diagnostic), without its "layer N: " prefix.
  std::string why = fc.csr ? fc.csr->refusal_reason() : std::string();
  const std::string prefix = "layer " + std::to_string(r.err_layer) + ": ";
  if (why.compare(0, prefix.size(), prefix) == 0) why.erase(0, prefix.size());
  std::replace(why.begin(), why.end(), '\n', ' ');
  fail(fc.platform, fc.path + ": the accelerator refused layer " + std::to_string(r.err_layer) + " (error code " +
                        std::to_string(r.err_code) + ", descriptor word " + std::to_string(r.err_field) +
                        (why.empty() ? "" : ": " + why) + ")");
}

namespace {

// The default: the runtime (sw/fw/runtime.h) lays the bundle out and runs every sample.
void runtime_firmware(Hal&, FirmwareContext& fc) {
  fc.runtime->load();
  for (int s = 0; s < fc.samples; ++s) {
    SampleResult r = fc.runtime->run(fc.first_sample + s);
    check_refused(fc, r);
    fc.results->push_back(std::move(r));
  }
}

}  // namespace

SPIKETLM_REGISTER_FIRMWARE(runtime_firmware, "runtime",
                           "default runtime: lays the trace out in DRAM, one START per sample, waits for the IRQ");

}  // namespace spiketlm
