#include "hw/imc/mapping.h"

#include <algorithm>

namespace spiketlm::imc {

namespace {
int cdiv(int a, int b) { return (a + b - 1) / b; }
}  // namespace

LayerMap map_layer(const LayerShape& l, const MapConfig& c) {
  LayerMap m;
  const int R = c.rows_used, K2 = c.kernel * c.kernel;
  m.out_c = l.out_c;
  m.wcols = c.wcols;
  m.xbars_per_pe = K2;
  m.col_groups = cdiv(l.out_c, c.wcols);
  if (l.linear) {
    const int F = l.in_c * l.kh * l.kw;
    if (c.linear_packed) {
      for (int f0 = 0; f0 < F; f0 += R * K2) {
        std::vector<XbarRows> g;
        for (int j = 0; j < K2 && f0 + j * R < F; ++j) {
          XbarRows x;
          x.flat = true;
          x.f0 = f0 + j * R;
          x.rows = std::min(R, F - x.f0);
          g.push_back(x);
        }
        m.groups.push_back(g);
      }
    } else {
      for (int f0 = 0; f0 < F; f0 += R) {
        XbarRows x;
        x.flat = true;
        x.f0 = f0;
        x.rows = std::min(R, F - f0);
        m.groups.push_back({x});
      }
    }
  } else {
    const int P = l.kh * l.kw;
    for (int c0 = 0; c0 < l.in_c; c0 += R)
      for (int p0 = 0; p0 < P; p0 += K2) {
        std::vector<XbarRows> g;
        for (int p = p0; p < std::min(P, p0 + K2); ++p) {
          XbarRows x;
          x.c0 = c0;
          x.pos = p;
          x.rows = std::min(R, l.in_c - c0);
          g.push_back(x);
        }
        m.groups.push_back(g);
      }
  }
  m.row_groups = int(m.groups.size());
  m.pes = m.row_groups * m.col_groups;
  for (int q = 0; q < m.col_groups; ++q) {
    const int wc = m.cols(q);
    for (const auto& g : m.groups)
      for (const auto& x : g) {
        m.xbars_used += 1;
        m.cells_used += uint64_t(x.rows) * uint64_t(wc);
      }
  }
  return m;
}

ChipMap map_network(const std::vector<LayerShape>& layers, const MapConfig& c) {
  ChipMap chip;
  int next = 0;
  for (const auto& l : layers) {
    LayerMap m = map_layer(l, c);
    if (c.layer_per_tile) next = cdiv(next, c.pes_per_tile) * c.pes_per_tile;
    m.first_pe = next;
    next += m.pes;
    m.first_tile = m.first_pe / c.pes_per_tile;
    m.last_tile = (next - 1) / c.pes_per_tile;
    chip.xbars_used += m.xbars_used;
    chip.cells_used += m.cells_used;
    chip.pes += m.pes;
    chip.layers.push_back(std::move(m));
  }
  chip.tiles = cdiv(next, c.pes_per_tile);
  chip.xbars_allocated = uint64_t(chip.tiles) * c.pes_per_tile * c.kernel * c.kernel;
  return chip;
}

XbarTap tap(const XbarRows& x, int kw, int pad) {
  XbarTap t;
  t.flat = x.flat;
  t.rows = x.rows;
  t.start = x.flat ? x.f0 : x.c0;
  if (!x.flat) {
    t.dy = x.pos / kw - pad;
    t.dx = x.pos % kw - pad;
  }
  return t;
}

int first_unfit(const ChipMap& chip, int tiles) {
  if (tiles <= 0) return -1;
  for (size_t i = 0; i < chip.layers.size(); ++i)
    if (chip.layers[i].last_tile >= tiles) return int(i);
  return -1;
}

int lif_circuits(int out_c, int wcols, int share) {
  int n = 0;
  for (int q = 0; q * wcols < out_c; ++q) n += cdiv(std::min(wcols, out_c - q * wcols), share);
  return n;
}

}  // namespace spiketlm::imc
