// spiketlm: firmware models, selected by name (run.firmware, --firmware NAME).
//
// A firmware model is a C++ function against the HAL: void fw(Hal&, FirmwareContext&). It
// runs in the CPU's SystemC thread; every register access and buffer transfer is a timed TLM
// transaction. Register one with
//     SPIKETLM_REGISTER_FIRMWARE(my_fw, "my_fw", "one line that says what it does");
// in any source file linked into the simulator (or a plugin), and run it with
//     spiketlm run platforms/sata/sata.yaml --trace traces/fmnist_snn --firmware my_fw
// Bundled: "runtime" (the default, sw/fw/runtime.h), "example" (the same sequence written
// out register by register, sw/fw/example.cpp), "polling" (polls STATUS instead of waiting
// for the interrupt), "external" (an external process over a socket, sw/cosim).
//
// A firmware appends one SampleResult per sample to ctx.results: the platform reports
// latency, energy and accuracy from them exactly as for the default runtime.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sw/fw/runtime.h"
#include "sw/hal/hal.h"

namespace spiketlm {

class Context;

struct FirmwareContext {
  std::string platform;                 // "sata", "spikeflow": the error prefix
  std::string path;                     // the platform instance ("sata")
  const bundle* trace = nullptr;        // the trace bundle (run.trace)
  Runtime* runtime = nullptr;           // lays the bundle out (load(), write_input()) and runs samples
  RuntimeConfig cfg;                    // DRAM window, CSR base, layout parameters
  int first_sample = 0, samples = 1;    // run.first_sample, run.samples
  std::vector<SampleResult>* results = nullptr;
  Context* ctx = nullptr;               // parameters (read firmware options in `elaborate`)
  // The hardware model's reason for a refused run (an untimed diagnostic, not a register; set
  // by the run flow from the register block): check_refused quotes it.
  std::function<std::string()> refusal_reason;
  std::vector<std::shared_ptr<void>> owned;  // state a firmware keeps for the whole run
};

using FirmwareFn = std::function<void(Hal&, FirmwareContext&)>;

struct FirmwareInfo {
  std::string name, doc;
  FirmwareFn run;
  // Optional: called at elaboration (read run.* options here so unknown keys are caught).
  std::function<void(FirmwareContext&)> elaborate;
};

class FirmwareRegistry {
 public:
  static FirmwareRegistry& instance();
  void add(FirmwareInfo info);  // error if the name exists already
  const FirmwareInfo* find(const std::string& name) const;
  std::vector<const FirmwareInfo*> all() const;

 private:
  std::vector<FirmwareInfo> m_fw;
};

struct FirmwareRegistrar {
  FirmwareRegistrar(const char* name, const char* doc, FirmwareFn fn,
                    std::function<void(FirmwareContext&)> elaborate = nullptr) {
    FirmwareRegistry::instance().add({name, doc, std::move(fn), std::move(elaborate)});
  }
};

// Helpers for firmware models: fail like the runtime does when the accelerator refused a
// run (one line naming layer, code and descriptor field, and the hardware model's reason when
// fc.refusal_reason gives one).
void check_refused(const FirmwareContext& fc, const SampleResult& r);

}  // namespace spiketlm

#define SPIKETLM_REGISTER_FIRMWARE(fn, name, doc) \
  static ::spiketlm::FirmwareRegistrar SPIKETLM_FW_CAT(spiketlm_fw_, __LINE__)(name, doc, fn)
#define SPIKETLM_FW_CAT2(a, b) a##b
#define SPIKETLM_FW_CAT(a, b) SPIKETLM_FW_CAT2(a, b)
