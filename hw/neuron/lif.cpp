#include "hw/neuron/lif.h"

#include <algorithm>

#include "hw/arith/neuron.h"
#include "hw/neuron/lif_kernels.h"
#include "hw/neuron/network_mode.h"
#include "tlm/printable.h"

namespace spiketlm {

// The membrane register component for a width: the gate-level table has 4, 8 and 16 bits
// (FACTS.md section 1); wider membranes are built from 16-bit registers.
std::string membrane_component(int bits) {
  if (bits <= 4) return "membrane_reg_4b";
  if (bits <= 8) return "membrane_reg_8b";
  if (bits <= 16) return "membrane_reg_16b";
  return "membrane_reg_32b";
}

// "layer:channel:pixel": three decimal integers of at most 9 digits (sscanf took "-1" as a
// huge unsigned and accepted signs and spaces).
namespace {
bool parse_probe_spec(const std::string& spec, uint32_t v[3]) {
  size_t b = 0;
  for (int k = 0; k < 3; ++k) {
    const size_t e = k < 2 ? spec.find(':', b) : spec.size();
    if (e == std::string::npos) return false;
    const std::string part = spec.substr(b, e - b);
    if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos) return false;
    v[k] = uint32_t(std::stoul(part));
    b = e + 1;
  }
  return true;
}
}  // namespace

LifUnit::LifUnit(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      // lif.shared (C#n, EfficientLIF-Net, FACTS.md s5): each circuit serves `share` output
      // channels one after another with one membrane register, so the membrane left by channel
      // j is the start of channel j + K/n; 128 / n circuits by default.
      m_share(unit_kind() == "lif.shared"
                  ? int(param_int("share", 4, {"channels per circuit and membrane (C#n)", "", 1, 64}))
                  : 1),
      m_units(int(param_int("units", 128 / m_share, {"neuron circuits working in parallel (SATA: one per PE)", "", 1, 1 << 20}))),
      m_membrane_bits(int(param_int("membrane_bits", 32, {"membrane register width, saturating", "bit", 2, 32}))),
      m_ann(ann_bits(ctx) > 0),
      m_cycle(action(param_string("tech", m_ann ? "relu_q" : "lif", {"tech-table component (ANN: relu_q)"}), "cycle")),
      m_update_thr(action(param_string("tech", m_ann ? "relu_q" : "lif"), "update")),
      m_update_mem(action(membrane_component(m_membrane_bits), "update")),
      m_updates(counter("updates", "", "neuron updates (integrate, leak, fire)")),
      m_spikes(counter("spikes", "", "output spikes")),
      m_saturations(counter("saturations", "", "updates whose membrane saturated")) {
  m_busy = probe("busy", 1);
  for (const auto& spec : param_list("probe_neurons", {},
                                     {"neurons whose membrane the VCD shows, each \"layer:channel:pixel\" (pixel = y * W + x)"})) {
    uint32_t v[3];
    if (!parse_probe_spec(spec, v))
      fail("lif", ctx.params.origin(path() + ".probe_neurons") + ": " + path() +
                      ".probe_neurons: expected entries layer:channel:pixel (non-negative integers), got '" + printable(spec, 80) + "'");
    Probe pr = probe("membrane_l" + std::to_string(v[0]) + "_c" + std::to_string(v[1]) + "_p" + std::to_string(v[2]), 32,
                     Probe::signed_value);
    if (pr) m_watch.push_back({v[0], int(v[1]), int(v[2]), pr, spec});
  }
  const std::string tech = param_string("tech", m_ann ? "relu_q" : "lif");
  leakage(tech, m_units);
  area(tech, m_units);
  if (m_ann) return;  // ReLU units keep no membrane
  leakage(membrane_component(m_membrane_bits), m_units);
  area(membrane_component(m_membrane_bits), m_units);
}

uint64_t LifUnit::relu_updates(const LifJob& j) {
  // ReLU + requantize (FORMAT.md, network: ann): spikes counts non-zero activations,
  // saturations the activations clamped at the top.
  if (!m_ann) fail("lif", path() + ": an ANN layer (ReLU activations) reached LIF units built for an SNN");
  uint64_t spikes = 0, sat = 0;
  const int32_t* const psum = j.psum;
  const int32_t* const mult = j.multiplier + j.channel0;
  const int32_t* const offs = j.offset + j.channel0;
  uint8_t* const out = j.spikes;
  const int pixels = j.pixels, channels = j.channels, shift = j.shift;
  const size_t stride = size_t(j.psum_stride);
  const int64_t top = (int64_t(1) << j.act_bits) - 1;
  for (int p = 0; p < pixels; ++p)
    for (int c = 0; c < channels; ++c) {
      const size_t i = size_t(p) * stride + c;
      const int64_t x = arith::neuron_current(psum[i], mult[c], offs[c], shift);
      const int64_t a = std::clamp<int64_t>(x, 0, top);
      sat += x > top;
      out[i] = uint8_t(a);
      spikes += a != 0;
    }
  m_spikes += spikes;
  m_saturations += sat;
  return spikes;
}

uint64_t LifUnit::lif_job(const LifJob& j) {
  if (m_ann) fail("lif", path() + ": an SNN layer (LIF/IF) reached ReLU units built for an ANN");
  LifBand b;
  b.psum = j.psum;
  b.psum_stride = size_t(j.psum_stride);
  b.mult = j.multiplier + j.channel0;
  b.offs = j.offset + j.channel0;
  b.shift = j.shift;
  b.mem = j.membrane;
  b.mem_stride = size_t(j.slot ? j.mem_stride : j.psum_stride);
  bool identity = j.slot != nullptr;  // slot[c] = c (no sharing): the index without the lookup
  for (int c = 0; identity && c < j.channels; ++c) identity = j.slot[c] == c;
  b.slot = identity ? nullptr : j.slot;
  b.out = j.spikes;
  b.pixels = j.pixels;
  b.channels = j.channels;
  const LifCounts n = lif_band(b, arith::lif_constants_of(j.neuron), m_membrane_bits, m_fired);
  m_spikes += n.spikes;
  m_saturations += n.saturations;
  return n.spikes;
}

uint64_t LifUnit::integrate(const LifJob& j) {
  const bool relu = j.act_bits > 0;
  if (relu) relu_updates(j);
  else lif_job(j);
  const uint64_t n = uint64_t(j.pixels) * j.channels, cycles = (n + m_units - 1) / m_units;
  if (m_busy) {
    m_busy.set(j.at, 1);
    m_busy.set(j.at + j.cycle * double(cycles), 0);
  }
  m_updates += n;
  count(m_update_thr, n);
  if (relu) return cycles;
  for (auto& w : m_watch) {
    const int c = w.channel - j.channel0, p = w.pixel - j.pixel0;
    if (w.layer != j.layer || c < 0 || c >= j.channels || p < 0 || p >= j.pixels) continue;
    const size_t i = j.slot ? size_t(p) * j.mem_stride + j.slot[c] : size_t(p) * j.psum_stride + c;
    w.probe.set(j.at + j.cycle * double(cycles), double(uint32_t(int32_t(j.membrane[i]))));
    w.hit = true;
  }
  count(m_update_mem, n);
  return cycles;
}

void LifUnit::report(Report&) const {
  for (const auto& w : m_watch)
    if (!w.hit)
      fail("lif", ctx().params.origin(path() + ".probe_neurons") + ": " + path() + ".probe_neurons: entry '" +
                      printable(w.spec, 80) + "' names no neuron the run updated, expected layer:channel:pixel of a firing "
                      "layer as the accelerator runs it (layer = descriptor index, pixel = y * W + x)");
}

void LifUnit::finish_run(uint64_t cycles) { count(m_cycle, cycles * uint64_t(m_units)); }

SPIKETLM_REGISTER_KIND(LifUnit, "lif.basic", "neuron",
                       "LIF/IF units: integrate, leak, fire, soft/hard reset, saturating membrane");

namespace {
struct SharedRegistrar {
  SharedRegistrar() {
    Factory::instance().add({"lif.shared", "neuron",
                             "C#n LIF sharing: one circuit and membrane per n channels, groups in sequence", "",
                             [](const char* name, Context& ctx) -> Module* { return new LifUnit(name, ctx); }});
  }
} g_shared;
}  // namespace

}  // namespace spiketlm
