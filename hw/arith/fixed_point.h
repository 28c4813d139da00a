// spiketlm arith: the fixed-point neuron input transform (traces/FORMAT.md section 4). Pure
// C++ (no SystemC): the hardware units and the golden model (traces/src/golden.h) compute with
// these very functions, so the two agree bit for bit. See arith.md.
#pragma once
#include <cstdint>
#include <vector>

namespace spiketlm {

// The per-channel integers the neuron input uses: I = (psum * multiplier + offset) >> shift.
struct fixed_point {
  std::vector<std::int32_t> multiplier, offset;  // [C]
  int shift = 0;
};

namespace arith {

// Largest value limits of the derived integers.
inline constexpr std::int64_t k_multiplier_max = 32767;      // signed 16 bit
inline constexpr std::int64_t k_offset_max = 2147483647;     // signed 32 bit

// Round to nearest, ties away from zero, of a float64 (exact; like C's round()).
std::int64_t round_half_away(double x);

// Saturate to a signed `bits`-bit integer (bits in [2, 63]).
inline std::int64_t saturate(std::int64_t v, int bits) {
  const std::int64_t hi = (std::int64_t(1) << (bits - 1)) - 1, lo = -hi - 1;
  return v > hi ? hi : (v < lo ? lo : v);
}

// Neuron input current of one psum: (psum * multiplier + offset) >> shift (arithmetic shift,
// i.e. floor division by 2^shift).
inline std::int64_t neuron_current(std::int64_t psum, std::int32_t multiplier, std::int32_t offset, int shift) {
  return (psum * multiplier + offset) >> shift;
}

}  // namespace arith
}  // namespace spiketlm
