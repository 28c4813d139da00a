// SCALE-Sim v2's operand matrices, prefetch orders and per-fold demand rows for one layer on an
// R x C array (pure C++, no SystemC), as its USER bandwidth mode feeds them to the memory
// system (scalesim_user_bw.h). Written from a reading of scalesim/compute/*.py at 22f88b1;
// see timing.md for what each piece is.
#pragma once
#include <cstdint>
#include <vector>

#include "hw/compute/scalesim.h"

namespace spiketlm::scalesim {

// One layer as a row of SCALE-Sim's topology file: no padding (give the padded input), output
// size ceil((H - kh + s) / s) as its topology_utils computes it.
struct Topology {
  uint64_t ifmap_h = 1, ifmap_w = 1, filt_h = 1, filt_w = 1, channels = 1, filters = 1, stride = 1;
  uint64_t ofmap_h() const { return (ifmap_h - filt_h + stride + stride - 1) / stride; }
  uint64_t ofmap_w() const { return (ifmap_w - filt_w + stride + stride - 1) / stride; }
  uint64_t npx() const { return ofmap_h() * ofmap_w(); }
  uint64_t window() const { return filt_h * filt_w * channels; }
};

// The layer as a product A (M x Kd) x B (Kd x N) of element addresses (-1: no element, an
// input window reaching past the ifmap). OS and WS: A = the ifmap operand (pixels x window),
// B = the filters (window x filters). IS: A = the filters transposed, B = the ifmap transposed.
// a_buffer_is_ifmap tells which of SCALE-Sim's read buffers serves A.
struct Operands {
  uint64_t M = 0, Kd = 0, N = 0;
  std::vector<int32_t> A, B;  // row-major
  bool a_buffer_is_ifmap = true;
  int32_t a(uint64_t m, uint64_t k) const { return A[m * Kd + k]; }
  int32_t b(uint64_t k, uint64_t n) const { return B[k * N + n]; }
};
Operands make_operands(Mapping m, const Topology& t);

// The order in which a read buffer prefetches its operand (SCALE-Sim's prefetch matrix,
// row-major, -1 entries dropped): for A and for B.
std::vector<int32_t> prefetch_order(Mapping m, const Operands& op, uint64_t R, uint64_t C, bool a_side);

// The demand of one fold: three blocks with the same number of rows, row-major; A's block is
// `wa` wide, B's `wb`, the output's `wo` (1 = an output element is written, 0 = none).
struct FoldDemand {
  uint64_t rows = 0, wa = 0, wb = 0, wo = 0;
  std::vector<int32_t> a, b;
  std::vector<uint8_t> o;
};

// The folds in SCALE-Sim's order (column folds outer, row folds inner).
class DemandFolds {
 public:
  DemandFolds(Mapping m, const Operands& op, uint64_t R, uint64_t C);
  uint64_t count() const { return m_folds_r * m_folds_c; }
  // Fold i (0 <= i < count()) into d (reusing its storage).
  void fold(uint64_t i, FoldDemand& d) const;

 private:
  void fold_os(uint64_t fr, uint64_t fc, FoldDemand& d) const;
  void fold_ws(uint64_t fr, uint64_t fc, FoldDemand& d) const;
  Mapping m_map;
  const Operands& m_op;
  uint64_t m_R, m_C, m_folds_r, m_folds_c;
};

}  // namespace spiketlm::scalesim
