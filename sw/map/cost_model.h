// spiketlm: the analytic cost of a mapping on a memory hierarchy (pure, no SystemC; fast
// enough to evaluate every mapping a search visits). See map.md for every formula.
#pragma once
#include <array>
#include <map>
#include <tuple>
#include <cstdint>
#include <string>
#include <vector>

#include "sw/map/mapping.h"
#include "sw/map/network_view.h"
#include "sw/map/visit_events.h"

namespace spiketlm::map {

// One memory level: capacity and energy per byte moved (read / written).
struct Level {
  uint64_t capacity = 0;
  double read_pj = 0, write_pj = 0;  // per byte
};

// What the cost model knows of a platform (hierarchy.h reads it from an elaborated one).
struct Hierarchy {
  std::string platform;
  ArrayShape array;
  double clock_hz = 400e6;          // PE-array clock
  Level dram;
  double dram_bytes_per_cycle = 0;  // DRAM peak bandwidth at the PE clock
  Level glb_weight, glb_ifmap, glb_ofmap;
  bool skip_zero_cycles = false;    // pe_array.skip_zero_cycles (the buffer plan depends on it)
  uint64_t psum_spad_bytes = 8;     // per PE
  uint64_t state_budget = 0;        // on-chip bytes for neuron state kept between batches
  int max_time_batch = 0;           // timesteps one visit can hold in the array (0: any)
  double op_pj = 0;                 // one accumulate (spike) or MAC (multi-bit input)
  double pe_cycle_pj = 0;           // one PE for one cycle (always-on logic)
  double neuron_update_pj = 0;      // one neuron update (integrate, leak, fire)
  double neuron_cycle_pj = 0;       // the neuron units for one PE-array cycle (SATA: every cycle)
  double leakage_mw = 0;            // every unit's leakage
  // Per event, as the TLM units charge them (visit_events.h counts the events):
  uint64_t dma_chunk = 128;                  // dma.chunk_bytes: bytes per DMA transaction
  uint64_t dram_burst = 128;                 // DRAM burst: bus_bits / 8 x burst_length
  double dram_burst_read_pj = 0, dram_burst_write_pj = 0;
  std::array<uint64_t, 3> glb_block{{32, 32, 32}};  // weight, ifmap, ofmap GLB block_bytes
  std::array<double, 3> glb_block_read_pj{}, glb_block_write_pj{};
  double spad_read_pj = 0, spad_write_pj = 0;  // one scratchpad byte register
  uint64_t lif_units = 128;
  bool os_order = true;  // the platform's dataflow is dataflow.os (groups of time batch 1 run it)
  // Time of the transfers and accesses (ns), as the TLM units take it (visit_events.h):
  double bus_ns_per_byte = 0, bus_latency_ns = 0;  // the router, per transaction
  double dram_burst_ns = 0, dram_cl_ns = 0, dram_cwl_ns = 0, dram_trcd_ns = 0, dram_trp_ns = 0, dram_twr_ns = 0;
  uint64_t dram_row_bytes = 16384, dram_banks = 16, dram_channels = 1;  // Dram::decode: row:bank:channel:column
  std::array<double, 3> glb_read_ns{}, glb_write_ns{};  // one block on one bank
  std::array<uint64_t, 3> glb_banks{{2, 2, 2}};
  double dma_setup_ns = 0;
  double clock_ns() const { return 1e9 / clock_hz; }
};

enum Operand { weights = 0, inputs, outputs, state, kOperands };
const char* operand_name(int o);

struct Cost {
  std::string infeasible;                    // empty: the mapping fits (else why, naming layer and field)
  std::array<uint64_t, kOperands> dram{};    // bytes moved to or from DRAM, per operand
  std::array<uint64_t, kOperands> glb{};     // bytes read or written in the global buffers
  uint64_t cycles = 0;                       // with compute / DRAM overlap per layer visit
  uint64_t compute_cycles = 0;
  uint64_t onchip_state = 0;                 // largest on-chip state (bytes) any group keeps
  double e_dram = 0, e_glb = 0, e_spad = 0, e_compute = 0, e_neuron = 0, e_leak = 0;  // pJ

  bool fits() const { return infeasible.empty(); }
  uint64_t offchip_bytes() const;
  double energy_pj() const { return e_dram + e_glb + e_spad + e_compute + e_neuron + e_leak; }
  double latency_s(double clock_hz) const { return double(cycles) / clock_hz; }
};

class CostModel {
 public:
  CostModel(const Network& n, const Hierarchy& h);
  // One visit of layer l: timesteps [t0, t0 + nt) of a batch of tb, membranes leaving the
  // array after the visit (persist). Compute layers: DRAM bytes from the systolic executor's
  // buffer plan (hw/compute/buffer_plan.h); refusal: why the executor cannot run it ("" if it
  // can). Every layer: the events SATA's units count (visit_events.h).
  struct Visit {
    uint64_t weights = 0, inputs = 0;
    std::string refusal;
    Events ev;
  };
  // `state`: the layer's place in its group's on-chip state region (buffer_plan.h place_regions).
  // `maps`: the region of fused maps its group holds in the ifmap GLB.
  // The addresses a visit reads and writes maps at (a fused group's at their places, view_of).
  struct MapAddrs {
    uint64_t in = 0, in2 = 0, out = 0;
  };
  // `at`: the layer's map addresses as the visit sees them (null: as laid out).
  // `weights`: where its fused group keeps its weights across batches (offset >= 0).
  const Visit& visit(int l, int t0, int nt, int tb, bool persist, const RegionSlot& state = {},
                     const RegionSlot& maps = {}, const MapAddrs* at = nullptr, const RegionSlot& weights = {}) const;
  // The cost of m; per_layer (if given) gets one Cost per layer (leakage left at 0 there).
  Cost evaluate(const Mapping& m, std::vector<Cost>* per_layer = nullptr) const;
  const Network& network() const { return m_net; }
  const Hierarchy& hierarchy() const { return m_h; }

 private:
  struct GroupInfo;
  void group(const Mapping& m, const Group& g, int gi, const std::vector<RegionSlot>& states,
             const std::vector<RegionSlot>& maps, const std::vector<RegionSlot>& weights, Cost& c,
             std::vector<Cost>* per_layer) const;
  // Every compute layer's weights' place when its fused group keeps them (the executor's place_weights).
  std::vector<RegionSlot> weights_of(const Mapping& m, const std::vector<int>& owner) const;
  // The layers whose maps layer l reads (through flattens; -1: the network input).
  std::vector<int> sources(int l) const;
  std::vector<std::vector<int>> m_sources, m_readers;  // per layer (sources(); who reads its map)
  // Layer l at a visit from timestep t0 when its group keeps maps on chip (else none).
  MapAddrs view_of(const GroupInfo& gi, int l, int t0) const;
  // Every layer's output map's place in its fused group's region (the executor's place_maps).
  std::vector<RegionSlot> maps_of(const Mapping& m, const std::vector<int>& owner) const;
  uint64_t maps_of_group(const GroupInfo& gi) const;  // the bytes of its region
  void layer(const Mapping& m, const GroupInfo& gi, int l, Cost& c) const;
  std::string refusal_field(const GroupInfo& gi, int l) const;
  // Every layer's place for on-chip state under m (the executor's place_regions).
  std::vector<RegionSlot> states_of(const Mapping& m, const std::vector<int>& owner) const;
  void charge(const Events& ev, uint64_t dram_bytes, Cost& c) const;
  std::vector<int> group_of(const Mapping& m) const;

  const Network& m_net;
  Hierarchy m_h;
  EventCounter m_events{m_h};
  mutable std::map<std::tuple<int, int, int, int, bool, uint64_t, int64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                             int64_t>,
                  Visit>
      m_visits;
};

}  // namespace spiketlm::map
