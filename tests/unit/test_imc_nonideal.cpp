// IMC non-idealities (hw/imc/column_model.h, nodal.h): the nodal ladder solve against an
// independent dense Gaussian elimination; the fast IR-drop model's error against the nodal
// solve, its transfer conductances against one-row dense solves; seeded device state (same
// seed same state, spread across seeds as sigma says); stuck-at fault rate; the weight encodings (exact in the ideal configuration, more
// high-resistance cells).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "hw/imc/nodal.h"
#include "hw/imc/pe.h"
#include "tests/helpers.h"

using namespace spiketlm;

namespace {

// Independent reference: dense KCL matrix of the column ladder, Gaussian elimination with
// partial pivoting. Node i: G_i (v_i - V_i) + gw (v_i - v_{i-1}) [i > 0] + gw (v_i - v_{i+1})
// [i < n-1] + gw v_i [i = n-1, the sense amplifier at 0 V] = 0.
double dense_ladder_current(const std::vector<double>& G, const std::vector<double>& V, double r) {
  const int n = int(G.size());
  const double gw = 1.0 / r;
  std::vector<std::vector<double>> A(size_t(n), std::vector<double>(size_t(n) + 1, 0.0));
  for (int i = 0; i < n; ++i) {
    A[size_t(i)][size_t(i)] += G[size_t(i)];
    A[size_t(i)][size_t(n)] += G[size_t(i)] * V[size_t(i)];
    if (i > 0) {
      A[size_t(i)][size_t(i)] += gw;
      A[size_t(i)][size_t(i - 1)] -= gw;
    }
    A[size_t(i)][size_t(i)] += gw;  // to node i+1, or to the sense amplifier
    if (i + 1 < n) A[size_t(i)][size_t(i + 1)] -= gw;
  }
  for (int c = 0; c < n; ++c) {
    int p = c;
    for (int r2 = c + 1; r2 < n; ++r2)
      if (std::fabs(A[size_t(r2)][size_t(c)]) > std::fabs(A[size_t(p)][size_t(c)])) p = r2;
    std::swap(A[size_t(c)], A[size_t(p)]);
    for (int r2 = c + 1; r2 < n; ++r2) {
      const double f = A[size_t(r2)][size_t(c)] / A[size_t(c)][size_t(c)];
      for (int k = c; k <= n; ++k) A[size_t(r2)][size_t(k)] -= f * A[size_t(c)][size_t(k)];
    }
  }
  std::vector<double> v(size_t(n), 0.0);
  for (int i = n - 1; i >= 0; --i) {
    double s = A[size_t(i)][size_t(n)];
    for (int k = i + 1; k < n; ++k) s -= A[size_t(i)][size_t(k)] * v[size_t(k)];
    v[size_t(i)] = s / A[size_t(i)][size_t(i)];
  }
  return v[size_t(n - 1)] * gw;
}

// Int8 weights shaped like a trained layer's (most near zero).
std::vector<int8_t> trained_like(std::mt19937& g, size_t n) {
  std::normal_distribution<double> d(0.0, 18.0);
  std::vector<int8_t> w(n);
  for (auto& v : w) v = int8_t(std::max(-127.0, std::min(127.0, std::round(d(g)))));
  return w;
}

uint64_t random_mask(std::mt19937& g, int rows, double rate) {
  std::bernoulli_distribution b(rate);
  uint64_t m = 0;
  for (int r = 0; r < rows; ++r)
    if (b(g)) m |= uint64_t(1) << r;
  return m;
}

}  // namespace

TEST(ImcNodal, LadderSolveEqualsDenseGaussianElimination) {
  std::mt19937 g(7);
  std::uniform_real_distribution<double> lg(std::log(1.0 / 25e6), std::log(1.0 / 150.0));  // 150 Ohm .. 25 MOhm cells
  for (int n : {1, 2, 4, 8, 16, 64})
    for (double r : {0.5, 5.0, 50.0})
      for (int trial = 0; trial < 10; ++trial) {
        std::vector<double> G(size_t(n), 0.0), V(size_t(n), 0.0), s(size_t(2 * n), 0.0);
        for (int i = 0; i < n; ++i) {
          G[size_t(i)] = std::exp(lg(g));
          V[size_t(i)] = (g() & 1) ? 0.1 : 0.0;
        }
        const double dense = dense_ladder_current(G, V, r);
        const double nodal = imc::ladder_current(G.data(), V.data(), n, r);
        EXPECT_NEAR(nodal, dense, 1e-10 * std::max(1e-9, std::fabs(dense))) << "n " << n << " r " << r;
        // Kirchhoff: the sense current is the sum of the cell currents at the solved voltages.
        std::vector<double> v(size_t(n), 0.0);
        imc::ladder_voltages(G.data(), V.data(), n, r, v.data(), s.data());
        double cells = 0;
        for (int i = 0; i < n; ++i) cells += G[size_t(i)] * (V[size_t(i)] - v[size_t(i)]);
        EXPECT_NEAR(cells, nodal, 1e-9 * std::max(1e-9, std::fabs(nodal)));
      }
}

// The sense current from the forward sweep alone (strided, and two columns in SSE2 lanes) is
// bit for bit the last node voltage of the full solve (ladder_voltages) over r.
TEST(ImcNodal, ForwardSweepCurrentsEqualTheFullSolveBitForBit) {
  std::mt19937 g(11);
  std::uniform_real_distribution<double> lg(std::log(1.0 / 25e6), std::log(1.0 / 150.0));
  for (int n : {1, 2, 3, 17, 64, 128})
    for (double r : {0.5, 5.0, 50.0})
      for (int trial = 0; trial < 20; ++trial) {
        const size_t P = 5;  // row-major cells of 5 columns; columns 1 and 2 are solved
        std::vector<double> cells(size_t(n) * P, 0.0), V(size_t(n), 0.0), v(size_t(n), 0.0), s(size_t(2 * n), 0.0);
        for (auto& c : cells) c = std::exp(lg(g));
        for (auto& x : V) x = (g() & 1) ? 0.1 : 0.0;
        double full[2];
        for (int k = 0; k < 2; ++k) {
          std::vector<double> G(size_t(n), 0.0);
          for (int i = 0; i < n; ++i) G[size_t(i)] = cells[size_t(i) * P + 1 + size_t(k)];
          imc::ladder_voltages(G.data(), V.data(), n, r, v.data(), s.data());
          full[k] = v[size_t(n - 1)] / r;
          EXPECT_EQ(imc::ladder_current(G.data(), V.data(), n, r), full[k]);
        }
        EXPECT_EQ(imc::ladder_current_strided(cells.data() + 1, P, V.data(), n, r), full[0]) << "n " << n;
        double two[2];
        imc::ladder_currents2(cells.data() + 1, P, V.data(), n, r, two);
        EXPECT_EQ(two[0], full[0]) << "n " << n << " r " << r;
        EXPECT_EQ(two[1], full[1]) << "n " << n << " r " << r;
      }
}

TEST(ImcNodal, CrossbarColumnsThroughTheModelEqualTheDenseSolveOn4x4And8x8) {
  for (int n : {4, 8}) {
    std::mt19937 g(uint32_t(100 + n));
    CellConfig c;
    DeviceConfig d;
    NonidealConfig cfg;
    cfg.ir_drop = IrDrop::nodal;
    cfg.wire_ohm = 5;
    cfg.leak_correction = false;
    cfg.variation = Variation::lognormal;
    cfg.sigma = 0.2;
    const auto w = trained_like(g, size_t(n) * n);
    XbarProgram x;
    x.program(w.data(), n, n, n, c, "t");
    x.index = 3;
    draw_device_state(x, c, d, cfg);
    const uint64_t mask = random_mask(g, n, 0.5) | 1;
    std::vector<double> out(size_t(n), 0.0);
    nonideal_currents(x, &mask, c, d, cfg, out.data());
    for (int j = 0; j < n; ++j) {
      std::vector<double> G(size_t(n), 0.0), V(size_t(n), 0.0);
      for (int r = 0; r < n; ++r) {
        G[size_t(r)] = x.g[size_t(r) * n + j];
        V[size_t(r)] = ((mask >> r) & 1) ? d.read_v : 0.0;
      }
      const double ref = dense_ladder_current(G, V, 5.0);
      EXPECT_NEAR(out[size_t(j)], ref, 1e-10 * std::fabs(ref)) << n << "x" << n << " column " << j;
    }
  }
}

// The fast model (per-cell transfer conductances computed once at programming, nodal.h)
// against the nodal solve at every read, through nonideal_currents() on 64x64 crossbars of
// trained-like weights with the NICE device (Ron 19.139 kOhm, 0.1 V), lognormal variation
// 0.2 and 1 % stuck cells, offset and differential encodings, 0.01 .. 50 Ohm (the sweep uses
// 0.5 .. 5), row activity 10 % .. 100 %. Superposition makes the fast model exact: the bound
// is rounding (64-term sums of positive terms, ~1e-14 relative), far below the IR drop itself,
// which the test also checks is real (nodal vs no wire resistance) so the comparison is not
// made where both are trivially the ideal current. Measured errors and IR drops: crossbar.md.
TEST(ImcNodal, FastModelErrorAgainstNodalIsBounded) {
  const double rs[] = {0.01, 0.1, 0.5, 1.0, 5.0, 10.0, 50.0};
  for (double r : rs)
    for (auto enc : {WeightEncoding::offset, WeightEncoding::differential}) {
      std::mt19937 g(11);
      CellConfig c;
      c.encoding = enc;
      DeviceConfig d;
      double worst = 0, drop = 0;
      for (int trial = 0; trial < 8; ++trial) {
        const int wc = 64 / c.halves();
        const auto w = trained_like(g, size_t(64) * wc);
        XbarProgram x;
        x.program(w.data(), 64, wc, wc, c, "t");
        x.index = uint64_t(trial);
        NonidealConfig fast, nodal, none;
        for (NonidealConfig* k : {&fast, &nodal, &none}) {
          k->variation = Variation::lognormal;
          k->sigma = 0.2;
          k->stuck_rate = 0.01;
          k->leak_correction = false;
          k->wire_ohm = r;
        }
        fast.ir_drop = IrDrop::fast;
        nodal.ir_drop = IrDrop::nodal;
        XbarProgram xn = x;
        draw_device_state(x, c, d, fast);
        draw_device_state(xn, c, d, nodal);
        ASSERT_EQ(x.g, xn.g);  // the same device state; only the IR-drop model differs
        ASSERT_EQ(x.g_ir.size(), x.g.size());
        for (double rate : {0.1, 0.5, 1.0}) {
          const uint64_t mask = rate >= 1.0 ? ~uint64_t(0) : random_mask(g, 64, rate);
          std::vector<double> a(64, 0.0), b(64, 0.0), i0(64, 0.0);
          nonideal_currents(x, &mask, c, d, fast, a.data());
          nonideal_currents(xn, &mask, c, d, nodal, b.data());
          nonideal_currents(xn, &mask, c, d, none, i0.data());
          for (int j = 0; j < x.pcols; ++j) {
            if (i0[size_t(j)] <= 0) continue;
            worst = std::max(worst, std::fabs(a[size_t(j)] - b[size_t(j)]) / b[size_t(j)]);
            drop = std::max(drop, (i0[size_t(j)] - b[size_t(j)]) / i0[size_t(j)]);
          }
        }
      }
      EXPECT_LT(worst, 1e-12) << "r " << r << " encoding " << int(enc);
      // IR drop only lowers the current; it is real from 0.5 Ohm up (offset cells reach 150 Ohm).
      EXPECT_GT(drop, 0.0);
      if (r >= 0.5) {
        EXPECT_GT(drop, 0.01) << "r " << r << " encoding " << int(enc);
      }
      std::printf("fast vs nodal: r %5.2f Ohm, encoding %d: max relative error %.2g (largest IR drop %.3g of the current)\n",
                  r, int(enc), worst, drop);
    }
}

// The transfer conductances are the sense current's derivative with respect to each row's
// voltage: drive one row at a time through the nodal solve and compare.
TEST(ImcNodal, TransferConductanceIsTheNodalResponseToOneRow) {
  std::mt19937 g(21);
  std::uniform_real_distribution<double> lg(std::log(1.0 / 25e6), std::log(1.0 / 150.0));
  for (int n : {1, 2, 7, 64})
    for (double r : {0.5, 5.0, 500.0}) {
      std::vector<double> G(static_cast<size_t>(n)), a(static_cast<size_t>(n)), s(static_cast<size_t>(2 * n + 2)), V(static_cast<size_t>(n), 0.0);
      for (auto& v : G) v = std::exp(lg(g));
      imc::ladder_transfer(G.data(), n, r, a.data(), s.data());
      for (int i = 0; i < n; ++i) {
        std::fill(V.begin(), V.end(), 0.0);
        V[size_t(i)] = 1.0;
        const double ref = dense_ladder_current(G, V, r);
        EXPECT_NEAR(a[size_t(i)], ref, 1e-10 * ref) << "n " << n << " r " << r << " row " << i;
        EXPECT_LE(a[size_t(i)], G[size_t(i)]);  // the wires only take current away
      }
    }
}

TEST(ImcDevice, SameSeedSameStateDifferentSeedsSpreadAsSigma) {
  CellConfig c;
  DeviceConfig d;
  std::mt19937 g(5);
  const auto w = trained_like(g, 64 * 64);
  XbarProgram x;
  x.program(w.data(), 64, 64, 64, c, "t");
  NonidealConfig cfg;
  cfg.variation = Variation::gaussian;
  cfg.sigma = 0.1;
  cfg.seed = 42;
  x.index = 9;
  XbarProgram y = x;
  draw_device_state(x, c, d, cfg);
  draw_device_state(y, c, d, cfg);
  EXPECT_EQ(x.g, y.g);
  cfg.seed = 43;
  draw_device_state(y, c, d, cfg);
  EXPECT_NE(x.g, y.g);
  y.index = 10;  // another crossbar, same seed: another state
  cfg.seed = 42;
  draw_device_state(y, c, d, cfg);
  EXPECT_NE(x.g, y.g);

  // Column 0's current (all rows active, no IR drop, no leak correction) over N seeds: its
  // mean is the nominal current and its standard deviation sigma x V x sqrt(sum of the unit
  // cells' squared nominal conductances). Bounds: 5 standard errors (mean: sd / sqrt(N);
  // sd: sd / sqrt(2 (N - 1))).
  const uint64_t all = ~uint64_t(0);
  cfg.leak_correction = false;
  double nominal = 0, var = 0;
  const double gon = 1e-3 / d.ron_kohm, goff = 1e-3 / d.roff_kohm;
  for (int r = 0; r < 64; ++r) {
    const int lv = x.level_at(r, 0);
    for (int b = 0; b < 7; ++b) {
      const double gu = double(1 << b) * (((lv >> b) & 1) ? gon : goff);
      nominal += gu * d.read_v;
      var += std::pow(cfg.sigma * gu * d.read_v, 2);
    }
  }
  const int N = 400;
  double s1 = 0, s2 = 0;
  for (int seed = 0; seed < N; ++seed) {
    cfg.seed = uint64_t(1000 + seed);
    draw_device_state(x, c, d, cfg);
    std::vector<double> out(64, 0.0);
    nonideal_currents(x, &all, c, d, cfg, out.data());
    s1 += out[0];
    s2 += out[0] * out[0];
  }
  const double mean = s1 / N, sd = std::sqrt((s2 / N - mean * mean) * N / (N - 1));
  const double sd_exp = std::sqrt(var);
  EXPECT_NEAR(mean, nominal, 5 * sd_exp / std::sqrt(double(N)));
  EXPECT_NEAR(sd, sd_exp, 5 * sd_exp / std::sqrt(2.0 * (N - 1)));
}

// Only rows below the crossbar's row count are driven: a mask whose set bits all lie beyond it
// adds nothing (no current, no leak correction) in every IR-drop model, and the first row
// below it adds what a mask of that row alone adds.
TEST(ImcDevice, RowsBeyondTheCrossbarDriveNothing) {
  CellConfig c;
  DeviceConfig d;
  std::vector<int8_t> w(40 * 8);
  for (size_t i = 0; i < w.size(); ++i) w[i] = int8_t(int(i * 37 % 255) - 127);
  for (IrDrop ir : {IrDrop::none, IrDrop::fast, IrDrop::nodal}) {
    NonidealConfig cfg;
    cfg.variation = Variation::lognormal;
    cfg.sigma = 0.2;
    cfg.ir_drop = ir;
    cfg.wire_ohm = 5;
    XbarProgram x;
    x.program(w.data(), 40, 8, 8, c, "test");
    draw_device_state(x, c, d, cfg);
    const std::vector<double> start = {1e-6, 2e-6, 0.0, 3e-6, 4e-6, 5e-6, 6e-6, 7e-6};
    std::vector<double> out = start;
    const uint64_t beyond = ~uint64_t(0) << 40;  // rows 40..63 of a 40-row crossbar
    nonideal_currents(x, &beyond, c, d, cfg, out.data());
    EXPECT_EQ(out, start) << "ir_drop " << int(ir);
    std::vector<double> a = start, b = start;
    const uint64_t one = uint64_t(1) << 39, one_and_beyond = beyond | one;
    nonideal_currents(x, &one, c, d, cfg, a.data());
    nonideal_currents(x, &one_and_beyond, c, d, cfg, b.data());
    EXPECT_EQ(a, b) << "ir_drop " << int(ir);
    EXPECT_NE(a, start);
  }
}

TEST(ImcDevice, StuckAtFaultRate) {
  CellConfig c;
  c.bit_sliced = true;
  c.cell_bits = 1;  // one unit cell per position: g is Gon or Goff
  DeviceConfig d;
  std::vector<int8_t> w(64 * 8, 0);  // every cell off
  NonidealConfig cfg;
  cfg.stuck_rate = 0.05;
  cfg.stuck_on_share = 1.0;
  uint64_t on = 0, total = 0;
  const double gon = 1e-3 / d.ron_kohm;
  for (int i = 0; i < 20; ++i) {
    XbarProgram x;
    x.program(w.data(), 64, 8, 8, c, "t");
    x.index = uint64_t(i);
    draw_device_state(x, c, d, cfg);
    for (double v : x.g) on += v > 0.5 * gon;
    total += x.g.size();
  }
  const double p = cfg.stuck_rate, sd = std::sqrt(p * (1 - p) / double(total));
  EXPECT_NEAR(double(on) / double(total), p, 5 * sd) << on << " of " << total;
}

namespace {
struct PeFixture {
  Context ctx;
  std::unique_ptr<ImcPe> pe;
  using KV = std::vector<std::pair<std::string, std::string>>;
  explicit PeFixture(const KV& params) {
    ctx.tech.load_file(test::source_dir() + "/platforms/tech/spikesim_65nm.yaml");
    for (const auto& kv : params) ctx.params.set(kv.first, kv.second, "test");
    pe = std::make_unique<ImcPe>("pe", ctx);
  }
};

// Random trained-like weights on the PE's k x k crossbars; the PE's read equals the exact
// integer dot product for many masks.
void check_exact(PeFixture& f, uint32_t seed) {
  std::mt19937 g(seed);
  const CellConfig& c = f.pe->xbar().cells();
  const int rows = f.pe->xbar().rows(), cols = f.pe->xbar().weight_cols(), nx = f.pe->xbars();
  std::vector<std::vector<int8_t>> w(static_cast<size_t>(nx));
  std::vector<XbarProgram> progs(static_cast<size_t>(nx));
  std::vector<int64_t> votes(size_t(cols), 0);
  for (int i = 0; i < nx; ++i) {
    w[size_t(i)] = trained_like(g, size_t(rows) * cols);
    flip_votes(w[size_t(i)].data(), rows, cols, cols, c, votes.data());
  }
  std::vector<uint8_t> flips(size_t(cols), 0);
  for (int j = 0; j < cols; ++j) flips[size_t(j)] = votes[size_t(j)] > 0;
  std::vector<const XbarProgram*> xs;
  for (int i = 0; i < nx; ++i) {
    progs[size_t(i)].program(w[size_t(i)].data(), rows, cols, cols, c, "t", flips.data());
    progs[size_t(i)].index = uint64_t(i);
    f.pe->column().program(progs[size_t(i)], c, f.pe->xbar().device());
    xs.push_back(&progs[size_t(i)]);
  }
  PeScratch s;
  for (double rate : {0.0, 0.1, 0.5, 1.0})
    for (int trial = 0; trial < 10; ++trial) {
      std::vector<uint64_t> masks(static_cast<size_t>(nx), 0);
      for (auto& m : masks) m = random_mask(g, rows, rate);
      std::vector<int64_t> out(size_t(cols), 0), ref(size_t(cols), 0);
      f.pe->read(xs.data(), masks.data(), 1, nx, out.data(), 1, s);
      for (int i = 0; i < nx; ++i)
        for (int r = 0; r < rows; ++r)
          if ((masks[size_t(i)] >> r) & 1)
            for (int j = 0; j < cols; ++j) ref[size_t(j)] += w[size_t(i)][size_t(r) * cols + j];
      ASSERT_EQ(out, ref) << "rate " << rate;
    }
}
}  // namespace

TEST(ImcEncoding, EveryEncodingIsExactInTheIdealConfiguration) {
  for (const char* enc : {"offset", "flip", "differential"})
    for (const char* cells : {"parallel", "bit_sliced"}) {
      SCOPED_TRACE(std::string(enc) + " " + cells);
      PeFixture f(PeFixture::KV{{"pe.xbar.encoding", enc}, {"pe.xbar.cells", cells}, {"pe.xbar.cell_bits", "2"}});
      check_exact(f, 1);
      // The non-ideal model with every non-ideality off (leak correction on) is exact too.
      PeFixture n(PeFixture::KV{{"pe.xbar.encoding", enc},
                                {"pe.xbar.cells", cells},
                                {"pe.xbar.cell_bits", "2"},
                                {"pe.column.kind", "imc.column.nonideal"},
                                {"pe.column.variation", "none"},
                                {"pe.column.ir_drop", "none"}});
      check_exact(n, 2);
    }
}

TEST(ImcEncoding, FlipAndDifferentialRaiseTheHighResistanceShare) {
  std::mt19937 g(3);
  const auto w = trained_like(g, 64 * 64);
  double share[3];
  for (int e = 0; e < 3; ++e) {
    CellConfig c;
    c.encoding = WeightEncoding(e);
    const int wc = 64 / c.halves();
    XbarProgram x;
    x.program(w.data(), 64, wc, 64, c, "t");
    uint64_t hrs = 0, units = 0;
    x.hrs_count(c, hrs, units);
    share[e] = double(hrs) / double(units);
    for (int r = 0; r < 64; ++r)
      for (int j = 0; j < wc; ++j) EXPECT_EQ(stored_weight(x, r, j, c), w[size_t(r) * 64 + j]);
  }
  std::printf("high-resistance share: offset %.3f flip %.3f differential %.3f\n", share[0], share[1], share[2]);
  EXPECT_GE(share[1], share[0]);
  EXPECT_GT(share[2], share[1]);
}

TEST(ImcEncoding, DifferentialRejectsMinus128) {
  CellConfig c;
  c.encoding = WeightEncoding::differential;
  int8_t w[1] = {-128};
  XbarProgram x;
  try {
    x.program(w, 1, 1, 1, c, "chip.xbar");
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_EQ(error_text(e), "spiketlm/imc: chip.xbar: weight -128 does not fit weight_bits 8 (range -127..127)");
  }
}
