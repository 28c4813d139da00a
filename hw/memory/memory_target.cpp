#include "hw/memory/memory_target.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <sstream>

namespace spiketlm {

namespace {
std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}
}  // namespace

void Storage::release() {
  if (m_bytes) munmap(m_bytes, m_size);
  m_bytes = nullptr;
  m_size = 0;
}

void Storage::resize(uint64_t size) {
  release();
  if (!size) return;
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  m_bytes = static_cast<uint8_t*>(p);
  m_size = size;
}

MemoryTarget::MemoryTarget(sc_core::sc_module_name nm, Context& ctx, const std::string& unit)
    : Module(nm, ctx),
      in("in"),
      m_unit(unit),
      m_base(uint64_t(param_int("base", 0, {"base address of the window on the router", "B", 0, 9.2e18}))),
      m_dmi(param_bool("dmi", false, {"grant DMI pointers into the storage"})),
      m_bytes_read(counter("bytes_read", "B", "bytes read")),
      m_bytes_written(counter("bytes_written", "B", "bytes written")),
      m_reads(counter("reads", "", "read transactions")),
      m_writes(counter("writes", "", "write transactions")),
      m_latency_ns(time_stat("latency_ns_total", "sum of access latencies (completion - arrival)")) {
  in.register_b_transport(this, &MemoryTarget::b_transport);
  in.register_transport_dbg(this, &MemoryTarget::transport_dbg);
  in.register_get_direct_mem_ptr(this, &MemoryTarget::get_direct_mem_ptr);
  trace("bytes_read", m_bytes_read);
  trace("bytes_written", m_bytes_written);
  m_bw = probe("bw_bytes", 32, Probe::rate);
}

void MemoryTarget::set_capacity(uint64_t bytes) {
  try {
    m_storage.resize(bytes);
  } catch (const std::bad_alloc&) {
    fail(m_unit, path() + ": capacity of " + std::to_string(bytes) + " B: the address space cannot hold it");
  }
}

void MemoryTarget::past_capacity(const char* what, uint64_t offset, uint64_t len) const {
  fail(m_unit,
       path() + ": " + what + " of " + std::to_string(len) + " B at offset " + hex(offset) +
           " is past the capacity of " + std::to_string(m_storage.size()) + " B");
}

void MemoryTarget::peek(uint64_t offset, void* dst, uint64_t len) {
  if (offset > m_storage.size() || len > m_storage.size() - offset) past_capacity("peek", offset, len);
  m_storage.read(offset, static_cast<uint8_t*>(dst), len);
}

void MemoryTarget::poke(uint64_t offset, const void* src, uint64_t len) {
  if (offset > m_storage.size() || len > m_storage.size() - offset) past_capacity("poke", offset, len);
  m_storage.write(offset, static_cast<const uint8_t*>(src), len);
}

uint64_t* MemoryTarget::tensor_counter(bool write, Tensor t) {
  return m_tensor_bytes[write][size_t(t)] =
             &counter(std::string(write ? "bytes_written." : "bytes_read.") + tensor_name(t), "B",
                      "bytes of this tensor class");
}

// (inlined into direct(), the router's call: an out-of-line call of a function of a shared
// library goes through its PLT; the socket's callback gets its own copy; simulation speed)
[[gnu::always_inline]] inline void MemoryTarget::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  const auto cmd = p.get_command();
  if (cmd == tlm::TLM_IGNORE_COMMAND) {
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  const bool write = cmd == tlm::TLM_WRITE_COMMAND;
  const uint64_t off = p.get_address(), len = p.get_data_length();
  if (off > m_storage.size() || len > m_storage.size() - off)
    past_capacity(write ? "write" : "read", off, len);
  if (p.get_streaming_width() < len) {
    p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (!is_timing_only(p)) {
    if (p.get_byte_enable_ptr()) copy_enabled(write, off, p);
    else if (write) m_storage.write(off, p.get_data_ptr(), len);
    else m_storage.read(off, p.get_data_ptr(), len);
  }
  const sc_core::sc_time now = time_stamp(), arrival = now + delay;
  const sc_core::sc_time done = len ? access(write, off, len, arrival, p) : arrival;
  m_latency_ns += (done - arrival).value();
  count_bytes(write, len, p);
  m_bw.add(done, double(len));
  delay = done - now;
  p.set_dmi_allowed(m_dmi);
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

void MemoryTarget::direct(AddressTarget& t, tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  static_cast<MemoryTarget&>(t).b_transport(p, delay);
}

void MemoryTarget::copy_enabled(bool write, uint64_t off, tlm::tlm_generic_payload& p) {
  // Byte enables (TLM-2.0 LRM 14.14): byte i moves when be[i % be_length] is TLM_BYTE_ENABLED.
  const unsigned char* be = p.get_byte_enable_ptr();
  const unsigned n = p.get_byte_enable_length();
  uint8_t* d = p.get_data_ptr();
  for (uint64_t i = 0; i < p.get_data_length(); ++i) {
    if (n && be[i % n] != TLM_BYTE_ENABLED) continue;
    if (write) m_storage.write(off + i, d + i, 1);
    else m_storage.read(off + i, d + i, 1);
  }
}

unsigned MemoryTarget::transport_dbg(tlm::tlm_generic_payload& p) {
  const uint64_t off = p.get_address();
  if (off >= m_storage.size()) return 0;
  const uint64_t len = std::min<uint64_t>(p.get_data_length(), m_storage.size() - off);
  if (p.get_command() == tlm::TLM_WRITE_COMMAND) m_storage.write(off, p.get_data_ptr(), len);
  else if (p.get_command() == tlm::TLM_READ_COMMAND) m_storage.read(off, p.get_data_ptr(), len);
  p.set_response_status(tlm::TLM_OK_RESPONSE);
  return unsigned(len);
}

bool MemoryTarget::get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi) {
  const uint64_t off = p.get_address();
  if (!m_dmi || off >= m_storage.size()) {
    // Deny for the whole window (so the initiator does not ask again for each address).
    dmi.set_start_address(0);
    dmi.set_end_address(m_storage.size() ? m_storage.size() - 1 : 0);
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    return false;
  }
  dmi.set_dmi_ptr(m_storage.data());
  dmi.set_start_address(0);
  dmi.set_end_address(m_storage.size() - 1);
  dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
  // DMI carries no latency here: the timing of a DMI access comes from its timing-only
  // transaction (see the header).
  dmi.set_read_latency(sc_core::SC_ZERO_TIME);
  dmi.set_write_latency(sc_core::SC_ZERO_TIME);
  return true;
}

}  // namespace spiketlm
