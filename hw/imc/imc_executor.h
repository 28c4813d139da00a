// spiketlm: the IMC layer executor: runs SpikeFlow's (layer, timestep) calls for the controller
// protocol. See imc_controller.md.
//
// Its parts: the crossbar mapping plan (mapping.h: layers -> PEs, tiles, crossbars), the NoC
// schedule (noc_schedule.h: tile-to-tile and global-buffer transfers), the layer pipeline
// (pipeline.h: SpikeSim's timing) and the datapath (imc_datapath.h: crossbar programming and
// reads, neuron units, pooling, adds, energy counts). Per run:
//   begin_run  programs the crossbars once per network load (a new descriptor table), finds
//              every layer's producers, plans the traffic and the pipeline, reads the inputs
//   run        one layer at one timestep (functional; with early exit the output layer's call
//              also times the timestep's pipeline)
//   logits     the output layer's logits of a timestep (through the global buffer with exit)
//   outputs    charges the timesteps run, times the static pipeline over T, writes the outputs
//   end_run    the completion and the latency (SpikeSim's pipeline end in dense mode)
// Timestep-outer, weight-stationary: membranes stay in the tiles, weights in the crossbars.
#pragma once
#include <tlm>

#include <map>
#include <vector>

#include "hw/ctrl/controller.h"
#include "hw/ctrl/executor.h"
#include "hw/imc/imc_datapath.h"
#include "hw/imc/mapping.h"
#include "hw/imc/noc_schedule.h"
#include "hw/imc/pipeline.h"
#include "hw/memory/dma.h"
#include "hw/memory/memory_target.h"
#include "hw/memory/timed_access.h"

namespace spiketlm {

struct ImcLayerStats {
  std::string op;
  int layer = 0, pes = 0, first_tile = 0, last_tile = 0, planes = 1;
  uint64_t pe_cycles = 0, active_pe_cycles = 0, xbar_reads = 0, active_xbar_reads = 0;
  uint64_t spikes_in = 0, spikes_out = 0, neuron_updates = 0, noc_bytes = 0;
  // Driven row x weight column pairs (the accumulates a digital design would do; per input
  // plane for multi-bit inputs), for the FLOP estimate.
  uint64_t accumulates = 0;
  double start_ns = 0, end_ns = 0;   // the last run's
  // The ledger's counts charged for the layer, by ActionId (energy: EnergyLedger::dynamic_pj).
  std::vector<uint64_t> actions;
};

class ImcExecutor : public LayerExecutor {
 public:
  struct Config {
    ImcDatapath::Config dp;
    imc::MapConfig map;
    double fraction = 0.75;      // pipeline_fraction
    double program_row_ns = 0;   // programming time per crossbar row
  };
  struct Wiring {
    Dma* dma = nullptr;
    ImcTile* tile = nullptr;
    Noc* noc = nullptr;
    AddressTarget* glb = nullptr;  // the global buffer slot (any memory-mapped target)
    tlm::tlm_initiator_socket<>* bus = nullptr;  // the controller's bus socket (timing of buffer accesses)
  };
  // Statistics of the owner (the controller module): accumulates and runs.
  ImcExecutor(Context& ctx, const Config& c, const Wiring& w, uint64_t& accumulates, uint64_t& runs);

  // The executor interface (hw/ctrl/executor.h).
  uint32_t dataflow_code() const override { return DATAFLOW_IMC; }
  int lif_share() const override { return m_w.tile->lif().share(); }
  bool timestep_outer() const override { return true; }
  std::vector<LayerCall> schedule(int layers, int timesteps) const override;
  sc_core::sc_time begin_run(const RunInfo& run, sc_core::sc_time now, RunCounts& counts) override;
  sc_core::sc_time run(const LayerCmd& L, const std::vector<int>& ts, int timesteps, sc_core::sc_time now,
                       RunCounts& counts) override;
  bool logits(int t, int32_t* z, int classes, sc_core::sc_time& now) override;
  sc_core::sc_time exit_decided(sc_core::sc_time now, const sc_core::sc_time& decision) override;
  bool outputs(int ran, int classes, std::vector<int32_t>& out, sc_core::sc_time& now) override;
  RunEnd end_run(sc_core::sc_time now, int ran, bool refused, RunCounts& counts) override;

  // Results over every run.
  const std::vector<ImcLayerStats>& layer_stats() const { return m_layers; }
  void set_layer_stats(std::vector<ImcLayerStats> s) { m_layers = std::move(s); }   // a merge of shards
  const imc::ChipMap& chip() const { return m_chip; }
  const std::vector<double>& run_latency_s() const { return m_run_latency; }
  void set_run_latency_s(std::vector<double> v) { m_run_latency = std::move(v); }   // a merge of shards
  double program_ns() const { return m_program_ns; }
  const sc_core::sc_time& clock() const { return m_clk; }

  // Pre-BN statistics of every firing layer's partial sums (by descriptor index), collected
  // over every position, timestep and sample once enabled (BN adaptation).
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
  // One descriptor layer in a run.
  struct RunLayer {
    ImcMaps own, out;              // own: the input map from DRAM; out: the layer's output
    const ImcMaps* in = nullptr;   // its input (an earlier layer's output, or own)
    const ImcMaps* in2 = nullptr;  // add: operand 2 (the shortcut), operand 1 is `in`
    bool shared = false;           // one input map for every timestep
    int consumers = 0;             // layers reading `out` (an add reading it twice counts twice)
    std::vector<int> consumed;     // per timestep: consumers that have read `out` of it
    std::vector<int32_t> mem;  // membranes (at most 32 bits, neuron.imc membrane_bits)
    std::vector<int64_t> psum0;  // psum0: a direct-coded layer's partial sums, kept for every timestep
    ImcCounts total, c0;
    std::vector<uint64_t> actions; // counts charged outside the per-layer accounting (input DMA)
  };
  void release_inputs(size_t i, int ts);
  static int64_t spike_bits(const LayerCmd& L, uint64_t f);
  // Output maps: a map released by release_inputs is kept (up to k_spare_maps) and handed out
  // again for an output of its size, which its writer overwrites whole (the LIF/IF, ReLU and
  // output paths, pooling): no allocation and no zero fill per layer and timestep.
  std::vector<int32_t> take_map(size_t n);
  void give_map(std::vector<int32_t>& v);
  static constexpr size_t k_spare_maps = 8;
  // One run's state.
  struct Run {
    bool active = false;           // between begin_run and end_run
    const std::vector<LayerCmd>* layers = nullptr;
    int T = 0;
    bool exit_on = false, closed = false, written = false;
    sc_core::sc_time start, t;     // the run's start and the executor's local time
    std::vector<RunLayer> R;
    std::vector<imc::NetLayer> net;
    std::vector<imc::LayerTraffic> traffic;
    std::vector<imc::Stage> stages;
    imc::GlbPlan glb;
    int out_layer = -1;            // the last compute layer that does not fire (its outputs go to DRAM)
    double exit_ns = 0, pipe_end = 0;  // dense mode: the timesteps' pipelines and decisions; the static pipeline's end
    uint64_t glb0 = 0, in0 = 0, out_dram = 0;
  };

  // imc_executor.cpp
  void load_network(const std::vector<LayerCmd>& layers);
  void plan(const std::vector<LayerCmd>& layers, RunCounts& counts);
  void wire(size_t i);
  void compute_layer(const LayerCmd& L, RunLayer& r, int ts, ImcLayerStats& st, RunCounts& counts);
  void add_layer(const LayerCmd& L, RunLayer& r, int ts, ImcLayerStats& st, RunCounts& counts);
  void collect_psum(const LayerCmd& L, const std::vector<int64_t>& psum);
  // imc_run_end.cpp
  double pipeline(uint64_t Tm, double t0_ns, bool first);
  void close(int ran);
  void charge(int ran);
  // imc_transfers.cpp
  sc_core::sc_time dma(const DmaCommand& c, sc_core::sc_time start);
  // The tiles' side of a global-buffer transfer (hw/memory/timed_access.h): a read whose bytes
  // the datapath already holds, or a write of real bytes. Return the completion.
  sc_core::sc_time account_read(uint64_t addr, uint64_t len, sc_core::sc_time start);
  sc_core::sc_time store(uint64_t addr, const void* data, uint64_t len, sc_core::sc_time start);
  void read_input(const imc::GlbPlan::Input& in, int first, int count, RunCounts& counts);
  void write_outputs(int ran, std::vector<int32_t>& outputs);
  uint64_t glb_bytes() const;
  uint64_t spikes_in_total() const;

  Context& m_ctx;
  Config m_cfg;
  Wiring m_w;
  ImcDatapath m_dp;
  sc_core::sc_time m_clk;
  uint64_t &m_accumulates, &m_runs;
  bool m_loaded = false;
  uint64_t m_loaded_desc = ~uint64_t(0);
  std::map<uint32_t, ImcLayerProgram> m_prog;  // by descriptor index
  std::map<uint32_t, int> m_map_index;          // descriptor index -> ChipMap::layers index
  imc::ChipMap m_chip;
  uint64_t m_xbar_index = 0;
  double m_program_ns = 0;
  std::vector<ImcLayerStats> m_layers;
  std::vector<double> m_run_latency;
  Run m_run;
  uint32_t m_layer_now = 0;  // the layer of the call in progress (a failed buffer access names it)
  bool m_psum_stats = false, m_capture_adds = false;
  std::map<uint32_t, PsumStats> m_psum;
  std::vector<int64_t> m_psum_now;  // the partial sums of the layer being computed (one buffer for all)
  std::vector<std::vector<int32_t>> m_spare;  // released maps (take_map)
  std::map<uint32_t, AddMaps> m_add_maps;
  TimedAccess m_access;  // account_read() and store(), on the controller's bus socket
};

}  // namespace spiketlm
