// spiketlm: the network a run executes, a run-wide attribute of the Context (tlm/module.h).
//
// 0 = an SNN (spikes); B > 0 = an ANN with B-bit activations (issue #10). The platform sets it
// from the trace before it elaborates its units, which pick their hardware from it: multiply-
// accumulate PEs (hw/compute/pe_array.h), ReLU + requantize units instead of LIF units
// (hw/neuron/lif.h, hw/neuron/imc_neuron.h).
#pragma once
#include "tlm/module.h"

namespace spiketlm {

struct NetworkMode {
  int ann_bits = 0;
};

// The run's ANN activation width (0: an SNN); assignable.
inline int& ann_bits(Context& ctx) { return ctx.attribute<NetworkMode>().ann_bits; }

}  // namespace spiketlm
