#include "traces/src/encoding.h"

#include "traces/src/spikegen.h"

namespace spiketlm {

std::vector<std::int32_t> encode_poisson(const std::uint8_t* image, std::size_t n, std::uint64_t seed, int sample, int t) {
  arith::spike_generator g(seed, 0, t, sample);
  std::vector<std::int32_t> s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = g.uniform(255) < image[i] ? 1 : 0;
  return s;
}

std::vector<std::int32_t> encode_rate(const std::uint8_t* image, std::size_t n, std::uint64_t seed, int sample, int t) {
  arith::spike_generator g(seed, 0, 0, sample);
  std::vector<std::int32_t> s(n);
  const auto tt = static_cast<std::uint64_t>(t);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t phase = g.uniform(255), v = image[i];
    s[i] = static_cast<std::int32_t>((phase + (tt + 1) * v) / 255 - (phase + tt * v) / 255);
  }
  return s;
}

}  // namespace spiketlm
