// spiketlm: the crossbar mapping plan: a network onto IMC crossbars, PEs and tiles (SpikeSim's
// scheme). Plain C++, no SystemC; tested in ImcMapping.*. See tile.md, "Mapping".
//
// A conv layer's Cin input channels are cut into chunks of rows_used rows; a PE holds k x k
// crossbars, one per kernel position (a kernel larger than k x k takes several PEs per
// chunk); its output channels are cut into groups of wcols weight columns. So a layer takes
// ceil(Cin / 64) x ceil(Cout / 64) PEs for 3 x 3 kernels, SpikeSim's count. A linear layer is,
// by default, a 1 x 1 convolution over its in_features (SpikeSim's count; one of the k x k
// crossbars used per PE); with linear_packed its rows fill all k x k crossbars of a PE.
// PEs are placed in layer order, packed across tile boundaries (SpikeSim: tiles =
// ceil(total PEs / PEs per tile)), or each layer from a fresh tile (layer_per_tile).
//
// The PEs of a layer: row group g (a chunk of input rows: groups[g], one XbarRows per crossbar
// of the PE) x column group q (wcols output channels); PE (q, g) is the layer's PE
// q x row_groups + g, and its crossbar j holds program slot (q x row_groups + g) x k^2 + j.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace spiketlm::imc {

struct MapConfig {
  int rows_used = 64;      // crossbar rows a mapping fills
  int wcols = 64;          // weight columns per crossbar
  int kernel = 3;          // a PE holds kernel x kernel crossbars
  int pes_per_tile = 8;
  bool layer_per_tile = false;
  bool linear_packed = false;
};

struct LayerShape {
  std::string name;
  bool linear = false;
  int in_c = 0, kh = 1, kw = 1, out_c = 0;
};

// The rows of one crossbar: conv: channels [c0, c0 + rows) at kernel position pos;
// flat (linear): weight rows [f0, f0 + rows) of the flattened input.
struct XbarRows {
  bool flat = false;
  int c0 = 0, pos = 0, f0 = 0, rows = 0;
};

// Where a crossbar's rows come from in the layer's input map: conv: channels [start, start +
// rows) of the input pixel at (oy stride + dy, ox stride + dx) for output pixel (oy, ox) (the
// kernel position less the padding); flat: values [start, start + rows) of the flattened map.
struct XbarTap {
  int dy = 0, dx = 0, start = 0, rows = 0;
  bool flat = false;
};
XbarTap tap(const XbarRows& x, int kw, int pad);

// The row of the runtime's tiled weight layout [ceil(K / wcols)][W][wcols] (W = in_c kh kw,
// row c kh kw + kernel position) that row r of crossbar x holds; kpos = kh x kw.
inline uint64_t weight_row(const XbarRows& x, int r, int kpos) {
  return x.flat ? uint64_t(x.f0 + r) : uint64_t(x.c0 + r) * uint64_t(kpos) + uint64_t(x.pos);
}

struct LayerMap {
  int row_groups = 0, col_groups = 0, pes = 0;
  int first_pe = 0, first_tile = 0, last_tile = 0;
  int out_c = 0, wcols = 0, xbars_per_pe = 0;  // the layer's outputs, the crossbar's weight columns, k^2
  std::vector<std::vector<XbarRows>> groups;  // [row group][crossbar of the PE]
  uint64_t xbars_used = 0;      // crossbars holding weights (x col groups)
  uint64_t cells_used = 0;      // weight cells holding weights
  int tile_of(int pe_in_layer, int pes_per_tile) const { return (first_pe + pe_in_layer) / pes_per_tile; }
  // The tile of PE (q, g).
  int pe_tile(int q, int g, int pes_per_tile) const { return tile_of(q * row_groups + g, pes_per_tile); }
  // Weight columns (output channels) of column group q.
  int cols(int q) const { return out_c - q * wcols < wcols ? out_c - q * wcols : wcols; }
  // The program slot of crossbar j of PE (q, g).
  size_t slot(int q, int g, int j) const { return (size_t(q) * size_t(row_groups) + size_t(g)) * size_t(xbars_per_pe) + size_t(j); }
  size_t slots() const { return size_t(col_groups) * size_t(row_groups) * size_t(xbars_per_pe); }
};

struct ChipMap {
  std::vector<LayerMap> layers;
  int pes = 0, tiles = 0;
  uint64_t xbars_allocated = 0, xbars_used = 0, cells_used = 0;
  // Share of the cells of every allocated crossbar that hold a weight.
  double utilisation(int xbar_rows, int wcols) const {
    return xbars_allocated ? double(cells_used) / (double(xbars_allocated) * xbar_rows * wcols) : 0.0;
  }
};

LayerMap map_layer(const LayerShape& l, const MapConfig& c);
ChipMap map_network(const std::vector<LayerShape>& layers, const MapConfig& c);

// The first layer (index into chip.layers) that needs a tile beyond a chip of `tiles` tiles;
// -1 when every layer fits or tiles <= 0 (a chip sized to the network).
int first_unfit(const ChipMap& chip, int tiles);

// LIF circuits of a firing layer: one per output channel of every column group (each column's
// result has its own circuit), one per `share` channels with C#n sharing.
int lif_circuits(int out_c, int wcols, int share);

}  // namespace spiketlm::imc
