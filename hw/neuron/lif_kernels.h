// spiketlm: the update loops of the LIF units (pure C++, no SystemC): one job's neurons
// through hw/arith/neuron.h's integer LIF/IF arithmetic, bit for bit. See lif.md.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hw/arith/neuron.h"

namespace spiketlm {

// The arrays of one job (a band of pixels x channels of one layer at one timestep).
struct LifBand {
  const int32_t* psum = nullptr;  // [pixels][psum_stride]
  size_t psum_stride = 0;
  const int32_t* mult = nullptr;  // [channels]: the fixed-point integers of the band's channels
  const int32_t* offs = nullptr;
  int shift = 0;
  int64_t* mem = nullptr;  // neuron (p, c) at mem[p * mem_stride + (slot ? slot[c] : c)]
  size_t mem_stride = 0;
  const int* slot = nullptr;  // C#n: channels of different groups share a membrane
  uint8_t* out = nullptr;     // [pixels][psum_stride]: 0/1
  int pixels = 0, channels = 0;
};

struct LifCounts {
  uint64_t spikes = 0, saturations = 0;  // saturations: updates whose charge left the membrane range
};

// Every update of the band: out = spike, mem = new membrane, as arith::neuron_current then
// arith::lif_charge and arith::lif_fire with a `bits`-bit membrane (bits <= 32).
// Membranes are in range on entry (every value is one these updates wrote, or 0). scratch:
// reused storage.
LifCounts lif_band(const LifBand& b, const arith::lif_constants& k, int bits, std::vector<int32_t>& scratch);

// Whether every intermediate value of the band's updates fits int32, so that lif_band may
// compute them in 32 bits (exactly the same values; four per SSE2 instruction): the band's
// largest |psum| times the largest |multiplier|, plus the largest |offset|, and the charge and
// reset range of a `bits`-bit membrane. Not for C#n bands (slot: the loop reads back what it
// wrote).
bool lif_band_fits_int32(const LifBand& b, const arith::lif_constants& k, int bits);

// The IMC tile's layout (ImcNeuron::step): n neurons of one channel (one multiplier and
// offset), psum[i] -> out[i] (0/1) with membrane mem[i] (int32: membranes have at most 32 bits). The same arithmetic as lif_band; in 32
// bits (four lanes) when every intermediate of the run fits int32, else in 64 bits.
LifCounts lif_run(const int64_t* psum, size_t n, int32_t mult, int32_t off, int shift, int32_t* mem, int32_t* out,
                  const arith::lif_constants& k, int bits);
// Whether lif_run computes a run in 32 bits (tests: both paths are exercised).
bool lif_run_fits_int32(const int64_t* psum, size_t n, int32_t mult, int32_t off, int shift,
                        const arith::lif_constants& k, int bits);

// The same updates, always in 64 bits, one neuron at a time: the reference of the tests.
LifCounts lif_band_reference(const LifBand& b, const arith::lif_constants& k, int bits);

}  // namespace spiketlm
