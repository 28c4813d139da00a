// spiketlm: the importer's float reference: a NIR network simulated in float64 with the
// discretisation the importer maps onto the hardware (forward Euler with step dt, README.md):
//   LIF      v += dt/tau (v_leak - v + r I); spike if v > v_threshold; then v = v_reset
//            (metadata reset "subtract": v -= v_threshold - v_reset)
//   IF       v += dt r I; spike and reset as LIF
//   CubaLIF  i += dt/tau_syn (w_in I - i); v += dt/tau_mem (v_leak - v + r i); spike and reset
//   LI       v += dt/tau (v_leak - v + r I)          (output v)
//   I        v += dt r I                             (output v)
//   Threshold  spike if I > threshold (no state)
// where I is the sum of the node's inputs at this timestep (a DAG: every node runs once per
// timestep, in topological order). Spiking neurons start at v_reset, LI/I and synaptic
// currents at 0. Affine, Linear, Scale, Conv1d/2d (stride, padding, dilation, groups),
// SumPool2d (window sum), AvgPool2d (window mean, zero padding counted) and Flatten compute
// their outputs from the current inputs.
#pragma once
#include <vector>

#include "traces/nir/network.h"

namespace spiketlm::nir {

struct float_run {
  std::vector<double> outputs;       // [T][K]: the Output node's input at each timestep
  std::vector<double> peak;          // per node: max |v - v_reset| / (v_threshold - v_reset) (spiking neurons)
  std::vector<double> spikes;        // per node: spikes fired over the run (spiking neurons)
};

class float_model {
 public:
  float_model(const network& net, double dt);
  // inputs: T maps of the Input's size (spikes 0/1 or values).
  float_run run(const std::vector<std::vector<double>>& inputs) const;
  const network& net() const { return m_net; }

 private:
  struct state {
    std::vector<double> v, syn;
  };
  void step(const net_node& n, const std::vector<double>& x, std::vector<double>& y, state& s, float_run& r, int i) const;
  const network& m_net;
  double m_dt;
};

// The class a run predicts: for a membrane readout (LI or I before the Output) the argmax of
// the last timestep's value, otherwise the argmax of the outputs summed over the timesteps
// (spike counts, or summed currents); ties go to the lowest index.
int float_prediction(const network& net, const float_run& r, int timesteps);

}  // namespace spiketlm::nir
