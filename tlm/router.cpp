#include "tlm/router.h"

#include <utility>

namespace spiketlm {

Router::Router(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      in("in"),
      out("out"),
      m_latency(param_double("latency_ns", 0, {"latency per transaction", "ns", 0, 1e6}), sc_core::SC_NS),
      m_ns_per_byte(1.0 / param_double("bandwidth_gbps", 64, {"bandwidth (bytes per ns)", "GB/s", 1e-6, 1e6})),
      m_byte(action(param_string("tech", "router", {"tech-table component"}), "byte")),
      m_bytes(counter("bytes", "B", "bytes forwarded")),
      m_transactions(counter("transactions", "", "transactions forwarded")),
      m_decode_errors(counter("decode_errors", "", "transactions to no target")) {
  in.register_b_transport(this, &Router::b_transport);
  in.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
  in.register_transport_dbg(this, &Router::transport_dbg);
  out.register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr);
}

void Router::map(AddressTarget& t, const std::string& target_name) {
  Window w{t.base_address(), t.size_bytes(), target_name};
  if (w.size == 0) fail("router", path() + ": target " + target_name + " has an empty address window");
  for (const auto& o : m_windows)
    if (w.base < o.base + o.size && o.base < w.base + w.size)
      fail("router", path() + ": address window of " + target_name + " overlaps " + o.name);
  out.bind(t.target_socket());
  m_windows.push_back(w);
  m_direct.push_back({&t, t.direct_b_transport()});
}

int Router::decode(uint64_t addr) const {
  // forward() keeps the windows it hit last (m_hot); the other callers are rare.
  for (size_t i = 0; i < m_windows.size(); ++i)
    if (addr >= m_windows[i].base && addr - m_windows[i].base < m_windows[i].size) return int(i);
  return -1;
}

void Router::b_transport(int, tlm::tlm_generic_payload& p, sc_core::sc_time& delay) { forward(p, delay); }

const Router::Hot& Router::hot(uint64_t addr) {
  static const Hot none;
  const int i = decode(addr);
  if (i < 0) return none;
  m_hot[1] = m_hot[0];
  const Window& w = m_windows[size_t(i)];
  m_hot[0] = {w.base, w.size, m_direct[size_t(i)].first, m_direct[size_t(i)].second, i};
  return m_hot[0];
}

void Router::forward(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  const uint64_t addr = p.get_address();
  auto hit = [addr](const Hot& h) { return addr >= h.base && addr - h.base < h.size; };
  const Hot& h = hit(m_hot[0]) ? m_hot[0] : hit(m_hot[1]) ? m_hot[1] : hot(addr);
  if (h.index < 0 || addr + p.get_data_length() > h.base + h.size) {
    ++m_decode_errors;
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const unsigned len = p.get_data_length();
  delay += time_of(len);
  count(m_byte, len);
  m_bytes += len;
  ++m_transactions;
  p.set_address(addr - h.base);
  if (h.fn) h.fn(*h.target, p, delay);  // out[h.index] is bound to it
  else out[h.index]->b_transport(p, delay);
  p.set_address(addr);
}

bool Router::get_direct_mem_ptr(int, tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi) {
  const uint64_t addr = p.get_address();
  const int i = decode(addr);
  if (i < 0) return false;
  p.set_address(addr - m_windows[i].base);
  const bool ok = out[i]->get_direct_mem_ptr(p, dmi);
  p.set_address(addr);
  dmi.set_start_address(dmi.get_start_address() + m_windows[i].base);
  dmi.set_end_address(dmi.get_end_address() + m_windows[i].base);
  return ok;
}

unsigned Router::transport_dbg(int, tlm::tlm_generic_payload& p) {
  const uint64_t addr = p.get_address();
  const int i = decode(addr);
  if (i < 0) return 0;
  p.set_address(addr - m_windows[i].base);
  const unsigned n = out[i]->transport_dbg(p);
  p.set_address(addr);
  return n;
}

void Router::invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end) {
  const uint64_t b = m_windows[id].base;
  for (unsigned s = 0; s < in.size(); ++s) in[s]->invalidate_direct_mem_ptr(start + b, end + b);
}

SPIKETLM_REGISTER_KIND(Router, "router", "interconnect", "address-decoded bus: latency per transaction, bandwidth, energy per byte");

}  // namespace spiketlm
