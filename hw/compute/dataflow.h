// spiketlm: SATA dataflows (kinds "dataflow.os", "dataflow.ws", "dataflow.tick_batch").
// See dataflow.md. A dataflow decides the order of (layer, timesteps) calls the sequencer
// makes to the layer engine and how the PE scratchpads are used:
//   output-stationary (standard): for t: for layer: run(layer, {t}) -- weights, spikes and
//     membranes go up and down the hierarchy every timestep;
//   weight-stationary: the same order, SCALE-Sim's WS mapping (psums spill to the GLB);
//   tick-batch (SNN-tailored): for layer: run(layer, {0..T-1}) -- a weight tile is read from
//     the upper memories once and all timesteps' spikes run against it; membranes stay in the
//     PE array.
#pragma once
#include <vector>

#include "hw/compute/pe_array.h"
#include "hw/ctrl/executor.h"
#include "tlm/module.h"

namespace spiketlm {

class Dataflow : public Module {
 public:
  using Module::Module;
  virtual SpadUse spad_use() const = 0;
  // true: every layer runs once per timestep (t outer), so a run can stop after any t.
  virtual bool timestep_outer() const = 0;
  std::vector<LayerCall> schedule(int layers, int timesteps) const;
  // The DATAFLOW register value.
  virtual uint32_t register_code() const = 0;
};

}  // namespace spiketlm
