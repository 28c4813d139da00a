// spiketlm: the accelerator's control and status registers (kind "csr"). See csr.md.
//
// A memory-mapped register file (sw/include/spiketlm/accel_regs.h) on the bus: 32-bit
// registers with the access kinds of the map (read-only ones refuse writes with a command
// error). Run settings (access RWS) have a shadow copy (what the bus sees) and an active copy
// (what the hardware reads through reg()); CTRL.START latches shadow into active and notifies
// the sequencer. The sequencer sets the status, result and counter registers and calls
// raise_irq(): IRQ_CAUSE gets the cause from STATUS (DONE / EXITED_EARLY / ERROR) and the
// interrupt line (`irq`, a traced signal, and irq_event() for firmware threads) rises if the
// cause is enabled in IRQ_ENABLE. CTRL.IRQ_ACK (or clearing IRQ_CAUSE) lowers it.
// Times (csr.md): the VCD's `irq` changes at the local time of the initiator that changed it
// (the bus access's sc_time_stamp() + delay; raise_irq's `at`), and start_time() is the local
// time of the CTRL.START write, however far a decoupled initiator ran ahead of SystemC time.
// Energy: one 32-bit register access per bus access.
#pragma once
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <string>

#include "sw/include/spiketlm/accel_regs.h"
#include "tlm/router.h"

namespace spiketlm {

class Csr : public Module, public AddressTarget {
 public:
  tlm_utils::simple_target_socket<Csr> in;
  sc_core::sc_signal<bool> irq;

  SC_HAS_PROCESS(Csr);
  Csr(sc_core::sc_module_name name, Context& ctx);
  uint64_t base_address() const override { return m_base; }
  uint64_t size_bytes() const override { return 4 * REG_COUNT; }
  tlm::tlm_target_socket<>& target_socket() override { return in; }

  // Hardware view: the active copy of shadowed registers, the register itself otherwise.
  uint32_t reg(int r) const { return spiketlm_reg_access(r) == ACC_RWS ? m_active[size_t(r)] : m_regs[size_t(r)]; }
  uint64_t reg64(int lo) const { return uint64_t(reg(lo)) | uint64_t(reg(lo + 1)) << 32; }
  // Bus view (the shadow copy of shadowed registers).
  uint32_t shadow(int r) const { return m_regs[size_t(r)]; }
  bool irq_level() const { return m_irq_level; }
  // Hardware side (the sequencer).
  void set(int r, uint32_t v) { m_regs[size_t(r)] = v; }
  void set64(int lo, uint64_t v) {
    m_regs[size_t(lo)] = uint32_t(v);
    m_regs[size_t(lo) + 1] = uint32_t(v >> 32);
  }
  void raise_irq() { raise_irq(sc_core::sc_time_stamp()); }
  void raise_irq(const sc_core::sc_time& at);  // at: the raiser's local time
  // Model-side diagnostic, not a register (the bus cannot read it, it costs no time): the
  // hardware model's reason for the last refusal (LayerRefused's text), set by the controller
  // that refused, cleared by CTRL.START; the host's one-line error quotes it.
  void set_refusal_reason(std::string why) { m_refusal = std::move(why); }
  const std::string& refusal_reason() const { return m_refusal; }
  const sc_core::sc_event& start_event() const { return m_start; }
  const sc_core::sc_time& start_time() const { return m_start_at; }  // of the last CTRL.START
  const sc_core::sc_event& irq_event() const { return m_irq_ev; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& p);
  bool writable(int r) const;
  void write_reg(int r, uint32_t v, const sc_core::sc_time& at);  // at: the access's local time
  void irq_method();
  void update_line(const sc_core::sc_time& at);

  Probe m_p_irq, m_p_waddr, m_p_wdata, m_p_writes;  // VCD (tlm/trace.h)
  uint64_t m_base;
  sc_core::sc_time m_latency;
  std::array<uint32_t, REG_COUNT> m_regs{}, m_active{};
  sc_core::sc_event m_start, m_irq_ev, m_irq_change;
  bool m_irq_level = false;
  sc_core::sc_time m_start_at, m_irq_at;  // local times of the last START and line change
  std::string m_refusal;
  ActionId m_access;
  uint64_t &m_reads, &m_writes;
};

}  // namespace spiketlm
