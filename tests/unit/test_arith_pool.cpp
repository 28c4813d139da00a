// arith::maxpool2d and avgpool2d (hw/arith/kernels.h) against a plain reading of their
// definition: every window tap, zeros where padding reaches, max or sum. The kernels take a
// path without bounds checks when every window is inside the map; both paths are covered.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "hw/arith/kernels.h"

using namespace spiketlm;

namespace {
std::vector<int32_t> by_definition(bool max, const std::vector<int32_t>& in, const tensor_shape& is, int k, int s,
                                   int pad, const tensor_shape& os) {
  std::vector<int32_t> out(size_t(os.c) * os.h * os.w);
  for (int c = 0; c < os.c; ++c)
    for (int oy = 0; oy < os.h; ++oy)
      for (int ox = 0; ox < os.w; ++ox) {
        std::vector<int32_t> taps;
        for (int ky = 0; ky < k; ++ky)
          for (int kx = 0; kx < k; ++kx) {
            const int y = oy * s + ky - pad, x = ox * s + kx - pad;
            taps.push_back(y < 0 || x < 0 || y >= is.h || x >= is.w ? 0 : in[(size_t(c) * is.h + y) * is.w + x]);
          }
        int32_t r = max ? *std::max_element(taps.begin(), taps.end()) : 0;
        if (!max)
          for (int32_t v : taps) r += v;
        out[(size_t(c) * os.h + oy) * os.w + ox] = r;
      }
  return out;
}
}  // namespace

TEST(ArithPool, EveryWindowShapeEqualsTheDefinition) {
  std::mt19937 rng(7);
  struct Case {
    int k, s, pad, h, w;
  };
  // 2x2/2 (unrolled), 3x3/2 and 3x3/1 inside the map; padded; a window past the edge without
  // padding (odd sizes with ceil-mode output); 1x1.
  const std::vector<Case> cases = {{2, 2, 0, 8, 6}, {2, 2, 0, 7, 9}, {3, 2, 0, 9, 7}, {3, 1, 0, 5, 6},
                                   {3, 2, 1, 8, 8}, {2, 2, 1, 5, 5}, {2, 1, 0, 4, 3}, {1, 1, 0, 3, 4}};
  for (const Case& t : cases)
    for (const bool spikes : {true, false}) {
      const tensor_shape is{3, t.h, t.w};
      tensor_shape os{3, (t.h + 2 * t.pad - t.k) / t.s + 1, (t.w + 2 * t.pad - t.k) / t.s + 1};
      std::vector<int32_t> in(size_t(is.c) * is.h * is.w);
      std::uniform_int_distribution<int32_t> d(spikes ? 0 : -1000, spikes ? 1 : 1000);
      for (auto& v : in) v = d(rng);
      for (const bool max : {true, false}) {
        std::vector<int32_t> out(size_t(os.c) * os.h * os.w, 12345);
        (max ? arith::maxpool2d : arith::avgpool2d)(in.data(), is, t.k, t.s, t.pad, os, out.data());
        EXPECT_EQ(out, by_definition(max, in, is, t.k, t.s, t.pad, os))
            << "k " << t.k << " stride " << t.s << " pad " << t.pad << " " << t.h << "x" << t.w << (max ? " max" : " sum");
      }
      // One more output column than fits (a window past the right edge, no padding): zeros join.
      os.w += 1;
      std::vector<int32_t> out(size_t(os.c) * os.h * os.w);
      arith::maxpool2d(in.data(), is, t.k, t.s, 0, os, out.data());
      EXPECT_EQ(out, by_definition(true, in, is, t.k, t.s, 0, os)) << "ceil k " << t.k << " " << t.h << "x" << t.w;
    }
}
