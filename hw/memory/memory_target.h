// spiketlm: the common base of the memory targets (DRAM, SRAM global buffer, scratchpad).
//
// A MemoryTarget holds real bytes (Storage: a 512 MB DRAM costs only the pages written), answers b_transport / transport_dbg / get_direct_mem_ptr on its socket `in`, and
// leaves the timing and energy of an access to the concrete unit (access()). Addresses that
// arrive are local offsets (the Router subtracts `base`). An access past the capacity is an
// error that names the unit, the access and the capacity.
//
// Generic payload: read, write and ignore commands; byte enables (a byte moves where its
// enable is TLM_BYTE_ENABLED); streaming width at least the length (else
// TLM_BURST_ERROR_RESPONSE); the response status is always set.
//
// DMI: with parameter `dmi: true` the target grants read/write pointers into its storage
// (one grant covers the whole capacity). DMI moves bytes without the timing model; an initiator that uses DMI
// keeps timing and energy exact by sending the same access as a normal transaction with the
// hint TimingOnlyExt (the DMA does this, so its results are identical with DMI on and off).
#pragma once
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <memory>
#include <vector>

#include "hw/memory/tensor.h"
#include "tlm/module.h"
#include "tlm/router.h"

namespace spiketlm {

// An ignorable extension (TLM-2.0 LRM 14.21.1): the payload is complete (a real data pointer
// and length) and the hint only says that copying its bytes would change nothing: on a write
// the target already holds them (moved by DMI, or read back for traffic without modelled
// bytes), on a read the initiator discards them. A target may skip the copy (MemoryTarget
// does: simulation speed) or ignore the hint; the results are the same either way
// (tests/integration/test_std_memory.cpp places memories that know nothing of it).
struct TimingOnlyExt : tlm::tlm_extension<TimingOnlyExt> {
  tlm::tlm_extension_base* clone() const override { return new TimingOnlyExt(*this); }
  void copy_from(const tlm::tlm_extension_base&) override {}
};
inline bool is_timing_only(const tlm::tlm_generic_payload& p) {
  TimingOnlyExt* e = nullptr;
  p.get_extension(e);
  return e != nullptr;
}

// Byte storage of a memory's whole capacity in one anonymous private mapping reserved without
// swap (MAP_NORESERVE): the kernel gives each 4-KB page real memory on its first write, and a
// read of a page never written sees zeros without taking memory (the shared zero page). So a
// 512-MB DRAM holds only what the run writes, to the page (issue 19: bytes held per weight).
class Storage {
 public:
  static constexpr uint64_t page_bytes = 4096;  // the granularity memory is taken in
  explicit Storage(uint64_t size = 0) { resize(size); }
  ~Storage() { release(); }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  // Reserves `size` bytes, all zero (the old contents are dropped). Throws std::bad_alloc when
  // the address space cannot take them.
  void resize(uint64_t size);
  uint64_t size() const { return m_size; }
  void read(uint64_t addr, uint8_t* dst, uint64_t len) const { std::memcpy(dst, m_bytes + addr, len); }
  void write(uint64_t addr, const uint8_t* src, uint64_t len) { std::memcpy(m_bytes + addr, src, len); }
  // The bytes (for DMI grants: the whole capacity is one region).
  uint8_t* data() { return m_bytes; }

 private:
  void release();
  uint64_t m_size = 0;
  uint8_t* m_bytes = nullptr;
};

class MemoryTarget : public Module, public AddressTarget {
 public:
  tlm_utils::simple_target_socket<MemoryTarget> in;

  // Reads the common parameters `base` and `dmi`; `unit` names the unit in error messages
  // ("spiketlm/<unit>"). The concrete unit calls set_capacity().
  MemoryTarget(sc_core::sc_module_name name, Context& ctx, const std::string& unit);

  uint64_t base_address() const override { return m_base; }
  uint64_t size_bytes() const override { return m_storage.size(); }
  tlm::tlm_target_socket<>& target_socket() override { return in; }
  DirectBTransport direct_b_transport() const override { return &MemoryTarget::direct; }

  // Backdoor access (no time, no energy, no statistics), local offsets; range-checked.
  void peek(uint64_t offset, void* dst, uint64_t len);
  void poke(uint64_t offset, const void* src, uint64_t len);


 protected:
  // Called by the concrete unit's constructor once it knows its capacity.
  void set_capacity(uint64_t bytes);
  // Time, energy and statistics of one access of `len` bytes at local `offset` arriving at
  // absolute time `arrival`; returns its absolute completion time.
  virtual sc_core::sc_time access(bool write, uint64_t offset, uint64_t len, const sc_core::sc_time& arrival,
                                  const tlm::tlm_generic_payload& p) = 0;
  // Called after every access with its byte count (for per-tensor statistics).
  void count_bytes(bool write, uint64_t len, const tlm::tlm_generic_payload& p) {
    (write ? m_bytes_written : m_bytes_read) += len;
    ++(write ? m_writes : m_reads);
    const Tensor t = tensor_of(p);
    if (t == Tensor::other) return;
    uint64_t* c = m_tensor_bytes[write][size_t(t)];
    *(c ? c : tensor_counter(write, t)) += len;
  }
  [[noreturn]] void past_capacity(const char* what, uint64_t offset, uint64_t len) const;

  std::string m_unit;
  Storage m_storage;
  uint64_t m_base;
  bool m_dmi;
  uint64_t& m_bytes_read;
  uint64_t& m_bytes_written;
  uint64_t& m_reads;
  uint64_t& m_writes;
  uint64_t& m_latency_ns;        // sum over accesses of (completion - arrival)
  Probe m_bw;                    // VCD: bytes per interval (read + written), by completion time

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  // direct_b_transport(): b_transport with the body inlined (no second call; simulation speed).
  static void direct(AddressTarget& t, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& p);
  void copy_enabled(bool write, uint64_t offset, tlm::tlm_generic_payload& p);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi);
  uint64_t* m_tensor_bytes[2][size_t(Tensor::count)] = {};
  uint64_t* tensor_counter(bool write, Tensor t);  // declares the statistic on first use
};

// Division by a divisor fixed at elaboration (block, bank, row sizes): a shift when it is a
// power of two, as it usually is (simulation speed: memories divide on every access).
class Divisor {
 public:
  explicit Divisor(uint64_t d = 1) : m_d(d), m_shift(d && !(d & (d - 1)) ? __builtin_ctzll(d) : -1) {}
  uint64_t div(uint64_t x) const { return m_shift >= 0 ? x >> m_shift : x / m_d; }
  uint64_t mod(uint64_t x) const { return m_shift >= 0 ? x & (m_d - 1) : x % m_d; }

 private:
  uint64_t m_d;
  int m_shift;
};

// sc_core::sc_time_stamp() without its out-of-line call (the library defines it as exactly
// this): memories and their initiators read the time on every transaction.
inline const sc_core::sc_time& time_stamp() { return sc_core::sc_get_curr_simcontext()->time_stamp(); }

// Absolute time of an integer number of cycles of period `t` (exact in the kernel resolution).
inline sc_core::sc_time cycles(const sc_core::sc_time& t, uint64_t n) { return t * double(n); }

}  // namespace spiketlm
