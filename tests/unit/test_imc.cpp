// IMC units: crossbar offset encoding, the PE's ideal read (exact integer dot products over
// random weights and spikes, parallel and bit-sliced cells), ADC clipping and quantisation,
// the non-ideality seam (current path == integer path for ideal currents), the mapping.
#include <gtest/gtest.h>

#include <cmath>

#include <algorithm>
#include <random>

#include "hw/imc/mapping.h"
#include "hw/imc/pe.h"
#include "tests/helpers.h"

using namespace spiketlm;

namespace {

struct PeFixture {
  Context ctx;
  std::unique_ptr<ImcPe> pe;
  using KV = std::vector<std::pair<std::string, std::string>>;
  explicit PeFixture(const KV& params = KV()) {
    ctx.tech.load_file(test::source_dir() + "/platforms/tech/spikesim_65nm.yaml");
    for (const auto& kv : params) ctx.params.set(kv.first, kv.second, "test");
    pe = std::make_unique<ImcPe>("pe", ctx);
  }
};

struct Layer {
  int rows, cols, nx;
  std::vector<int8_t> w;                 // [nx][rows][cols]
  std::vector<XbarProgram> progs;
};

Layer random_layer(std::mt19937& g, int nx, int rows, int cols, const CellConfig& c) {
  Layer L{rows, cols, nx, {}, {}};
  std::uniform_int_distribution<int> d(int(c.wmin()), int(c.wmax()));
  L.w.resize(size_t(nx) * rows * cols);
  for (auto& v : L.w) v = int8_t(d(g));
  L.progs.resize(size_t(nx));
  for (int i = 0; i < nx; ++i)
    L.progs[size_t(i)].program(L.w.data() + size_t(i) * rows * cols, rows, cols, cols, c, "test");
  return L;
}

// Independent dot products: sum over crossbars and active rows of w.
std::vector<int64_t> dot(const Layer& L, const std::vector<uint64_t>& masks, int nw) {
  std::vector<int64_t> o(size_t(L.cols), 0);
  for (int i = 0; i < L.nx; ++i)
    for (int r = 0; r < L.rows; ++r)
      if ((masks[size_t(i) * nw + r / 64] >> (r % 64)) & 1)
        for (int j = 0; j < L.cols; ++j) o[size_t(j)] += L.w[(size_t(i) * L.rows + r) * L.cols + j];
  return o;
}

void check_exact(PeFixture& f, int seed) {
  std::mt19937 g(static_cast<uint32_t>(seed));
  const CellConfig& c = f.pe->xbar().cells();
  const int rows = f.pe->xbar().rows(), cols = f.pe->xbar().weight_cols(), nx = f.pe->xbars();
  const int nw = (rows + 63) / 64;
  Layer L = random_layer(g, nx, rows, cols, c);
  std::vector<const XbarProgram*> xs;
  for (auto& p : L.progs) xs.push_back(&p);
  PeScratch s;
  for (double rate : {0.0, 0.05, 0.3, 1.0}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<uint64_t> masks(size_t(nx) * nw, 0);
      std::bernoulli_distribution b(rate);
      for (int i = 0; i < nx; ++i)
        for (int r = 0; r < rows; ++r)
          if (b(g)) masks[size_t(i) * nw + r / 64] |= uint64_t(1) << (r % 64);
      std::vector<int64_t> out(size_t(cols), 0);
      f.pe->read(xs.data(), masks.data(), nw, nx, out.data(), 1, s);
      EXPECT_EQ(out, dot(L, masks, nw)) << "rate " << rate;
      // Bit-serial use: a plane scale multiplies the result.
      std::vector<int64_t> o2(size_t(cols), 0);
      f.pe->read(xs.data(), masks.data(), nw, nx, o2.data(), -128, s);
      for (int j = 0; j < cols; ++j) EXPECT_EQ(o2[size_t(j)], -128 * out[size_t(j)]);
    }
  }
  EXPECT_EQ(f.pe->adc().find_stat("clipped")->count, 0u);
}

}  // namespace

// The program holds one byte per weight when the cell levels are the weights' own code bits
// (offset encoding, one slice: issue 19's setup memory), and its column sums are those of the
// offset codes computed here from encode_weight(): acc[j] = sum of codes of the active rows,
// negc[j] = active rows with a negative weight. Other encodings keep their levels as well.
TEST(ImcCrossbar, DirectProgramHoldsOneBytePerWeightAndSumsTheOffsetCodes) {
  for (int wb : {8, 5}) {
    CellConfig c;
    c.weight_bits = wb;
    const int rows = 100, wc = 37;
    std::mt19937 rng{uint32_t(wb)};
    std::vector<int8_t> w(size_t(rows) * wc);
    for (auto& v : w) v = int8_t(int(c.wmin()) + int(rng() % uint32_t(c.wmax() - c.wmin() + 1)));
    XbarProgram x;
    x.program(w.data(), rows, wc, wc, c, "test");
    EXPECT_TRUE(x.direct());
    EXPECT_EQ(x.bytes(), uint64_t(rows) * wc);  // the weights alone
    const uint64_t mask[2] = {rng() | (uint64_t(rng()) << 32), uint64_t(rng()) & ((uint64_t(1) << 36) - 1)};
    std::vector<int32_t> acc(size_t(wc), 0), negc(size_t(wc), 0), eacc(size_t(wc), 0), enegc(size_t(wc), 0);
    int eactive = 0;
    for (int r = 0; r < rows; ++r) {
      if (!((mask[r / 64] >> (r % 64)) & 1)) continue;
      ++eactive;
      for (int j = 0; j < wc; ++j) {
        uint32_t code = 0;
        bool n = false;
        ASSERT_TRUE(encode_weight(w[size_t(r) * wc + size_t(j)], c, code, n));
        eacc[size_t(j)] += int32_t(code);
        enegc[size_t(j)] += n;
      }
    }
    EXPECT_EQ(accumulate_levels(x, mask, acc.data(), negc.data()), eactive);
    EXPECT_EQ(acc, eacc) << "weight_bits " << wb;
    EXPECT_EQ(negc, enegc) << "weight_bits " << wb;
    // Without acc (a non-ideal column's read): the same negative counts and active rows.
    std::vector<int32_t> negc_only(size_t(wc), 0);
    EXPECT_EQ(accumulate_levels(x, mask, nullptr, negc_only.data()), eactive);
    EXPECT_EQ(negc_only, enegc) << "weight_bits " << wb;
    CellConfig f = c;
    f.encoding = WeightEncoding::flip;
    XbarProgram y;
    y.program(w.data(), rows, wc, wc, f, "test");
    EXPECT_FALSE(y.direct());
    EXPECT_EQ(y.level.size(), size_t(rows) * wc);
    for (WeightEncoding e : {WeightEncoding::flip, WeightEncoding::differential}) {
      f.encoding = e;
      std::vector<int8_t> wz = w;  // differential holds -max_code..max_code
      for (auto& v : wz) v = int8_t(std::max<int64_t>(v, f.wmin()));
      XbarProgram z;
      z.program(wz.data(), rows, wc, wc, f, "test");
      std::vector<int32_t> a(size_t(z.pcols), 0), n1(size_t(wc), 0), n2(size_t(wc), 0);
      EXPECT_EQ(accumulate_levels(z, mask, a.data(), n1.data()), eactive);
      EXPECT_EQ(accumulate_levels(z, mask, nullptr, n2.data()), eactive);
      EXPECT_EQ(n2, n1) << "encoding " << int(e);
      if (e == WeightEncoding::flip) {
        EXPECT_EQ(n1, enegc);  // the sign stays digital
      }
    }
  }
}

// The count a non-ideal read takes (accumulate_levels without acc: sixteen columns per SSE2
// step, then one at a time) equals the negatives counted here, on shapes with and without a
// remainder of columns and with more than 255 negatives in a column.
TEST(ImcCrossbar, NegativeCountsWithoutLevelsOnEveryShape) {
  CellConfig c;
  std::mt19937 rng{7};
  for (auto [rows, wc] : std::vector<std::pair<int, int>>{{1, 1}, {64, 64}, {300, 17}, {600, 300}, {520, 513}}) {
    std::vector<int8_t> w(size_t(rows) * size_t(wc));
    for (auto& v : w) v = int8_t(int(rng() % 256) - 128);
    XbarProgram x;
    x.program(w.data(), rows, wc, wc, c, "test");
    const int nw = (rows + 63) / 64;
    for (int all = 0; all < 2; ++all) {
      std::vector<uint64_t> mask(size_t(nw), 0);
      for (int r = 0; r < rows; ++r)
        if (all || rng() % 3) mask[size_t(r / 64)] |= uint64_t(1) << (r % 64);
      std::vector<int32_t> expect(size_t(wc), 0), got(size_t(wc), 0);
      int active = 0;
      for (int r = 0; r < rows; ++r) {
        if (!((mask[size_t(r / 64)] >> (r % 64)) & 1)) continue;
        ++active;
        for (int j = 0; j < wc; ++j) expect[size_t(j)] += w[size_t(r) * size_t(wc) + size_t(j)] < 0;
      }
      EXPECT_EQ(accumulate_levels(x, mask.data(), nullptr, got.data()), active) << rows << "x" << wc;
      EXPECT_EQ(got, expect) << rows << "x" << wc << (all ? " all rows" : " some rows");
    }
  }
}

TEST(ImcCrossbar, OffsetEncodingStoresEverySignedWeight) {
  for (int cb : {0, 1, 2, 3, 7}) {
    CellConfig c;
    c.bit_sliced = cb > 0;
    c.cell_bits = cb > 0 ? cb : 1;
    std::vector<int8_t> w;
    for (int v = -128; v <= 127; ++v) w.push_back(int8_t(v));
    XbarProgram x;
    x.program(w.data(), 256, 1, 1, c, "test");
    for (int r = 0; r < 256; ++r) {
      EXPECT_EQ(stored_weight(x, r, 0, c), r - 128) << "cell_bits " << cb;
      const uint32_t code = x.level_at(r, 0);  // first slice
      if (cb == 0) {
        // SpikeSim's offset encoding: a negative w is stored as w + 2^7, its sign digitally.
        EXPECT_EQ(int(code), r - 128 < 0 ? r - 128 + 128 : r - 128);
        EXPECT_EQ(x.negative(r, 0), r < 128);
      }
    }
    EXPECT_EQ(x.pcols, c.slices());
  }
}

TEST(ImcCrossbar, AWeightOutsideTheCellRangeIsAnError) {
  CellConfig c;
  c.weight_bits = 4;  // codes 0..7, weights -8..7
  int8_t w[2] = {7, 8};
  XbarProgram x;
  try {
    x.program(w, 2, 1, 1, c, "chip.xbar");
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_EQ(error_text(e), "spiketlm/imc: chip.xbar: weight 8 does not fit weight_bits 4 (range -8..7)");
  }
}

TEST(ImcPe, IdealParallelCellsGiveTheExactDotProduct) {
  PeFixture f;
  check_exact(f, 1);
}

TEST(ImcPe, IdealBitSlicedCellsGiveTheExactDotProduct) {
  for (int cb : {1, 2, 3}) {
    PeFixture f(PeFixture::KV{{"pe.xbar.cells", "bit_sliced"}, {"pe.xbar.cell_bits", std::to_string(cb)}});
    EXPECT_EQ(f.pe->xbar().weight_cols(), 64 / ((7 + cb - 1) / cb));
    check_exact(f, 10 + cb);
  }
}

TEST(ImcPe, LargerCrossbarsAndOddShapesStayExact) {
  PeFixture f(PeFixture::KV{{"pe.xbar.rows", "100"}, {"pe.xbar.cols", "24"}, {"pe.kernel", "2"}});
  check_exact(f, 5);
}

TEST(ImcPe, EveryColumnCountSumsExactly) {
  // The exact path adds a row's weights 16, then 8 columns at a time, then one by one: widths
  // on both sides of each step.
  for (int cols : {1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 33, 40, 47}) {
    PeFixture f(PeFixture::KV{{"pe.xbar.cols", std::to_string(cols)}, {"pe.kernel", "2"}});
    ASSERT_EQ(f.pe->xbar().weight_cols(), cols);
    check_exact(f, 20 + cols);
  }
}

TEST(ImcAdc, ClipsAtFullScaleAndRounds) {
  AdcConfig a;
  a.bits = 4;
  bool cl = false;
  EXPECT_EQ(a.convert_units(15, cl), 15);
  EXPECT_FALSE(cl);
  EXPECT_EQ(a.convert_units(16, cl), 15);
  EXPECT_TRUE(cl);
  a.lsb_units = 2.5;  // levels 0, 2.5, 5, 7.5 ...; digital values rounded to integers
  EXPECT_EQ(a.convert_units(7, cl), 8);    // 7 / 2.5 = 2.8 -> level 3 -> 7.5 -> 8
  EXPECT_EQ(a.convert_units(6, cl), 5);    // 2.4 -> 2 -> 5
  EXPECT_EQ(a.convert_units(100, cl), 38); // level 40 > 15: clipped at 15 -> 37.5 -> 38
  EXPECT_TRUE(cl);
  EXPECT_EQ(a.convert_current(7.0e-6, 1e-6, cl), 8);
}

// round_half_away() is std::llround: on every quarter and its neighbouring doubles over
// [-4000, 4000], halves just below 2^52 (where the fraction is still representable), integers
// up to 2^62 and random doubles of every magnitude.
TEST(ImcAdc, InlineRoundingEqualsLlround) {
  std::vector<double> xs;
  for (int k = -16000; k <= 16000; ++k) {
    const double x = k / 4.0;
    xs.insert(xs.end(), {x, std::nextafter(x, 1e300), std::nextafter(x, -1e300)});
  }
  for (double big : {4503599627370495.5, -4503599627370495.5, 2251799813685247.5, 4503599627370496.0,
                     9007199254740993.0, 4.611686018427388e18, -4.611686018427388e18, 0.49999999999999994, -0.0})
    xs.push_back(big);
  std::mt19937_64 rng{3};
  for (int i = 0; i < 100000; ++i) {
    const double m = std::ldexp(double(rng() >> 11) / 9007199254740992.0, int(rng() % 62));
    xs.push_back(rng() & 1 ? m : -m);
  }
  for (double x : xs) ASSERT_EQ(round_half_away(x), std::llround(x)) << std::hexfloat << x;
}

// convert_current() equals the library rounding it replaced (llround of amps / lsb, negative
// levels to 0, clipped above full scale, then llround of level x lsb_units), for both LSBs.
TEST(ImcAdc, ConvertCurrentEqualsTheLlroundFormula) {
  std::mt19937_64 rng{5};
  for (double lsb_units : {1.0, 2.5, 0.37}) {
    AdcConfig a;
    a.bits = 6;
    a.lsb_units = lsb_units;
    const double unit = 2.6e-6;
    for (int i = 0; i < 200000; ++i) {
      const double q = (double(rng() % 200000) / 1000.0 - 20.0) * (rng() % 4 ? 1.0 : 0.999999999);
      const double amps = q * lsb_units * unit;
      int64_t lv = std::llround(amps / (lsb_units * unit));
      if (lv < 0) lv = 0;
      const bool eclip = lv > a.max_level();
      if (eclip) lv = a.max_level();
      bool cl = false;
      ASSERT_EQ(a.convert_current(amps, unit, cl), std::llround(double(lv) * lsb_units)) << amps << " lsb " << lsb_units;
      ASSERT_EQ(cl, eclip) << amps;
    }
  }
}

TEST(ImcAdc, ALowResolutionPeClipsColumnSums) {
  // 4-bit ADC, auto full scale (15 level steps): column sums above 15 clip; the digital side
  // still subtracts 2^7 for each active negative weight.
  PeFixture f(PeFixture::KV{{"pe.adc.bits", "4"}, {"pe.kernel", "1"}});
  const CellConfig& c = f.pe->xbar().cells();
  std::vector<int8_t> w(64 * 64);
  for (int r = 0; r < 64; ++r)
    for (int j = 0; j < 64; ++j) w[size_t(r) * 64 + j] = int8_t(j % 2 ? -(r % 5) : (r % 7));
  XbarProgram x;
  x.program(w.data(), 64, 64, 64, c, "t");
  const XbarProgram* xs[1] = {&x};
  uint64_t mask = 0x00000000000000FFull;  // rows 0..7
  std::vector<int64_t> out(64, 0);
  PeScratch s;
  f.pe->read(xs, &mask, 1, 1, out.data(), 1, s);
  for (int j = 0; j < 64; ++j) {
    int64_t code_sum = 0, neg = 0;
    for (int r = 0; r < 8; ++r) {
      const int v = w[size_t(r) * 64 + j];
      code_sum += v < 0 ? v + 128 : v;
      neg += v < 0;
    }
    EXPECT_EQ(out[size_t(j)], std::min<int64_t>(code_sum, 15) - 128 * neg) << j;
  }
  EXPECT_GT(f.pe->adc().find_stat("clipped")->count, 0u);
}

namespace {
// A column model on the current path (exact() false) with ideal currents: the seam.
class CurrentPathIdeal : public IdealColumn {
 public:
  using IdealColumn::IdealColumn;
  bool exact() const override { return false; }
};
SPIKETLM_REGISTER_KIND(CurrentPathIdeal, "test.column.current", "imc_column", "test: ideal currents through the ADC");
}  // namespace

TEST(ImcPe, TheCurrentPathThroughTheAdcEqualsTheIntegerPath) {
  PeFixture f(PeFixture::KV{{"pe.column.kind", "test.column.current"}});
  EXPECT_FALSE(f.pe->column().exact());
  check_exact(f, 3);
}

TEST(ImcPe, TheLevelPathAndTheWeightSumAgreeBelowFullScale) {
  // A 15-bit ADC: nine crossbars' column sums could exceed its full scale, so reads go through
  // the levels, the ADC and the shift-and-add (exact_sums false); at low input rates nothing
  // clips and the result is the exact dot product, as on the 17-bit default, whose reads take
  // the weight-sum shortcut (exact_sums true).
  std::mt19937 g(11);
  const int rows = 64, cols = 64, nx = 9, nw = 1;
  Layer L = random_layer(g, nx, rows, cols, CellConfig{});
  std::vector<const XbarProgram*> xs;
  int64_t bound = 0;
  for (auto& p : L.progs) {
    xs.push_back(&p);
    bound += p.max_col_sum;
  }
  ASSERT_GT(bound, (int64_t(1) << 15) - 1);
  std::vector<std::vector<uint64_t>> masks;
  for (double rate : {0.02, 0.1, 0.3}) {
    std::bernoulli_distribution b(rate);
    masks.emplace_back(size_t(nx) * nw, 0);
    for (int i = 0; i < nx; ++i)
      for (int r = 0; r < rows; ++r)
        if (b(g)) masks.back()[size_t(i)] |= uint64_t(1) << r;
  }
  for (const char* bits : {"15", "17"}) {
    PeFixture f(PeFixture::KV{{"pe.adc.bits", bits}});
    EXPECT_EQ(f.pe->exact_sums(xs.data(), nx), std::string(bits) == "17");
    PeScratch s;
    for (const auto& m : masks) {
      std::vector<int64_t> out(size_t(cols), 0), ref = dot(L, m, nw);
      f.pe->read(xs.data(), m.data(), nw, nx, out.data(), 3, s);
      for (auto& v : ref) v *= 3;
      EXPECT_EQ(out, ref) << bits << " bits";
    }
    EXPECT_EQ(f.pe->adc().find_stat("clipped")->count, 0u);
    EXPECT_EQ(f.pe->adc().find_stat("conversions")->count, uint64_t(masks.size()) * cols);
  }
}

TEST(ImcMapping, SpikeSimCountsForVgg9) {
  imc::MapConfig c;
  std::vector<imc::LayerShape> L = {{"c1", false, 3, 3, 3, 64},     {"c2", false, 64, 3, 3, 64},
                                    {"c3", false, 64, 3, 3, 128},  {"c4", false, 128, 3, 3, 128},
                                    {"c5", false, 128, 3, 3, 256}, {"c6", false, 256, 3, 3, 256},
                                    {"c7", false, 256, 3, 3, 256}, {"fc1", true, 4096, 1, 1, 1024},
                                    {"fc2", true, 1024, 1, 1, 10}};
  const auto m = imc::map_network(L, c);
  const int pes[] = {1, 1, 2, 4, 8, 16, 16, 64 * 16, 16};
  for (size_t i = 0; i < L.size(); ++i) EXPECT_EQ(m.layers[i].pes, pes[i]) << L[i].name;
  EXPECT_EQ(m.pes, 1088);
  EXPECT_EQ(m.tiles, 136);
  EXPECT_EQ(m.layers[7].first_tile, 6);   // PEs 48.. of fc1
  // Packed linear rows: ceil(4096 / 576) x 16 PEs.
  c.linear_packed = true;
  EXPECT_EQ(imc::map_layer(L[7], c).pes, 8 * 16);
  // One layer per tile: every layer starts a new tile.
  c.linear_packed = false;
  c.layer_per_tile = true;
  const auto t = imc::map_network(L, c);
  EXPECT_EQ(t.tiles, 1 + 1 + 1 + 1 + 1 + 2 + 2 + 128 + 2);
  // Utilisation: conv1 uses 3 rows x 64 columns of its 9 crossbars.
  EXPECT_EQ(imc::map_layer(L[0], imc::MapConfig{}).cells_used, 9u * 3 * 64);
}

// XbarProgram::weight (the exact read path's table) is filled from the codes, not re-read from
// the levels: every in-range weight must come back as itself, in every encoding and cell
// layout, equal to stored_weight() from the levels, and max_col_sum must be the largest column
// sum of levels counted here cell by cell.
TEST(ImcCrossbar, WeightTableAndColumnBoundMatchTheLevels) {
  for (WeightEncoding e : {WeightEncoding::offset, WeightEncoding::flip, WeightEncoding::differential})
    for (int wb : {8, 5})
      for (int cb : {0, 1, 2, 3}) {
        CellConfig c;
        c.weight_bits = wb;
        c.encoding = e;
        c.bit_sliced = cb > 0;
        c.cell_bits = cb > 0 ? cb : 1;
        const int rows = 37, wc = 5;
        std::vector<int8_t> w(size_t(rows) * wc);
        std::mt19937 rng(uint32_t(wb * 16 + cb));
        for (auto& v : w) v = int8_t(int(c.wmin()) + int(rng() % uint32_t(c.wmax() - c.wmin() + 1)));
        w[0] = int8_t(c.wmin());
        w[1] = int8_t(c.wmax());
        XbarProgram x;
        x.program(w.data(), rows, wc, wc, c, "test");
        int64_t best = 0;
        for (int p = 0; p < x.pcols; ++p) {
          int64_t s = 0;
          for (int r = 0; r < rows; ++r) s += x.level_at(r, p);
          best = std::max(best, s);
        }
        EXPECT_EQ(x.max_col_sum, best) << "encoding " << int(e) << " bits " << wb << " cell_bits " << cb;
        for (int r = 0; r < rows; ++r)
          for (int j = 0; j < wc; ++j) {
            const size_t i = size_t(r) * wc + size_t(j);
            ASSERT_EQ(x.weight[i], w[i]) << "encoding " << int(e) << " bits " << wb << " cell_bits " << cb;
            ASSERT_EQ(x.weight[i], stored_weight(x, r, j, c));
          }
      }
}
