// spiketlm: LIF / IF neuron units (kind "lif.basic"). See lif.md.
//
// `units` neuron circuits (default one per PE, as SATA) integrate the neuron input current
// of each output neuron, leak, fire and reset (arith::lif_update: the arithmetic of
// traces/FORMAT.md, hw/arith/neuron.h), with a saturating membrane of `membrane_bits`. The input current is the
// fixed-point transform of the accumulated partial sum (arith::neuron_current).
//
// ANN mode (ann_bits(ctx) > 0, hw/neuron/network_mode.h, issue #10): the units are ReLU +
// requantize units (tech component "relu_q": an always-on comparator and an output register per
// activation), with no membrane registers; jobs carry act_bits.
//
// Energy (SATA's model): the comparator and subtractor switch every cycle in every unit
// ("cycle" action x cycles x units, charged by finish_run); the threshold and membrane
// registers are charged per update: the "lif" component (threshold register) and the membrane
// register of the configured width (membrane_component()). Timing: `units` updates per cycle.
#pragma once
#include <cstdint>
#include <vector>

#include "tlm/module.h"
#include "hw/arith/neuron.h"

namespace spiketlm {

// Tech-table component of a membrane register of `bits` bits.
std::string membrane_component(int bits);

// One band of neurons of one layer at one timestep, channel-major: neuron (j, p) is filter
// column j of pixel p, psum[p * stride + j].
struct LifJob {
  const int32_t* psum = nullptr;   // [pixels][psum_stride]
  int pixels = 0, channels = 0, psum_stride = 0;
  int channel0 = 0;                // absolute channel of column 0 (fixed-point index)
  const int32_t* multiplier = nullptr;  // [K] absolute channels
  const int32_t* offset = nullptr;
  int shift = 0;
  neuron_params neuron;
  int64_t* membrane = nullptr;     // [pixels][mem_stride] in/out
  // Channel c's membrane is membrane[p * mem_stride + slot[c]] (C#n: channels of different
  // groups share a membrane); null slot: membrane[p * psum_stride + c].
  const int* slot = nullptr;
  int mem_stride = 0;
  uint8_t* spikes = nullptr;       // [pixels][psum_stride] out, 0/1 (ANN: the activation)
  // ANN (issue #10): > 0 makes the update a ReLU + requantize to act_bits bits,
  // clamp(current, 0, 2^act_bits - 1), with no membrane (membrane may be null).
  int act_bits = 0;
  // For waveforms: the layer, the first pixel's index in the layer's output map, when the
  // updates start and the units' clock period (the updates take the returned cycles).
  uint32_t layer = 0;
  int pixel0 = 0;
  sc_core::sc_time at, cycle;
};

class LifUnit : public Module {
 public:
  LifUnit(sc_core::sc_module_name name, Context& ctx);
  // Integrate a band; returns the cycles it takes the units; counts updates and spikes.
  // Virtual: a neuron kind of its own (a plugin, hw/plugins/if_neuron) overrides it.
  virtual uint64_t integrate(const LifJob& job);
  // Always-on energy of every unit over the run's cycles.
  void finish_run(uint64_t cycles);
  int units() const { return m_units; }
  // Channels one circuit serves with one membrane (C#n, EfficientLIF-Net); 1 for lif.basic.
  int share() const { return m_share; }
  int membrane_bits() const { return m_membrane_bits; }
  int membrane_bytes() const { return (m_membrane_bits + 7) / 8; }
  // A probe_neurons entry with a waveform that no update of the run reached is an error (it
  // names a layer, channel or pixel the accelerator does not have); no output is written.
  void report(Report& r) const override;

 protected:
  // The two kinds of update of integrate(): ReLU + requantize (ANN) and LIF/IF (SNN); each counts
  // its spikes and saturations and returns the spikes.
  uint64_t relu_updates(const LifJob& job);
  uint64_t lif_job(const LifJob& job);

  int m_share, m_units, m_membrane_bits;
  bool m_ann;
  // Waveform probes: busy, and the membranes listed in `probe_neurons` ("layer:channel:pixel").
  struct Watch {
    uint32_t layer;
    int channel, pixel;
    Probe probe;
    std::string spec;   // as configured
    bool hit = false;   // reached by an update
  };
  Probe m_busy;
  std::vector<Watch> m_watch;
  std::vector<int32_t> m_fired;  // lif_band's scratch
  ActionId m_cycle, m_update_thr, m_update_mem;
  uint64_t &m_updates, &m_spikes, &m_saturations;
};

}  // namespace spiketlm
