// Places the standard memory (std_memory.h) in a spiketlm buffer slot: a plugin kind
// "test.std_memory" (family memory) that is a Module (parameters, statistics) and an
// AddressTarget (its window on the router) and hands the router the memory's own socket.
// Nothing here touches a transaction. Built as build/plugins/libspiketlm_std_memory.so.
#include "tests/plugins/std_memory/std_memory.h"
#include "tlm/module.h"
#include "tlm/router.h"

namespace spiketlm {

class StdMemorySlot : public Module, public AddressTarget {
 public:
  StdMemorySlot(sc_core::sc_module_name name, Context& ctx)
      : Module(name, ctx),
        m_base(uint64_t(param_int("base", 0, {"base address of the window on the router", "B", 0, 9.2e18}))),
        m_size(uint64_t(param_double("capacity_kb", 1 << 20, {"capacity", "KiB", 1, 1 << 30}) * 1024)),
        m_mem("mem", m_size, sc_core::sc_time(param_double("latency_ns", 1, {"latency per transaction", "ns", 0, 1e6}), sc_core::SC_NS),
              param_bool("at", false, {"approximately-timed: nb_transport_fw only (four phases)"}),
              stdmem::Counts{counter("reads"), counter("writes"), counter("bytes_read", "B"), counter("bytes_written", "B"),
                             counter("protocol_violations", "", "base-protocol rules the initiators broke")}) {}

  uint64_t base_address() const override { return m_base; }
  uint64_t size_bytes() const override { return m_size; }
  tlm::tlm_target_socket<>& target_socket() override { return m_mem.socket; }

 private:
  uint64_t m_base, m_size;
  stdmem::StdMemory m_mem;
};

SPIKETLM_REGISTER_KIND(StdMemorySlot, "test.std_memory", "memory",
                       "test: a memory written only against TLM-2.0 (tests/plugins/std_memory)");

}  // namespace spiketlm
