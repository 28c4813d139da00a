// spiketlm arith: the integer neuron of a firing layer: LIF/IF charge, fire and reset with a
// saturating membrane, and the B-bit ReLU of an ANN (traces/FORMAT.md sections 4 and 8). Pure
// C++ (no SystemC); the hardware neuron units and the golden model share it. See arith.md.
#pragma once
#include <cstdint>
#include <string>

#include "hw/arith/fixed_point.h"

namespace spiketlm {

enum class reset_mode { soft, hard };

// Integer LIF/IF neuron of a firing layer (FORMAT.md section 4), or the B-bit ReLU of an ANN
// bundle (FORMAT.md section 8).
struct neuron_params {
  std::string model = "lif";      // "lif" or "if" (if: leak_num 1, leak_shift 0); "relu" (ANN)
  std::int32_t threshold = 256;   // integer membrane units
  double gain = 0.75;             // input gain folded into the fixed-point multiplier
  std::int32_t leak_num = 1;      // leak: v <- (v * leak_num) >> leak_shift
  int leak_shift = 2;
  reset_mode reset = reset_mode::soft;
  int share = 1;                  // C#n channel sharing: n groups through one membrane
  // relu (network ann): out = clamp((psum * multiplier + offset) >> shift, 0, 2^bits - 1).
  // The reader sets gain = 1 / scale and threshold = 1 for a relu, so that every
  // derive_fixed_point(..., gain, threshold, ...) call gives the activation in units of scale.
  int bits = 0;                   // activation width, 2..8 (relu only)
  double scale = 0.0;             // real value of one activation unit (relu, functional bundles)

  bool relu() const { return model == "relu"; }
};

namespace arith {

// One LIF/IF update of membrane v with input current x:
//   v <- saturate(((v * leak_num) >> leak_shift) + x, membrane_bits)
//   spike = v >= threshold; on a spike v <- v - threshold (soft) or 0 (hard).
// The same in two steps over the constants by value (a plain struct that a caller's loop keeps
// in registers): charge = ((v * leak_num) >> leak_shift) + x, then saturate, fire and reset.
struct lif_constants {
  std::int64_t leak_num;
  int leak_shift;
  std::int64_t threshold;
  bool soft;
};
inline lif_constants lif_constants_of(const neuron_params& p) {
  return {p.leak_num, p.leak_shift, p.threshold, p.reset == reset_mode::soft};
}
inline std::int64_t lif_charge(std::int64_t v, std::int64_t x, const lif_constants& c) {
  return ((v * c.leak_num) >> c.leak_shift) + x;
}
// The readout membrane of an output layer (FORMAT.md 2.2): the argmax and exit units keep, per
// class, z <- ((z * leak_num) >> leak_shift) + x (x: the layer's int32 output of the timestep);
// 1 / 0 is the plain running sum. In 128 bits before the shift (z reaches 2^47 with a leak of
// 1 - 2^-16), never saturated.
struct readout_leak {
  std::int32_t num = 1;
  int shift = 0;
  bool leaky() const { return (std::int64_t(1) << shift) != num; }
  double factor() const { return double(num) / double(std::int64_t(1) << shift); }  // the leak, num / 2^shift
};
inline std::int64_t readout_step(std::int64_t z, std::int64_t x, readout_leak r) {
  return static_cast<std::int64_t>((static_cast<__int128>(z) * r.num) >> r.shift) + x;
}

inline bool lif_fire(std::int64_t& v, std::int64_t charge, const lif_constants& c, int membrane_bits) {
  const std::int64_t s = saturate(charge, membrane_bits);
  const bool fire = s >= c.threshold;
  const std::int64_t m = -static_cast<std::int64_t>(fire);  // all ones on a spike (no branch on it)
  v = c.soft ? s - (m & c.threshold) : s & ~m;
  return fire;
}
inline bool lif_update(std::int64_t& v, std::int64_t x, const neuron_params& p, int membrane_bits) {
  const lif_constants c = lif_constants_of(p);
  return lif_fire(v, lif_charge(v, x, c), c, membrane_bits);
}

// ANN activation (FORMAT.md section 8): ReLU and saturation of a neuron current to an
// unsigned `bits`-bit value, clamp(current, 0, 2^bits - 1).
inline std::int32_t relu_quantize(std::int64_t current, int bits) {
  const std::int64_t hi = (std::int64_t(1) << bits) - 1;
  return static_cast<std::int32_t>(current < 0 ? 0 : (current > hi ? hi : current));
}

// Membrane requantization (traces/src/requantize.h): the largest threshold a `bits`-bit
// membrane leaves room to integrate past, 2^(bits - 2).
inline std::int32_t membrane_threshold_limit(int bits) { return std::int32_t(1) << (bits - 2); }

}  // namespace arith
}  // namespace spiketlm
