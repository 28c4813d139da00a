#include "traces/src/spikegen.h"

#include "tlm/error.h"

namespace spiketlm {

std::vector<std::uint8_t> generate_spikes(std::uint64_t seed, int layer, int timestep, double rate, std::size_t n,
                                          int sample) {
  if (!(rate >= 0.0 && rate <= 1.0))
    fail("trace", "spike generator: rate: expected a value in [0, 1], got " + std::to_string(rate));
  return arith::spike_map(seed, layer, timestep, rate, n, sample);
}

std::vector<std::uint8_t> generate_activations(std::uint64_t seed, int layer, int timestep, double density, std::size_t n,
                                               int bits, int sample) {
  if (!(density >= 0.0 && density <= 1.0))
    fail("trace", "activation generator: density: expected a value in [0, 1], got " + std::to_string(density));
  if (bits < 1 || bits > 8)
    fail("trace", "activation generator: bits: expected an integer in [1, 8], got " + std::to_string(bits));
  return arith::activation_map(seed, layer, timestep, density, n, bits, sample);
}

std::vector<std::uint8_t> workload_activations(const bundle& b, int layer, int sample) {
  if (!b.ann())
    fail("trace", b.dir + ": network: expected ann for activation maps (see to_ann), got " + b.network);
  if (layer < 0 || layer >= static_cast<int>(b.layers.size()))
    fail("trace", b.dir + ": layer: expected an index in [0, " + std::to_string(b.layers.size() - 1) + "], got " +
                      std::to_string(layer));
  const auto& l = b.layers[static_cast<std::size_t>(layer)];
  if (l.input_rate.empty())
    fail("trace", b.dir + ": layers[" + std::to_string(layer) + "].input_rate: expected an activation density, got none (" +
                      l.name + " has a dense multi-bit input)");
  return generate_activations(b.seed, layer, 0, l.input_rate[0], l.in_shape.size(), l.in_bits, sample);
}

std::vector<std::uint8_t> workload_spikes(const bundle& b, int layer, int timestep, int sample) {
  if (layer < 0 || layer >= static_cast<int>(b.layers.size()))
    fail("trace", b.dir + ": layer: expected an index in [0, " + std::to_string(b.layers.size() - 1) + "], got " +
                      std::to_string(layer));
  const auto& l = b.layers[static_cast<std::size_t>(layer)];
  if (l.input_rate.empty())
    fail("trace", b.dir + ": layers[" + std::to_string(layer) + "].input_rate: expected a spike rate, got none (" +
                      l.name + " has no spike input)");
  if (timestep < 0 || timestep >= b.timesteps)
    fail("trace", b.dir + ": timestep: expected an index in [0, " + std::to_string(b.timesteps - 1) + "], got " +
                      std::to_string(timestep));
  return generate_spikes(b.seed, layer, timestep, l.input_rate[static_cast<std::size_t>(timestep)], l.in_shape.size(),
                         sample);
}

}  // namespace spiketlm
