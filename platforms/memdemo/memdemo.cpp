#include "platforms/memdemo/memdemo.h"

#include <sstream>
#include <vector>

namespace spiketlm {

MemDemo::MemDemo(sc_core::sc_module_name nm, Context& ctx) : Platform(nm, ctx) {
  m_rows = param_int("tile_rows", 64, {"weight-tile rows", "", 1, 1 << 16});
  m_cols = param_int("tile_cols", 64, {"weight-tile columns (int8: bytes per row)", "B", 1, 1 << 16});
  m_matrix_cols = param_int("matrix_cols", 256, {"columns of the DRAM matrix holding the tile (its row pitch)", "B", 1, 1 << 24});
  m_matrix_row0 = param_int("tile_row0", 8, {"matrix row of the tile's first row", "", 0, 1 << 24});
  m_matrix_col0 = param_int("tile_col0", 64, {"matrix column of the tile's first column", "", 0, 1 << 24});
  m_piece_rows = param_int("piece_rows", 4, {"tile rows per GLB -> scratchpad piece", "", 1, 1 << 16});
  if (m_matrix_col0 + m_cols > m_matrix_cols)
    fail("memdemo", path() + ".tile_col0: the tile (columns " + std::to_string(m_matrix_col0) + ".." +
                        std::to_string(m_matrix_col0 + m_cols - 1) + ") does not fit in matrix_cols " +
                        std::to_string(m_matrix_cols));
  dram = make_child<MemoryTarget>("dram", "dram.sata");
  router = make_child<Router>("router", "router");
  glb = make_child<MemoryTarget>("glb", "sram");
  spad = make_child<MemoryTarget>("spad", "scratchpad");
  dma = make_child<Dma>("dma", "dma");
  router->map(*dram, "dram");
  router->map(*glb, "glb");
  router->map(*spad, "spad");
  dma->connect(*router);
  if (m_rows * m_cols > glb->size_bytes())
    fail("memdemo", path() + ".tile_rows: a " + std::to_string(m_rows) + "x" + std::to_string(m_cols) +
                        " tile does not fit in the global buffer (" + std::to_string(glb->size_bytes()) + " B)");
  if (m_piece_rows * m_cols > spad->size_bytes())
    fail("memdemo", path() + ".piece_rows: " + std::to_string(m_piece_rows) + " rows of " + std::to_string(m_cols) +
                        " B do not fit in the scratchpad (" + std::to_string(spad->size_bytes()) + " B)");
  if ((m_matrix_row0 + m_rows) * m_matrix_cols > dram->size_bytes())
    fail("memdemo", path() + ".matrix_cols: the matrix does not fit in the DRAM");
  SC_HAS_PROCESS(MemDemo);
  SC_THREAD(run);
}

void MemDemo::check(uint64_t addr, uint64_t row0, uint64_t rows, const char* where) {
  std::vector<uint8_t> got(rows * m_cols);
  dma->debug_read(addr, got.data(), got.size());
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t c = 0; c < m_cols; ++c)
      if (got[r * m_cols + c] != pattern(row0 + r, c)) {
        std::ostringstream os;
        os << path() << ": " << where << ": tile byte (" << row0 + r << ", " << c << ") is "
           << int(got[r * m_cols + c]) << ", expected " << int(pattern(row0 + r, c));
        fail("memdemo", os.str());
      }
}

void MemDemo::run() {
  const uint64_t dram_base = dram->base_address(), glb_base = glb->base_address(), spad_base = spad->base_address();
  // 1. The weight tile inside a row-major matrix in DRAM (backdoor: no time, no energy).
  const uint64_t tile_addr = dram_base + m_matrix_row0 * m_matrix_cols + m_matrix_col0;
  std::vector<uint8_t> row(m_cols);
  for (uint64_t r = 0; r < m_rows; ++r) {
    for (uint64_t c = 0; c < m_cols; ++c) row[c] = pattern(r, c);
    dma->debug_write(tile_addr + r * m_matrix_cols, row.data(), m_cols);
  }
  sc_core::sc_time delay;
  TileExt tag;
  tag.tensor = Tensor::weight;
  // 2. DRAM -> GLB: a 2-D strided tile, packed densely in the GLB.
  DmaCommand c;
  c.src = tile_addr;
  c.src_stride = m_matrix_cols;
  c.dst = glb_base;
  c.rows = m_rows;
  c.row_bytes = m_cols;
  c.tag = tag;
  t_dram_glb = dma->transfer(c, delay);
  bytes_dram_glb = m_rows * m_cols;
  check(glb_base, 0, m_rows, "global buffer");
  // 3. GLB -> scratchpad in pieces of piece_rows rows, each checked on arrival.
  for (uint64_t r0 = 0; r0 < m_rows; r0 += m_piece_rows) {
    const uint64_t n = std::min(m_piece_rows, m_rows - r0);
    DmaCommand p;
    p.src = glb_base + r0 * m_cols;
    p.dst = spad_base;
    p.row_bytes = n * m_cols;
    p.tag = tag;
    t_glb_spad += dma->transfer(p, delay);
    bytes_glb_spad += n * m_cols;
    ++pieces;
    check(spad_base, r0, n, "scratchpad");
  }
  verified = true;
  sc_core::wait(delay);
  t_end = sc_core::sc_time_stamp();
}

void MemDemo::finish(const RunResults&, Report& r) {
  if (!verified) fail("memdemo", path() + ": the run did not complete");
  ctx().elapsed_s = t_end.to_seconds();
  auto gbps = [](uint64_t bytes, const sc_core::sc_time& t) { return t > sc_core::SC_ZERO_TIME ? bytes / (t.to_seconds() * 1e9) : 0.0; };
  r.set("summary", "simulated_time_ns", t_end.to_seconds() * 1e9, "ns");
  r.set("summary", "tile", std::to_string(m_rows) + "x" + std::to_string(m_cols) + " int8");
  r.set("summary", "dram_to_glb_bytes", bytes_dram_glb, "B");
  r.set("summary", "dram_to_glb_time_ns", t_dram_glb.to_seconds() * 1e9, "ns");
  r.set("summary", "dram_to_glb_gbps", gbps(bytes_dram_glb, t_dram_glb), "GB/s");
  r.set("summary", "glb_to_spad_bytes", bytes_glb_spad, "B");
  r.set("summary", "glb_to_spad_pieces", pieces);
  r.set("summary", "glb_to_spad_time_ns", t_glb_spad.to_seconds() * 1e9, "ns");
  r.set("summary", "glb_to_spad_gbps", gbps(bytes_glb_spad, t_glb_spad), "GB/s");
  r.set("summary", "verified", "yes");
}

SPIKETLM_REGISTER_KIND(MemDemo, "platform.memdemo", "platform",
                       "memory-hierarchy demo: DRAM -> GLB -> scratchpad tile moves by DMA, verified");

}  // namespace spiketlm
