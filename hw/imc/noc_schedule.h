// spiketlm: the NoC schedule of an IMC run: which transfers cross the network on chip between
// tiles, and which go to and from the global buffer, when, and how many bytes. Plain C++, no
// SystemC (the executor charges and times the transfers on the Noc, the DMA and the buffer);
// tested in ImcNocSchedule.*. See imc_controller.md, "NoC schedule".
#pragma once
#include <cstdint>
#include <vector>

#include "hw/imc/mapping.h"

namespace spiketlm::imc {

// What the schedule (and the layer pipeline, pipeline.h) needs to know of a descriptor layer.
struct NetLayer {
  enum class Kind { compute, add, pool };
  Kind kind = Kind::compute;
  uint32_t id = 0;          // descriptor index
  bool fires = false;       // ends in the tile's neuron units (LIF/IF or ReLU)
  int map = -1;             // compute: its index in ChipMap::layers
  int src = -1, src2 = -1;  // producers of the input and of an add's operand 2 (layer index; -1: DRAM)
  uint64_t npx = 0;         // output pixels
  uint64_t out_elems = 0;   // output values per timestep (out_c x npx)
  int out_planes = 1;       // bits per output value on the NoC (spikes 1, activations act_bits)
  int in_planes = 1;        // bit planes of the input map (PE cycles per pixel and ADC pass)
  int in2_bits = 32;        // add: bits per operand-2 value (its planes for spikes/activations, else 32)
  uint64_t in_map_bytes = 0;  // one input map as stored in DRAM
  bool input_per_t = false;   // DRAM-fed: one input map per timestep (else one for all)
};

// The producer of `addr` for layer i: the latest earlier layer whose output is at `addr`
// (-1: none, the map comes from DRAM). out_addr[j] is layer j's output address.
int producer(const std::vector<uint64_t>& out_addr, size_t i, uint64_t addr);

enum class Flow { psum, output, shortcut };

// One tile-to-tile transfer of `bytes`.
struct Transfer {
  Flow flow = Flow::output;
  int src = 0, dst = 0;  // tiles
  uint64_t bytes = 0;
  int row_group = -1;    // psum: the sending PE's row group
};

struct LayerTraffic {
  int home = 0;  // the tile whose output path holds the layer's result
  int next = 0;  // where its outputs go: the next compute layer's first tile, else home
  // Partial sums of a row-group PE in another tile than its column group's first PE (4 B per
  // weight column): one transfer per PE cycle of that row group (per active one when zero
  // PE cycles are skipped).
  std::vector<Transfer> per_cycle;
  // Once per timestep: a firing layer's output map to `next` (1 bit per spike, act_bits per
  // activation); an add's shortcut from operand 2's home, then its output map to `next`.
  std::vector<Transfer> per_timestep;
};

std::vector<LayerTraffic> noc_schedule(const std::vector<NetLayer>& layers, const ChipMap& chip, int pes_per_tile);

// Transfers to and from the global buffer of one run (offsets from the buffer's base).
struct GlbPlan {
  struct Input {
    int layer = 0;                // a DRAM-fed layer
    uint64_t map_bytes = 0;
    int upfront = 1;              // maps read when the run starts (T: one per timestep, read ahead)
    bool per_timestep = false;    // one more map when each later timestep starts (early exit)
    bool via_glb = false;         // DRAM -> global buffer (DMA) -> tiles, timed; else untimed
    bool counts_dram = false;     // its bytes are the run's DRAM_BYTES (the network input)
  };
  std::vector<Input> inputs;
  // Early exit: after each timestep the output layer's logits (logit_bytes) are written at
  // stage + t x logit_bytes (above the first input map, 32-B aligned), where the exit unit
  // reads them; at the end they go on to DRAM from there.
  bool staged = false;
  uint64_t stage = 0, logit_bytes = 0;
  uint64_t capacity = 0;        // the buffer's bytes
  enum class OutputPath { staged, via_glb, direct };
  // The output layer's accumulations of the timesteps run ([ran][K npx] int32) to DRAM: from
  // the staging area, through the buffer when they fit, else written directly (untimed).
  OutputPath output_path(uint64_t bytes) const {
    return staged ? OutputPath::staged : bytes <= capacity ? OutputPath::via_glb : OutputPath::direct;
  }
};

// timesteps T; exit_on: the run may stop after a timestep; dense: SpikeSim's dense mode (no
// input or logit timing); logit_bytes: the output layer's int32 values per timestep (0: none).
GlbPlan glb_plan(const std::vector<NetLayer>& layers, int timesteps, bool exit_on, bool dense, uint64_t capacity,
                 uint64_t logit_bytes);

}  // namespace spiketlm::imc
