// spiketlm: the controller of the NorthPole chip (kind "controller.northpole"). See northpole.md.
//
// The one controller protocol (hw/ctrl/controller.h) running the NorthPole executor
// (np_executor.h). It holds the mapping parameters and the initiator sockets of the four
// networks on chip (partial sums, activations, model, instructions); its clock is the cores'.
#pragma once
#include <memory>

#include "hw/ctrl/controller.h"
#include "hw/northpole/np_executor.h"

namespace spiketlm {

class NpController : public Controller {
 public:
  tlm_utils::simple_initiator_socket<NpController> noc_psum, noc_act, noc_model, noc_instr;
  NpController(sc_core::sc_module_name name, Context& ctx);

  struct Wiring {
    Csr* csr = nullptr;
    NpCore* core = nullptr;
    AddressTarget* core_mem = nullptr;   // any TLM-2.0 target (np_executor.h)
    uint64_t core_bank_bytes = 0;        // its bytes per core
    AddressTarget* frame = nullptr;
    NpNoc* nocs[4] = {};  // psum, act, model, instr (NpExecutor::Net)
    ExitUnit* exit = nullptr;
  };
  void connect(const Wiring& w);
  NpExecutor& executor() { return *m_ex; }
  const NpExecutor& executor() const { return *m_ex; }
  const NpExecutor::Config& config() const { return m_cfg; }
  const std::string& offchip_tech() const { return m_offchip_tech; }

 private:
  NpExecutor::Config m_cfg;
  std::string m_offchip_tech;
  ActionId m_offchip{};
  std::unique_ptr<NpExecutor> m_ex;
};

}  // namespace spiketlm
