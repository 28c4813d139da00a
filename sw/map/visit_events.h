// spiketlm: what SATA's units count during one layer visit (a call of nt timesteps), derived
// from the transfers and accesses the layer engine issues for it (hw/compute/compute_call*.cpp,
// engine_pool.cpp, engine_add.cpp): DRAM bursts, GLB block accesses, PE scratchpad register
// accesses, LIF unit cycles. Pure (no SystemC); the cost model charges these counts with the
// technology table's energies. See map.md, "The cost model".
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "hw/compute/buffer_plan.h"
#include "sw/map/network_view.h"

namespace spiketlm::map {

struct Hierarchy;

enum Glb { glb_w = 0, glb_i, glb_o, kGlbs };

struct Events {
  uint64_t dram_rd = 0, dram_wr = 0;         // DRAM bursts
  uint64_t dram_bytes = 0;                   // bytes the DMA moved to or from DRAM
  std::array<uint64_t, kGlbs> glb_rd{}, glb_wr{};  // GLB block accesses
  uint64_t spad_rd = 0, spad_wr = 0;         // PE scratchpad byte-register accesses
  uint64_t fold_cycles = 0, lif_cycles = 0;  // PE-array fold cycles, LIF unit cycles
  double span_ns = 0;                        // the visit's time (the engine's schedule, below)
  void add(const Events& e);
};

// A DRAM-side address with this bit is a fused group's map in the ifmap GLB (the rest: its
// offset from the GLB's base): the transfer moves GLB to GLB (CostModel::view_of).
constexpr uint64_t on_chip_map = uint64_t(1) << 62;

// One DMA transfer as the engine issues it (hw/memory/dma.h DmaCommand): rows x row_bytes;
// DRAM addresses absolute (the firmware's layout), GLB addresses from the buffer's base.
struct Xfer {
  uint64_t src = 0, dst = 0, rows = 1, row_bytes = 0, src_stride = 0, dst_stride = 0;
};

// One call of layer L: timesteps [t0, t0 + nt) of T; membranes leave the call (persist) as the
// engine decides; tick: tick-batch's scratchpad accounting (dataflow.tick_batch, .mapped);
// in_array: membranes stay in the array within the call (tick-batch, mapped).
// state: where the layer's group holds on-chip state (buffer_plan.h place_regions): the ofmap
// GLB's slots are the halves of what the region leaves; membranes that persist wait in the
// region (offset >= 0) instead of DRAM.
struct VisitCall {
  int t0 = 0, nt = 1, T = 1;
  bool persist = false, tick = false, in_array = false;
  RegionSlot state;
  RegionSlot maps;  // the region of fused maps the group holds in the ifmap GLB
  RegionSlot weights;           // the layer's weights kept in the weight GLB across batches (offset >= 0)
  bool weights_loaded = false;  // ... by an earlier batch: no transfer
  bool onchip() const { return persist && state.offset >= 0; }
};

class EventCounter {
 public:
  explicit EventCounter(const Hierarchy& h);
  // DRAM -> GLB g (load) and GLB g -> DRAM (write-back): chunks of the DMA, bursts of the DRAM
  // (Dram::access: every burst a chunk touches), blocks of the GLB (Sram::access).
  // Both return the transfer's duration (ns): Dma::transfer's chunk pipeline (reads issued
  // ahead, each write after the previous one), the router's time per transaction, DRAM bursts
  // (open rows assumed: no activate or precharge time), GLB blocks over the banks.
  // `at`: when the transfer starts (ns from the visit's start): its first GLB access waits for
  // the banks booked until later by accesses issued before it (Sram: one busy-until per bank,
  // accesses in program order, not in time order), and books them until its last.
  double load(const Xfer& x, int g, Events& e, double at) const;
  double write_back(const Xfer& x, int g, Events& e, double at) const;
  // The datapath's accesses of GLB g: `len` bytes at `addr` in transactions of at most `piece`,
  // all at `addr` and issued at once at `at` (ComputeCall::stream), or one transaction (piece
  // 0). Returns the time from `at` until the last completes (ns), bank waits included.
  double glb(bool write, int g, uint64_t addr, uint64_t len, uint64_t piece, Events& e, double at) const;

  Events compute(const MapLayer& L, const ComputePlan& p, const VisitCall& v) const;
  // Pooling and adds: a plan the executor refuses (e.g. beside a large on-chip state region)
  // counts nothing and sets *refusal to the executor's reason.
  Events pool(const MapLayer& L, const VisitCall& v, std::string* refusal = nullptr) const;
  Events add(const MapLayer& L, const VisitCall& v, std::string* refusal = nullptr) const;

  const Hierarchy& h;
  uint64_t half[kGlbs];  // half of each GLB (double-buffered slots) without on-chip state
  // Half the ofmap GLB beside the visit's state region; the layer's on-chip membranes (from
  // the GLB's base).
  uint64_t ofmap_half(const VisitCall& v) const;
  uint64_t ifmap_half(const VisitCall& v) const;
  uint64_t weight_base(const VisitCall& v) const;  // kept weights' place (from the GLB's base)
  uint64_t state_base(const VisitCall& v) const;
  // At the start of a visit: every DRAM bank precharged (as at an inference's start), every
  // GLB bank idle.
  void close_rows() const;

 private:
  // Bursts (or blocks) of unit `u` that `n` bytes at `a` touch.
  static uint64_t span(uint64_t a, uint64_t n, uint64_t u) { return (a % u + n - 1) / u + 1; }
  // Per row of x, for side addresses `at` (DRAM) and `gat` (GLB): bursts and blocks.
  double rows(const Xfer& x, bool load, int g, Events& e, double at) const;
  // The same transfer with its DRAM side a fused map in the ifmap GLB (on_chip_map).
  double glb_rows(const Xfer& x, bool load, int g, Events& e, double at) const;
  // Time an access to DRAM row `row` (address / row_bytes) adds before its data: tRCD (bank
  // precharged), tRP + tRCD (another row open; + tWR after this bank's write), 0 (row hit).
  double open(uint64_t row, bool write) const;
  mutable std::vector<int64_t> m_open;  // per bank (all channels): open row, -1 none
  mutable int64_t m_written = -1;       // the bank of the last write
  mutable std::array<std::vector<double>, kGlbs> m_busy;  // per GLB bank: booked until (ns)
};

}  // namespace spiketlm::map
