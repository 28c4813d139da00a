// spiketlm: the update loops of the LIF units. See lif_kernels.h.
#include "hw/neuron/lif_kernels.h"

#include <algorithm>
#include <limits>

namespace spiketlm {

namespace {

constexpr int64_t k_i32_min = std::numeric_limits<int32_t>::min(), k_i32_max = std::numeric_limits<int32_t>::max();

// The constants of the 32-bit loop.
struct Lif32 {
  int32_t leak;
  int leak_shift, shift;
  int32_t threshold, lo, hi;
};

// n updates in 32 bits (every intermediate fits int32): the same arithmetic as
// arith::neuron_current, lif_charge and lif_fire, branch-free over contiguous arrays, which the
// compiler turns into 4-lane SSE2 code (the file's cost model: hw/CMakeLists.txt). P: the psum
// type (SATA's int32, the IMC tile's int64), M the membrane's (SATA's int64, the IMC tile's
// int32); OneChannel: mult[0] and offs[0] for all n (an IMC
// channel's run) instead of one per update (a SATA pixel's channels). The spikes go to fired[]
// as int32 (a byte store in this loop would make the compiler take 16 lanes at a time, more than
// a tile's 8 channels, and run none of it in vectors). Returns the spikes; adds the saturations
// to *sat.
template <bool Soft, bool UnitLeak, bool OneChannel, typename P, typename M>
uint32_t fire32(const P* __restrict ps, const int32_t* __restrict mult, const int32_t* __restrict offs,
                M* __restrict m, int32_t* __restrict fired, size_t n, const Lif32 k, uint32_t* __restrict sat) {
  uint32_t spikes = 0, outside = 0;
  for (size_t c = 0; c < n; ++c) {
    const int32_t x = (int32_t(ps[c]) * mult[OneChannel ? 0 : c] + offs[OneChannel ? 0 : c]) >> k.shift;
    const int32_t v = int32_t(m[c]);
    const int32_t pre = ((UnitLeak ? v : v * k.leak) >> k.leak_shift) + x;  // UnitLeak: leak_num 1
    const int32_t s = std::min(std::max(pre, k.lo), k.hi);
    outside += s != pre;
    const int32_t f = s >= k.threshold;
    m[c] = Soft ? s - (f ? k.threshold : 0) : (f ? 0 : s);
    fired[c] = f;
    spikes += uint32_t(f);
  }
  *sat += outside;
  return spikes;
}

// The band's rows through fire32, then the spikes to bytes (one run when the rows are
// contiguous; fired holds pixels x channels). NC > 0: the channels known when compiling
// (b.channels == NC), so that a pixel's updates are a fixed number of vector steps with no
// loop or remainder around them (simulation speed; the same arithmetic).
template <bool Soft, bool UnitLeak, int NC>
LifCounts band32(const LifBand& b, const Lif32& k, int32_t* fired) {
  LifCounts n;
  const size_t nc = NC > 0 ? size_t(NC) : size_t(b.channels);
  for (int p = 0; p < b.pixels; ++p) {
    uint32_t sat = 0;
    n.spikes += fire32<Soft, UnitLeak, false>(b.psum + size_t(p) * b.psum_stride, b.mult, b.offs,
                                              b.mem + size_t(p) * b.mem_stride, fired + size_t(p) * nc, nc, k, &sat);
    n.saturations += sat;
  }
  const bool flat = b.psum_stride == nc;
  for (int p = 0; p < (flat ? 1 : b.pixels); ++p) {
    uint8_t* __restrict o = b.out + size_t(p) * b.psum_stride;
    const int32_t* __restrict f = fired + size_t(p) * nc;
    for (size_t c = 0, e = flat ? nc * size_t(b.pixels) : nc; c < e; ++c) o[c] = uint8_t(f[c]);
  }
  return n;
}

// The general loop in 64 bits, specialised by the reset (Soft) and by where a channel keeps its
// membrane (Slotted: slot[c], C#n), so that no choice is made per neuron.
template <bool Soft, bool Slotted>
LifCounts band64(const LifBand& b, arith::lif_constants k, int bits) {
  k.soft = Soft;
  const int64_t hi = (int64_t(1) << (bits - 1)) - 1, lo = -hi - 1;
  uint64_t spikes = 0, outside = 0;
  for (int p = 0; p < b.pixels; ++p) {
    const int32_t* ps = b.psum + size_t(p) * b.psum_stride;
    uint8_t* o = b.out + size_t(p) * b.psum_stride;
    int64_t* m = b.mem + size_t(p) * b.mem_stride;
    for (int c = 0; c < b.channels; ++c) {
      const int64_t x = arith::neuron_current(ps[c], b.mult[c], b.offs[c], b.shift);
      int64_t& v = m[Slotted ? b.slot[c] : c];
      const int64_t pre = arith::lif_charge(v, x, k);
      outside += (pre < lo) | (pre > hi);
      const bool f = arith::lif_fire(v, pre, k, bits);
      o[c] = f;
      spikes += f;
    }
  }
  return {spikes, outside};
}

// The largest |psum| of the band (one run when its rows are contiguous).
int64_t psum_bound(const LifBand& b) {
  const bool flat = b.psum_stride == size_t(b.channels);
  const int rows = flat ? 1 : b.pixels, n = flat ? b.pixels * b.channels : b.channels;
  int32_t lo = 0, hi = 0;
  for (int p = 0; p < rows; ++p) {
    const int32_t* __restrict ps = b.psum + size_t(p) * b.psum_stride;
    for (int c = 0; c < n; ++c) {
      lo = std::min(lo, ps[c]);
      hi = std::max(hi, ps[c]);
    }
  }
  return std::max(int64_t(hi), -int64_t(lo));
}

// Whether every intermediate fits int32: |psum| <= pmax, |multiplier| <= mmax, |offset| <= omax,
// the charge and reset range of a `bits`-bit membrane.
bool fits_int32(int64_t pmax, int64_t mmax, int64_t omax, int shift, const arith::lif_constants& k, int bits) {
  if (bits < 2 || bits > 32 || shift < 0 || shift > 31 || k.leak_shift < 0 || k.leak_shift > 31) return false;
  if (k.threshold < k_i32_min || k.threshold > k_i32_max || k.leak_num < k_i32_min || k.leak_num > k_i32_max) return false;
  if (pmax > k_i32_max || mmax > k_i32_max + int64_t(1)) return false;
  const int64_t prod = pmax * mmax;  // both <= 2^31: no overflow
  if (prod > k_i32_max || prod + omax > k_i32_max) return false;
  const int64_t xmax = prod + omax;  // |psum * mult + offset| and so |current| <= xmax
  const int64_t hi = (int64_t(1) << (bits - 1)) - 1, lo = -hi - 1;
  const int64_t a = lo * k.leak_num, c = hi * k.leak_num;  // the extremes of v * leak_num
  const int64_t vmin = std::min(a, c), vmax = std::max(a, c);
  if (vmin < k_i32_min || vmax > k_i32_max) return false;
  if ((vmin >> k.leak_shift) - xmax < k_i32_min || (vmax >> k.leak_shift) + xmax > k_i32_max) return false;
  return hi - k.threshold <= k_i32_max;  // a soft reset s - threshold, s >= threshold
}

// Whether every psum of a run lies in [-2^b, 2^b): one add and one OR per value (two-lane SSE2
// code; a 64-bit min/max has no SSE2 instruction and cost as much as the updates).
bool run_within(const int64_t* __restrict ps, size_t n, int b) {
  const uint64_t bias = uint64_t(1) << b;
  uint64_t acc = 0;
  for (size_t i = 0; i < n; ++i) acc |= uint64_t(ps[i]) + bias;
  return acc < (bias << 1);
}


}  // namespace

bool lif_band_fits_int32(const LifBand& b, const arith::lif_constants& k, int bits) {
  if (b.slot) return false;
  int64_t mmax = 0, omax = 0;
  for (int c = 0; c < b.channels; ++c) {
    mmax = std::max(mmax, std::abs(int64_t(b.mult[c])));
    omax = std::max(omax, std::abs(int64_t(b.offs[c])));
  }
  return fits_int32(psum_bound(b), mmax, omax, b.shift, k, bits);
}

bool lif_run_fits_int32(const int64_t* psum, size_t n, int32_t mult, int32_t off, int shift,
                        const arith::lif_constants& k, int bits) {
  // the widest power-of-two psum range whose every update fits (fits_int32 is monotonic in
  // the psum bound: a binary search over 2^0 .. 2^30), then one pass over the run
  const int64_t m = std::abs(int64_t(mult)), o = std::abs(int64_t(off));
  if (!fits_int32(1, m, o, shift, k, bits)) return false;
  int lo = 0, hi = 30;  // fits at 2^lo
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (fits_int32(int64_t(1) << mid, m, o, shift, k, bits)) lo = mid;
    else hi = mid - 1;
  }
  return run_within(psum, n, lo);
}

LifCounts lif_run(const int64_t* psum, size_t n, int32_t mult, int32_t off, int shift, int32_t* mem, int32_t* out,
                  const arith::lif_constants& k, int bits) {
  LifCounts c;
  if (!lif_run_fits_int32(psum, n, mult, off, shift, k, bits)) {
    const int64_t hi = (int64_t(1) << (bits - 1)) - 1, lo = -hi - 1;
    for (size_t i = 0; i < n; ++i) {
      int64_t v = mem[i];
      const int64_t pre = arith::lif_charge(v, arith::neuron_current(psum[i], mult, off, shift), k);
      c.saturations += pre < lo || pre > hi;
      out[i] = arith::lif_fire(v, pre, k, bits);
      mem[i] = int32_t(v);  // saturated to bits <= 32
      c.spikes += uint64_t(out[i]);
    }
    return c;
  }
  const int32_t hi = int32_t((int64_t(1) << (bits - 1)) - 1), lo = int32_t(-int64_t(hi) - 1);
  const Lif32 k32{int32_t(k.leak_num), k.leak_shift, shift, int32_t(k.threshold), lo, hi};
  uint32_t sat = 0;
  const bool unit = k32.leak == 1;
  c.spikes = k.soft ? (unit ? fire32<true, true, true>(psum, &mult, &off, mem, out, n, k32, &sat)
                            : fire32<true, false, true>(psum, &mult, &off, mem, out, n, k32, &sat))
                    : (unit ? fire32<false, true, true>(psum, &mult, &off, mem, out, n, k32, &sat)
                            : fire32<false, false, true>(psum, &mult, &off, mem, out, n, k32, &sat));
  c.saturations = sat;
  return c;
}

LifCounts lif_band_reference(const LifBand& b, const arith::lif_constants& k, int bits) {
  LifCounts n;
  const int64_t hi = (int64_t(1) << (bits - 1)) - 1, lo = -hi - 1;
  for (int p = 0; p < b.pixels; ++p)
    for (int c = 0; c < b.channels; ++c) {
      const size_t i = size_t(p) * b.psum_stride + size_t(c);
      const int64_t x = arith::neuron_current(b.psum[i], b.mult[c], b.offs[c], b.shift);
      int64_t& v = b.mem[size_t(p) * b.mem_stride + size_t(b.slot ? b.slot[c] : c)];
      const int64_t pre = arith::lif_charge(v, x, k);
      n.saturations += pre < lo || pre > hi;
      const bool s = arith::lif_fire(v, pre, k, bits);
      b.out[i] = s;
      n.spikes += s;
    }
  return n;
}

namespace {
// band32 for the reset and leak of the band's neurons; NC as band32's (8: SATA's array width).
template <int NC>
LifCounts band32_of(const LifBand& b, bool soft, const Lif32& k32, int32_t* f) {
  if (k32.leak == 1) return soft ? band32<true, true, NC>(b, k32, f) : band32<false, true, NC>(b, k32, f);
  return soft ? band32<true, false, NC>(b, k32, f) : band32<false, false, NC>(b, k32, f);
}
}  // namespace

LifCounts lif_band(const LifBand& b, const arith::lif_constants& k, int bits, std::vector<int32_t>& scratch) {
  if (!lif_band_fits_int32(b, k, bits)) {
    if (b.slot) return k.soft ? band64<true, true>(b, k, bits) : band64<false, true>(b, k, bits);
    return k.soft ? band64<true, false>(b, k, bits) : band64<false, false>(b, k, bits);
  }
  const int32_t hi = int32_t((int64_t(1) << (bits - 1)) - 1), lo = int32_t(-int64_t(hi) - 1);
  const Lif32 k32{int32_t(k.leak_num), k.leak_shift, b.shift, int32_t(k.threshold), lo, hi};
  scratch.resize(size_t(std::max(b.channels, 0)) * size_t(std::max(b.pixels, 0)));
  int32_t* const f = scratch.data();
  return b.channels == 8 ? band32_of<8>(b, k.soft, k32, f) : band32_of<0>(b, k.soft, k32, f);
}

}  // namespace spiketlm
