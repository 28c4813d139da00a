// The IMC datapath: programming the crossbars of a compute layer (imc_datapath.h).
#include <algorithm>
#include <string>

#include "hw/imc/imc_datapath.h"

namespace spiketlm {

namespace {

// The weights crossbar x of column group q holds: sub[r * wc + c], from the tiled layout.
void crossbar_weights(const std::vector<int8_t>& w, uint64_t W, int wc_max, int q, int wc, int kpos,
                      const imc::XbarRows& x, std::vector<int8_t>& sub) {
  sub.assign(size_t(x.rows) * size_t(wc), 0);
  for (int r = 0; r < x.rows; ++r) {
    const uint64_t row = imc::weight_row(x, r, kpos);
    const int8_t* src = w.data() + (uint64_t(q) * W + row) * uint64_t(wc_max);
    std::copy(src, src + wc, sub.begin() + ptrdiff_t(size_t(r) * size_t(wc)));
  }
}

// Counts the cells' high-resistance share as programmed and, for comparison, as SpikeSim's
// offset encoding would store the same weights.
void count_cells(Crossbar& xb, const XbarProgram& x, const std::vector<int8_t>& sub, int wc) {
  uint64_t hrs = 0, units = 0, hrs0 = 0, units0 = 0;
  x.hrs_count(xb.cells(), hrs, units);
  if (xb.cells().encoding == WeightEncoding::offset) {
    hrs0 = hrs;
    units0 = units;
  } else {
    CellConfig offset_cells = xb.cells();
    offset_cells.encoding = WeightEncoding::offset;
    XbarProgram o;
    o.program(sub.data(), x.rows, wc, wc, offset_cells, xb.path());
    o.hrs_count(offset_cells, hrs0, units0);
  }
  xb.count_hrs(hrs, units, hrs0, units0);
}

}  // namespace

uint64_t ImcDatapath::program(const LayerCmd& L, const imc::LayerMap& m, const std::vector<int8_t>& w, uint64_t& index,
                              ImcLayerProgram& out) {
  ImcPe& pe = m_tile.pe();
  Crossbar& xb = pe.xbar();
  const uint64_t W = L.g.w_dim();
  const int kpos = L.g.kh * L.g.kw;
  const std::string who = xb.path() + " (layer " + std::to_string(L.id) + ")";
  out.map = m;
  out.index.assign(m.slots(), -1);
  size_t held = 0;
  for (const auto& group : m.groups) held += group.size();
  out.progs.clear();
  out.progs.reserve(held * size_t(m.col_groups));
  uint64_t rows = 0;
  for (int q = 0; q < m.col_groups; ++q) {
    const int wc = m.cols(q);
    for (int g = 0; g < m.row_groups; ++g) {
      // The weights of every crossbar of this PE (their currents share the column lines, so
      // the flip encoding decides per PE column over all of them).
      const std::vector<imc::XbarRows>& group = m.groups[size_t(g)];
      std::vector<std::vector<int8_t>> subs(group.size());
      std::vector<int64_t> votes(size_t(wc), 0);
      for (size_t j = 0; j < group.size(); ++j) {
        crossbar_weights(w, W, m.wcols, q, wc, kpos, group[j], subs[j]);
        if (xb.cells().encoding == WeightEncoding::flip)
          flip_votes(subs[j].data(), group[j].rows, wc, wc, xb.cells(), votes.data());
      }
      std::vector<uint8_t> flips(size_t(wc), 0);
      for (int c = 0; c < wc; ++c) flips[size_t(c)] = votes[size_t(c)] > 0;
      for (size_t j = 0; j < group.size(); ++j) {
        out.index[m.slot(q, g, int(j))] = int32_t(out.progs.size());
        XbarProgram& x = out.progs.emplace_back();
        x.program(subs[j].data(), group[j].rows, wc, wc, xb.cells(), who, flips.data());
        x.index = index++;
        pe.column().program(x, xb.cells(), xb.device());
        count_cells(xb, x, subs[j], wc);
        xb.count_program(uint64_t(group[j].rows) * uint64_t(x.pcols), uint64_t(group[j].rows));
        rows += uint64_t(group[j].rows);
      }
    }
  }
  return rows;
}

}  // namespace spiketlm
