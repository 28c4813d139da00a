#include "hw/northpole/np_noc.h"

#include <cmath>

namespace spiketlm {

NpNoc::NpNoc(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      in("in"),
      m_transfers(counter("transfers", "", "transactions")),
      m_bytes(counter("bytes", "B", "bytes carried")),
      m_flits(counter("flits", "", "flits into the receiving cores")),
      m_byte_hops(real_stat("byte_hops", "B x hops", "bytes x links crossed (XY routing)")) {
  m_link = uint64_t(param_int("link_bytes", 32, {"link width: bytes per flit per cycle (assumption: 256-bit links, no public figure)", "B", 1, 4096}));
  m_hop_cycles = int(param_int("hop_cycles", 1, {"cycles per router + link hop (assumption: single-cycle hops)", "cycles", 1, 1000}));
  const double mhz = param_double("clock_mhz", 400, {"clock (FACTS.md s7: about 400 MHz)", "MHz", 1, 1e4});
  const std::string tech = param_string("tech", "np_noc", {"tech-table component (action bit_hop)"});
  m_cycle = sc_core::sc_time(1e3 / mhz, sc_core::SC_NS);
  m_bit_hop = action(tech, "bit_hop");
  in.register_b_transport(this, &NpNoc::b_transport);
}

sc_core::sc_time NpNoc::latency(int hops, uint64_t bytes) const {
  const uint64_t flits = (bytes + m_link - 1) / m_link;
  if (flits == 0) return sc_core::SC_ZERO_TIME;
  return m_cycle * double(uint64_t(hops) * uint64_t(m_hop_cycles) + flits - 1);
}

void NpNoc::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  NpRoute* r = nullptr;
  p.get_extension(r);
  if (!r) {
    p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  const uint64_t len = p.get_data_length();
  ++m_transfers;
  m_bytes += len;
  m_byte_hops += r->byte_hops;
  m_flits += (len + m_link - 1) / m_link;
  count(m_bit_hop, uint64_t(std::llround(r->byte_hops * 8)));
  delay += latency(r->max_hops, r->sink_bytes);
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

void np_send(tlm::tlm_initiator_socket<>& s, uint64_t bytes, NpRoute& r, sc_core::sc_time& t) {
  if (bytes == 0) return;
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_WRITE_COMMAND);
  p.set_address(0);
  p.set_data_ptr(nullptr);  // the values travel in the executor's maps; the NoC times and counts them
  p.set_data_length(unsigned(std::min<uint64_t>(bytes, 0xFFFFFFFFu)));
  p.set_streaming_width(p.get_data_length());
  p.set_extension(&r);
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  s->b_transport(p, d);
  p.clear_extension(&r);
  t += d;
}

SPIKETLM_REGISTER_KIND(NpNoc, "northpole.noc", "noc",
                       "NorthPole network on chip over the core grid (partial sums, activations, model, instructions)");

}  // namespace spiketlm
