// spiketlm: the spike and activation maps of workload traces (FORMAT.md section 6 and 8.4).
//
// The generator itself is hw/arith/spikegen.h (arith::spike_map, arith::activation_map; the
// algorithm is described there); these functions check their arguments (one-line errors
// naming the field) and take a workload bundle's rates. The same inputs give the same map on
// every machine.
#pragma once
#include "hw/arith/spikegen.h"
#include "traces/src/trace.h"

#include <cstdint>
#include <vector>

namespace spiketlm {

// Exactly round_half_away(rate * n) ones; rate in [0, 1].
std::vector<std::uint8_t> generate_spikes(std::uint64_t seed, int layer, int timestep, double rate, std::size_t n,
                                          int sample = 0);

// The input spike map of layer `layer` of a workload bundle at timestep t (its input_rate[t],
// its in_shape, the bundle's seed). Fails for a layer without input rate. On an ann workload
// this is the 0/1 mask of the non-zero positions of workload_activations().
std::vector<std::uint8_t> workload_spikes(const bundle& b, int layer, int timestep, int sample = 0);

// ANN activation maps (FORMAT.md section 8.4): arith::activation_map, the non-zero positions
// those of generate_spikes(seed, layer, timestep, density, n, sample). density in [0, 1], bits
// in [1, 8].
std::vector<std::uint8_t> generate_activations(std::uint64_t seed, int layer, int timestep, double density, std::size_t n,
                                               int bits, int sample = 0);

// The input activation map of layer `layer` of an ann workload bundle (network ann, e.g. from
// to_ann()): density = its input_rate[0], bits = its in_bits, the bundle's seed. Fails for an
// snn bundle or a layer without input density (a dense multi-bit input such as the first layer).
std::vector<std::uint8_t> workload_activations(const bundle& b, int layer, int sample = 0);

}  // namespace spiketlm
