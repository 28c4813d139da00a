#include "hw/compute/timing.h"

#include <stdexcept>

#include "tlm/error.h"
#include "tlm/factory.h"

namespace spiketlm {

bool scalesim_mapping(const Dataflow& df, scalesim::Mapping& m) {
  if (dynamic_cast<const OutputStationary*>(&df))
    m = scalesim::Mapping::output_stationary;
  else if (dynamic_cast<const WeightStationary*>(&df))
    m = scalesim::Mapping::weight_stationary;
  else if (dynamic_cast<const InputStationary*>(&df))
    m = scalesim::Mapping::input_stationary;
  else
    return false;
  return true;
}

namespace {
// SCALE-Sim's example configuration, configs/scale.cfg (scale-sim-v2 at 22f88b1): 64 kB per
// SRAM, Bandwidth 10 words per cycle.
constexpr int64_t kSramKbDefault = 64, kBandwidthDefault = 10;
constexpr double kMaxKb = 1 << 20, kMaxBandwidth = 1 << 20;
}  // namespace

ScaleSimTiming::ScaleSimTiming(sc_core::sc_module_name nm, Context& ctx) : TimingPolicy(nm, ctx) {
  auto kb = [&](const char* key, const char* what) {
    return uint64_t(param_int(key, kSramKbDefault,
                              {std::string("SCALE-Sim's ") + what + " SRAM (double-buffered, half active)", "KB", 1,
                               kMaxKb}));
  };
  m_cfg.ifmap_kb = kb("ifmap_sram_kb", "IfmapSramSzkB: ifmap");
  m_cfg.filter_kb = kb("filter_sram_kb", "FilterSramSzkB: filter");
  m_cfg.ofmap_kb = kb("ofmap_sram_kb", "OfmapSramSzkB: ofmap");
  m_cfg.bandwidth = uint64_t(param_int("bandwidth_words_per_cycle", kBandwidthDefault,
                                       {"SCALE-Sim's Bandwidth (InterfaceBandwidth: USER): words (bytes) per cycle "
                                        "between each SRAM and DRAM",
                                        "words/cycle", 1, kMaxBandwidth}));
}

void ScaleSimTiming::check(const Dataflow& df) const {
  scalesim::Mapping m;
  if (!scalesim_mapping(df, m))
    fail("timing", path() + ": timing.scalesim needs a dataflow SCALE-Sim has (os, ws, is or one derived from them), "
                          "not " + df.unit_kind());
}

scalesim::Topology ScaleSimTiming::topology(const ConvGeom& g, uint64_t planes) {
  scalesim::Topology t;
  t.ifmap_h = uint64_t(g.in_h + 2 * g.pad);
  t.ifmap_w = uint64_t(g.in_w + 2 * g.pad);
  t.filt_h = uint64_t(g.kh);
  t.filt_w = uint64_t(g.kw);
  t.channels = uint64_t(g.in_c) * planes;
  t.filters = uint64_t(g.out_c);
  t.stride = uint64_t(g.stride);
  return t;
}

PeerCycles ScaleSimTiming::layer(const LayerCmd& L, const Dataflow& df, uint64_t R, uint64_t C, uint64_t planes,
                                 uint64_t timesteps) {
  auto it = m_memo.find(L.id);
  if (it == m_memo.end()) {
    scalesim::Mapping m = scalesim::Mapping::output_stationary;
    if (!scalesim_mapping(df, m)) check(df);
    scalesim::MemoryConfig c = m_cfg;
    c.rows = R, c.cols = C;
    try {
      it = m_memo.emplace(L.id, scalesim::user_bandwidth_cycles(m, topology(L.g, planes), c)).first;
    } catch (const std::exception& e) {
      fail("timing", path() + ": layer " + std::to_string(L.id) + ": " + e.what());
    }
  }
  // Every timestep is one SCALE-Sim run of the layer (its buffers start empty).
  return {it->second.compute * timesteps, it->second.stall * timesteps, it->second.total * timesteps};
}

SPIKETLM_REGISTER_KIND(TimingPolicy, "timing.physical", "timing",
                       "the TLM model's time: fold and LIF cycles, DMA and DRAM stalls (no peer figures)");
SPIKETLM_REGISTER_KIND(ScaleSimTiming, "timing.scalesim", "timing",
                       "physical time plus SCALE-Sim v2's per-layer compute, stall and total cycles in its USER "
                       "bandwidth mode");

}  // namespace spiketlm
