// spiketlm: the spike-gated accumulate of one staged band. See spike_accumulate.h.
#include "hw/compute/spike_accumulate.h"

#include <algorithm>

namespace spiketlm {

ConvTaps conv_taps(int i, int pad, int k, int s, int o0, int o1) {
  const int ip = i + pad;  // output o is fed by tap ip - o * s
  int first = std::max(0, ip - s * (o1 - 1));
  const int last = std::min(k - 1, ip - s * o0);
  if (first > last) return {0, -1, 0, 0};
  first += (ip - first) % s;
  if (first > last) return {0, -1, 0, 0};
  return {first, last, (ip - first) / s, (last - first) / s + 1};
}

namespace {

// ps[u] += w[u] for u < N.
template <int N>
inline void add_fixed(int32_t* __restrict ps, const int32_t* __restrict w) {
  for (int u = 0; u < N; ++u) ps[u] += w[u];
}

// ps[j] += w[j] for j < n, n a multiple of the columns. CW > 0: the columns known when compiling
// (n a multiple of CW), a fixed-width body the compiler turns into vector adds with the default
// flags (SSE2: two 4-lane adds for 8 columns; -march=native with AVX2: one). CW = 0: any column
// count, in fixed blocks of 4 (one vector add each) and a scalar tail. The two arrays never
// overlap (partial sums, weights): __restrict lets the compiler keep no ordering between them.
// A run of one to three taps (a 3-wide kernel's) takes add_fixed, its length known when
// compiling: straight-line vector adds without the loop's count and branch (simulation speed).
template <int CW>
inline void add_run(int32_t* __restrict ps, const int32_t* __restrict w, int n) {
  if constexpr (CW > 0) {
    switch (n / CW) {
      case 1: return add_fixed<CW>(ps, w);
      case 2: return add_fixed<2 * CW>(ps, w);
      case 3: return add_fixed<3 * CW>(ps, w);
      default: break;
    }
    for (int j = 0; j < n; j += CW)
      for (int u = 0; u < CW; ++u) ps[j + u] += w[j + u];
  } else {
    int j = 0;
    for (; j + 4 <= n; j += 4)
      for (int u = 0; u < 4; ++u) ps[j + u] += w[j + u];
    for (; j < n; ++j) ps[j] += w[j];
  }
}

// The columns of one staged row (bits, g.in_w wide) that are set and feed some output column,
// into ix; returns how many, and adds their column taps to *xtaps.
inline int row_spikes(const uint8_t* bits, int pitch, int in_w, const ConvTaps* tx, int* ix, uint64_t* xtaps) {
  int n = 0;
  for (int b = 0; b < pitch; ++b)
    for (unsigned byte = bits[b]; byte; byte &= byte - 1) {
      const int x = b * 8 + __builtin_ctz(byte);
      if (x >= in_w) return n;
      if (!tx[x].n) continue;
      ix[n++] = x;
      *xtaps += uint64_t(tx[x].n);
    }
  return n;
}

// One kernel row tap of a staged row: the n spikes at columns ix add their column taps' weights
// (wrow: the tap row of wrev) onto output row prow (nrow: its counts, or null).
template <int CW>
inline void add_row_tap(const ConvGeom& g, const ConvTaps* tx, const int* ix, int n, const int32_t* wrow,
                        int32_t* prow, uint32_t* nrow, int C) {
  for (int k = 0; k < n; ++k) {
    const ConvTaps& t = tx[ix[k]];
    const int ox_lo = t.o - (t.n - 1);  // fed by tap t.last
    if (g.stride == 1) {
      // Taps last, last - 1, ... feed outputs ox_lo, ox_lo + 1, ...: with the taps reversed,
      // one contiguous run of weights onto one contiguous run of sums.
      add_run<CW>(prow + size_t(ox_lo) * C, wrow + size_t(g.kw - 1 - t.last) * C, t.n * C);
    } else {
      int ox = t.o;
      for (int kx = t.first; kx <= t.last; kx += g.stride, --ox)
        add_run<CW>(prow + size_t(ox) * C, wrow + size_t(g.kw - 1 - kx) * C, C);
    }
    if (nrow)
      for (int ox = ox_lo; ox <= t.o; ++ox) ++nrow[ox];
  }
}

template <int CW>
uint64_t spike_band(const ConvGeom& g, const StagedInput& in, int out_row0, const ConvTaps* ty, const ConvTaps* tx,
                    const int32_t* wrev, int c_run, int32_t* psum, uint32_t* nnz, int* ix) {
  const int C = CW > 0 ? CW : c_run;
  uint64_t taps = 0;  // sum over the spikes of (row taps x column taps)
  for (int c = 0; c < g.in_c; ++c)
    for (int r = 0; r < in.rows; ++r) {
      const ConvTaps& y = ty[r];
      if (!y.n) continue;
      uint64_t xtaps = 0;
      const int n = row_spikes(in.bits + (size_t(c) * in.rows + r) * in.pitch, in.pitch, g.in_w, tx, ix, &xtaps);
      if (!n) continue;
      taps += uint64_t(y.n) * xtaps;
      int oy = y.o;
      for (int ky = y.first; ky <= y.last; ky += g.stride, --oy) {
        const int32_t* wrow = wrev + size_t(c * g.kh + ky) * g.kw * C;  // tap kx at (kw - 1 - kx) * C
        const size_t orow = size_t(oy - out_row0) * g.out_w;
        add_row_tap<CW>(g, tx, ix, n, wrow, psum + orow * C, nnz ? nnz + orow : nullptr, C);
      }
    }
  return taps;
}

}  // namespace

uint64_t accumulate_spike_band(const ConvGeom& g, const StagedInput& in, int out_row0, const ConvTaps* ty,
                               const ConvTaps* tx, const int32_t* wrev, int C, int kvalid, int32_t* psum,
                               uint32_t* nnz, std::vector<int>& scratch) {
  scratch.resize(size_t(std::max(g.in_w, 1)));
  int* ix = scratch.data();
  uint64_t taps;
  switch (C) {  // the array widths of the shipped platforms, and any other at run time
    case 8: taps = spike_band<8>(g, in, out_row0, ty, tx, wrev, C, psum, nnz, ix); break;
    case 16: taps = spike_band<16>(g, in, out_row0, ty, tx, wrev, C, psum, nnz, ix); break;
    default: taps = spike_band<0>(g, in, out_row0, ty, tx, wrev, C, psum, nnz, ix); break;
  }
  return taps * uint64_t(kvalid);
}

}  // namespace spiketlm
