// A memory written only against IEEE 1666-2011 TLM-2.0 (the base protocol, blocking
// transport): nothing of spiketlm. tests/integration/test_std_memory.cpp places it in every
// buffer slot of both platforms (through std_memory_slot.cpp, the only spiketlm-aware part).
//
// It honours the generic payload as the standard says a target must: the command (read,
// write, ignore), the address and data length (out of range: TLM_ADDRESS_ERROR_RESPONSE), the
// data pointer (bytes are always copied; extensions are ignored), the streaming width (byte i
// goes to address + i % width), the byte enables (byte i moves where be[i % be_length] is
// TLM_BYTE_ENABLED), and sets the response status. It grants no DMI. Each transaction takes
// `latency`. Loosely-timed (at = false): b_transport, the latency annotated on the delay.
// Approximately-timed (at = true): nb_transport_fw only, the base protocol's four phases
// (BEGIN_REQ is answered END_REQ at once, BEGIN_RESP follows `latency` later on the backward
// path through a payload event queue); blocking callers reach it through the socket's own
// b-to-nb conversion, which waits inside the call. It also checks the initiator's side of
// the base protocol and counts each violation: a null data pointer, a response status that
// is not TLM_INCOMPLETE_RESPONSE on arrival, a streaming width of 0.
#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace stdmem {

struct Counts {
  uint64_t& reads;
  uint64_t& writes;
  uint64_t& bytes_read;
  uint64_t& bytes_written;
  uint64_t& violations;
};

class StdMemory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<StdMemory> socket;

  StdMemory(sc_core::sc_module_name name, uint64_t size, sc_core::sc_time latency, bool at, Counts counts)
      : sc_core::sc_module(name),
        socket("socket"),
        m_mem(static_cast<unsigned char*>(std::calloc(size, 1))),  // zero pages cost nothing until touched
        m_size(size),
        m_peq(this, &StdMemory::respond),
        m_latency(latency),
        m_counts(counts) {
    if (!m_mem) throw std::bad_alloc();
    if (at) socket.register_nb_transport_fw(this, &StdMemory::nb_transport_fw);
    else socket.register_b_transport(this, &StdMemory::b_transport);
    socket.register_transport_dbg(this, &StdMemory::transport_dbg);
  }

 private:
  bool in_range(const tlm::tlm_generic_payload& p) const {
    const uint64_t a = p.get_address(), n = p.get_data_length();
    const uint64_t span = p.get_streaming_width() && p.get_streaming_width() < n ? p.get_streaming_width() : n;
    return a <= m_size && span <= m_size - a;
  }

  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    execute(p);
    if (p.is_response_ok()) delay += m_latency;
  }

  // AT: BEGIN_REQ -> END_REQ now, the access, BEGIN_RESP `latency` later; END_RESP completes.
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay) {
    if (phase == tlm::END_RESP) return tlm::TLM_COMPLETED;
    if (phase != tlm::BEGIN_REQ) {
      ++m_counts.violations;
      return tlm::TLM_COMPLETED;
    }
    execute(p);
    m_peq.notify(p, tlm::BEGIN_RESP, delay + m_latency);
    phase = tlm::END_REQ;
    return tlm::TLM_UPDATED;
  }

  void respond(tlm::tlm_generic_payload& p, const tlm::tlm_phase& phase) {
    tlm::tlm_phase ph = phase;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    socket->nb_transport_bw(p, ph, t);  // TLM_ACCEPTED: END_RESP follows on the forward path
  }

  void execute(tlm::tlm_generic_payload& p) {
    if (p.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE) ++m_counts.violations;
    const tlm::tlm_command cmd = p.get_command();
    const unsigned len = p.get_data_length(), width = p.get_streaming_width();
    const unsigned char* be = p.get_byte_enable_ptr();
    const unsigned be_len = p.get_byte_enable_length();
    if (!p.get_data_ptr() || width == 0) {
      ++m_counts.violations;
      p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
    if (!in_range(p)) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (be && be_len == 0) {
      p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
      return;
    }
    unsigned char* d = p.get_data_ptr();
    unsigned char* m = m_mem.get() + p.get_address();
    if (cmd == tlm::TLM_WRITE_COMMAND || cmd == tlm::TLM_READ_COMMAND) {
      const bool write = cmd == tlm::TLM_WRITE_COMMAND;
      for (unsigned i = 0; i < len; ++i) {
        if (be && be[i % be_len] != TLM_BYTE_ENABLED) continue;
        if (write) m[i % width] = d[i];
        else d[i] = m[i % width];
      }
      ++(write ? m_counts.writes : m_counts.reads);
      (write ? m_counts.bytes_written : m_counts.bytes_read) += len;
    }
    p.set_dmi_allowed(false);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  unsigned transport_dbg(tlm::tlm_generic_payload& p) {
    const uint64_t a = p.get_address();
    if (a >= m_size || !p.get_data_ptr()) return 0;
    const uint64_t n = std::min<uint64_t>(p.get_data_length(), m_size - a);
    if (p.get_command() == tlm::TLM_WRITE_COMMAND) std::memcpy(m_mem.get() + a, p.get_data_ptr(), n);
    else if (p.get_command() == tlm::TLM_READ_COMMAND) std::memcpy(p.get_data_ptr(), m_mem.get() + a, n);
    return unsigned(n);
  }

  struct Free {
    void operator()(unsigned char* p) const { std::free(p); }
  };
  std::unique_ptr<unsigned char[], Free> m_mem;
  uint64_t m_size;
  tlm_utils::peq_with_cb_and_phase<StdMemory> m_peq;
  sc_core::sc_time m_latency;
  Counts m_counts;
};

}  // namespace stdmem
