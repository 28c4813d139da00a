#include "hw/compute/scalesim_operands.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace spiketlm::scalesim {

namespace {

// Ifmap element address of output pixel p, window element j (SCALE-Sim's operand matrix:
// window order kernel row, kernel column, channel; -1 past the ifmap's edge).
int32_t ifmap_addr(const Topology& t, uint64_t p, uint64_t j) {
  const uint64_t ow = t.ofmap_w(), C = t.channels;
  const uint64_t i_row = (p / ow) * t.stride, i_col = (p % ow) * t.stride;
  const uint64_t c_row = j / (t.filt_w * C), c_col = (j % (t.filt_w * C)) / C, ch = j % C;
  if (c_row + i_row >= t.ifmap_h || c_col + i_col >= t.ifmap_w) return -1;
  return int32_t(((i_row + c_row) * t.ifmap_w + i_col + c_col) * C + ch);
}

// The prefetch matrix of `blocks` stacked blocks of `rows` x `width`, read row-major or rolled
// out along its anti-diagonals (bottom row first), SCALE-Sim's order for skewed demands.
template <class F>
std::vector<int32_t> order(uint64_t blocks, uint64_t rows, uint64_t width, bool diagonal, F elem) {
  const uint64_t mp = blocks * rows, np = width;
  std::vector<int32_t> seq;
  seq.reserve(mp * np);
  auto put = [&](uint64_t i, uint64_t j) {
    const int32_t a = elem(i / rows, i % rows, j);
    if (a >= 0) seq.push_back(a);
  };
  if (!diagonal) {
    for (uint64_t i = 0; i < mp; ++i)
      for (uint64_t j = 0; j < np; ++j) put(i, j);
    return seq;
  }
  for (uint64_t d = 0; d + 1 < mp + np; ++d) {
    const uint64_t hi = std::min(d, mp - 1), lo = d + 1 > np ? d + 1 - np : 0;
    for (uint64_t i = hi + 1; i-- > lo;) put(i, d - i);
  }
  return seq;
}

}  // namespace

Operands make_operands(Mapping m, const Topology& t) {
  if (t.ifmap_h < t.filt_h || t.ifmap_w < t.filt_w || t.stride == 0)
    throw std::invalid_argument("scalesim: the filter is larger than the ifmap or the stride is 0");
  const uint64_t npx = t.npx(), W = t.window(), K = t.filters;
  const uint64_t span = std::max(t.ifmap_h * t.ifmap_w * t.channels, W * K);
  if (span > uint64_t(std::numeric_limits<int32_t>::max()) || npx * W > (uint64_t(1) << 31))
    throw std::invalid_argument("scalesim: layer too large for the USER bandwidth model (" + std::to_string(span) +
                                " addresses)");
  Operands op;
  const bool is = m == Mapping::input_stationary;
  op.M = is ? K : npx;
  op.Kd = W;
  op.N = is ? npx : K;
  op.a_buffer_is_ifmap = !is;
  op.A.resize(op.M * W);
  op.B.resize(W * op.N);
  for (uint64_t p = 0; p < npx; ++p)
    for (uint64_t j = 0; j < W; ++j) (is ? op.B[j * npx + p] : op.A[p * W + j]) = ifmap_addr(t, p, j);
  for (uint64_t j = 0; j < W; ++j)
    for (uint64_t k = 0; k < K; ++k) (is ? op.A[k * W + j] : op.B[j * K + k]) = int32_t(k * W + j);
  return op;
}

std::vector<int32_t> prefetch_order(Mapping m, const Operands& op, uint64_t R, uint64_t C, bool a_side) {
  const uint64_t M = op.M, Kd = op.Kd, N = op.N;
  if (a_side && m == Mapping::output_stationary)  // per row fold: the window over R pixels
    return order(ceil_div(M, R), Kd, R, true, [&](uint64_t f, uint64_t t, uint64_t j) {
      return f * R + j < M ? op.a(f * R + j, t) : -1;
    });
  if (a_side)  // WS / IS: per row fold, the streamed rows over R window elements
    return order(ceil_div(Kd, R), M, R, true, [&](uint64_t f, uint64_t t, uint64_t j) {
      return f * R + j < Kd ? op.a(t, f * R + j) : -1;
    });
  // B: per column fold, the window over C columns; rolled out under OS only.
  return order(ceil_div(N, C), Kd, C, m == Mapping::output_stationary, [&](uint64_t f, uint64_t t, uint64_t j) {
    return f * C + j < N ? op.b(t, f * C + j) : -1;
  });
}

DemandFolds::DemandFolds(Mapping m, const Operands& op, uint64_t R, uint64_t C)
    : m_map(m), m_op(op), m_R(R), m_C(C) {
  const bool os = m == Mapping::output_stationary;
  m_folds_r = ceil_div(os ? op.M : op.Kd, R);
  m_folds_c = ceil_div(op.N, C);
}

void DemandFolds::fold(uint64_t i, FoldDemand& d) const {
  const uint64_t fc = i / m_folds_r, fr = i % m_folds_r;
  if (m_map == Mapping::output_stationary)
    fold_os(fr, fc, d);
  else
    fold_ws(fr, fc, d);
}

// OS: A's window streams into the rows, B's into the columns, both skewed one cycle per
// row / column; the outputs leave bottom row first after the last window element.
void DemandFolds::fold_os(uint64_t fr, uint64_t fc, FoldDemand& d) const {
  const uint64_t R = m_R, C = m_C, M = m_op.M, N = m_op.N, Kd = m_op.Kd;
  d.rows = Kd + R + C - 2;
  d.wa = R, d.wb = C, d.wo = C;
  d.a.assign(d.rows * R, -1);
  d.b.assign(d.rows * C, -1);
  d.o.assign(d.rows * C, 0);
  for (uint64_t r = 0; r < R && fr * R + r < M; ++r)
    for (uint64_t t = 0; t < Kd; ++t) d.a[(t + r) * R + r] = m_op.a(fr * R + r, t);
  for (uint64_t c = 0; c < C && fc * C + c < N; ++c) {
    for (uint64_t t = 0; t < Kd; ++t) d.b[(t + c) * C + c] = m_op.b(t, fc * C + c);
    for (uint64_t rr = 0; rr < R; ++rr)  // flipped: row R - 1 - rr leaves at step rr
      if (fr * R + (R - 1 - rr) < M) d.o[(Kd - 1 + rr + c) * C + c] = 1;
  }
}

// WS (and IS on the transposed operands): B's R x C tile is loaded bottom row first, then A
// streams skewed after R cycles; the outputs leave 2R - 1 cycles after the start, skewed.
void DemandFolds::fold_ws(uint64_t fr, uint64_t fc, FoldDemand& d) const {
  const uint64_t R = m_R, C = m_C, M = m_op.M, N = m_op.N, Kd = m_op.Kd;
  d.rows = 2 * R + C + M - 2;
  d.wa = R, d.wb = C, d.wo = C;
  d.a.assign(d.rows * R, -1);
  d.b.assign(d.rows * C, -1);
  d.o.assign(d.rows * C, 0);
  for (uint64_t r = 0; r < R && fr * R + r < Kd; ++r)
    for (uint64_t t = 0; t < M; ++t) d.a[(R + t + r) * R + r] = m_op.a(t, fr * R + r);
  for (uint64_t c = 0; c < C && fc * C + c < N; ++c) {
    for (uint64_t u = 0; u < R; ++u)
      if (fr * R + (R - 1 - u) < Kd) d.b[u * C + c] = m_op.b(fr * R + (R - 1 - u), fc * C + c);
    for (uint64_t t = 0; t < M; ++t) d.o[(2 * R - 1 + t + c) * C + c] = 1;
  }
}

}  // namespace spiketlm::scalesim
