// spiketlm: a NorthPole core (kind "northpole.core"): the vector-matrix-multiply unit with its
// multiply-accumulates per cycle at 8, 4 and 2 bit, and the vector unit (requantize, ReLU, LIF,
// pooling, residual adds). One instance describes all cores of the grid (they are identical);
// it counts their actions. The core memory is a separate TLM target (np_memory.h). See
// northpole.md.
#pragma once
#include "hw/northpole/plan.h"
#include "tlm/module.h"

namespace spiketlm {

class NpCore : public Module {
 public:
  NpCore(sc_core::sc_module_name name, Context& ctx);
  // The core's figures for the mapping (grid and memory size filled in by the caller).
  const np::CoreSpec& spec() const { return m_spec; }
  double clock_mhz() const { return m_mhz; }
  int membrane_bits() const { return m_membrane_bits; }
  // Counts n multiply-accumulates in the VMM mode of `bits`-wide operands.
  void count_macs(int bits, uint64_t n);
  // Counts n vector-unit operations.
  void count_vector(uint64_t n) { count(m_vec, n); m_vec_ops += n; }
  // Leakage of the grid's cores once their number is known.
  void declare_cores(int cores);

 private:
  np::CoreSpec m_spec;
  double m_mhz;
  int m_membrane_bits;
  ActionId m_mac[3], m_vec;  // 2, 4, 8 bit
  std::string m_tech_core;
  uint64_t &m_macs2, &m_macs4, &m_macs8, &m_vec_ops;
};

}  // namespace spiketlm
