// spiketlm: timed accesses of a memory by an initiator whose datapath holds the bytes itself.
// See timed_access.md.
//
// The PE array and the IMC tiles read their operands from a global buffer and write their
// results to it. The datapath computes on its own copy of the bytes; what the memory must see
// is the access: its time, energy and statistics. Each access is a complete TLM-2.0 generic
// payload (command, address, a real data pointer, length, streaming width = length, no byte
// enables (but write_unchanged()), DMI not assumed, response status set to TLM_INCOMPLETE_RESPONSE and checked):
// - write(): the result bytes themselves, so any target that honours the payload ends up
//   holding them;
// - write_unchanged(): traffic whose bytes the model does not hold (partial-sum spills): a
//   write of `len` bytes from the scratch buffer with every byte disabled (byte enable
//   pattern TLM_BYTE_DISABLED), so a target that honours byte enables changes nothing; it
//   also carries the hint below;
// - read(): the bytes land in this initiator's scratch buffer (the datapath does not need
//   them again). The payload also carries the ignorable hint TimingOnlyExt ("the initiator
//   discards the bytes"): a target may skip the copy (MemoryTarget does, for speed); one that
//   ignores the hint copies into the scratch buffer, with the same result.
#pragma once
#include <tlm>

#include <cstdint>
#include <vector>

#include "hw/memory/memory_target.h"
#include "hw/memory/tensor.h"

namespace spiketlm {

class TimedAccess {
 public:
  // `router`: the Router `port` is bound to, or nullptr; with it the accesses call its forward()
  // directly instead of through the socket (the function the socket would reach; simulation speed).
  explicit TimedAccess(tlm::tlm_initiator_socket<>* port, Router* router = nullptr) : m_port(port), m_router(router) {}
  ~TimedAccess();
  TimedAccess(const TimedAccess&) = delete;
  TimedAccess& operator=(const TimedAccess&) = delete;

  // One access of `len` bytes at global address `addr`, sent `delay` after the current time;
  // `delay` becomes the completion's offset. `tag` (optional) names the operand class.
  // Returns the response status (TLM_OK_RESPONSE on success).
  tlm::tlm_response_status write(uint64_t addr, const void* data, uint64_t len, sc_core::sc_time& delay,
                                 const TileExt* tag = nullptr);
  tlm::tlm_response_status write_unchanged(uint64_t addr, uint64_t len, sc_core::sc_time& delay,
                                           const TileExt* tag = nullptr);
  tlm::tlm_response_status read(uint64_t addr, uint64_t len, sc_core::sc_time& delay, const TileExt* tag = nullptr);
  // The response text of the last access (for error messages).
  std::string response_string() const { return m_payload.get_response_string(); }

 private:
  tlm::tlm_response_status send(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint64_t len,
                                sc_core::sc_time& delay, const TileExt* tag, unsigned char* be = nullptr);

  tlm::tlm_initiator_socket<>* m_port;  // the owner's bus socket
  Router* m_router;                     // what m_port is bound to (optional)
  tlm::tlm_generic_payload m_payload;    // reused (constructing one allocates its extension array)
  TimingOnlyExt m_discard;
  TileExt m_tag;
  // Whether m_discard / m_tag are attached to m_payload now: each is set or cleared only when
  // that changes (set_extension and clear_extension are library calls; simulation speed).
  bool m_has_discard = false, m_has_tag = false;
  void attach_discard(bool on) {
    if (on == m_has_discard) return;
    if (on) m_payload.set_extension(&m_discard);
    else m_payload.clear_extension(&m_discard);
    m_has_discard = on;
  }
  std::vector<uint8_t> m_scratch;        // where reads land
};

}  // namespace spiketlm
