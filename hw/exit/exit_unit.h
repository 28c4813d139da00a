// spiketlm: the dynamic-timestep exit unit (kinds "exit.entropy", "exit.maxprob"). See exit_unit.md.
//
// DT-SNN (Li et al., DAC 2023; FACTS.md s5) in hardware: after each timestep it takes the
// output layer's accumulations of that timestep, keeps their running sum z, and decides from
// the softmax of the real-valued logits x = z * scale whether the network is confident
// enough to stop: entropy variant: 1 - H(p)/ln K > theta; max-probability variant:
// max p > theta. Fixed point with a lookup table for exp and one for ln; the arithmetic is
// in ExitMath (pure, no SystemC) so tests compare it with double precision directly.
#pragma once
#include <cstdint>
#include <vector>

#include "hw/arith/neuron.h"
#include "tlm/module.h"

namespace spiketlm {

struct ExitConfig {
  int frac_bits = 12;        // fraction bits of the fixed-point datapath (Q.F)
  int exp_lut_bits = 8;      // exp table entries = 2^exp_lut_bits over [0, 2^exp_lut_bits / 2^exp_lut_frac)
  int exp_lut_frac = 4;      // table step = 2^-exp_lut_frac
  int log_lut_bits = 6;      // ln(1 + f) table over the mantissa's top bits
  bool max_prob = false;     // variant: top softmax probability instead of entropy
};

// The fixed-point datapath, deterministic and exact in integers.
class ExitMath {
 public:
  explicit ExitMath(const ExitConfig& c);
  struct Result {
    int64_t score_q;   // 1 - H/ln K (entropy) or max p (max_prob), Q.F
    bool exit;
    int argmax;
    uint64_t lut_reads;  // exp + log table reads
  };
  // z: cumulative accumulations (K classes); scale_q24: logit scale in Q8.24; theta_q16: Q0.16.
  Result decide(const std::vector<int64_t>& z, int64_t scale_q24, uint32_t theta_q16) const;
  // The same decision in double precision (the reference the fixed point is checked against).
  static double score_double(const std::vector<int64_t>& z, double scale, bool max_prob);
  const ExitConfig& config() const { return m_c; }

 private:
  ExitConfig m_c;
  std::vector<int64_t> m_exp;   // exp(-(i + 0.5) step), Q.F
  std::vector<int64_t> m_log;   // ln(1 + (j + 0.5) / 2^log_lut_bits), Q.F
  int64_t m_ln2_q;
};

class ExitUnit : public Module {
 public:
  ExitUnit(sc_core::sc_module_name name, Context& ctx);
  // A new inference: clears the running sums.
  void reset(int classes);
  // Adds timestep t's outputs to the readout membranes z (z = leak z + out; the default leak
  // 1/0: the running sum) and decides. Returns the cycles the decision took.
  uint64_t step(const int32_t* out, int classes, int64_t scale_q24, uint32_t theta_q16, bool& exit, int& argmax,
                arith::readout_leak leak = {});
  const ExitMath& math() const { return m_math; }

 private:
  ExitMath m_math;
  std::vector<int64_t> m_z;
  double m_score = 0;  // traced (as a real number)
  uint32_t m_decision = 0;
  ActionId m_lut, m_mac, m_div, m_cmp;
  uint64_t &m_decisions, &m_exits;
};

}  // namespace spiketlm
