#include "sw/fw/firmware.h"

#include <algorithm>

#include "tlm/module.h"

namespace spiketlm {

FirmwareRegistry& FirmwareRegistry::instance() {
  static FirmwareRegistry r;
  return r;
}

void FirmwareRegistry::add(FirmwareInfo info) {
  if (find(info.name)) fail("firmware", "firmware '" + info.name + "' is registered twice");
  m_fw.push_back(std::move(info));
  Factory::instance().note_registration();
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

void check_refused(const FirmwareContext& fc, const SampleResult& r) {
  if (!(r.status & STATUS_ERROR)) return;
  // The model's reason (not a register: an untimed diagnostic), without its "layer N: " prefix.
  std::string why = fc.refusal_reason ? fc.refusal_reason() : std::string();
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
