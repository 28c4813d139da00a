#include "hw/imc/crossbar.h"

#include <algorithm>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace spiketlm {

int flip_gain(int w, const CellConfig& c) {
  uint32_t code = 0;
  bool n = false;
  if (!encode_weight(w, c, code, n)) return 0;
  const uint32_t fl = uint32_t(c.max_code()) - code;
  const int S = c.slices(), sb = c.slice_bits();
  const uint32_t m = (1u << sb) - 1u;
  int g = 0;
  for (int s = 0; s < S; ++s) g += hrs_of_level((fl >> (s * sb)) & m, c) - hrs_of_level((code >> (s * sb)) & m, c);
  return g;
}

void flip_votes(const int8_t* w, int rows, int wcols, int wstride, const CellConfig& c, int64_t* votes) {
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < wcols; ++j) votes[j] += flip_gain(w[size_t(r) * wstride + j], c);
}

namespace {
// Fails (one line, names `who`) unless every weight fits the cell configuration.
void check_range(const int8_t* w, int rows, int wcols, int wstride, const CellConfig& c, const std::string& who) {
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < wcols; ++j) {
      const int v = w[size_t(r) * wstride + j];
      if (v < c.wmin() || v > c.wmax())
        fail("imc", who + ": weight " + std::to_string(v) + " does not fit weight_bits " + std::to_string(c.weight_bits) +
                        " (range " + std::to_string(c.wmin()) + ".." + std::to_string(c.wmax()) + ")");
    }
}

// The cell levels of weight v (offset, flip or differential code, sliced) into lv[0 .. S x H).
void levels_of(int v, bool flipped, const CellConfig& c, uint8_t* lv) {
  const int S = c.slices(), sb = c.slice_bits(), H = c.halves();
  const uint32_t smask = (1u << sb) - 1u;
  uint32_t codes[2] = {0, 0};
  if (c.encoding == WeightEncoding::differential) {
    codes[0] = uint32_t(v > 0 ? v : 0);
    codes[1] = uint32_t(v < 0 ? -v : 0);
  } else {
    bool n = false;
    encode_weight(v, c, codes[0], n);
    if (flipped) codes[0] = uint32_t(c.max_code()) - codes[0];
  }
  for (int h = 0; h < H; ++h)
    for (int s = 0; s < S; ++s) lv[h * S + s] = uint8_t((codes[h] >> (s * sb)) & smask);
}

void choose_flips(const int8_t* w, int wstride, const CellConfig& c, const uint8_t* flips, XbarProgram& x) {
  x.flip.clear();
  if (c.encoding != WeightEncoding::flip) return;
  x.flip.assign(size_t(x.wcols), 0);
  if (flips) {
    for (int j = 0; j < x.wcols; ++j) x.flip[size_t(j)] = flips[j] ? 1 : 0;
    return;
  }
  std::vector<int64_t> v(size_t(x.wcols), 0);
  flip_votes(w, x.rows, x.wcols, wstride, c, v.data());
  for (int j = 0; j < x.wcols; ++j) x.flip[size_t(j)] = v[size_t(j)] > 0;
}
}  // namespace

void XbarProgram::program(const int8_t* w, int nrows, int nwcols, int wstride, const CellConfig& c,
                          const std::string& who, const uint8_t* flips) {
  check_range(w, nrows, nwcols, wstride, c, who);
  rows = nrows;
  wcols = nwcols;
  pcols = nwcols * c.slices() * c.halves();
  sign_digital = c.encoding != WeightEncoding::differential;
  code_mask = uint8_t(c.max_code());
  g.clear();
  g_ir.clear();
  sa_offset.clear();
  choose_flips(w, wstride, c, flips, *this);
  weight.resize(size_t(rows) * wcols);
  for (int r = 0; r < rows; ++r) std::copy(w + size_t(r) * wstride, w + size_t(r) * wstride + wcols, weight.begin() + ptrdiff_t(size_t(r) * wcols));
  level.clear();
  const bool direct_cells = c.encoding == WeightEncoding::offset && c.slices() == 1;
  if (!direct_cells) {
    level.assign(size_t(rows) * pcols, 0);
    const int per = c.slices() * c.halves();
    for (int r = 0; r < rows; ++r)
      for (int j = 0; j < wcols; ++j)
        levels_of(weight[size_t(r) * wcols + j], !flip.empty() && flip[size_t(j)] != 0, c, &level[size_t(r) * pcols + size_t(j) * per]);
  }
  // Column sums of levels, row by row.
  std::vector<int64_t> col(size_t(pcols), 0);
  for (int r = 0; r < rows; ++r)
    for (int p = 0; p < pcols; ++p) col[size_t(p)] += level_at(r, p);
  max_col_sum = 0;
  for (int64_t sum : col) max_col_sum = std::max(max_col_sum, sum);
}

void XbarProgram::hrs_count(const CellConfig& c, uint64_t& hrs, uint64_t& total) const {
  for (int r = 0; r < rows; ++r)
    for (int p = 0; p < pcols; ++p) hrs += uint64_t(hrs_of_level(level_at(r, p), c));
  total += cells() * uint64_t(c.unit_cells());
}

uint64_t XbarProgram::bytes() const {
  return weight.capacity() + level.capacity() + flip.capacity() +
         (g.capacity() + g_ir.capacity() + sa_offset.capacity()) * sizeof(double);
}

int64_t stored_weight(const XbarProgram& x, int row, int col, const CellConfig& c) {
  const int S = c.slices(), sb = c.slice_bits(), H = c.halves();
  int64_t v[2] = {0, 0};
  for (int h = 0; h < H; ++h)
    for (int s = 0; s < S; ++s) v[h] += int64_t(x.level_at(row, (col * H + h) * S + s)) << (s * sb);
  if (H == 2) return v[0] - v[1];
  if (!x.flip.empty() && x.flip[size_t(col)]) v[0] = c.max_code() - v[0];
  return v[0] - (x.negative(row, col) ? c.offset() : 0);
}

namespace {
// Direct cells: acc[j] += the weight's low code bits, negc[j] += its sign bit.
void accumulate_direct(const int8_t* __restrict w, int n, uint8_t mask, int32_t* __restrict acc,
                       int32_t* __restrict negc) {
  for (int j = 0; j < n; ++j) {
    const uint8_t b = uint8_t(w[j]);
    acc[j] += b & mask;
    negc[j] += b >> 7;
  }
}

void accumulate_stored(const uint8_t* __restrict lv, int pc, const int8_t* __restrict w, int wc, bool sign,
                       int32_t* __restrict acc, int32_t* __restrict negc) {
  for (int j = 0; j < pc; ++j) acc[j] += lv[j];
  if (sign)
    for (int j = 0; j < wc; ++j) negc[j] += uint8_t(w[j]) >> 7;
}
// accumulate_levels() without acc: negc[j] += the active rows whose weight j has its sign kept
// digitally; returns the active rows. Sixteen columns per SSE2 step (a compare gives -1 for a
// negative weight, widened to 32 bits and subtracted).
int count_negative_rows(const XbarProgram& x, const uint64_t* mask, int32_t* negc) {
  const int wc = x.wcols, nw = (x.rows + 63) / 64;
  int active = 0;
  for (int w = 0; w < nw; ++w) active += __builtin_popcountll(mask[w]);
  if (!(x.direct() || x.sign_digital)) return active;
  for (int w = 0; w < nw; ++w)
    for (uint64_t m = mask[w]; m; m &= m - 1) {
      const int8_t* wr = x.weight.data() + size_t(w * 64 + __builtin_ctzll(m)) * wc;
      int j = 0;
#ifdef __SSE2__
      for (; j + 16 <= wc; j += 16) {
        const __m128i n8 = _mm_cmplt_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wr + j)), _mm_setzero_si128());
        const __m128i lo = _mm_unpacklo_epi8(n8, n8), hi = _mm_unpackhi_epi8(n8, n8);
        const __m128i n32[4] = {_mm_unpacklo_epi16(lo, lo), _mm_unpackhi_epi16(lo, lo), _mm_unpacklo_epi16(hi, hi),
                                _mm_unpackhi_epi16(hi, hi)};
        __m128i* c = reinterpret_cast<__m128i*>(negc + j);
        for (int q = 0; q < 4; ++q) _mm_storeu_si128(c + q, _mm_sub_epi32(_mm_loadu_si128(c + q), n32[q]));
      }
#endif
      for (; j < wc; ++j) negc[j] += uint8_t(wr[j]) >> 7;
    }
  return active;
}
}  // namespace

int accumulate_levels(const XbarProgram& x, const uint64_t* mask, int32_t* acc, int32_t* negc) {
  if (!acc) return count_negative_rows(x, mask, negc);
  const int nw = (x.rows + 63) / 64;
  int active = 0;
  const int pc = x.pcols, wc = x.wcols;
  for (int w = 0; w < nw; ++w) {
    uint64_t m = mask[w];
    while (m) {
      const int r = w * 64 + __builtin_ctzll(m);
      m &= m - 1;
      ++active;
      const int8_t* wr = x.weight.data() + size_t(r) * wc;
      if (x.direct()) accumulate_direct(wr, wc, x.code_mask, acc, negc);
      else accumulate_stored(x.level.data() + size_t(r) * pc, pc, wr, wc, x.sign_digital, acc, negc);
    }
  }
  return active;
}

double DeviceConfig::step_s(const CellConfig& c) const {
  const double gon = 1e-3 / ron_kohm, goff = 1e-3 / roff_kohm;
  if (!c.bit_sliced) return gon;  // parallel binary-weighted cells: G = code / Ron
  return (gon - goff) / double(c.max_level());
}

double DeviceConfig::conductance_s(int level, const CellConfig& c) const {
  const double goff = 1e-3 / roff_kohm;
  if (!c.bit_sliced) return level == 0 ? goff : double(level) * step_s(c);
  return goff + double(level) * step_s(c);
}

Crossbar::Crossbar(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      m_rows(int(param_int("rows", 64, {"rows (word lines) of one crossbar", "", 1, 4096}))),
      m_cols(int(param_int("cols", 64, {"columns (bit lines) of one crossbar", "", 1, 4096}))),
      m_tech(param_string("tech", "rram_xbar_64x64", {"tech-table component (actions read, program; area per crossbar)"})),
      m_read(action(m_tech, "read")),
      m_program(action(m_tech, "program")),
      m_reads(counter("reads", "", "crossbar reads (a crossbar with at least one driven row, or every mapped one in dense mode)")),
      m_cells_programmed(counter("cells_programmed", "", "cells written when the network was loaded")),
      m_rows_programmed(counter("rows_programmed", "", "crossbar rows written when the network was loaded")),
      m_hrs(counter("hrs_unit_cells", "", "unit cells of the weight-holding cells in the high-resistance state (as programmed)")),
      m_hrs_offset(counter("hrs_unit_cells_offset", "", "the same with SpikeSim's offset encoding of the same weights")),
      m_units(counter("unit_cells", "", "unit cells of the weight-holding cells (parallel: p binary cells per weight)")),
      m_units_offset(counter("unit_cells_offset", "", "unit cells with SpikeSim's offset encoding of the same weights")) {
  m_cells.weight_bits = int(param_int("weight_bits", 8, {"signed weight width (offset-encoded)", "bit", 2, 8}));
  const std::string enc = param_string("cells", "parallel",
                                       {"weight storage: parallel (binary-weighted parallel cells per crosspoint, NICE) or bit_sliced",
                                        "", -1e300, 1e300, {"parallel", "bit_sliced"}});
  m_cells.bit_sliced = enc == "bit_sliced";
  m_cells.cell_bits = int(param_int("cell_bits", 1, {"bits per cell when bit-sliced", "bit", 1, 7}));
  const std::string wenc = param_string("encoding", "offset",
                                        {"signed weight -> cell codes: offset (SpikeSim), flip (offset or its complement per PE "
                                         "column, more high-resistance cells), differential (two columns: max(w,0), max(-w,0))",
                                         "", -1e300, 1e300, {"offset", "flip", "differential"}});
  m_cells.encoding = wenc == "flip" ? WeightEncoding::flip
                     : wenc == "differential" ? WeightEncoding::differential : WeightEncoding::offset;
  m_dev.ron_kohm = param_double("ron_kohm", 19.139, {"on-state resistance (one unit of code)", "kOhm", 1e-3, 1e9});
  m_dev.roff_kohm = param_double("roff_kohm", 25000, {"off-state resistance", "kOhm", 1e-3, 1e12});
  m_dev.read_v = param_double("read_voltage", 0.1, {"read voltage on an active row", "V", 1e-6, 10});
  if (m_cells.pcols_per_weight() > m_cols)
    fail("imc", path() + ".cell_bits: a weight needs " + std::to_string(m_cells.pcols_per_weight()) + " columns, the crossbar has " +
                    std::to_string(m_cols));
}

SPIKETLM_REGISTER_KIND(Crossbar, "imc.crossbar", "imc",
                       "RRAM crossbar: offset-encoded signed weights, parallel or bit-sliced cells, read counts");

}  // namespace spiketlm
