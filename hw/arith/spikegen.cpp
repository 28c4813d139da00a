#include "hw/arith/spikegen.h"

#include <numeric>
#include <utility>

#include "hw/arith/fixed_point.h"

namespace spiketlm::arith {

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

std::vector<std::uint8_t> spike_map(std::uint64_t seed, int layer, int timestep, double rate, std::size_t n,
                                    int sample) {
  const auto k = static_cast<std::size_t>(round_half_away(rate * static_cast<double>(n)));
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

std::vector<std::uint8_t> activation_map(std::uint64_t seed, int layer, int timestep, double density, std::size_t n,
                                         int bits, int sample) {
  const auto k = static_cast<std::size_t>(round_half_away(density * static_cast<double>(n)));
  std::vector<std::uint32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0u);
  spike_generator g(seed, layer, timestep, sample);
  for (std::size_t i = 0; i < k; ++i) std::swap(idx[i], idx[i + static_cast<std::size_t>(g.uniform(n - i))]);
  std::vector<std::uint8_t> a(n, 0);
  const std::uint64_t levels = (std::uint64_t(1) << bits) - 1;  // non-zero values 1 .. 2^bits - 1
  for (std::size_t i = 0; i < k; ++i) a[idx[i]] = static_cast<std::uint8_t>(1 + g.uniform(levels));
  return a;
}

}  // namespace spiketlm::arith
