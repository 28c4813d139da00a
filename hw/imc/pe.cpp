#include "hw/imc/pe.h"

#include <algorithm>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace spiketlm {

ImcPe::ImcPe(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      m_kernel(int(param_int("kernel", 3, {"k: the PE holds k x k crossbars (one per kernel position)", "", 1, 16}))),
      m_adcs(int(param_int("adcs", 8, {"ADCs per PE", "", 1, 4096}))),
      m_mux(int(param_int("mux_ratio", 8, {"columns sharing one ADC through a mux", "", 1, 4096}))),
      m_cycle_clocks(int(param_int("cycle_clocks", 26, {"clocks of one PE cycle (SpikeSim: 26)", "", 1, 1 << 20}))),
      m_passes(1),
      m_clock_mhz(param_double("clock_mhz", 250, {"PE clock", "MHz", 1e-3, 1e5})),
      m_xbar(make_child<Crossbar>("xbar", "imc.crossbar")),
      m_adc(make_child<Adc>("adc", "imc.adc")),
      m_column(make_child<ColumnModel>("column", "imc.column.ideal")),
      m_mux_tech(param_string("mux_tech", "mux", {"tech-table component of one column mux (action select)"})),
      m_sa_tech(param_string("shift_add_tech", "shift_add", {"tech-table component of the shift-and-add (action op)"})),
      m_temp_tech(param_string("temp_buffer_tech", "temp_buffer", {"tech-table component of the PE temp buffer (action access)"})),
      m_e_mux(action(m_mux_tech, "select")),
      m_e_sa(action(m_sa_tech, "op")),
      m_e_temp(action(m_temp_tech, "access")),
      m_cycles(counter("active_cycles", "", "PE cycles with at least one driven crossbar row (summed over PEs)")),
      m_sa_per_cycle(int(param_int("shift_adds_per_adc", 16, {"shift-and-add operations per ADC sample (SpikeSim: 16)", "", 0, 1 << 20}))) {
  const int cols = m_xbar->cols();
  m_passes = std::max(1, (cols + m_adcs * m_mux - 1) / (m_adcs * m_mux));
  m_adc->bind_unit_current(m_xbar->device().unit_current_a(m_xbar->cells()));
}

namespace {
// acc[j] += row[j] for j < n: sixteen int8 weights sign-extended and added per SSE2 step where
// the target has SSE2 (every x86-64), then eight, then one at a time. (Written out: a loop over
// the four quarters kept them on the stack.)
inline void add_row(int32_t* acc, const int8_t* row, int n) {
  int j = 0;
#ifdef __SSE2__
  for (; j + 16 <= n; j += 16) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + j));
    const __m128i w0 = _mm_srai_epi16(_mm_unpacklo_epi8(b, b), 8), w1 = _mm_srai_epi16(_mm_unpackhi_epi8(b, b), 8);
    __m128i* a = reinterpret_cast<__m128i*>(acc + j);
    _mm_storeu_si128(a, _mm_add_epi32(_mm_loadu_si128(a), _mm_srai_epi32(_mm_unpacklo_epi16(w0, w0), 16)));
    _mm_storeu_si128(a + 1, _mm_add_epi32(_mm_loadu_si128(a + 1), _mm_srai_epi32(_mm_unpackhi_epi16(w0, w0), 16)));
    _mm_storeu_si128(a + 2, _mm_add_epi32(_mm_loadu_si128(a + 2), _mm_srai_epi32(_mm_unpacklo_epi16(w1, w1), 16)));
    _mm_storeu_si128(a + 3, _mm_add_epi32(_mm_loadu_si128(a + 3), _mm_srai_epi32(_mm_unpackhi_epi16(w1, w1), 16)));
  }
  if (j + 8 <= n) {
    const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + j));
    const __m128i w0 = _mm_srai_epi16(_mm_unpacklo_epi8(b, b), 8);
    __m128i* a = reinterpret_cast<__m128i*>(acc + j);
    _mm_storeu_si128(a, _mm_add_epi32(_mm_loadu_si128(a), _mm_srai_epi32(_mm_unpacklo_epi16(w0, w0), 16)));
    _mm_storeu_si128(a + 1, _mm_add_epi32(_mm_loadu_si128(a + 1), _mm_srai_epi32(_mm_unpackhi_epi16(w0, w0), 16)));
    j += 8;
  }
#endif
  for (; j < n; ++j) acc[j] += row[j];
}
}  // namespace

void ImcPe::read(const XbarProgram* const* xs, const uint64_t* const* masks, int n, int64_t* out, int64_t scale,
                 PeScratch& s) {
  if (n == 0) return;
  const int pc = xs[0]->pcols, wc = xs[0]->wcols;
  if (exact_sums(xs, n)) {
    // Every conversion is exact and the shift-and-add returns the sum of the active rows'
    // weights: sum them directly (the same result as the level path below).
    s.acc.assign(size_t(wc), 0);
    add_exact(xs, masks, n, s.acc.data());
    for (int j = 0; j < wc; ++j) out[j] += scale * s.acc[size_t(j)];
    return;
  }
  const AdcConfig& adc = m_adc->config();
  const CellConfig& c = m_xbar->cells();
  const int S = c.slices(), sb = c.slice_bits(), H = c.halves();
  const int64_t off = c.offset(), maxc = c.max_code();
  const bool levels = m_column->exact();  // else the column model's currents, not the levels
  if (levels) s.acc.assign(size_t(pc), 0);
  s.neg.assign(size_t(wc), 0);
  s.val.resize(size_t(pc));
  uint64_t clipped = 0;
  int64_t nact = 0;
  for (int i = 0; i < n; ++i) nact += accumulate_levels(*xs[i], masks[i], levels ? s.acc.data() : nullptr, s.neg.data());
  if (levels) {
    for (int p = 0; p < pc; ++p) {
      bool cl = false;
      s.val[size_t(p)] = adc.convert_units(s.acc[size_t(p)], cl);
      clipped += cl;
    }
  } else {
    s.cur.assign(size_t(pc), 0.0);
    for (int i = 0; i < n; ++i) m_column->currents(*xs[i], masks[i], c, m_xbar->device(), s.cur.data());
    // The sense amplifiers of this PE (their static offsets are kept with its first crossbar).
    if (!xs[0]->sa_offset.empty())
      for (int p = 0; p < pc; ++p) s.cur[size_t(p)] += xs[0]->sa_offset[size_t(p)];
    const double u = m_xbar->device().unit_current_a(c);
    for (int p = 0; p < pc; ++p) {
      bool cl = false;
      s.val[size_t(p)] = adc.convert_current(s.cur[size_t(p)], u, cl);
      clipped += cl;
    }
  }
  // Digital shift-and-add with the encoding's correction.
  const bool flips = c.encoding == WeightEncoding::flip;
  if (H == 1 && S == 1 && !flips) {
    // One cell position per weight, offset encoding: the loop below with nothing to shift.
    for (int j = 0; j < wc; ++j) out[j] += scale * (s.val[size_t(j)] - off * s.neg[size_t(j)]);
    m_adc->count_conversions(uint64_t(pc), clipped);
    return;
  }
  for (int j = 0; j < wc; ++j) {
    int64_t v[2] = {0, 0};
    for (int h = 0; h < H; ++h)
      for (int k = 0; k < S; ++k) v[h] += s.val[(size_t(j) * H + h) * S + k] << (k * sb);
    int64_t r;
    if (H == 2) r = v[0] - v[1];
    else {
      if (flips && xs[0]->flip[size_t(j)]) v[0] = maxc * nact - v[0];
      r = v[0] - off * s.neg[size_t(j)];
    }
    out[j] += scale * r;
  }
  m_adc->count_conversions(uint64_t(pc), clipped);
}

void ImcPe::add_exact(const XbarProgram* const* xs, const uint64_t* const* masks, int n, int32_t* acc) {
  if (n == 0) return;
  const int wc = xs[0]->wcols;
  for (int i = 0; i < n; ++i) {
    const XbarProgram& x = *xs[i];
    const uint64_t* mask = masks[i];
    const int8_t* w = x.weight.data();
    for (int k = 0, words = (x.rows + 63) / 64; k < words; ++k)
      for (uint64_t m = mask[k]; m; m &= m - 1) add_row(acc, w + size_t(k * 64 + __builtin_ctzll(m)) * wc, wc);
  }
  m_adc->count_conversions(uint64_t(xs[0]->pcols), 0);
}

bool ImcPe::exact_sums(const XbarProgram* const* xs, int n) const {
  const AdcConfig& adc = m_adc->config();
  if (!m_column->exact() || adc.lsb_units != 1.0) return false;
  int64_t bound = 0;
  for (int i = 0; i < n; ++i) bound += xs[i]->max_col_sum;
  return bound <= adc.max_level();
}

void ImcPe::count_cycles(uint64_t cycles) {
  const uint64_t samples = cycles * uint64_t(m_adcs) * uint64_t(m_passes);
  m_cycles += cycles;
  m_adc->count_samples(samples);
  count(m_e_mux, samples);
  count(m_e_sa, samples * uint64_t(m_sa_per_cycle));
  count(m_e_temp, samples);
}

void ImcPe::count_raw(uint64_t adc_samples, uint64_t mux_selects, uint64_t shift_adds, uint64_t temp_accesses) {
  m_adc->count_samples(adc_samples);
  count(m_e_mux, mux_selects);
  count(m_e_sa, shift_adds);
  count(m_e_temp, temp_accesses);
}

SPIKETLM_REGISTER_KIND(ImcPe, "imc.pe", "imc",
                       "IMC PE: k x k RRAM crossbars, shared ADCs behind column muxes, shift-and-add, temp buffer");

}  // namespace spiketlm
