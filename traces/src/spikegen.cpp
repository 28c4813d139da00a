#include "traces/src/spikegen.h"

#include "tlm/error.h"
#include "traces/src/golden.h"

#include <numeric>

namespace spiketlm {

namespace {
constexpr std::uint64_t k_gamma = 0x9E3779B97F4A7C15ULL;
std::uint64_t finalise(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
}  // namespace

std::uint64_t splitmix64_mix(std::uint64_t x) { return finalise(x + k_gamma); }

spike_generator::spike_generator(std::uint64_t seed, int layer, int timestep, int sample) : m_state(seed) {
  m_state = splitmix64_mix(m_state ^ static_cast<std::uint64_t>(layer));
  m_state = splitmix64_mix(m_state ^ static_cast<std::uint64_t>(timestep));
  m_state = splitmix64_mix(m_state ^ static_cast<std::uint64_t>(sample));
}

std::uint64_t spike_generator::next() {
  m_state += k_gamma;
  return finalise(m_state);
}

std::uint64_t spike_generator::uniform(std::uint64_t m) {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * m) >> 64);
}

std::vector<std::uint8_t> generate_spikes(std::uint64_t seed, int layer, int timestep, double rate, std::size_t n,
                                          int sample) {
  if (!(rate >= 0.0 && rate <= 1.0))
    fail("trace", "spike generator: rate: expected a value in [0, 1], got " + std::to_string(rate));
  const auto k = static_cast<std::size_t>(golden::round_half_away(rate * static_cast<double>(n)));
  std::vector<std::uint32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0u);
  spike_generator g(seed, layer, timestep, sample);
  std::vector<std::uint8_t> s(n, 0);
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(g.uniform(n - i));
    std::swap(idx[i], idx[j]);
    s[idx[i]] = 1;
  }
  return s;
}

std::vector<std::uint8_t> generate_activations(std::uint64_t seed, int layer, int timestep, double density, std::size_t n,
                                               int bits, int sample) {
  if (!(density >= 0.0 && density <= 1.0))
    fail("trace", "activation generator: density: expected a value in [0, 1], got " + std::to_string(density));
  if (bits < 1 || bits > 8)
    fail("trace", "activation generator: bits: expected an integer in [1, 8], got " + std::to_string(bits));
  const auto k = static_cast<std::size_t>(golden::round_half_away(density * static_cast<double>(n)));
  std::vector<std::uint32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0u);
  spike_generator g(seed, layer, timestep, sample);
  for (std::size_t i = 0; i < k; ++i) std::swap(idx[i], idx[i + static_cast<std::size_t>(g.uniform(n - i))]);
  std::vector<std::uint8_t> a(n, 0);
  const std::uint64_t levels = (std::uint64_t(1) << bits) - 1;  // non-zero values 1 .. 2^bits - 1
  for (std::size_t i = 0; i < k; ++i) a[idx[i]] = static_cast<std::uint8_t>(1 + g.uniform(levels));
  return a;
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
