// spiketlm: input encodings computed inside the simulation (traces/FORMAT.md section 3.1).
//
// A functional bundle whose input says `encoding: poisson` or `encoding: rate` stores images
// (uint8 [N, C, H, W]) and a seed; the spikes of sample n at timestep t are generated from them
// on demand (bundle::input), so the golden model, the firmware that writes the accelerator's
// input maps and the numpy reference (sw/python/spiketlm/encode.py) all see the same spikes:
//   poisson: g = spike_generator(seed, 0, t, n); for i in C order: spike_i = g.uniform(255) < v_i
//            (a Bernoulli draw with probability v_i / 255 per timestep)
//   rate:    phase_i = g.uniform(255) for i in C order, g = spike_generator(seed, 0, 0, n) (one
//            phase per pixel and sample); spike_i(t) = floor((phase_i + (t+1) v_i) / 255)
//            - floor((phase_i + t v_i) / 255) (a regular spike train of rate v_i / 255)
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace spiketlm {

// Whether an input encoding delivers 0/1 spikes to the first layer (spikes, poisson, rate)
// rather than multi-bit values (direct).
inline bool spike_encoding(const std::string& encoding) { return encoding != "direct"; }
// Whether the encoding is generated from images and a seed (poisson, rate).
inline bool generated_encoding(const std::string& encoding) { return encoding == "poisson" || encoding == "rate"; }

// Spikes of `n` pixels (values 0..255) of sample `sample` at timestep `t`, as above.
std::vector<std::int32_t> encode_poisson(const std::uint8_t* image, std::size_t n, std::uint64_t seed, int sample, int t);
std::vector<std::int32_t> encode_rate(const std::uint8_t* image, std::size_t n, std::uint64_t seed, int sample, int t);

}  // namespace spiketlm
