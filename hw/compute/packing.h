// spiketlm: the byte layouts the systolic datapath moves (pure, no SystemC): spike maps and
// activations as bit planes [planes][channels][rows][ceil(W/8)] (bit x of byte x / 8), and
// membranes as [channels][pixels] little-endian integers. See engine.md.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace spiketlm {

// A staged band of an input map in a buffer: bits [planes][in_c][rows][pitch] (row pitch in
// bytes), holding input rows [row0, row0 + rows).
struct StagedInput {
  const uint8_t* bits = nullptr;
  int planes = 1;
  bool signed_planes = false;
  int row0 = 0, rows = 0, pitch = 0;
};

// The multi-bit values of a staged band of `channels` x rows x `width`, bit planes combined
// (the top plane negative when signed_planes): vals[(c * rows + r) * width + x].
void unpack_input(const StagedInput& in, int channels, int width, std::vector<int32_t>& vals);

// Set bits of n bytes.
uint64_t popcount(const uint8_t* p, uint64_t n);

// Pack channel-major values [pixels][stride] of channels [0, k) into bit planes
// [planes][k][rows][pitch] (spikes: one plane of 0/1; ANN activations: act_bits planes).
// Returns the non-zero values.
uint64_t pack_spikes(const uint8_t* s, int pixels_w, int rows, int k, int stride, uint64_t pitch, uint8_t* out,
                     int planes = 1);

// Membranes in memory, [channels][pixels] of `bytes` little-endian bytes each, to and from the
// neuron units' layout v[p * stride + j] (sign-extended on load).
void load_membranes(const uint8_t* src, int bytes, int channels, int pixels, int64_t* v, size_t stride);
void store_membranes(const int64_t* v, size_t stride, int channels, int pixels, uint8_t* dst, int bytes);

}  // namespace spiketlm
