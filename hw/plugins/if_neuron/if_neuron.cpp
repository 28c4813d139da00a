// spiketlm example plugin: an integrate-and-fire neuron unit (kind "lif.example_if").
//
// A shared library that registers one kind when loaded (`--plugin`, or `plugins:` in the
// platform YAML). The unit is the LIF unit without the leak: the membrane keeps its whole
// value between timesteps (v = v + x, then fire and reset as the layer says). Everything
// else (units, membrane width, saturation, timing, energy actions, statistics) is the LIF
// unit's; one parameter of its own shows how a plugin declares parameters.
//
// Walk-through: hw/README.md ("Writing a unit of your own"). Built by hw/CMakeLists.txt as
// build/plugins/libspiketlm_if_neuron.so; select it with (one line)
//   spiketlm run platforms/sata/sata.yaml --plugin build/plugins/libspiketlm_if_neuron.so
//       -c sata.lif.kind=lif.example_if
#include "hw/neuron/lif.h"

namespace spiketlm {

class IfNeuron : public LifUnit {
 public:
  IfNeuron(sc_core::sc_module_name name, Context& ctx)
      : LifUnit(name, ctx),
        m_threshold_scale(param_double("threshold_scale", 1.0,
                                       {"multiplies every layer's firing threshold", "", 1.0 / 64, 64})),
        m_jobs(counter("if_jobs", "", "bands integrated without leak")) {}

  uint64_t integrate(const LifJob& job) override {
    LifJob j = job;
    j.neuron.leak_num = 1;    // v * 1 >> 0: no leak
    j.neuron.leak_shift = 0;
    j.neuron.threshold = int32_t(double(j.neuron.threshold) * m_threshold_scale);
    ++m_jobs;
    return LifUnit::integrate(j);
  }

 private:
  double m_threshold_scale;
  uint64_t& m_jobs;
};

SPIKETLM_REGISTER_KIND(IfNeuron, "lif.example_if", "neuron",
                       "example plugin: integrate-and-fire (LIF without leak), threshold scale");

}  // namespace spiketlm
