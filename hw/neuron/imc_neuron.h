// spiketlm: the LIF/IF units of an IMC tile (kind "neuron.imc"). See imc_neuron.md.
//
// Integrates the tile's accumulated partial sums into membranes kept in the tile's membrane
// memory: the neuron input current is arith::neuron_current (BN and scales folded into the
// fixed point), the update arith::lif_update with a saturating membrane of membrane_bits.
// Energy: one "update" action per neuron update (SpikeSim's neuron figure), counted by the
// caller through count_updates() so that SpikeSim's dense composition can be reproduced.
// Area: membrane memory per neuron and input spike memory per input neuron, declared once the
// mapping is known (declare_memories).
// Kind "neuron.imc.shared" (C#n, EfficientLIF-Net, traces/FORMAT.md 4.5): one circuit serves
// `share` output channels in sequence; a layer trained with C#n keeps one membrane per group of
// channels (the membrane left by channel j is the start of channel j + K/n); timing: a chain of
// `share` updates of `update_clocks` clocks per pixel (chain_clocks()).
// ANN mode (ann_bits(ctx) > 0, hw/neuron/network_mode.h, issue #10): the units are ReLU +
// requantize units (relu(), tech component imc_relu), with no membrane memory.
#pragma once
#include <cstdint>
#include <vector>

#include "tlm/module.h"
#include "hw/arith/neuron.h"

namespace spiketlm {

class ImcNeuron : public Module {
 public:
  ImcNeuron(sc_core::sc_module_name name, Context& ctx);
  // One timestep of n neurons: psum[i] -> current with channel ch(i) = i / per_channel;
  // spikes[i] = 0/1. Membranes: n / np.share of them (C#n), neuron i updates membrane
  // i % (n / np.share), in the order of i (group 0 first). Returns the spikes fired. Counts
  // statistics only.
  uint64_t step(const int64_t* psum, size_t n, size_t per_channel, const int32_t* multiplier, const int32_t* offset,
                int shift, const neuron_params& np, int32_t* membrane, int32_t* spikes);
  // ANN (network ann): out[i] = clamp(current, 0, 2^bits - 1) (arith::relu_quantize), no
  // membrane. Returns the non-zero activations. Counts statistics only.
  uint64_t relu(const int64_t* psum, size_t n, size_t per_channel, const int32_t* multiplier, const int32_t* offset,
                int shift, int bits, int32_t* out);
  bool ann() const { return m_ann; }
  void count_updates(uint64_t n) { count(m_update, n); }
  // Area of the membrane memory (neurons) and the input spike memory (input neurons).
  void declare_memories(double neurons, double input_neurons);
  int membrane_bits() const { return m_bits; }
  const std::string& tech() const { return m_tech; }
  // Channels one circuit serves in sequence (C#n; 1 for neuron.imc).
  int share() const { return m_share; }
  // Clocks one circuit needs per pixel of a layer: share x update_clocks.
  int chain_clocks() const { return m_share * m_update_clocks; }

 private:
  bool m_ann;
  int m_bits, m_share, m_update_clocks;
  std::string m_tech, m_mem_tech, m_in_tech;
  ActionId m_update;
  uint64_t &m_updates, &m_spikes, &m_saturations;
};

}  // namespace spiketlm
