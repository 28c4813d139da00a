// The IMC datapath's crossbar reads (hw/imc/xbar_read.cpp) of multi-bit inputs on exact-sum
// PEs: the partial sums taken by value (in int32 or int64) and the counts taken for every
// plane at once equal those of the plane loop through the PEs (the general path,
// ImcDatapath::Config::plane_loop), on layers that cover their edges: padding, strides,
// several row groups and channel ranges, several column groups, kernels larger than the PE,
// 1 x 1 kernels, linear layers (one crossbar per PE and packed), signed and unsigned values,
// 2 to 32 planes (int16 values or not), empty planes and an empty map.
#include <gtest/gtest.h>

#include <climits>
#include <memory>
#include <random>

#include "hw/imc/imc_datapath.h"
#include "tests/helpers.h"

using namespace spiketlm;

namespace {

struct Case {
  const char* name;
  bool linear;
  int in_c, in_h, in_w, out_c, k, stride, pad;
  int planes;
  bool is_signed;
  double rate;  // share of non-zero values
  bool packed = false;
};

struct Chip {
  Context ctx;
  std::unique_ptr<ImcTile> tile;
  std::unique_ptr<HTree> noc;
  explicit Chip(const char* adc_bits = nullptr) {
    ctx.tech.load_file(test::source_dir() + "/platforms/tech/spikesim_65nm.yaml");
    if (adc_bits) ctx.params.set("tile.pe.adc.bits", adc_bits, "test");
    tile = std::make_unique<ImcTile>("tile", ctx);
    noc = std::make_unique<HTree>("noc", ctx);
  }
};

LayerCmd layer_of(const Case& c) {
  LayerCmd L;
  L.op = c.linear ? OP_LINEAR : OP_CONV;
  ConvGeom& g = L.g;
  g.in_c = c.in_c;
  g.in_h = c.in_h;
  g.in_w = c.in_w;
  g.out_c = c.out_c;
  g.kh = g.kw = c.linear ? 1 : c.k;
  g.stride = c.stride;
  g.pad = c.pad;
  g.out_h = c.linear ? 1 : (c.in_h + 2 * c.pad - c.k) / c.stride + 1;
  g.out_w = c.linear ? 1 : (c.in_w + 2 * c.pad - c.k) / c.stride + 1;
  return L;
}

// Values of `planes` bits (signed: two's complement), a share `rate` of them non-zero; the
// first value has every plane bit set (the extremes of the range reach the planes' edges).
ImcMaps input_of(const Case& c, std::mt19937& g) {
  ImcMaps in;
  in.c = c.in_c;
  in.h = c.in_h;
  in.w = c.in_w;
  in.planes = c.planes;
  in.is_signed = c.is_signed;
  const int64_t lo = c.is_signed ? -(int64_t(1) << (c.planes - 1)) : 0;
  const int64_t hi = c.is_signed ? (int64_t(1) << (c.planes - 1)) - 1 : (int64_t(1) << c.planes) - 1;
  std::uniform_int_distribution<int64_t> v(lo, hi);
  std::bernoulli_distribution on(c.rate);
  std::vector<int32_t> x(in.size(), 0);
  for (auto& e : x)
    if (on(g)) e = int32_t(v(g));
  if (c.rate > 0) x[0] = c.is_signed ? int32_t(lo) : int32_t(uint32_t(hi));
  in.t.push_back(std::move(x));
  return in;
}

imc::LayerMap map_of(ImcPe& pe, const Case& c, const LayerCmd& L) {
  imc::MapConfig mc;
  mc.wcols = pe.xbar().weight_cols();
  mc.kernel = pe.kernel();
  mc.linear_packed = c.packed;
  return imc::map_layer(imc::LayerShape{"l", c.linear, L.g.in_c, L.g.kh, L.g.kw, L.g.out_c}, mc);
}

// Random weights in the runtime's tiled layout [ceil(K / wcols)][W][wcols].
std::vector<int8_t> weights_of(ImcPe& pe, const imc::LayerMap& m, const LayerCmd& L, std::mt19937& g) {
  std::uniform_int_distribution<int> wd(int(pe.xbar().cells().wmin()), int(pe.xbar().cells().wmax()));
  std::vector<int8_t> w(size_t(m.col_groups) * L.g.w_dim() * size_t(m.wcols));
  for (auto& e : w) e = int8_t(wd(g));
  return w;
}

void check(const Case& c) {
  SCOPED_TRACE(c.name);
  Chip chip;
  ImcPe& pe = chip.tile->pe();
  LayerCmd L = layer_of(c);
  const imc::LayerMap m = map_of(pe, c, L);
  std::mt19937 g(7);
  const std::vector<int8_t> w = weights_of(pe, m, L, g);
  ImcDatapath::Config fast_cfg, ref_cfg;
  ref_cfg.plane_loop = true;
  ImcDatapath fast(*chip.tile, *chip.noc, fast_cfg), ref(*chip.tile, *chip.noc, ref_cfg);
  ImcLayerProgram P;
  uint64_t index = 0;
  fast.program(L, m, w, index, P);
  std::vector<const XbarProgram*> xs;
  for (size_t i = 0; i < P.index.size(); ++i) xs.push_back(P.at(i));  // by slot (LayerMap::slot)
  for (int q = 0; q < m.col_groups; ++q)  // every PE's reads are exact sums: the by-value reads
    for (int gi = 0; gi < m.row_groups; ++gi)
      ASSERT_TRUE(pe.exact_sums(xs.data() + m.slot(q, gi, 0), int(m.groups[size_t(gi)].size())));
  const ImcMaps in = input_of(c, g);
  std::vector<int64_t> pf, pr;
  ImcCounts cf, cr;
  fast.read(L, P, in, 0, pf, cf);
  ref.read(L, P, in, 0, pr, cr);
  EXPECT_EQ(pf, pr);
  EXPECT_EQ(cf.pe_cycles, cr.pe_cycles);
  EXPECT_EQ(cf.active_pe_cycles, cr.active_pe_cycles);
  EXPECT_EQ(cf.xbar_reads, cr.xbar_reads);
  EXPECT_EQ(cf.active_xbar_reads, cr.active_xbar_reads);
  EXPECT_EQ(cf.accumulates, cr.accumulates);
  EXPECT_EQ(cf.active_by_group, cr.active_by_group);
  if (c.rate > 0) {
    EXPECT_GT(cr.active_pe_cycles, 0u);
  } else {
    EXPECT_EQ(cr.active_xbar_reads, 0u);
  }
  EXPECT_GT(cr.pe_cycles, 0u);
}

}  // namespace

TEST(ImcRead, ByValueSumsAndCountsEqualThePlaneLoopOnConvolutions) {
  check({"3x3 pad 1, one channel, 8 unsigned planes", false, 1, 12, 12, 16, 3, 1, 1, 8, false, 0.6});
  check({"3x3 pad 1 stride 2, two row and column groups, signed", false, 100, 9, 7, 80, 3, 2, 1, 4, true, 0.3});
  check({"5x5 kernel on a 3x3 PE, pad 2", false, 5, 8, 6, 10, 5, 1, 2, 3, false, 0.2});
  check({"1x1 kernel, 130 channels", false, 130, 4, 5, 7, 1, 1, 0, 2, false, 0.1});
  check({"3x3 no padding, sparse", false, 3, 6, 6, 4, 3, 1, 0, 6, true, 0.02});
}

TEST(ImcRead, ByValueSumsAndCountsEqualThePlaneLoopOnLinearLayersAndEdges) {
  check({"linear, one crossbar per PE", true, 150, 1, 1, 10, 1, 1, 0, 8, false, 0.5});
  Case packed{"linear packed into the PE's crossbars", true, 700, 1, 1, 70, 1, 1, 0, 5, true, 0.3};
  packed.packed = true;
  check(packed);
  check({"32 signed planes", false, 2, 5, 5, 3, 3, 1, 1, 32, true, 0.5});
  check({"31 unsigned planes", false, 2, 5, 5, 3, 3, 1, 1, 31, false, 0.5});
  check({"an empty map", false, 4, 5, 5, 3, 3, 1, 1, 8, false, 0.0});
}

// A convolution's partial sums computed here: psum[k npx + p] over the tiled weights.
std::vector<int64_t> conv_reference(const LayerCmd& L, const std::vector<int8_t>& w, int wcols, const std::vector<int32_t>& x) {
  const ConvGeom& g = L.g;
  const uint64_t W = g.w_dim();
  std::vector<int64_t> out(size_t(g.out_c) * g.npx(), 0);
  for (int k = 0; k < g.out_c; ++k)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int c = 0; c < g.in_c; ++c)
          for (int ky = 0; ky < g.kh; ++ky)
            for (int kx = 0; kx < g.kw; ++kx) {
              const int iy = oy * g.stride + ky - g.pad, ix = ox * g.stride + kx - g.pad;
              if (iy < 0 || ix < 0 || iy >= g.in_h || ix >= g.in_w) continue;
              const uint64_t row = uint64_t(c) * g.kh * g.kw + uint64_t(ky) * g.kw + uint64_t(kx);
              const int8_t wv = w[((uint64_t(k / wcols) * W) + row) * uint64_t(wcols) + uint64_t(k % wcols)];
              out[size_t(k) * g.npx() + size_t(oy) * g.out_w + size_t(ox)] +=
                  int64_t(wv) * x[(size_t(c) * g.in_h + size_t(iy)) * g.in_w + size_t(ix)];
            }
  return out;
}

TEST(ImcRead, ExactAndLevelRowGroupsAddUpToTheConvolution) {
  // 66 input channels: row group 0 (64 channels x 9 crossbars) can exceed a 15-bit ADC's full
  // scale and reads through the levels and the ADC; row group 1 (2 channels) cannot and reads
  // as exact sums. At a low spike rate nothing clips, so the tile's sum of both kinds of
  // reads is the convolution; on the default 17-bit ADC every read is an exact sum.
  for (const char* bits : {"15", "17"}) {
    SCOPED_TRACE(bits);
    Chip chip(bits);
    ImcPe& pe = chip.tile->pe();
    const Case c{"66 channels", false, 66, 7, 6, 70, 3, 1, 1, 1, false, 0.05};
    LayerCmd L = layer_of(c);
    const imc::LayerMap m = map_of(pe, c, L);
    ASSERT_EQ(m.row_groups, 2);
    std::mt19937 g(3);
    const std::vector<int8_t> w = weights_of(pe, m, L, g);
    ImcDatapath dp(*chip.tile, *chip.noc, ImcDatapath::Config{});
    ImcLayerProgram P;
    uint64_t index = 0;
    dp.program(L, m, w, index, P);
    std::vector<const XbarProgram*> xs;
    for (size_t i = 0; i < P.index.size(); ++i) xs.push_back(P.at(i));  // by slot
    EXPECT_EQ(pe.exact_sums(xs.data() + m.slot(0, 0, 0), 9), std::string(bits) == "17");
    EXPECT_TRUE(pe.exact_sums(xs.data() + m.slot(0, 1, 0), 9));
    const ImcMaps in = input_of(c, g);
    std::vector<int64_t> psum;
    ImcCounts cnt;
    dp.read(L, P, in, 0, psum, cnt);
    EXPECT_EQ(psum, conv_reference(L, w, m.wcols, in.t[0]));
    EXPECT_GT(cnt.active_by_group[0], 0u);
    EXPECT_GT(cnt.active_by_group[1], 0u);
    EXPECT_EQ(pe.adc().find_stat("clipped")->count, 0u);
  }
}
