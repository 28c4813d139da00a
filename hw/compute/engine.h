// spiketlm: the layer engine that every SATA dataflow drives. See engine.md.
//
// It runs one layer for a set of timesteps: stages weight tiles DRAM -> weight GLB and input
// bands DRAM -> ifmap GLB with the DMA (real bytes; either in segments of input channels when
// they do not fit half the buffer), has the PE array accumulate the real partial sums from
// the staged bytes, has the LIF units fire, and writes output spikes (and,
// when the membrane must outlive the call, membranes) back through the ofmap GLB to DRAM.
// GLB -> PE traffic is charged as timing-only transactions on the GLBs (the bytes the PE
// array streams, SCALE-Sim's access counts). Two resources are scheduled in absolute time:
// the DMA and the PE array; a band's compute waits for its input (double-buffered), and the
// wait is reported as a stall.
#pragma once
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "hw/compute/dataflow.h"
#include "hw/compute/pe_array.h"
#include "hw/compute/timing.h"
#include "hw/memory/dma.h"
#include "hw/memory/sram.h"
#include "hw/memory/timed_access.h"
#include "hw/ctrl/layer_cmd.h"
#include "hw/neuron/lif.h"
#include "sw/include/spiketlm/accel_regs.h"

namespace spiketlm {

// Per-layer results the report shows.
struct LayerStats {
  std::string name;
  uint64_t compute_cycles = 0, lif_cycles = 0, stall_cycles = 0, span_cycles = 0;
  uint64_t accumulates = 0, dense_accumulates = 0, spikes_in = 0, spikes_out = 0;
  uint64_t dram_bytes = 0, glb_bytes = 0;
  // The ledger's counts charged during the layer's calls, by ActionId: its energy is
  // EnergyLedger::dynamic_pj(actions), from integers, so it does not depend on what ran before.
  std::vector<uint64_t> actions;
  PeerCycles peer;  // a timing policy's peer figures (compute layers; timing.md)
};

// What the engine drives; set up by the platform.
struct Datapath {
  Dma* dma = nullptr;
  PeArray* pe = nullptr;
  LifUnit* lif = nullptr;
  AddressTarget *glb_w = nullptr, *glb_i = nullptr, *glb_o = nullptr;  // GLB slots (any memory-mapped target)
  tlm::tlm_initiator_socket<>* port = nullptr;  // the sequencer's, bound to the bus
  // The bus `port` is bound to, if the platform says (optional): the GLB transactions then call
  // its forward() directly, as Dma::connect does (the same function; simulation speed only).
  Router* bus = nullptr;
};

class LayerEngine {
 public:
  LayerEngine(Datapath dp, Module& owner);
  ~LayerEngine();
  LayerEngine(const LayerEngine&) = delete;
  LayerEngine& operator=(const LayerEngine&) = delete;
  // Run layer `L` for timesteps `ts` (OS/WS/IS: one; tick-batch: all) under dataflow `df`;
  // membranes persist across calls in DRAM when ts is one of several.
  // `now` is the absolute time the layer may start; returns its end.
  sc_core::sc_time run(const LayerCmd& L, const std::vector<int>& ts, int total_t, const Dataflow& df,
                       sc_core::sc_time now, LayerStats& st);
  // Once per run, before its calls: where the dataflow keeps membranes on chip (engine.md,
  // "On-chip state").
  void begin_run(const std::vector<LayerCmd>& layers, int timesteps, const Dataflow& df);

 private:
  friend class ComputeCall;
  friend class AddCall;
  // Absolute-time scheduled DMA: returns the end.
  sc_core::sc_time dma(const DmaCommand& c, sc_core::sc_time start);
  // GLB traffic whose bytes the datapath holds itself (GLB -> PE streams, partial-sum spills;
  // hw/memory/timed_access.h): returns the completion.
  sc_core::sc_time account(bool write, uint64_t addr, uint64_t len, sc_core::sc_time start, Tensor t);
  // The datapath's results written to a GLB (real bytes): returns the completion.
  sc_core::sc_time store(uint64_t addr, const void* data, uint64_t len, sc_core::sc_time start, Tensor t);
  sc_core::sc_time run_compute(const LayerCmd& L, const std::vector<int>& ts, int total_t, const Dataflow& df,
                               sc_core::sc_time now, LayerStats& st);
  sc_core::sc_time run_pool(const LayerCmd& L, const std::vector<int>& ts, sc_core::sc_time now, LayerStats& st);
  // One band of a channel group of a pooling layer at timestep t; returns the DMA's end.
  sc_core::sc_time pool_band_call(const LayerCmd& L, int t, int k0, int kn, int r0, int r1, int step,
                                  sc_core::sc_time t_dma, LayerStats& st);
  sc_core::sc_time run_add(const LayerCmd& L, const std::vector<int>& ts, int total_t, const Dataflow& df,
                           sc_core::sc_time now, LayerStats& st);
  void refuse(const LayerCmd& L, uint32_t err, const std::string& msg) const;
  // Layer `id`'s place for on-chip membranes and its group's region (none by default).
  RegionSlot state_slot(uint32_t id) const { return id < m_state.size() ? m_state[id] : RegionSlot{}; }
  // Half the ofmap GLB beside the region of layer `id`'s group (the double-buffer slots).
  uint64_t ofmap_half(uint32_t id) const { return glb_half(m_dp.glb_o->size_bytes(), state_slot(id)); }
  // Half the ifmap GLB beside the region of fused maps of layer `id`'s group.
  uint64_t ifmap_half(uint32_t id) const {
    return glb_half(m_dp.glb_i->size_bytes(), id < m_maps.size() ? m_maps[id] : RegionSlot{});
  }
  // Layer `id`'s weights kept in the weight GLB across its group's batches (offset >= 0), and
  // half the weight GLB beside them.
  RegionSlot weight_slot(uint32_t id) const { return id < m_weights.size() ? m_weights[id] : RegionSlot{}; }
  uint64_t weight_half(uint32_t id) const { return glb_half(m_dp.glb_w->size_bytes(), weight_slot(id)); }
  uint64_t weight_base(uint32_t id) const {
    const RegionSlot s = weight_slot(id);
    return m_glb_w_base + m_dp.glb_w->size_bytes() - s.reserved + uint64_t(s.offset);
  }
  // Whether `addr` is in a GLB (a fused map's place), not DRAM.
  bool on_chip(uint64_t addr) const;
  // Layer L as a call from timestep t0 sees it (engine.md, "Fused groups"): the maps its group
  // keeps on chip at their places in the ifmap GLB's region, timestep t0 at the place's start.
  LayerCmd call_view(const LayerCmd& L, int t0) const;
  // The absolute address of layer `id`'s on-chip membranes (state_slot(id).offset >= 0).
  uint64_t state_base(uint32_t id) const {
    const RegionSlot s = state_slot(id);
    return m_glb_o_base + m_dp.glb_o->size_bytes() - s.reserved + uint64_t(s.offset);
  }
  // A LIF job with the layer's neuron parameters and the waveform fields filled in.
  LifJob lif_job(const LayerCmd& L, int first_pixel, sc_core::sc_time at) const;

  // Partial sums of a layer whose input is one map for all timesteps, per (layer, filter
  // tile, band), reused when the staged input and weights are byte-equal (simulation speed
  // only: the array's work is still counted and timed).
  struct PsumMemo {
    std::vector<uint8_t> in;
    std::vector<int8_t> w;
    std::vector<int32_t> psum;
    std::vector<uint32_t> nnz;
    uint64_t accumulates = 0;
  };
  std::map<std::tuple<uint32_t, int, int>, PsumMemo> m_memo;
  std::vector<RegionSlot> m_state;  // per layer of the run (place_states)
  std::vector<RegionSlot> m_maps;   // per layer of the run: its output map's place (place_maps)
  std::vector<RegionSlot> m_weights;  // per layer of the run: its weights' place (place_weights)
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> m_map_at;  // fused map: DRAM address -> place, bytes per timestep
  std::vector<uint64_t> m_stands;  // per layer: the DRAM address of the map its generated input stands for (0: none)

  Datapath m_dp;
  Module& m_owner;
  sc_core::sc_time m_clk;
  uint64_t m_glb_w_base, m_glb_i_base, m_glb_o_base;
  std::vector<uint8_t> m_pool_in, m_pool_out;
  std::vector<int32_t> m_pool_vals;
  // A compute call's buffers (compute_call.h), kept from one call to the next so that a call
  // allocates nothing; each call finds them empty (simulation speed only).
  struct ComputeBuffers {
    std::vector<int8_t> wbuf;
    std::vector<uint8_t> staged, spk, packed, mraw;
    std::vector<int32_t> psum;
    std::vector<uint32_t> nnz_all;
    std::vector<int64_t> mem;
    std::vector<uint64_t> tile_cursor;
    void clear();
  };
  ComputeBuffers m_buffers;
  // account()'s and store()'s transactions, on the sequencer's bus socket.
  TimedAccess m_access;
  TileExt m_tag;
};

}  // namespace spiketlm
