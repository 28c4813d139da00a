// spiketlm: the memory-hierarchy demo platform (kind "platform.memdemo").
//
// DRAM, router, global buffer (SRAM), PE scratchpad and DMA. Its thread writes a weight
// tile with a known pattern into a larger row-major matrix in DRAM (backdoor), moves the
// tile DRAM -> GLB as a 2-D strided transfer, then GLB -> scratchpad in pieces that fit the
// scratchpad, checking every byte on arrival. The summary gives the simulated time, the bytes
// moved per level and the bandwidth achieved on each hop.
#pragma once
#include "hw/memory/dma.h"
#include "hw/memory/memory_target.h"
#include "platforms/platform.h"
#include "tlm/router.h"

namespace spiketlm {

class MemDemo : public Platform {
 public:
  MemDemo(sc_core::sc_module_name name, Context& ctx);
  void finish(const RunResults& run, Report& r) override;

  // The byte of the weight tile at (row, col): a known pattern.
  static uint8_t pattern(uint64_t row, uint64_t col) { return uint8_t(row * 31 + col * 7 + 3); }

  MemoryTarget* dram = nullptr;
  Router* router = nullptr;
  MemoryTarget* glb = nullptr;
  MemoryTarget* spad = nullptr;
  Dma* dma = nullptr;

  // Results of the run.
  sc_core::sc_time t_dram_glb, t_glb_spad, t_end;
  uint64_t bytes_dram_glb = 0, bytes_glb_spad = 0, pieces = 0;
  bool verified = false;

 private:
  void run();
  void check(uint64_t addr, uint64_t row0, uint64_t rows, const char* where);
  uint64_t m_rows, m_cols, m_matrix_cols, m_matrix_row0, m_matrix_col0, m_piece_rows;
};

}  // namespace spiketlm
