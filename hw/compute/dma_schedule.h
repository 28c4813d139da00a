// spiketlm: the DMA side of one layer call of the systolic executor: which transfers go on the
// DMA and when, the double-buffer slots of the ifmap and ofmap GLBs, and the write-back queue.
// See engine.md, "DMA schedule". Unit-tested with a stand-in for the DMA.
//
// The DMA is one resource in absolute time: a transfer starts when the DMA is free and no
// earlier than it may (its slot is free, its data is ready). Output write-backs are queued and
// issued at the next flush, so that the next band's input prefetch goes first; a write-back's
// end frees its ofmap slot. DRAM bytes are the rows x row bytes of every transfer issued with
// an end in DRAM.
#pragma once
#include <systemc>

#include <functional>
#include <vector>

#include "hw/memory/dma.h"

namespace spiketlm {

class DmaSchedule {
 public:
  // issue(c, start): moves c, starting at `start` (absolute); returns its end.
  using Issue = std::function<sc_core::sc_time(const DmaCommand&, sc_core::sc_time)>;
  DmaSchedule(Issue issue, sc_core::sc_time now);

  // A transfer now, once the DMA is free and no earlier than `earliest`: returns its end.
  sc_core::sc_time transfer(const DmaCommand& c, sc_core::sc_time earliest);
  // A write-back from ofmap slot `slot`, ready at `ready`, issued at the next flush().
  void write_back(const DmaCommand& c, sc_core::sc_time ready, int slot);
  // Issues the queued write-backs in order; each frees its slot at its end.
  void flush();
  bool pending() const { return !m_queue.empty(); }

  sc_core::sc_time free_at() const { return m_free; }  // the DMA is free from
  // Double-buffer slots (0, 1) of the ifmap and ofmap GLBs: free from.
  sc_core::sc_time& in_free(int slot) { return m_in_free[slot]; }
  sc_core::sc_time& out_free(int slot) { return m_out_free[slot]; }
  uint64_t dram_bytes() const { return m_bytes; }
  // Transfers whose both ends `on_chip` says are on chip (a fused group's maps) move no DRAM bytes.
  void on_chip(std::function<bool(uint64_t)> f) { m_on_chip = std::move(f); }

  static uint64_t bytes(const DmaCommand& c) { return c.rows * c.row_bytes; }

 private:
  struct Pending {
    DmaCommand c;
    sc_core::sc_time ready;
    int slot;
  };
  Issue m_issue;
  sc_core::sc_time m_free, m_in_free[2], m_out_free[2];
  std::vector<Pending> m_queue;
  uint64_t m_bytes = 0;
  std::function<bool(uint64_t)> m_on_chip;
};

}  // namespace spiketlm
