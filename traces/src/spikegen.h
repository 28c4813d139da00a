// spiketlm: the seeded deterministic spike generator of workload traces (FORMAT.md section 6).
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
#pragma once
#include "traces/src/trace.h"

#include <cstdint>
#include <vector>

namespace spiketlm {

std::uint64_t splitmix64_mix(std::uint64_t x);  // the finaliser applied to x + 0x9E3779B97F4A7C15

class spike_generator {
 public:
  spike_generator(std::uint64_t seed, int layer, int timestep, int sample = 0);
  std::uint64_t next();
  std::uint64_t uniform(std::uint64_t m);  // in [0, m)

 private:
  std::uint64_t m_state;
};

// Exactly round_half_away(rate * n) ones; rate in [0, 1].
std::vector<std::uint8_t> generate_spikes(std::uint64_t seed, int layer, int timestep, double rate, std::size_t n,
                                          int sample = 0);

// The input spike map of layer `layer` of a workload bundle at timestep t (its input_rate[t],
// its in_shape, the bundle's seed). Fails for a layer without input rate.
std::vector<std::uint8_t> workload_spikes(const bundle& b, int layer, int timestep, int sample = 0);

}  // namespace spiketlm
