// spiketlm: the controller of the IMC chip (kind "controller.imc"). See imc_controller.md.
//
// Same programming model as the SATA sequencer (sw/include/spiketlm/accel_regs.h): waits for
// CTRL.START, fetches and validates the layer descriptors over the bus (decode_layer, shared
// with the sequencer), programs the crossbars once per network load (weight-stationary; the
// weights are read from the runtime's tiled layout [ceil(K/cols)][W][cols] with cols = the
// crossbar's weight columns), then runs the timesteps in order, every layer at each: input
// spikes drive crossbar rows, ADCs digitise the column currents, the shift-and-add and the
// tile accumulators combine the partial sums, the tile's LIF/IF units fire (membranes stay in
// the tiles between timesteps), and the spikes go to the next layer's tiles over the NoC.
// With an exit unit and EXIT_THRESHOLD set, the exit unit decides after each timestep from
// the output layer's accumulated logits and may stop the sample (DT-SNN). Timing is
// SpikeSim's layer pipeline (next layer starts after pipeline_fraction of the previous one's
// work) over the T timesteps, or over each timestep in turn with early exit, plus NoC and
// buffer transfers; it writes STATUS, PREDICTION, CYCLES, DRAM_BYTES, SPIKES, EXIT_TIMESTEP
// and raises the IRQ.
#pragma once
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <map>
#include <vector>

#include "hw/ctrl/csr.h"
#include "hw/ctrl/controller.h"
#include "hw/ctrl/layer_cmd.h"
#include "hw/exit/exit_unit.h"
#include "hw/imc/mapping.h"
#include "hw/imc/tile.h"
#include "hw/memory/dma.h"
#include "hw/memory/memory_target.h"
#include "hw/noc/noc.h"

namespace spiketlm {

struct ImcLayerStats {
  std::string op;
  int layer = 0, pes = 0, first_tile = 0, last_tile = 0, planes = 1;
  uint64_t pe_cycles = 0, active_pe_cycles = 0, xbar_reads = 0, active_xbar_reads = 0;
  uint64_t spikes_in = 0, spikes_out = 0, neuron_updates = 0, noc_bytes = 0;
  // Driven row x weight column pairs (the accumulates a digital design would do; per input
  // plane for multi-bit inputs), for the FLOP estimate.
  uint64_t accumulates = 0;
  double start_ns = 0, end_ns = 0, energy_pj = 0;
};

class ImcController : public Module {
 public:
  tlm_utils::simple_initiator_socket<ImcController> out;

  SC_HAS_PROCESS(ImcController);
  ImcController(sc_core::sc_module_name name, Context& ctx);

  struct Wiring {
    Csr* csr = nullptr;
    Dma* dma = nullptr;
    ImcTile* tile = nullptr;
    Noc* noc = nullptr;
    MemoryTarget* glb = nullptr;
    ExitUnit* exit = nullptr;  // DT-SNN exit unit (null: no early exit)
  };
  void connect(const Wiring& w);
  // The mapping configuration from the controller's and the tile's parameters.
  imc::MapConfig map_config() const { return m_map_cfg; }
  bool dense_spikesim() const { return m_dense; }

  const std::vector<ImcLayerStats>& layer_stats() const { return m_layers; }
  const imc::ChipMap& chip() const { return m_chip; }
  // Per run: the accelerator latency (s) as the model computes it.
  const std::vector<double>& run_latency_s() const { return m_run_latency; }
  double pe_cycle_ns() const;
  double program_ns() const { return m_program_ns; }

  // Pre-BN statistics of every firing layer's partial sums (by descriptor index), collected
  // over every position, timestep and sample once enabled (BN adaptation, README).
  struct PsumStats {
    std::vector<double> sum, sumsq;  // per output channel
    double count = 0;                // values per channel
  };
  void enable_psum_stats() { m_psum_stats = true; }
  const std::map<uint32_t, PsumStats>& psum_stats() const { return m_psum; }

  // Every residual add layer's operands and output per timestep of the last run (by descriptor
  // index), kept once enabled (for checking the adds against another platform).
  struct AddMaps {
    std::vector<std::vector<int32_t>> a, b, out;
  };
  void enable_add_capture() { m_capture_adds = true; }
  const std::map<uint32_t, AddMaps>& add_maps() const { return m_add_maps; }

 private:
  struct Act {
    int c = 0, h = 0, w = 0, planes = 1;
    bool is_signed = false;
    std::vector<std::vector<int32_t>> t;  // per timestep, or one map for every timestep
    const std::vector<int32_t>& at(int ts) const { return t.size() == 1 ? t[0] : t[size_t(ts)]; }
  };
  struct Programmed {
    imc::LayerMap map;
    std::vector<XbarProgram> progs;  // [(q * row_groups + g) * k2 + j]
  };
  struct Counts {
    uint64_t pe_cycles = 0, active_pe_cycles = 0, xbar_reads = 0, active_xbar_reads = 0, accumulates = 0;
    std::vector<uint64_t> active_by_group;  // active PE cycles per row group (per col group)
    void add(const Counts& o);
  };

  void thread();
  void execute();
  void bus_read(uint64_t addr, void* dst, uint64_t len, sc_core::sc_time& t);
  sc_core::sc_time dma(const DmaCommand& c, sc_core::sc_time start);
  sc_core::sc_time account(bool write, uint64_t addr, uint64_t len, sc_core::sc_time start);
  void load_network(const std::vector<LayerCmd>& layers);
  // Appends the input maps of timesteps [first, first + count) of L (from L.in_addr) to `a`;
  // timed: DRAM -> global buffer (DMA) -> tiles, else through the debug path.
  void read_maps(const LayerCmd& L, int first, int count, bool timed, sc_core::sc_time& t, Act& a);
  // psum[k * npx + p] of one timestep's input; counts the activity.
  void compute(const LayerCmd& L, const Programmed& P, const Act& in, int ts, std::vector<int64_t>& psum, Counts& c);

  Csr* m_csr = nullptr;
  Dma* m_dma = nullptr;
  ImcTile* m_tile = nullptr;
  Noc* m_noc = nullptr;
  MemoryTarget* m_glb = nullptr;
  ExitUnit* m_exit = nullptr;
  imc::MapConfig m_map_cfg;
  bool m_dense, m_zero_skip;
  double m_fraction, m_program_row_ns, m_program_ns = 0;
  int m_dense_factor, m_dense_hops, m_dense_neuron;
  sc_core::sc_time m_clk;
  bool m_loaded = false;
  uint64_t m_loaded_desc = ~uint64_t(0);
  std::map<uint32_t, Programmed> m_prog;  // by descriptor index
  imc::ChipMap m_chip;
  std::vector<ImcLayerStats> m_layers;
  std::vector<double> m_run_latency;
  PeScratch m_scratch;
  uint64_t m_xbar_index = 0;
  bool m_psum_stats = false;
  std::map<uint32_t, PsumStats> m_psum;
  bool m_capture_adds = false;
  std::map<uint32_t, AddMaps> m_add_maps;
  uint32_t m_busy = 0, m_layer_now = 0, m_t_now = 0;
  uint64_t &m_cycles, &m_refused, &m_desc_bytes, &m_runs, &m_accumulates;
};

}  // namespace spiketlm
