// spiketlm: mapping of a network onto IMC crossbars, PEs and tiles (SpikeSim's scheme).
// Plain C++, no SystemC. See tile.md, "Mapping".
//
// A conv layer's Cin input channels are cut into chunks of rows_used rows; a PE holds k x k
// crossbars, one per kernel position (a kernel larger than k x k takes several PEs per
// chunk); its output channels are cut into groups of wcols weight columns. So a layer takes
// ceil(Cin / 64) x ceil(Cout / 64) PEs for 3 x 3 kernels, SpikeSim's count. A linear layer is,
// by default, a 1 x 1 convolution over its in_features (SpikeSim's count; one of the k x k
// crossbars used per PE); with linear_packed its rows fill all k x k crossbars of a PE.
// PEs are placed in layer order, packed across tile boundaries (SpikeSim: tiles =
// ceil(total PEs / PEs per tile)), or each layer from a fresh tile (layer_per_tile).
#pragma once
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

struct LayerMap {
  int row_groups = 0, col_groups = 0, pes = 0;
  int first_pe = 0, first_tile = 0, last_tile = 0;
  std::vector<std::vector<XbarRows>> groups;  // [row group][crossbar of the PE]
  uint64_t xbars_used = 0;      // crossbars holding weights (x col groups)
  uint64_t cells_used = 0;      // weight cells holding weights
  int tile_of(int pe_in_layer, int pes_per_tile) const { return (first_pe + pe_in_layer) / pes_per_tile; }
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

}  // namespace spiketlm::imc
