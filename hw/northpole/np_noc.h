// spiketlm: one of NorthPole's four networks on chip over the core grid (kind "northpole.noc":
// partial sums, activations, model/weights, instructions) as a TLM target. A transaction
// carries its bytes in the data length and the route in NpRoute: its byte-hops under XY
// routing on the grid and the longest route's hops. Energy: one "bit_hop" action per bit per
// link crossed (tech table); latency: (hops + flits - 1) x hop_cycles, flits of link_bytes.
// Counters: transfers, bytes, byte-hops, flits. See northpole.md.
#pragma once
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "tlm/module.h"

namespace spiketlm {

struct NpRoute : tlm::tlm_extension<NpRoute> {
  double byte_hops = 0;  // sum over the routes of bytes x hops
  int max_hops = 0;      // the longest route
  uint64_t sink_bytes = 0;  // bytes into the busiest receiving core (its port serialises them)
  tlm::tlm_extension_base* clone() const override { return new NpRoute(*this); }
  void copy_from(const tlm::tlm_extension_base& o) override { *this = static_cast<const NpRoute&>(o); }
};

class NpNoc : public Module {
 public:
  tlm_utils::simple_target_socket<NpNoc> in;
  NpNoc(sc_core::sc_module_name name, Context& ctx);
  // Latency of a transfer whose longest route has `hops` links and whose busiest sink takes `bytes`.
  sc_core::sc_time latency(int hops, uint64_t bytes) const;
  uint64_t link_bytes() const { return m_link; }
  uint64_t bytes() const { return m_bytes; }
  double byte_hops() const { return m_byte_hops; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  uint64_t m_link;
  int m_hop_cycles;
  sc_core::sc_time m_cycle;
  ActionId m_bit_hop;
  uint64_t &m_transfers, &m_bytes, &m_flits;
  double& m_byte_hops;
};

// Sends `bytes` over the NoC bound to socket s (route in r) at local time `t` (advanced).
void np_send(tlm::tlm_initiator_socket<>& s, uint64_t bytes, NpRoute& r, sc_core::sc_time& t);

}  // namespace spiketlm
