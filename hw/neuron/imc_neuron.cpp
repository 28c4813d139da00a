#include "hw/neuron/imc_neuron.h"

#include "hw/arith/neuron.h"
#include "hw/neuron/lif_kernels.h"
#include "hw/neuron/network_mode.h"

namespace spiketlm {

ImcNeuron::ImcNeuron(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      m_ann(ann_bits(ctx) > 0),
      m_bits(int(param_int("membrane_bits", 32, {"membrane width, saturating", "bit", 2, 32}))),
      // neuron.imc.shared (C#n, FACTS.md s5): one circuit serves `share` channels in turn.
      m_share(unit_kind() == "neuron.imc.shared"
                  ? int(param_int("share", 4, {"channels per circuit and membrane (C#n)", "", 1, 64}))
                  : 1),
      m_update_clocks(int(param_int("update_clocks", 1,
                                    {"PE clocks per neuron update (one update per clock, as SATA's LIF units, FACTS.md s1)",
                                     "cycles", 1, 1 << 10}))),
      m_tech(param_string("tech", m_ann ? "imc_relu" : "imc_neuron",
                          {"tech-table component of one LIF/IF unit (action update; ANN: the ReLU unit, imc_relu)"})),
      m_mem_tech(param_string("membrane_tech", "membrane_mem", {"tech-table component: membrane memory per neuron (area)"})),
      m_in_tech(param_string("input_tech", "spike_mem", {"tech-table component: input spike memory per input neuron (area)"})),
      m_update(action(m_tech, "update")),
      m_updates(counter("updates", "", "neuron updates (integrate, leak, fire)")),
      m_spikes(counter("spikes", "", "output spikes")),
      m_saturations(counter("saturations", "", "updates whose membrane saturated")) {}

uint64_t ImcNeuron::step(const int64_t* psum, size_t n, size_t per_channel, const int32_t* multiplier,
                         const int32_t* offset, int shift, const neuron_params& np, int32_t* membrane, int32_t* spikes) {
  uint64_t fired = 0, sat = 0;
  const arith::lif_constants k = arith::lif_constants_of(np);  // in registers (a plain struct)
  if (np.share <= 1 && per_channel >= 16) {  // a membrane per neuron: each channel's run through the LIF kernel
    for (size_t ch = 0, i = 0; i < n && per_channel > 0; ++ch, i += per_channel) {
      const LifCounts c = lif_run(psum + i, per_channel, multiplier[ch], offset[ch], shift, membrane + i, spikes + i, k, m_bits);
      fired += c.spikes;
      sat += c.saturations;
    }
    m_updates += n;
    m_spikes += fired;
    m_saturations += sat;
    return fired;
  }
  const int64_t hi = (int64_t(1) << (m_bits - 1)) - 1, lo = -hi - 1;
  const size_t group = n / size_t(np.share > 1 ? np.share : 1);  // membranes (C#n: one per group)
  size_t mi = 0;                              // i mod group, in the order of i
  const int bits = m_bits;
  for (size_t ch = 0, i = 0; i < n; ++ch) {
    const int32_t mul = multiplier[ch], off = offset[ch];
    for (const size_t end = i + per_channel; i < end; ++i) {
      const int64_t x = arith::neuron_current(psum[i], mul, off, shift);
      int64_t v = membrane[mi];
      const int64_t pre = arith::lif_charge(v, x, k);
      sat += (pre > hi || pre < lo);
      const bool s = arith::lif_fire(v, pre, k, bits);
      membrane[mi] = int32_t(v);  // saturated to membrane_bits <= 32
      mi = mi + 1 == group ? 0 : mi + 1;
      spikes[i] = s;
      fired += s;
    }
  }
  m_updates += n;
  m_spikes += fired;
  m_saturations += sat;
  return fired;
}

uint64_t ImcNeuron::relu(const int64_t* psum, size_t n, size_t per_channel, const int32_t* multiplier,
                         const int32_t* offset, int shift, int bits, int32_t* out) {
  if (!m_ann) fail("neuron", path() + ": an ANN layer (ReLU activations) reached LIF units built for an SNN");
  uint64_t nonzero = 0, sat = 0;
  const int64_t top = (int64_t(1) << bits) - 1;
  for (size_t ch = 0, i = 0; i < n; ++ch) {
    const int32_t mul = multiplier[ch], off = offset[ch];
    for (const size_t end = i + per_channel; i < end; ++i) {
      const int64_t x = arith::neuron_current(psum[i], mul, off, shift);
      sat += x > top;
      out[i] = arith::relu_quantize(x, bits);
      nonzero += out[i] != 0;
    }
  }
  m_updates += n;
  m_spikes += nonzero;
  m_saturations += sat;
  return nonzero;
}

void ImcNeuron::declare_memories(double neurons, double input_neurons) {
  if (neurons > 0) area(m_mem_tech, neurons);
  if (input_neurons > 0) area(m_in_tech, input_neurons);
}

SPIKETLM_REGISTER_KIND(ImcNeuron, "neuron.imc", "neuron",
                       "IMC tile LIF/IF units with membrane memory (SpikeSim energy and area figures)");

namespace {
struct SharedImcRegistrar {
  SharedImcRegistrar() {
    Factory::instance().add({"neuron.imc.shared", "neuron",
                             "IMC tile LIF units with C#n sharing: one circuit and membrane per n channels, in sequence", "",
                             [](const char* name, Context& ctx) -> Module* { return new ImcNeuron(name, ctx); }});
  }
} g_shared_imc;
}  // namespace

}  // namespace spiketlm
