// spiketlm: DMA engine (kind "dma"). See dma.md.
//
// A TLM initiator (socket `out`, bound to a Router) that moves 1-D and 2-D strided tiles
// between any two targets in chunks, with real bytes. Source reads and destination writes
// are pipelined through `buffers` chunk buffers (2 = double buffering): the transfer takes
// the time of the slower side plus one chunk of the other. Call transfer() from an SC_THREAD.
//
// Time keeping: `delay` is the caller's local time offset (temporal decoupling). transfer()
// annotates every transaction with its offset; whenever every pending stream time is at
// least one global quantum ahead, it synchronises (wait) and rebases, like a quantum keeper.
// On return sc_time_stamp() + delay is the completion time of the last write.
#pragma once
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <optional>
#include <vector>

#include "hw/memory/memory_target.h"
#include "hw/memory/tensor.h"
#include "tlm/module.h"

namespace spiketlm {

struct DmaCommand {
  uint64_t src = 0, dst = 0;          // global addresses of the first row
  uint64_t rows = 1;                  // 1 = a 1-D transfer
  uint64_t row_bytes = 0;             // bytes per row
  uint64_t src_stride = 0;            // bytes between source row starts (0 = row_bytes)
  uint64_t dst_stride = 0;            // bytes between destination row starts (0 = row_bytes)
  uint64_t chunk_bytes = 0;           // 0 = the DMA's chunk_bytes parameter
  std::optional<TileExt> tag;         // attached to every transaction (traffic by tensor class)
};

// The completion times of the last few reads or writes of a transfer, oldest first: a ring
// of fixed capacity (a pop moves no elements).
class TimeRing {
 public:
  void reset(size_t capacity) {
    m_t.assign(capacity, sc_core::SC_ZERO_TIME);
    m_head = m_n = 0;
  }
  size_t size() const { return m_n; }
  bool full() const { return m_n == m_t.size(); }
  const sc_core::sc_time& front() const { return m_t[m_head]; }
  // Appends t, dropping the oldest time when full.
  void push(const sc_core::sc_time& t) {
    if (full()) {
      m_t[m_head] = t;
      m_head = m_head + 1 == m_t.size() ? 0 : m_head + 1;
    } else {
      size_t i = m_head + m_n;
      m_t[i >= m_t.size() ? i - m_t.size() : i] = t;
      ++m_n;
    }
  }
  template <class F>
  void for_each(F f) {
    for (size_t k = 0, i = m_head; k < m_n; ++k, i = i + 1 == m_t.size() ? 0 : i + 1) f(m_t[i]);
  }

 private:
  std::vector<sc_core::sc_time> m_t;
  size_t m_head = 0, m_n = 0;
};

class Dma : public Module {
 public:
  tlm_utils::simple_initiator_socket<Dma> out;

  Dma(sc_core::sc_module_name name, Context& ctx);
  // Binds `out` to the router's `in` and keeps the router, whose forward() the transactions
  // then call directly (the function b_transport on `in` runs; simulation speed only).
  void connect(Router& r);

  // Moves the tile; returns its duration (completion - start) and advances `delay`.
  sc_core::sc_time transfer(const DmaCommand& cmd, sc_core::sc_time& delay);
  // Untimed backdoor through the router (transport_dbg): no time, energy or statistics.
  void debug_write(uint64_t addr, const void* data, uint64_t len);
  void debug_read(uint64_t addr, void* data, uint64_t len);

  // Transactions whose bytes moved by DMI (not a statistic: it is the only thing that differs).
  uint64_t dmi_transfers() const { return m_dmi_transfers; }

 private:
  void move(bool write, uint64_t addr, uint8_t* buf, uint64_t len, sc_core::sc_time& offset);
  uint8_t* dmi_ptr(bool write, uint64_t addr, uint64_t len);
  void invalidate(sc_dt::uint64 start, sc_dt::uint64 end);

  uint64_t m_chunk;
  unsigned m_buffers;
  size_t m_outstanding;
  bool m_use_dmi;
  sc_core::sc_time m_setup;
  std::vector<tlm::tlm_dmi> m_regions;
  std::vector<uint8_t> m_buf;
  // Per-transfer and per-transaction state, kept to avoid allocations (tlm/payload.h).
  TimeRing m_wends, m_rends;
  tlm::tlm_generic_payload m_payload;
  TimingOnlyExt m_timing_only;
  Router* m_router = nullptr;  // connect(): called directly
  TileExt m_tag;
  uint64_t m_dmi_transfers = 0;
  bool m_busy = false;
  Probe m_busy_probe;  // VCD: transfers in progress, at their simulated times
  uint64_t &m_transfers, &m_bytes, &m_chunks;
  uint64_t &m_busy_ns, &m_read_ns, &m_write_ns;  // kernel ticks (time_stat)
};

}  // namespace spiketlm
