// spiketlm: the column ADC (kind "imc.adc"). See adc.md.
//
// A `bits`-bit ADC with a full-scale current; an input above full scale clips to the top
// level, the rest is rounded to the nearest level. The digital value handed to the
// shift-and-add is expressed in units of one cell level step (the current of one unit of
// code on one active row). With full_scale_ua = 0 (auto) the LSB is exactly one level step
// and the full scale (2^bits - 1) steps: the conversion is exact up to the full scale.
// Energy: one "sample" action = one ADC converting its mux_ratio columns during one PE
// cycle (SpikeSim's accounting, FACTS.md s2).
#pragma once
#include <cmath>
#include <cstdint>

#include "tlm/module.h"

namespace spiketlm {

// std::llround (halves away from zero) without its library call, for |x| < 2^63: the fraction
// x - trunc(x) is exact (for |x| >= 2^52 x is an integer and it is 0).
inline int64_t round_half_away(double x) {
  const int64_t i = int64_t(x);  // toward zero
  const double f = x - double(i);
  return i + int64_t(f >= 0.5) - int64_t(f <= -0.5);
}

struct AdcConfig {
  int bits = 17;
  double lsb_units = 1.0;   // LSB in level steps (1 = auto full scale)
  int64_t max_level() const { return (int64_t(1) << bits) - 1; }
  // Quantise an ideal column sum s (level steps, s >= 0); clipped set when s is above full scale.
  int64_t convert_units(int64_t s, bool& clipped) const {
    if (lsb_units == 1.0) {
      clipped = s > max_level();
      return clipped ? max_level() : s;
    }
    int64_t lv = std::llround(double(s) / lsb_units);
    clipped = lv > max_level();
    if (clipped) lv = max_level();
    return std::llround(double(lv) * lsb_units);
  }
  // Quantise a column current (amps) given the current of one level step: the nearest level
  // (halves up), 0 below half a level (and for NaN), the top level from half a level above it on.
  int64_t convert_current(double amps, double unit_a, bool& clipped) const {
    const double lsb = lsb_units * unit_a;
    const double q = amps / lsb;
    clipped = q >= double(max_level()) + 0.5;
    const int64_t lv = clipped ? max_level() : q >= 0.5 ? round_half_away(q) : 0;
    if (lsb_units == 1.0) return lv;
    const double units = double(lv) * lsb_units;
    return units < 9e18 ? round_half_away(units) : std::llround(units);
  }
};

class Adc : public Module {
 public:
  Adc(sc_core::sc_module_name name, Context& ctx);
  // Resolve the LSB once the unit current of the crossbar's cells is known.
  void bind_unit_current(double unit_a);
  const AdcConfig& config() const { return m_cfg; }
  void count_samples(uint64_t n) { count(m_sample, n); m_samples += n; }
  void count_conversions(uint64_t n, uint64_t clipped) { m_conversions += n; m_clipped += clipped; }
  const std::string& tech() const { return m_tech; }

 private:
  AdcConfig m_cfg;
  double m_fs_ua, m_fs_a = 0;
  std::string m_tech;
  ActionId m_sample;
  uint64_t &m_samples, &m_conversions, &m_clipped;
};

}  // namespace spiketlm
