#include "hw/imc/crossbar.h"

#include <algorithm>

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
// stored_weight() of a cell position whose levels are the slices of codes[] (halves as there).
int64_t stored_value(const uint32_t codes[2], bool negative, bool flipped, const CellConfig& c, uint32_t cmask) {
  const int64_t v0 = int64_t(codes[0] & cmask);
  if (c.halves() == 2) return v0 - int64_t(codes[1] & cmask);
  return (flipped ? c.max_code() - v0 : v0) - (negative ? c.offset() : 0);
}
}  // namespace

void XbarProgram::program(const int8_t* w, int nrows, int nwcols, int wstride, const CellConfig& c,
                          const std::string& who, const uint8_t* flips) {
  const int S = c.slices(), sb = c.slice_bits(), H = c.halves();
  const uint32_t smask = (1u << sb) - 1u;
  rows = nrows;
  wcols = nwcols;
  pcols = nwcols * S * H;
  level.assign(size_t(rows) * pcols, 0);
  neg.assign(size_t(rows) * wcols, 0);
  flip.assign(size_t(wcols), 0);
  g.clear();
  g_ir.clear();
  sa_offset.clear();
  if (c.encoding == WeightEncoding::flip) {
    if (flips) {
      for (int j = 0; j < wcols; ++j) flip[size_t(j)] = flips[j] ? 1 : 0;
    } else {
      std::vector<int64_t> v(size_t(wcols), 0);
      flip_votes(w, rows, wcols, wstride, c, v.data());
      for (int j = 0; j < wcols; ++j) flip[size_t(j)] = v[size_t(j)] > 0;
    }
  }
  weight.resize(size_t(rows) * wcols);
  const uint32_t cmask = S * sb >= 32 ? ~0u : (1u << (S * sb)) - 1u;
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < wcols; ++j) {
      const int v = w[size_t(r) * wstride + j];
      bool n = false;
      if (v < c.wmin() || v > c.wmax())
        fail("imc", who + ": weight " + std::to_string(v) + " does not fit weight_bits " + std::to_string(c.weight_bits) +
                        " (range " + std::to_string(c.wmin()) + ".." + std::to_string(c.wmax()) + ")");
      uint32_t codes[2] = {0, 0};
      if (c.encoding == WeightEncoding::differential) {
        codes[0] = uint32_t(v > 0 ? v : 0);
        codes[1] = uint32_t(v < 0 ? -v : 0);
      } else {
        encode_weight(v, c, codes[0], n);
        neg[size_t(r) * wcols + j] = n;
        if (flip[size_t(j)]) codes[0] = uint32_t(c.max_code()) - codes[0];
      }
      for (int h = 0; h < H; ++h)
        for (int s = 0; s < S; ++s)
          level[size_t(r) * pcols + (size_t(j) * H + h) * S + s] = uint8_t((codes[h] >> (s * sb)) & smask);
      // What stored_weight() reads back from these levels, from the codes directly: the slices
      // hold the code's low S x sb bits (setup cost, issue 19: no per-cell re-read).
      weight[size_t(r) * wcols + j] = int16_t(stored_value(codes, n, flip[size_t(j)] != 0, c, cmask));
    }
  // Column sums of levels, row by row (each row's levels are contiguous).
  std::vector<int64_t> col(size_t(pcols), 0);
  for (int r = 0; r < rows; ++r) {
    const uint8_t* lv = level.data() + size_t(r) * pcols;
    for (int p = 0; p < pcols; ++p) col[size_t(p)] += lv[p];
  }
  max_col_sum = 0;
  for (int64_t sum : col) max_col_sum = std::max(max_col_sum, sum);
}

void XbarProgram::hrs_count(const CellConfig& c, uint64_t& hrs, uint64_t& total) const {
  for (uint8_t l : level) hrs += uint64_t(hrs_of_level(l, c));
  total += uint64_t(level.size()) * uint64_t(c.unit_cells());
}

int64_t stored_weight(const XbarProgram& x, int row, int col, const CellConfig& c) {
  const int S = c.slices(), sb = c.slice_bits(), H = c.halves();
  int64_t v[2] = {0, 0};
  for (int h = 0; h < H; ++h)
    for (int s = 0; s < S; ++s) v[h] += int64_t(x.level[size_t(row) * x.pcols + (size_t(col) * H + h) * S + s]) << (s * sb);
  if (H == 2) return v[0] - v[1];
  if (!x.flip.empty() && x.flip[size_t(col)]) v[0] = c.max_code() - v[0];
  return v[0] - (x.neg[size_t(row) * x.wcols + col] ? c.offset() : 0);
}

int accumulate_levels(const XbarProgram& x, const uint64_t* mask, int32_t* acc, int32_t* negc) {
  const int nw = (x.rows + 63) / 64;
  int active = 0;
  const int pc = x.pcols, wc = x.wcols;
  for (int w = 0; w < nw; ++w) {
    uint64_t m = mask[w];
    while (m) {
      const int r = w * 64 + __builtin_ctzll(m);
      m &= m - 1;
      ++active;
      const uint8_t* lv = x.level.data() + size_t(r) * pc;
      for (int j = 0; j < pc; ++j) acc[j] += lv[j];
      const uint8_t* ng = x.neg.data() + size_t(r) * wc;
      for (int j = 0; j < wc; ++j) negc[j] += ng[j];
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
