// spiketlm: one compute (conv / linear) call of the layer engine (private to hw/compute): the
// buffer plan's filter tiles and bands, staged by the DMA schedule, accumulated by the PE
// array, fired by the LIF units. See engine.md. compute_call.cpp: planning, staging, membranes,
// the band loop; compute_call_pe.cpp: accumulation, fold timing, GLB streams, neurons, output.
#pragma once
#include <utility>
#include <vector>

#include "hw/compute/buffer_plan.h"
#include "hw/compute/dataflow.h"
#include "hw/compute/dma_schedule.h"
#include "hw/compute/engine.h"

namespace spiketlm {

using sc_core::sc_time;

class ComputeCall {
 public:
  ComputeCall(LayerEngine& e, const LayerCmd& L, const std::vector<int>& ts, int total_t, const Dataflow& df, sc_time now,
              LayerStats& st);
  sc_time run();

 private:
  // One band of output rows at one timestep of the call.
  struct Band {
    int b = 0, i = 0, t = 0, r0 = 0, r1 = 0, bpx = 0, y0 = 0, nrows = 0, slot = 0;
    uint64_t oslot = 0, mslot = 0, mrow = 0, band_bytes = 0;
    sc_time in_ready, c_start, c_end;
    const uint8_t* bits = nullptr;
    std::vector<int64_t>* mv = nullptr;
    uint64_t cycles = 0, dense_cycles = 0, last = 0;
    BandTraffic traffic;
  };
  void plan();
  TileExt tag(Tensor k, int t) const;
  uint64_t in_addr(int t) const { return L.in_addr + (L.input_per_t() ? uint64_t(t) * p.map_bytes : 0); }
  void count_input_spikes();
  void stage_resident();
  sc_time stage(int s, int is, int t, int y0, int nrows, sc_time earliest);
  void overlay(const DmaCommand& c);
  sc_time stream(bool write, uint64_t addr, uint64_t bytes, uint64_t piece, sc_time start, Tensor k);
  int islot_of(int s) const { return int((uint64_t(m_step) * uint64_t(p.in_segs) + uint64_t(s)) % 2); }
  void tile(int ft);
  // Whether this tile counts the non-zero elements per pixel (nnz_all): the first tile, whose
  // counts (of the input alone) every later tile reuses, unless the fold pixels exceed the layer's.
  bool count_nnz() const { return m_ft == 0 || npx_t > npx; }
  void tile_slots();
  sc_time load_weights(int s, sc_time earliest);
  void band(int b, int i);
  void prefetch(Band& bd);
  std::vector<std::pair<int, int>> runs(bool (ComputeCall::*pred)(int, int) const, int t) const;
  bool loads_slot(int u, int t) const { return m_first_k[size_t(u)] >= m_kg || t > 0; }
  bool stores_slot(int u, int t) const { return m_last_k[size_t(u)] + m_kg < g.out_c || t + 1 < total_t; }
  void load_membranes(Band& bd);
  // On-chip state (engine.md): the band's membranes of the tile from / to the ofmap GLB's region.
  uint64_t state_at(const Band& bd) const;
  void load_onchip(Band& bd);
  void store_onchip(Band& bd);
  FoldShape fold_shape() const;
  void fold_plan(Band& bd);
  void accumulate(Band& bd, uint32_t* band_nnz);
  sc_time accumulate_segments(Band& bd, uint32_t* band_nnz);
  void accumulate_memo(Band& bd, uint32_t* band_nnz);
  void account_folds(Band& bd);
  sc_time streams(Band& bd);
  void fire(Band& bd);
  void store_membranes(Band& bd);
  void output(Band& bd);

  LayerEngine& e;
  const LayerCmd& L;
  const ConvGeom& g;
  const std::vector<int>& ts;
  const int total_t;
  const Dataflow& df;
  const sc_time now;
  LayerStats& st;
  PeArray& pe;
  const int Cc, R;
  const uint64_t W, npx;
  uint64_t npx_t = 0;  // output pixels the fold counts use (the dataflow's output_size)
  int share = 1, m_kg = 0, mbytes = 0, nts = 0, tplanes = 1, oplanes = 1;
  bool persist = false;
  bool onchip = false;  // persisting membranes wait in the ofmap GLB (state_base), not DRAM
  bool wres = false;    // the weights stay in the weight GLB across the group's batches
  uint64_t state_base = 0;
  ComputePlan p;
  uint64_t wh = 0, ih = 0, oh = 0;
  DmaSchedule sched;
  sc_time pe_free, input_ready, weights_ready;
  uint64_t stall_ps = 0;
  int m_step = 0;
  // The filter tile in progress: its first filter, valid filters, weight slot; membrane slots:
  // column c -> local slot m_tile_slot[c]; per local slot its global slot and the first and
  // last channel of the tile that use it (C#n: slots pass from one group to the next).
  int m_ft = 0, k0 = 0, kvalid = 0, U = 0;
  uint64_t wslot = 0;
  std::vector<int> m_tile_slot, m_gslot, m_first_k, m_last_k;
  // The engine's buffers (LayerEngine::ComputeBuffers), empty when the call starts.
  std::vector<int8_t>& wbuf;
  std::vector<uint8_t>&staged, &spk, &packed, &mraw;
  std::vector<int32_t>& psum;
  std::vector<uint32_t>& nnz_all;
  std::vector<int64_t>& mem;
  std::vector<std::vector<int64_t>> tb_mem;  // tick-batch: membranes per band, across timesteps
  std::vector<uint64_t>& tile_cursor;
};

}  // namespace spiketlm
