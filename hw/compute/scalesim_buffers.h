// SCALE-Sim v2's double-buffered scratchpad in USER bandwidth mode (pure C++, no SystemC):
// a read buffer per operand that prefetches its operand in a fixed order at `bw` words per
// cycle, and the output write buffer that drains to DRAM at `bw` words per cycle. Written from
// a reading of scalesim/memory/{read_buffer,write_buffer,double_buffered_scratchpad_mem}.py at
// 22f88b1 (word size 1 byte, active fraction 0.5, hit latency 1, as single_layer_sim sets
// them); the rules are in timing.md.
#pragma once
#include <cstdint>
#include <vector>

namespace spiketlm::scalesim {

class ReadBuffer {
 public:
  // order: the prefetch order of the operand's addresses (prefetch_order()); size in bytes.
  ReadBuffer(const std::vector<int32_t>& order, uint64_t size_bytes, uint64_t bw);
  // Serve one demand row (-1: no request) arriving at `cycle`; returns the cycle it is served
  // (cycle + 1 when every element is in the active half).
  int64_t serve(const int32_t* row, uint64_t n, int64_t cycle);

 private:
  bool hit(int32_t addr) const;
  // The buffer's operand in sets of ceil(size / 100) elements; per address its sets, ascending.
  std::vector<uint32_t> m_first, m_sets;
  uint64_t m_lines = 0, m_active_lines = 0, m_prefetch_lines = 0, m_fill_cycles = 0;
  uint64_t m_start = 0;  // first set of the active window
  int64_t m_last = 0;    // cycle the latest prefetch completes
  bool m_started = false;
};

class WriteBuffer {
 public:
  WriteBuffer(uint64_t size_bytes, uint64_t bw);
  // Write one demand row (o[i] != 0: an element) at `cycle`; returns the cycle it is done.
  int64_t serve(const uint8_t* o, uint64_t n, int64_t cycle);

 private:
  int64_t drain(int64_t start);
  int64_t m_active, m_drain, m_bw, m_free;
  uint64_t m_fill = 0, m_drained = 0;
  std::vector<uint32_t> m_lines;  // elements per line written so far (bw wide, last ones partial)
  int64_t m_drain_end = 0;
};

}  // namespace spiketlm::scalesim
