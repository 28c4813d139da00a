// spiketlm arith: the seeded deterministic spike generator (traces/FORMAT.md section 6). Pure
// C++ (no SystemC). See arith.md.
//
// For (seed, sample, layer, timestep, rate) over a map of n neurons it sets exactly
// k = round_half_away(rate * n) ones at positions drawn uniformly without replacement:
//   state = seed; for v in (layer, timestep, sample): state = mix(state ^ v)
//   mix(x) = splitmix64 finaliser of x + 0x9E3779B97F4A7C15
//   next() = splitmix64 step on state (state += 0x9E3779B97F4A7C15; return finaliser(state))
//   uniform(m) = (next() * m) >> 64 (128-bit product)
//   partial Fisher-Yates on idx = 0..n-1: for i in 0..k-1: j = i + uniform(n - i); swap
//   idx[i], idx[j]; the ones are idx[0..k-1].
// The same inputs give the same map on every machine.
//
// These functions do not check their arguments (preconditions below); the trace library's
// generate_spikes() / generate_activations() (traces/src/spikegen.h) check them and name the
// bad one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace spiketlm::arith {

std::uint64_t splitmix64_mix(std::uint64_t x);  // the finaliser applied to x + 0x9E3779B97F4A7C15

class spike_generator {
 public:
  spike_generator(std::uint64_t seed, int layer, int timestep, int sample = 0);
  std::uint64_t next();
  std::uint64_t uniform(std::uint64_t m);  // in [0, m)

 private:
  std::uint64_t m_state;
};

// Exactly round_half_away(rate * n) ones. Precondition: rate in [0, 1].
std::vector<std::uint8_t> spike_map(std::uint64_t seed, int layer, int timestep, double rate, std::size_t n,
                                    int sample = 0);

// ANN activation maps (FORMAT.md section 8.4): exactly k = round_half_away(density * n)
// non-zero values, at the positions spike_map(seed, layer, timestep, density, n, sample) sets
// (the same partial Fisher-Yates); then, continuing the same generator, the value at idx[i]
// for i = 0 .. k-1 is 1 + uniform(2^bits - 1), uniform over 1 .. 2^bits - 1.
// Preconditions: density in [0, 1], bits in [1, 8].
std::vector<std::uint8_t> activation_map(std::uint64_t seed, int layer, int timestep, double density, std::size_t n,
                                         int bits, int sample = 0);

}  // namespace spiketlm::arith
