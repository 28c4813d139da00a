// spiketlm: what the mapping explorer needs of a network (a trace bundle's layers as sizes in
// bytes and operation counts; pure, no SystemC). See map.md.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hw/compute/conv_geom.h"

namespace spiketlm {

struct bundle;

namespace map {

struct ArrayShape {
  uint64_t rows = 16, cols = 8;  // PE array R x C
  int membrane_bytes = 4;        // one neuron state
};

// One layer of the network as the cost model sees it. Bytes are per timestep unless named.
struct MapLayer {
  std::string name;
  bool compute = false;            // conv2d / linear (runs on the PE array)
  bool fires = false;              // has neurons (a state unless removed)
  bool pool = false, add = false;  // max / average pooling; residual add
  bool flatten = false;            // a view of its producer's map (no descriptor, no traffic)
  uint64_t weight_bytes = 0;       // int8 weights
  uint64_t in_bytes = 0;           // one timestep's input map(s) (spikes: 1 bit each)
  uint64_t out_bytes = 0;          // one timestep's output map (spikes 1 bit, else int32)
  uint64_t state_bytes = 0;        // neurons x membrane bytes (0 without neurons)
  uint64_t neurons = 0;            // output elements updated per timestep
  uint64_t ops = 0;                // accumulates (spike inputs, at the input rates) or MACs, all timesteps
  uint64_t cycles_t = 0;           // PE-array cycles of one timestep (SCALE-Sim v2 OS closed form)
  uint64_t filter_reads_t = 0;     // GLB -> PE weight bytes of one timestep (SCALE-Sim v2 OS)
  uint64_t ifmap_reads_t = 0;      // GLB -> PE input bytes of one timestep (SCALE-Sim v2 OS)
  ConvGeom geom;                   // compute and pooling layers: as the engine sees them (a linear
                                   // layer's kernel covers its input map)
  int in_planes = 1, out_planes = 1;
  bool ann = false;                // multiply-accumulate PEs (one element per multi-bit input)
  std::vector<uint64_t> ops_t;     // ops of each timestep (they add up to ops)
  // Where the runtime firmware (sw/fw/runtime.cpp, Runtime::lay_out) puts the layer's tensors in
  // DRAM (from address 0; network_run.h): the transfers' bursts and GLB blocks depend on it.
  uint64_t in_addr = 0, in2_addr = 0, out_addr = 0, w_addr = 0, mem_addr = 0;
  bool input_per_t = true;         // one input map per timestep (else one for all: direct coding)
  bool in2_spikes = false;         // add: operand 2 is bit planes (in2_planes of them), else int32
  int in2_planes = 1;
  std::vector<int> producers;      // layer indices (-1: the network input)
  std::vector<int> consumers;      // layer indices (empty: the network output)
};

struct Network {
  std::string name;
  int timesteps = 1;
  std::vector<MapLayer> layers;
  int index(const std::string& layer) const;  // -1 if none
};

// The network of a bundle on an R x C array (workload or functional; ANN bundles: T = 1): its
// shapes and sizes, accumulates at the input rates (functional bundles: dense), no addresses.
// The cost model wants network_as_run (network_run.h).
Network network_of(const bundle& b, const ArrayShape& a);

}  // namespace map
}  // namespace spiketlm
