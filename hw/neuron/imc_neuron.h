// spiketlm: the LIF/IF units of an IMC tile (kind "neuron.imc"). See imc_neuron.md.
//
// Integrates the tile's accumulated partial sums into membranes kept in the tile's membrane
// memory: the neuron input current is golden::neuron_current (BN and scales folded into the
// fixed point), the update golden::lif_update with a saturating membrane of membrane_bits.
// Energy: one "update" action per neuron update (SpikeSim's neuron figure), counted by the
// caller through count_updates() so that SpikeSim's dense composition can be reproduced.
// Area: membrane memory per neuron and input spike memory per input neuron, declared once the
// mapping is known (declare_memories).
#pragma once
#include <cstdint>
#include <vector>

#include "tlm/module.h"
#include "traces/src/trace.h"

namespace spiketlm {

class ImcNeuron : public Module {
 public:
  ImcNeuron(sc_core::sc_module_name name, Context& ctx);
  // One timestep of n neurons: psum[i] -> current with channel ch(i) = i / per_channel;
  // membrane[i] updated; spikes[i] = 0/1. Returns the spikes fired. Counts statistics only.
  uint64_t step(const int64_t* psum, size_t n, size_t per_channel, const int32_t* multiplier, const int32_t* offset,
                int shift, const neuron_params& np, int64_t* membrane, int32_t* spikes);
  void count_updates(uint64_t n) { count(m_update, n); }
  // Area of the membrane memory (neurons) and the input spike memory (input neurons).
  void declare_memories(double neurons, double input_neurons);
  int membrane_bits() const { return m_bits; }

 private:
  int m_bits;
  std::string m_tech, m_mem_tech, m_in_tech;
  ActionId m_update;
  uint64_t &m_updates, &m_spikes, &m_saturations;
};

}  // namespace spiketlm
