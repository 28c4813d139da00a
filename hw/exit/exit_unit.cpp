#include "hw/exit/exit_unit.h"

#include <algorithm>
#include <cmath>

namespace spiketlm {

ExitMath::ExitMath(const ExitConfig& c) : m_c(c) {
  // Both tables hold values at grid points and are interpolated linearly between them (one
  // multiply-add per lookup): exp(-i step) for i = 0 .. 2^bits, ln(1 + j / 2^bits) for
  // j = 0 .. 2^bits.
  const double one = std::ldexp(1.0, c.frac_bits);
  m_exp.resize((size_t(1) << c.exp_lut_bits) + 1);
  for (size_t i = 0; i < m_exp.size(); ++i)
    m_exp[i] = int64_t(std::llround(std::exp(-double(i) / std::ldexp(1.0, c.exp_lut_frac)) * one));
  m_log.resize((size_t(1) << c.log_lut_bits) + 1);
  for (size_t j = 0; j < m_log.size(); ++j)
    m_log[j] = int64_t(std::llround(std::log1p(double(j) / double(m_log.size() - 1)) * one));
  m_ln2_q = int64_t(std::llround(std::log(2.0) * one));
}

ExitMath::Result ExitMath::decide(const std::vector<int64_t>& z, int64_t scale_q24, uint32_t theta_q16) const {
  const int F = m_c.frac_bits;
  const int K = int(z.size());
  Result r{0, false, 0, 0};
  // x = z * scale in Q.F (scale is Q8.24).
  std::vector<int64_t> x(static_cast<size_t>(K));
  for (int c = 0; c < K; ++c) {
    x[size_t(c)] = (z[size_t(c)] * scale_q24) >> (24 - F);
    if (x[size_t(c)] > x[size_t(r.argmax)]) r.argmax = c;
  }
  const int64_t m = x[size_t(r.argmax)];
  // e_c = exp(-(m - x_c)) from the table, S = sum e, A = sum e * d (so H = ln S + A / S).
  int64_t S = 0, A = 0;
  const int shift = F - m_c.exp_lut_frac;
  const int64_t fmask = (int64_t(1) << shift) - 1;
  const int64_t last = int64_t(m_exp.size()) - 1;
  for (int c = 0; c < K; ++c) {
    const int64_t d = m - x[size_t(c)];
    const int64_t i = d >> shift;
    ++r.lut_reads;
    if (i >= last) continue;  // exp below the table's range: 0
    const int64_t f = d & fmask;
    const int64_t e = m_exp[size_t(i)] + (((m_exp[size_t(i) + 1] - m_exp[size_t(i)]) * f) >> shift);
    S += e;
    A += e * d;  // Q.2F
  }
  const int64_t one = int64_t(1) << F;
  if (m_c.max_prob) {
    r.score_q = (one << F) / S;  // the top class has e = 1: p_max = 1 / S
  } else {
    // ln S: S = 2^k (1 + f), f the mantissa below the leading one.
    const int msb = 63 - __builtin_clzll(uint64_t(S));
    const int k = msb - F;
    const int lb = m_c.log_lut_bits;
    // The mantissa as a Q.(msb) fraction, split into a table index (lb bits) and the rest.
    const int64_t mant = S - (int64_t(1) << msb);
    int64_t j, fr;
    int frbits;
    if (msb >= lb) {
      j = mant >> (msb - lb);
      fr = mant & ((int64_t(1) << (msb - lb)) - 1);
      frbits = msb - lb;
    } else {
      j = mant << (lb - msb);
      fr = 0;
      frbits = 0;
    }
    ++r.lut_reads;
    const int64_t lnm = m_log[size_t(j)] + (frbits ? (((m_log[size_t(j) + 1] - m_log[size_t(j)]) * fr) >> frbits) : 0);
    const int64_t lnS = k * m_ln2_q + lnm;
    const int64_t H = lnS + A / S;  // Q.F
    const int64_t inv_lnK = K > 1 ? int64_t(std::llround(double(one) / std::log(double(K)))) : 0;
    const int64_t Hn = (H * inv_lnK) >> F;
    r.score_q = std::max<int64_t>(0, one - Hn);
  }
  const int64_t theta = (int64_t(theta_q16) << F) >> 16;
  r.exit = r.score_q > theta;
  return r;
}

double ExitMath::score_double(const std::vector<int64_t>& z, double scale, bool max_prob) {
  const int K = int(z.size());
  double m = -1e300;
  for (auto v : z) m = std::max(m, double(v) * scale);
  double S = 0;
  std::vector<double> e(static_cast<size_t>(K));
  for (int c = 0; c < K; ++c) S += (e[size_t(c)] = std::exp(double(z[size_t(c)]) * scale - m));
  if (max_prob) return 1.0 / S;
  double H = 0;
  for (int c = 0; c < K; ++c) {
    const double p = e[size_t(c)] / S;
    if (p > 0) H -= p * std::log(p);
  }
  return K > 1 ? 1.0 - H / std::log(double(K)) : 1.0;
}

namespace {
ExitConfig read_config(Module& m, bool max_prob) {
  ExitConfig c;
  c.frac_bits = int(m.param_int("frac_bits", 12, {"fraction bits of the datapath (Q.F)", "bit", 4, 24}));
  c.exp_lut_bits = int(m.param_int("exp_lut_bits", 8, {"log2 of the exp table's entries", "bit", 2, 14}));
  c.exp_lut_frac = int(m.param_int("exp_lut_frac", 4, {"exp table step 2^-frac", "bit", 0, 12}));
  if (c.exp_lut_frac > c.frac_bits) fail("exit", m.path() + ".exp_lut_frac: expected at most frac_bits (" +
                                                     std::to_string(c.frac_bits) + "), got " + std::to_string(c.exp_lut_frac));
  c.log_lut_bits = int(m.param_int("log_lut_bits", 6, {"log2 of the ln(1+f) table's entries", "bit", 1, 14}));
  c.max_prob = max_prob;
  return c;
}
}  // namespace

ExitUnit::ExitUnit(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      m_math(read_config(*this, param_string("variant", unit_kind() == "exit.maxprob" ? "maxprob" : "entropy",
                                             {"decision rule", "", -1e300, 1e300, {"entropy", "maxprob"}}) == "maxprob")),
      m_lut(action(param_string("tech", "exit_unit", {"tech-table component"}), "lut_read")),
      m_mac(action(param_string("tech", "exit_unit"), "mac")),
      m_div(action(param_string("tech", "exit_unit"), "divide")),
      m_cmp(action(param_string("tech", "exit_unit"), "compare")),
      m_decisions(counter("decisions", "", "exit decisions taken (one per timestep run)")),
      m_exits(counter("exits", "", "inferences stopped early")) {
  const std::string tech = param_string("tech", "exit_unit");
  leakage(tech);
  // Area: the datapath plus the two tables (one 16-bit register per entry).
  area(tech);
  area("exit_lut_entry", double((size_t(1) << m_math.config().exp_lut_bits) + (size_t(1) << m_math.config().log_lut_bits)));
  trace("score", m_score);
  trace("decision", m_decision);
}

void ExitUnit::reset(int classes) {
  m_z.assign(size_t(classes), 0);
  m_score = 0;
  m_decision = 0;
}

uint64_t ExitUnit::step(const int32_t* out, int classes, int64_t scale_q24, uint32_t theta_q16, bool& exit, int& argmax,
                        arith::readout_leak leak) {
  if (int(m_z.size()) != classes) reset(classes);
  for (int c = 0; c < classes; ++c) m_z[size_t(c)] = arith::readout_step(m_z[size_t(c)], out[c], leak);
  const ExitMath::Result r = m_math.decide(m_z, scale_q24, theta_q16);
  m_score = double(r.score_q) / std::ldexp(1.0, m_math.config().frac_bits);
  m_decision = r.exit;
  exit = r.exit;
  argmax = r.argmax;
  ++m_decisions;
  m_exits += r.exit;
  count(m_lut, r.lut_reads);
  count(m_mac, uint64_t(classes) * 3 + 1);  // per class: interpolate, S += e, A += e * d; ln
  count(m_div, 1);
  count(m_cmp, uint64_t(classes) + 1);   // the running max, and the decision
  // One class per cycle through the table and the MACs, then ln, a 16-step divider, compare.
  return uint64_t(classes) + 1 + 16 + 1;
}

SPIKETLM_REGISTER_KIND(ExitUnit, "exit.entropy", "exit",
                       "DT-SNN exit unit: 1 - normalised softmax entropy > threshold (fixed point, exp/ln tables)");

namespace {
struct MaxProbRegistrar {
  MaxProbRegistrar() {
    Factory::instance().add({"exit.maxprob", "exit", "DT-SNN exit unit, variant: top softmax probability > threshold", "",
                             [](const char* name, Context& ctx) -> Module* { return new ExitUnit(name, ctx); }});
  }
} g_maxprob;
}  // namespace

}  // namespace spiketlm
