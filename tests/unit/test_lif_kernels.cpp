// The LIF units' update loops (hw/neuron/lif_kernels.h): the vectorised 32-bit loop and the
// 64-bit loops against the one-neuron-at-a-time reference (hw/arith/neuron.h's arithmetic),
// exactly (membranes, spikes, spike and saturation counts), on random bands that take each path.
#include "hw/neuron/lif_kernels.h"

#include <gtest/gtest.h>

#include <random>

using namespace spiketlm;

namespace {

struct Band {
  std::vector<int32_t> psum, mult, offs;
  std::vector<int64_t> mem;
  std::vector<int> slot;
  LifBand b;
};

Band random_band(std::mt19937& rng, int bits, bool shared) {
  auto pick = [&](int64_t lo, int64_t hi) { return lo + int64_t(rng() % uint64_t(hi - lo + 1)); };
  Band t;
  LifBand& b = t.b;
  b.pixels = int(pick(1, 30));
  b.channels = int(pick(1, 17));
  b.psum_stride = size_t(b.channels + (rng() % 2 ? 0 : pick(1, 5)));
  const int64_t pmax = rng() % 3 ? pick(1, 1 << 14) : pick(1, int64_t(1) << 30);  // large: not in 32 bits
  t.psum.resize(size_t(b.pixels) * b.psum_stride);
  for (auto& x : t.psum) x = int32_t(pick(-pmax, pmax));
  for (int c = 0; c < b.channels; ++c) {
    t.mult.push_back(int32_t(pick(-32767, 32767)));
    t.offs.push_back(int32_t(pick(-(1 << 24), 1 << 24)));
  }
  b.shift = int(pick(0, 24));
  const int64_t hi = (int64_t(1) << (bits - 1)) - 1;
  const int units = shared ? int(pick(1, b.channels)) : b.channels;
  b.mem_stride = shared ? size_t(units) : b.psum_stride;
  t.mem.resize(size_t(b.pixels) * b.mem_stride);
  for (auto& v : t.mem) v = pick(-hi - 1, hi);  // in range, as every membrane the units keep
  if (shared)
    for (int c = 0; c < b.channels; ++c) t.slot.push_back(c % units);
  return t;
}

LifCounts run(Band t, const arith::lif_constants& k, int bits, bool reference, std::vector<int64_t>& mem,
              std::vector<uint8_t>& out) {
  out.assign(t.psum.size(), 0xAA);
  t.b.psum = t.psum.data();
  t.b.mult = t.mult.data();
  t.b.offs = t.offs.data();
  t.b.mem = t.mem.data();
  t.b.slot = t.slot.empty() ? nullptr : t.slot.data();
  t.b.out = out.data();
  std::vector<int32_t> scratch;
  const LifCounts n = reference ? lif_band_reference(t.b, k, bits) : lif_band(t.b, k, bits, scratch);
  mem = t.mem;
  return n;
}

}  // namespace

TEST(LifKernels, EveryPathEqualsTheOneNeuronReference) {
  std::mt19937 rng(7);
  const int widths[] = {4, 8, 12, 16, 24, 32};
  const arith::lif_constants leaks[] = {{1, 2, 0, true}, {1, 0, 0, true}, {3, 2, 0, true}, {15, 4, 0, true}};
  int fits = 0, wide = 0, spikes = 0, sats = 0;
  for (int n = 0; n < 600; ++n) {
    const int bits = widths[rng() % 6];
    arith::lif_constants k = leaks[rng() % 4];
    k.soft = rng() % 2;
    k.threshold = 1 + int64_t(rng() % uint64_t(int64_t(1) << (bits - 2)));
    const Band t = random_band(rng, bits, rng() % 5 == 0);
    LifBand view = t.b;
    view.psum = t.psum.data();
    view.mult = t.mult.data();
    view.offs = t.offs.data();
    view.slot = t.slot.empty() ? nullptr : t.slot.data();
    (lif_band_fits_int32(view, k, bits) ? fits : wide) += 1;
    std::vector<int64_t> mem_a, mem_b;
    std::vector<uint8_t> out_a, out_b;
    const LifCounts a = run(t, k, bits, false, mem_a, out_a), b = run(t, k, bits, true, mem_b, out_b);
    ASSERT_EQ(mem_a, mem_b) << "band " << n << " bits " << bits;
    ASSERT_EQ(out_a, out_b) << "band " << n;
    ASSERT_EQ(a.spikes, b.spikes) << "band " << n;
    ASSERT_EQ(a.saturations, b.saturations) << "band " << n;
    spikes += int(a.spikes > 0);
    sats += int(a.saturations > 0);
  }
  EXPECT_GT(fits, 100);  // both paths ran, with spikes and saturations among the bands
  EXPECT_GT(wide, 100);
  EXPECT_GT(spikes, 100);
  EXPECT_GT(sats, 20);
}

TEST(LifKernels, Int32PathOnlyWhereEveryValueFits) {
  int32_t psum[2] = {40000, -3}, mult[1] = {30000}, offs[1] = {0};
  int64_t mem[2] = {0, 0};
  uint8_t out[2];
  LifBand b;
  b.psum = psum;
  b.psum_stride = 1;
  b.mult = mult;
  b.offs = offs;
  b.mem = mem;
  b.mem_stride = 1;
  b.out = out;
  b.pixels = 2;
  b.channels = 1;
  const arith::lif_constants k{1, 2, 256, true};
  EXPECT_TRUE(lif_band_fits_int32(b, k, 32));   // 40000 x 30000 = 1.2e9 < 2^31
  psum[0] = 80000;                              // 2.4e9: a 32-bit product would wrap
  EXPECT_FALSE(lif_band_fits_int32(b, k, 32));
  psum[0] = -80000;
  EXPECT_FALSE(lif_band_fits_int32(b, k, 32));
  psum[0] = 1;
  EXPECT_FALSE(lif_band_fits_int32(b, {3, 0, 256, true}, 32));  // v x 3 leaves 32 bits
  EXPECT_TRUE(lif_band_fits_int32(b, {3, 0, 256, true}, 16));
}

// lif_run (the IMC tile's layout: one channel's run, int64 psums, int32 spikes) against the
// one-neuron arithmetic of hw/arith/neuron.h, on random runs that take each path, including
// psums past int32 and multipliers whose product would wrap in 32 bits.
TEST(LifKernels, ChannelRunEqualsTheOneNeuronArithmetic) {
  std::mt19937_64 rng(11);
  auto pick = [&](int64_t lo, int64_t hi) { return lo + int64_t(rng() % uint64_t(hi - lo + 1)); };
  const int widths[] = {4, 8, 16, 24, 32};
  const arith::lif_constants leaks[] = {{1, 2, 0, true}, {1, 0, 0, true}, {3, 2, 0, true}, {15, 4, 0, true}};
  int fits = 0, wide = 0, spikes = 0, sats = 0;
  for (int r = 0; r < 800; ++r) {
    const int bits = widths[rng() % 5];
    arith::lif_constants k = leaks[rng() % 4];
    k.soft = rng() % 2;
    k.threshold = 1 + int64_t(rng() % uint64_t(int64_t(1) << (bits - 2)));
    const size_t n = size_t(pick(1, 70));
    const int64_t pmax = r % 3 ? pick(1, 1 << 14) : pick(1, int64_t(1) << 40);
    std::vector<int64_t> psum(n);
    std::vector<int32_t> mem(n);
    const int64_t hi = (int64_t(1) << (bits - 1)) - 1;
    for (size_t i = 0; i < n; ++i) {
      psum[i] = pick(-pmax, pmax);
      mem[i] = int32_t(pick(-hi - 1, hi));
    }
    const int32_t mult = int32_t(pick(-32767, 32767)), off = int32_t(pick(-(1 << 24), 1 << 24));
    const int shift = int(pick(0, 24));
    (lif_run_fits_int32(psum.data(), n, mult, off, shift, k, bits) ? fits : wide) += 1;
    std::vector<int64_t> want_mem(mem.begin(), mem.end());
    std::vector<int32_t> want(n), got(n, 7);
    LifCounts w;
    for (size_t i = 0; i < n; ++i) {
      const int64_t pre = arith::lif_charge(want_mem[i], arith::neuron_current(psum[i], mult, off, shift), k);
      w.saturations += pre < -hi - 1 || pre > hi;
      want[i] = arith::lif_fire(want_mem[i], pre, k, bits);
      w.spikes += uint64_t(want[i]);
    }
    const LifCounts g = lif_run(psum.data(), n, mult, off, shift, mem.data(), got.data(), k, bits);
    ASSERT_EQ(std::vector<int64_t>(mem.begin(), mem.end()), want_mem) << "run " << r;
    ASSERT_EQ(got, want) << "run " << r;
    ASSERT_EQ(g.spikes, w.spikes) << "run " << r;
    ASSERT_EQ(g.saturations, w.saturations) << "run " << r;
    spikes += int(g.spikes > 0);
    sats += int(g.saturations > 0);
  }
  EXPECT_GT(fits, 150);
  EXPECT_GT(wide, 150);
  EXPECT_GT(spikes, 150);
  EXPECT_GT(sats, 30);
}
