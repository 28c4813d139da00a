// spiketlm: the IMC datapath of a layer: crossbar programming, crossbar reads (driven rows,
// ADCs, shift-and-add, tile accumulation), the tile's output path (LIF/IF or ReLU units,
// pooling, residual adds) and the energy counts of a layer's timesteps. Not a module: it runs
// on the chip's units (ImcTile with its PE and neuron units, the Noc) for the IMC executor
// (imc_executor.h). See imc_controller.md, "Datapath".
//
//   xbar_program.cpp   program(): weights -> crossbar programs (once per network load)
//   xbar_read.cpp      read(): one timestep's partial sums of a compute layer
//   imc_datapath.cpp   the output path and charge_*(): the energy of the timesteps run
#pragma once
#include <cstdint>
#include <vector>

#include "hw/ctrl/layer_cmd.h"
#include "hw/imc/mapping.h"
#include "hw/imc/noc_schedule.h"
#include "hw/imc/tile.h"
#include "hw/noc/noc.h"

namespace spiketlm {

// A layer's maps on chip: one per timestep, or one map for every timestep.
struct ImcMaps {
  int c = 0, h = 0, w = 0, planes = 1;
  bool is_signed = false;
  std::vector<std::vector<int32_t>> t;
  std::vector<int64_t> ones;  // per map of t: its set bits where its producer counted them, else -1
  const std::vector<int32_t>& at(int ts) const { return t.size() == 1 ? t[0] : t[size_t(ts)]; }
  size_t size() const { return size_t(c) * size_t(h) * size_t(w); }
  // Appends a map with its set bits (-1: not counted).
  void push(std::vector<int32_t> v, int64_t set_bits) {
    t.push_back(std::move(v));
    ones.resize(t.size(), -1);
    ones.back() = set_bits;
  }
  // The set bits of at(ts) where counted, else -1.
  int64_t ones_at(int ts) const {
    const size_t i = t.size() == 1 ? 0 : size_t(ts);
    return i < ones.size() ? ones[i] : -1;
  }
};

// The crossbars of one compute layer: its mapping and one program per crossbar that holds
// weights. A PE's crossbars without weights (a linear layer uses one of a PE's k^2) take no
// program: 51,200 of VGG16 Tiny-ImageNet's 61,200 on SpikeFlow, 9 MiB of empty programs.
struct ImcLayerProgram {
  imc::LayerMap map;
  std::vector<XbarProgram> progs;  // the crossbars holding weights, in slot order
  std::vector<int32_t> index;      // [LayerMap::slot] -> its program in progs, -1: no weights
  // The program of a slot, nullptr for a crossbar without weights.
  const XbarProgram* at(size_t slot) const { return index[slot] < 0 ? nullptr : &progs[size_t(index[slot])]; }
};

// Activity of a compute layer's crossbar reads.
struct ImcCounts {
  uint64_t pe_cycles = 0, active_pe_cycles = 0, xbar_reads = 0, active_xbar_reads = 0, accumulates = 0;
  std::vector<uint64_t> active_by_group;  // active PE cycles per row group (per column group)
  void add(const ImcCounts& o);
};

class ImcDatapath {
 public:
  struct Config {
    bool dense = false;      // SpikeSim's dense counting
    bool zero_skip = true;   // no read (and no PE cycle) without a driven row
    int rows_used = 64;      // crossbar rows the mapping fills
    // Read multi-bit inputs plane by plane through the PEs even where the partial sums could be
    // taken by value and the counts for every plane at once (the general path: tests compare,
    // the same psums and counts).
    bool plane_loop = false;
    int dense_factor = 8, dense_hops = 8, dense_neuron = 4;  // SpikeSim's multipliers per PE cycle
  };
  ImcDatapath(ImcTile& tile, Noc& noc, const Config& c) : m_tile(tile), m_noc(noc), m_cfg(c) {}
  const Config& config() const { return m_cfg; }

  // Programs the crossbars of compute layer L (mapping m) from its weights w in the runtime's
  // tiled layout [ceil(K / wcols)][W][wcols]; crossbars are numbered from `index` on (it
  // advances). Counts the programming and the cells' states. Returns the rows written.
  uint64_t program(const LayerCmd& L, const imc::LayerMap& m, const std::vector<int8_t>& w, uint64_t& index,
                   ImcLayerProgram& out);

  // Timestep ts of compute layer L: psum[k npx + p] (output channel k, pixel p) from the input
  // map; counts the activity into c (pe_cycles, reads, accumulates, active_by_group).
  void read(const LayerCmd& L, const ImcLayerProgram& P, const ImcMaps& in, int ts, std::vector<int64_t>& psum,
            ImcCounts& c);

  // The output path of a compute layer or an add: LIF/IF units (membranes mem), ReLU +
  // requantize (ANN), or (not firing) the int32 accumulations; returns the spikes (non-zero
  // activations) fired. An accumulation beyond int32 refuses the run.
  uint64_t output(const LayerCmd& L, const std::vector<int64_t>& psum, std::vector<int32_t>& mem, std::vector<int32_t>& out);
  // A residual add's sum a + b into psum.
  static void add_operands(const std::vector<int32_t>& a, const std::vector<int32_t>& b, std::vector<int64_t>& psum);
  // Max (OR on spikes) or average (window sum) pooling in the output path; returns the
  // non-zero outputs.
  uint64_t pool(const LayerCmd& L, const std::vector<int32_t>& in, std::vector<int32_t>& out);

  // The energy of `ran` timesteps of compute layer L (its activity `total`, its place in the
  // network `nl`: input planes and producer, traffic); returns the bytes it put on the NoC.
  uint64_t charge_compute(const LayerCmd& L, const ImcLayerProgram& P, const ImcCounts& total, uint64_t ran,
                          const imc::NetLayer& nl, const imc::LayerTraffic& tr);
  // The energy of `ran` timesteps of an add (out_elems outputs); returns its NoC bytes.
  uint64_t charge_add(uint64_t out_elems, uint64_t ran, const imc::LayerTraffic& tr);

 private:
  ImcTile& m_tile;
  Noc& m_noc;
  Config m_cfg;
  PeScratch m_scratch;
};

}  // namespace spiketlm
