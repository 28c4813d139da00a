// spiketlm: address-decoded interconnect.
//
// Initiators bind to `in`; targets are attached with map(), which reads each target's address
// window from the target itself (QBox style) and rejects overlaps. A transaction is forwarded
// with its address made local to the target (addr - base); DMI pointers are forwarded with
// their ranges translated back to global addresses. Timing: a fixed latency per transaction
// plus the bytes over the router's bandwidth. Energy: the tech-table action "byte" of the
// component named by the `tech` parameter, counted per byte moved.
// Speed: decode tries the two windows hit last first (a DMA alternates between source and
// destination), and a target that offers direct_b_transport() (the memories) is called
// through it instead of through its socket, which out[i] is bound to: the same function with
// the same payload and delay, so results are identical.
#pragma once
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "tlm/module.h"

namespace spiketlm {

// Implemented by every memory-mapped target.
class AddressTarget {
 public:
  virtual ~AddressTarget() = default;
  virtual uint64_t base_address() const = 0;
  virtual uint64_t size_bytes() const = 0;
  virtual tlm::tlm_target_socket<>& target_socket() = 0;
  // The function behind target_socket()'s b_transport, for a router that calls it without
  // going through the socket (simulation speed; same transaction, same result). nullptr:
  // always use the socket.
  using DirectBTransport = void (*)(AddressTarget&, tlm::tlm_generic_payload&, sc_core::sc_time&);
  virtual DirectBTransport direct_b_transport() const { return nullptr; }
};

class Router : public Module {
 public:
  tlm_utils::multi_passthrough_target_socket<Router> in;
  tlm_utils::multi_passthrough_initiator_socket<Router> out;

  Router(sc_core::sc_module_name name, Context& ctx);
  void map(AddressTarget& target, const std::string& target_name);

  struct Window {
    uint64_t base, size;
    std::string name;
  };
  const std::vector<Window>& windows() const { return m_windows; }
  // Index of the window holding addr, or -1.
  int decode(uint64_t addr) const;
  // What b_transport on `in` does (decode, time, energy, forward). An initiator that holds the
  // router (Dma::connect) calls it directly instead of through its socket: the same function
  // with the same payload and delay, so results are identical (simulation speed).
  void forward(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);

 private:
  void b_transport(int id, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& p);
  void invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end);

  std::vector<Window> m_windows;
  // Per window: the target and its direct b_transport (nullptr: through the socket).
  std::vector<std::pair<AddressTarget*, AddressTarget::DirectBTransport>> m_direct;
  // forward()'s copy of the last two windows it hit, with their targets, in the Router itself
  // (no vector lookups on a hit; size 0: empty, never hit). Simulation speed only.
  struct Hot {
    uint64_t base = 0, size = 0;
    AddressTarget* target = nullptr;
    AddressTarget::DirectBTransport fn = nullptr;
    int index = -1;
  };
  Hot m_hot[2];
  const Hot& hot(uint64_t addr);  // a miss: decode() and remember the window (index -1: none)
  sc_core::sc_time m_latency;
  double m_ns_per_byte;
  // A transaction's time (latency + bytes) for the last two lengths seen (a DMA's chunks and a
  // datapath's operand reads alternate on one bus): building an sc_time from ns is a library call.
  struct LengthTime {
    unsigned len;
    sc_core::sc_time time;
  };
  LengthTime m_times[2] = {{0, m_latency}, {0, m_latency}};
  const sc_core::sc_time& time_of(unsigned len) {
    if (m_times[0].len == len) return m_times[0].time;
    if (m_times[1].len != len) m_times[1] = {len, m_latency + sc_core::sc_time(len * m_ns_per_byte, sc_core::SC_NS)};
    std::swap(m_times[0], m_times[1]);
    return m_times[0].time;
  }
  ActionId m_byte;
  uint64_t& m_bytes;
  uint64_t& m_transactions;
  uint64_t& m_decode_errors;
};

}  // namespace spiketlm
