#include "hw/imc/column_model.h"

#include <algorithm>
#include <vector>

namespace spiketlm {

void IdealColumn::currents(const XbarProgram& x, const uint64_t* mask, const CellConfig& c, const DeviceConfig& d,
                           double* out) const {
  std::vector<int32_t> acc(size_t(x.pcols), 0), neg(size_t(x.wcols), 0);
  accumulate_levels(x, mask, acc.data(), neg.data());
  const double u = d.unit_current_a(c);
  for (int j = 0; j < x.pcols; ++j) out[j] += double(acc[size_t(j)]) * u;
}

SPIKETLM_REGISTER_KIND(IdealColumn, "imc.column.ideal", "imc_column",
                       "ideal crossbar columns: exact integer sum of the active cells' levels");

}  // namespace spiketlm

#include <cmath>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "hw/imc/nodal.h"

namespace spiketlm {

double SplitMix::normal() {
  double u1 = uniform();
  while (u1 <= 0) u1 = uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

double nominal_conductance(int level, const CellConfig& c, const DeviceConfig& d) {
  const double gon = 1e-3 / d.ron_kohm, goff = 1e-3 / d.roff_kohm;
  if (c.bit_sliced) return goff + double(level) * d.step_s(c);
  double g = 0;
  for (int b = 0; b < c.code_bits(); ++b) g += double(1 << b) * (((level >> b) & 1) ? gon : goff);
  return g;
}

namespace {
double factor(SplitMix& r, const NonidealConfig& cfg) {
  if (cfg.variation == Variation::none || cfg.sigma <= 0) return 1.0;
  const double z = r.normal();
  if (cfg.variation == Variation::gaussian) return std::max(0.0, 1.0 + cfg.sigma * z);
  return std::exp(cfg.sigma * z - 0.5 * cfg.sigma * cfg.sigma);  // lognormal with mean 1
}
}  // namespace

void draw_device_state(XbarProgram& x, const CellConfig& c, const DeviceConfig& d, const NonidealConfig& cfg) {
  SplitMix r(cfg.seed * 0x9E3779B97F4A7C15ull ^ (x.index + 0x632BE59BD9B4E019ull));
  r.next();
  const double gon = 1e-3 / d.ron_kohm, goff = 1e-3 / d.roff_kohm;
  x.g.assign(size_t(x.cells()), 0.0);
  const int units = c.bit_sliced ? 1 : c.code_bits();
  for (size_t i = 0; i < x.g.size(); ++i) {
    const int lv = x.level_at(int(i / size_t(x.pcols)), int(i % size_t(x.pcols)));
    double g = 0;
    for (int b = 0; b < units; ++b) {
      // One unit cell: parallel: binary cell b (2^b unit devices); sliced: the multi-level cell.
      bool stuck = false, stuck_on = false;
      if (cfg.stuck_rate > 0 && r.uniform() < cfg.stuck_rate) {
        stuck = true;
        stuck_on = r.uniform() < cfg.stuck_on_share;
      }
      const double f = factor(r, cfg);
      double gn;
      if (c.bit_sliced) {
        gn = stuck ? (stuck_on ? gon : goff) : goff + double(lv) * d.step_s(c);
      } else {
        const bool on = stuck ? stuck_on : ((lv >> b) & 1);
        gn = double(1 << b) * (on ? gon : goff);
      }
      g += gn * f;
    }
    x.g[i] = g;
  }
  x.sa_offset.assign(size_t(x.pcols), 0.0);
  if (cfg.sense_offset_lsb > 0)
    for (auto& o : x.sa_offset) o = cfg.sense_offset_lsb * d.unit_current_a(c) * r.normal();
  x.g_ir.clear();
  if (cfg.ir_drop == IrDrop::fast && cfg.wire_ohm > 0) {
    // Fast IR drop: the transfer conductance of every cell of every column, once (nodal.h).
    const int R = x.rows, P = x.pcols;
    x.g_ir.assign(x.g.size(), 0.0);
    std::vector<double> G(static_cast<size_t>(R)), a(static_cast<size_t>(R)), s(static_cast<size_t>(R));
    for (int p = 0; p < P; ++p) {
      for (int i = 0; i < R; ++i) G[size_t(i)] = x.g[size_t(i) * P + p];
      imc::ladder_transfer(G.data(), R, cfg.wire_ohm, a.data(), s.data());
      for (int i = 0; i < R; ++i) x.g_ir[size_t(i) * P + p] = a[size_t(i)];
    }
  }
}

NonidealRead nonideal_read(const CellConfig& c, const DeviceConfig& d, const NonidealConfig& cfg) {
  NonidealRead k;
  k.v = d.read_v;
  // Leak correction: the nominal current of a level-0 cell on every active row is known and
  // subtracted; the rest is rescaled to units of the nominal level step.
  k.g0 = nominal_conductance(0, c, d);
  const double g1 = nominal_conductance(1, c, d) - k.g0;
  k.leak_correction = cfg.leak_correction;
  k.gain = cfg.leak_correction ? d.step_s(c) / g1 : 1.0;
  k.ir = cfg.ir_drop != IrDrop::none && cfg.wire_ohm > 0;
  k.fast = k.ir && cfg.ir_drop == IrDrop::fast;
  k.wire_ohm = cfg.wire_ohm;
  return k;
}

namespace {
// col[p] += g[p] for p < n (two columns per SSE2 step; each column adds in the same order).
inline void add_conductances(double* __restrict col, const double* __restrict g, int n) {
  int p = 0;
#ifdef __SSE2__
  for (; p + 2 <= n; p += 2) _mm_storeu_pd(col + p, _mm_add_pd(_mm_loadu_pd(col + p), _mm_loadu_pd(g + p)));
#endif
  for (; p < n; ++p) col[p] += g[p];
}

// out[p] += (sum[p] * v - leak) * gain for p < n (two columns per SSE2 step, each column's
// arithmetic in the same order).
inline void add_scaled(double* __restrict out, const double* __restrict sum, int n, double v, double leak, double gain) {
  int p = 0;
#ifdef __SSE2__
  const __m128d vv = _mm_set1_pd(v), lv = _mm_set1_pd(leak), gv = _mm_set1_pd(gain);
  for (; p + 2 <= n; p += 2) {
    const __m128d t = _mm_mul_pd(_mm_sub_pd(_mm_mul_pd(_mm_loadu_pd(sum + p), vv), lv), gv);
    _mm_storeu_pd(out + p, _mm_add_pd(_mm_loadu_pd(out + p), t));
  }
#endif
  for (; p < n; ++p) out[p] += (sum[p] * v - leak) * gain;
}

// The active rows of mask below `rows`.
int active_rows(const uint64_t* mask, int rows) {
  int n = 0;
  for (int w = 0; w * 64 < rows; ++w) {
    const int left = rows - w * 64;
    n += __builtin_popcountll(left >= 64 ? mask[w] : mask[w] & ((uint64_t(1) << left) - 1));
  }
  return n;
}
}  // namespace

void nonideal_currents(const XbarProgram& x, const uint64_t* mask, const NonidealRead& k, NonidealScratch& s,
                       double* out) {
  if (x.g.size() != size_t(x.cells())) fail("imc", "non-ideal column model: crossbar " + std::to_string(x.index) + " has no device state");
  if (k.fast && x.g_ir.size() != x.g.size())
    fail("imc", "non-ideal column model: crossbar " + std::to_string(x.index) + " has no IR-drop transfer conductances");
  const int R = x.rows, P = x.pcols;
  const double V = k.v;
  const int nact = active_rows(mask, R);
  // No driven row: no current, and no leak to correct; out[p] += (0 x V - 0) x gain would add
  // +0, which changes no sum (a sum of currents is never -0).
  if (nact == 0) return;
  const double leak = k.leak_correction ? V * double(nact) * k.g0 : 0.0;
  if (!k.ir || k.fast) {
    // Sum of the (transfer) conductances of the active rows, row by row (cells stored row-major).
    // One active row (the usual case with sparse spikes) is its own sum: 0 + g = g exactly.
    // (nact > 0: at least one row below R is driven, so sum is set.)
    const double* gs = (k.fast ? x.g_ir : x.g).data();
    const double* sum = nullptr;
    for (int w = 0; w * 64 < R; ++w)
      for (uint64_t m = mask[w]; m; m &= m - 1) {
        const int r = w * 64 + __builtin_ctzll(m);
        if (r >= R) break;
        const double* g = gs + size_t(r) * P;
        if (!sum) {
          sum = g;
          continue;
        }
        if (sum != s.col.data()) {
          s.col.assign(sum, sum + P);
          sum = s.col.data();
        }
        add_conductances(s.col.data(), g, P);
      }
    add_scaled(out, sum, P, V, leak, k.gain);
    return;
  }
  // Nodal: the exact ladder solve of every column for this read.
  s.vr.assign(size_t(R), 0.0);
  for (int r = 0; r < R; ++r)
    if ((mask[r >> 6] >> (r & 63)) & 1) s.vr[size_t(r)] = V;
  // Two columns per solve (ladder_currents2: the same operations per column in two lanes).
  int p = 0;
  for (; p + 2 <= P; p += 2) {
    double I[2];
    imc::ladder_currents2(x.g.data() + p, size_t(P), s.vr.data(), R, k.wire_ohm, I);
    out[p] += (I[0] - leak) * k.gain;
    out[p + 1] += (I[1] - leak) * k.gain;
  }
  for (; p < P; ++p) out[p] += (imc::ladder_current_strided(x.g.data() + p, size_t(P), s.vr.data(), R, k.wire_ohm) - leak) * k.gain;
}

void nonideal_currents(const XbarProgram& x, const uint64_t* mask, const CellConfig& c, const DeviceConfig& d,
                       const NonidealConfig& cfg, double* out) {
  NonidealScratch s;
  nonideal_currents(x, mask, nonideal_read(c, d, cfg), s, out);
}

NonidealColumn::NonidealColumn(sc_core::sc_module_name nm, Context& ctx) : ColumnModel(nm, ctx) {
  m_cfg.seed = uint64_t(param_int("seed", 1, {"seed of the device state (with the crossbar index: reproducible, order-independent)", "", 0, 9e15}));
  const std::string v = param_string("variation", "none", {"conductance variation of every unit cell, drawn once at programming",
                                                           "", -1e300, 1e300, {"none", "gaussian", "lognormal"}});
  m_cfg.variation = v == "gaussian" ? Variation::gaussian : v == "lognormal" ? Variation::lognormal : Variation::none;
  m_cfg.sigma = param_double("sigma", 0.1, {"relative sigma of the conductance (gaussian: G (1 + sigma z); lognormal: G exp(sigma z - sigma^2/2))", "", 0, 10});
  m_cfg.stuck_rate = param_double("stuck_rate", 0, {"share of unit cells stuck at programming", "", 0, 1});
  m_cfg.stuck_on_share = param_double("stuck_on_share", 0.5, {"share of stuck cells stuck on (low resistance); the rest stuck off", "", 0, 1});
  m_cfg.leak_correction = param_bool("leak_correction", true, {"subtract the nominal off-state (Roff) current of the active rows digitally"});
  const std::string ir = param_string("ir_drop", "none", {"wire resistance model: none, fast (per-cell transfer conductances computed once "
                                                          "at programming, exact by superposition), nodal (ladder solve at every read, the reference)",
                                                          "", -1e300, 1e300, {"none", "fast", "nodal"}});
  m_cfg.ir_drop = ir == "fast" ? IrDrop::fast : ir == "nodal" ? IrDrop::nodal : IrDrop::none;
  m_cfg.wire_ohm = param_double("wire_ohm", 5, {"wire resistance between adjacent cells of a column (NICE: 5 Ohm)", "Ohm", 0, 1e6});
  m_cfg.sense_offset_lsb = param_double("sense_offset_lsb", 0, {"sigma of a static sense-amplifier offset per PE column", "LSB", 0, 1e6});
}

SPIKETLM_REGISTER_KIND(NonidealColumn, "imc.column.nonideal", "imc_column",
                       "non-ideal crossbar columns: seeded conductance variation, finite Roff, stuck-at faults, IR drop (fast transfer conductances or nodal solve), sense-amp offset");

}  // namespace spiketlm
