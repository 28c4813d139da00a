#include "hw/memory/timed_access.h"

namespace spiketlm {

TimedAccess::~TimedAccess() {
  // The payload must not free the extension objects, which are members.
  m_payload.clear_extension(&m_discard);
  m_payload.clear_extension(&m_tag);
}

tlm::tlm_response_status TimedAccess::write(uint64_t addr, const void* data, uint64_t len, sc_core::sc_time& delay,
                                            const TileExt* tag) {
  attach_discard(false);
  return send(tlm::TLM_WRITE_COMMAND, addr, static_cast<uint8_t*>(const_cast<void*>(data)), len, delay, tag);
}

tlm::tlm_response_status TimedAccess::write_unchanged(uint64_t addr, uint64_t len, sc_core::sc_time& delay,
                                                      const TileExt* tag) {
  // Every byte disabled (LRM 14.14): a target that honours byte enables moves none of them.
  static unsigned char disabled = TLM_BYTE_DISABLED;
  if (m_scratch.size() < len) m_scratch.resize(len);
  attach_discard(true);
  return send(tlm::TLM_WRITE_COMMAND, addr, m_scratch.data(), len, delay, tag, &disabled);
}

tlm::tlm_response_status TimedAccess::read(uint64_t addr, uint64_t len, sc_core::sc_time& delay, const TileExt* tag) {
  if (m_scratch.size() < len) m_scratch.resize(len);
  attach_discard(true);
  return send(tlm::TLM_READ_COMMAND, addr, m_scratch.data(), len, delay, tag);
}

tlm::tlm_response_status TimedAccess::send(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint64_t len,
                                           sc_core::sc_time& delay, const TileExt* tag, unsigned char* be) {
  tlm::tlm_generic_payload& p = m_payload;
  if (tag) {
    m_tag = *tag;
    if (!m_has_tag) p.set_extension(&m_tag);
  } else if (m_has_tag) {
    p.clear_extension(&m_tag);
  }
  m_has_tag = tag != nullptr;
  p.set_command(cmd);
  p.set_address(addr);
  p.set_data_ptr(data);
  p.set_data_length(unsigned(len));
  p.set_streaming_width(unsigned(len));
  p.set_byte_enable_ptr(be);
  p.set_byte_enable_length(be ? 1 : 0);
  p.set_dmi_allowed(false);
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  if (m_router) m_router->forward(p, delay);
  else (*m_port)->b_transport(p, delay);
  return p.get_response_status();
}

}  // namespace spiketlm
