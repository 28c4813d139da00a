#include "hw/neuron/lif.h"

#include <algorithm>

#include "hw/arith/neuron.h"
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

uint64_t LifUnit::integrate(const LifJob& j) {
  uint64_t spikes = 0, sat = 0;
  // The job's fields as locals: the byte stores to j.spikes may alias anything, so the compiler
  // would reload every field read through j in the loops.
  const int32_t* const psum = j.psum;
  const int32_t* const mult = j.multiplier + j.channel0;
  const int32_t* const offs = j.offset + j.channel0;
  const int* const slot = j.slot;
  int64_t* const mem = j.membrane;
  uint8_t* const out = j.spikes;
  const int pixels = j.pixels, channels = j.channels, shift = j.shift;
  const size_t stride = size_t(j.psum_stride), mem_stride = size_t(j.mem_stride);
  if (j.act_bits > 0) {
    // ReLU + requantize (FORMAT.md, network: ann): spikes counts non-zero activations,
    // saturations the activations clamped at the top.
    if (!m_ann)
      fail("lif", path() + ": an ANN layer (ReLU activations) reached LIF units built for an SNN");
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
    const uint64_t n = uint64_t(j.pixels) * j.channels, cycles = (n + m_units - 1) / m_units;
    if (m_busy) {
      m_busy.set(j.at, 1);
      m_busy.set(j.at + j.cycle * double(cycles), 0);
    }
    m_updates += n;
    m_spikes += spikes;
    m_saturations += sat;
    count(m_update_thr, n);
    return cycles;
  }
  if (m_ann) fail("lif", path() + ": an SNN layer (LIF/IF) reached ReLU units built for an ANN");
  const int64_t hi = (int64_t(1) << (m_membrane_bits - 1)) - 1, lo = -hi - 1;
  const int bits = m_membrane_bits;
  const uint64_t span = uint64_t(hi) - uint64_t(lo);
  // mem_index(p, c, i): where neuron (p, c) keeps its membrane (i: its psum index).
  const arith::lif_constants k = arith::lif_constants_of(j.neuron);
  auto update = [&](auto mem_index) {
    for (int p = 0; p < pixels; ++p)
      for (int c = 0; c < channels; ++c) {
        const size_t i = size_t(p) * stride + c;
        const int64_t x = arith::neuron_current(psum[i], mult[c], offs[c], shift);
        int64_t& v = mem[mem_index(p, c, i)];
        const int64_t pre = arith::lif_charge(v, x, k);
        sat += uint64_t(pre) - uint64_t(lo) > span;  // pre outside [lo, hi]
        const bool s = arith::lif_fire(v, pre, k, bits);
        out[i] = s;
        spikes += s;
      }
  };
  bool identity = slot != nullptr;  // slot[c] = c (no sharing): the index without the lookup
  for (int c = 0; identity && c < channels; ++c) identity = slot[c] == c;
  if (identity) update([&](int p, int c, size_t) { return size_t(p) * mem_stride + size_t(c); });
  else if (slot) update([&](int p, int c, size_t) { return size_t(p) * mem_stride + slot[c]; });
  else update([](int, int, size_t i) { return i; });
  const uint64_t n = uint64_t(j.pixels) * j.channels;
  const uint64_t cycles = (n + m_units - 1) / m_units;
  if (m_busy) {
    m_busy.set(j.at, 1);
    m_busy.set(j.at + j.cycle * double(cycles), 0);
  }
  for (auto& w : m_watch) {
    const int c = w.channel - j.channel0, p = w.pixel - j.pixel0;
    if (w.layer != j.layer || c < 0 || c >= j.channels || p < 0 || p >= j.pixels) continue;
    const size_t i = j.slot ? size_t(p) * j.mem_stride + j.slot[c] : size_t(p) * j.psum_stride + c;
    w.probe.set(j.at + j.cycle * double(cycles), double(uint32_t(int32_t(j.membrane[i]))));
    w.hit = true;
  }
  m_updates += n;
  m_spikes += spikes;
  m_saturations += sat;
  count(m_update_thr, n);
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
