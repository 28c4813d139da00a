// The PE array's spike-gated accumulate (hw/compute/spike_accumulate.h), whose inner loops the
// compiler vectorises, against a plain scalar convolution of the same spikes: every partial
// sum, every non-zero count and the accumulates, exactly, on random spike masks, geometries and
// array widths (the compiled-in widths 8 and 16 and others).
#include "hw/compute/spike_accumulate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

using namespace spiketlm;

namespace {

struct Case {
  ConvGeom g;
  int C, kvalid, out_row0, out_row1, y0, rows, pitch;
  std::vector<uint8_t> bits;   // [c][rows][pitch]
  std::vector<int8_t> w;       // [c][ky][kx][C]
};

Case random_case(std::mt19937& rng) {
  auto pick = [&](int lo, int hi) { return int(rng() % unsigned(hi - lo + 1)) + lo; };
  Case t;
  ConvGeom& g = t.g;
  const int ks[] = {1, 3, 5}, cs[] = {8, 16, 5, 4, 1};
  g.kh = g.kw = ks[pick(0, 2)];
  g.stride = pick(1, 2);
  g.pad = pick(0, g.kh / 2 + 1);
  g.in_c = pick(1, 4);
  g.in_h = pick(g.kh, 14);
  g.in_w = pick(g.kw, 21);
  g.out_h = (g.in_h + 2 * g.pad - g.kh) / g.stride + 1;
  g.out_w = (g.in_w + 2 * g.pad - g.kw) / g.stride + 1;
  t.C = cs[pick(0, 4)];
  t.kvalid = pick(1, t.C);
  t.out_row0 = pick(0, g.out_h - 1);
  t.out_row1 = pick(t.out_row0 + 1, g.out_h);
  t.y0 = std::max(0, t.out_row0 * g.stride - g.pad);
  t.rows = std::min(g.in_h, (t.out_row1 - 1) * g.stride - g.pad + g.kh) - t.y0;
  t.pitch = (g.in_w + 7) / 8 + pick(0, 1);
  const unsigned density = unsigned(pick(5, 60));
  t.bits.resize(size_t(g.in_c) * t.rows * t.pitch);
  for (auto& b : t.bits)
    for (int k = 0; k < 8; ++k) b |= uint8_t((rng() % 100 < density) << k);  // bits past in_w too: ignored
  t.w.resize(size_t(g.in_c) * g.kh * g.kw * t.C);
  for (auto& x : t.w) x = int8_t(int(rng() % 255) - 127);
  return t;
}

bool spike(const Case& t, int c, int r, int x) { return (t.bits[(size_t(c) * t.rows + r) * t.pitch + x / 8] >> (x % 8)) & 1; }

// The definition: every set input (c, y, x) and every tap (ky, kx) that reaches an output row
// of the band and an output column.
uint64_t reference(const Case& t, std::vector<int32_t>& psum, std::vector<uint32_t>& nnz) {
  const ConvGeom& g = t.g;
  uint64_t acc = 0;
  for (int c = 0; c < g.in_c; ++c)
    for (int r = 0; r < t.rows; ++r)
      for (int x = 0; x < g.in_w; ++x) {
        if (!spike(t, c, r, x)) continue;
        for (int ky = 0; ky < g.kh; ++ky)
          for (int kx = 0; kx < g.kw; ++kx) {
            const int ny = t.y0 + r + g.pad - ky, nx = x + g.pad - kx;
            if (ny < 0 || nx < 0 || ny % g.stride || nx % g.stride) continue;
            const int oy = ny / g.stride, ox = nx / g.stride;
            if (oy < t.out_row0 || oy >= t.out_row1 || ox >= g.out_w) continue;
            const size_t px = size_t(oy - t.out_row0) * g.out_w + ox;
            for (int j = 0; j < t.kvalid; ++j) psum[px * t.C + j] += t.w[((size_t(c) * g.kh + ky) * g.kw + kx) * t.C + j];
            ++nnz[px];
            acc += uint64_t(t.kvalid);
          }
      }
  return acc;
}

}  // namespace

TEST(SpikeAccumulate, EqualsScalarConvolutionOnRandomSpikeMasks) {
  std::mt19937 rng(19);
  int widths_seen[17] = {};
  for (int n = 0; n < 400; ++n) {
    const Case t = random_case(rng);
    const ConvGeom& g = t.g;
    // The weights as PeArray::widen_weights lays them out: taps reversed, columns >= kvalid zero.
    std::vector<int32_t> wrev(t.w.size());
    for (int row = 0; row < g.in_c * g.kh; ++row)
      for (int kx = 0; kx < g.kw; ++kx)
        for (int j = 0; j < t.C; ++j)
          wrev[(size_t(row) * g.kw + (g.kw - 1 - kx)) * t.C + j] = j < t.kvalid ? t.w[(size_t(row) * g.kw + kx) * t.C + j] : 0;
    std::vector<ConvTaps> ty(size_t(t.rows)), tx(size_t(g.in_w));
    for (int r = 0; r < t.rows; ++r) ty[size_t(r)] = conv_taps(t.y0 + r, g.pad, g.kh, g.stride, t.out_row0, t.out_row1);
    for (int x = 0; x < g.in_w; ++x) tx[size_t(x)] = conv_taps(x, g.pad, g.kw, g.stride, 0, g.out_w);
    const size_t npx = size_t(t.out_row1 - t.out_row0) * g.out_w;
    std::vector<int32_t> want(npx * t.C, 7), got(npx * t.C, 7), got_no_nnz(npx * t.C, 7);  // sums add to what is there
    std::vector<uint32_t> want_nnz(npx, 3), got_nnz(npx, 3);
    const StagedInput in = {t.bits.data(), 1, false, t.y0, t.rows, t.pitch};
    std::vector<int> scratch;
    const uint64_t acc = reference(t, want, want_nnz);
    EXPECT_EQ(accumulate_spike_band(g, in, t.out_row0, ty.data(), tx.data(), wrev.data(), t.C, t.kvalid, got.data(),
                                    got_nnz.data(), scratch), acc) << "case " << n;
    EXPECT_EQ(accumulate_spike_band(g, in, t.out_row0, ty.data(), tx.data(), wrev.data(), t.C, t.kvalid,
                                    got_no_nnz.data(), nullptr, scratch), acc) << "case " << n;
    ASSERT_EQ(got, want) << "case " << n << ": C " << t.C << " k " << g.kh << " stride " << g.stride << " pad " << g.pad;
    ASSERT_EQ(got_no_nnz, want) << "case " << n;
    ASSERT_EQ(got_nnz, want_nnz) << "case " << n;
    ++widths_seen[t.C];
  }
  EXPECT_GT(widths_seen[8], 0);   // the compiled-in widths and the run-time one were all run
  EXPECT_GT(widths_seen[16], 0);
  EXPECT_GT(widths_seen[5], 0);
}
