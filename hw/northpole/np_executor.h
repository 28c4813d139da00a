// spiketlm: the NorthPole layer executor: runs the controller protocol's (layer, timestep)
// calls on the core grid. See northpole.md.
//
// Its parts: the mapping plan (plan.h: layers -> core rectangles, per-core cycles, pipeline),
// the traffic (np_traffic.cpp: the four NoCs and the core memories, per layer pass) and the
// datapath (np_datapath.cpp: the functional VMM + vector unit on int32 maps). Per run:
//   begin_run  at a new descriptor table: plans the network (a network that does not fit is
//              refused, or with time_multiplex cut into segments whose weights are reloaded
//              every frame: np_reload.cpp), loads every layer's weights into its cores over
//              the model NoC; then reads the frame into the frame buffer
//   run        one layer pass (one timestep of one frame): values, counts, and its completion
//              in the layer pipeline F(i, t) = max(F(i - 1, t), F(i, t - 1)) + stage_i
//   outputs    the output layer's accumulations, written back to host memory
//   end_run    the completion: the last stage of the last pass, plus the results' return
// Timestep-outer; weights, activations and membranes stay in the core memories.
#pragma once
#include <tlm>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "hw/ctrl/executor.h"
#include "hw/memory/timed_access.h"
#include "hw/northpole/np_core.h"
#include "hw/northpole/np_noc.h"
#include "hw/northpole/plan.h"

namespace spiketlm {

// Per layer, summed over every run.
struct NpLayerStats {
  std::string op;
  int layer = 0, kc = 1, sp = 1, ic = 1, x = 0, y = 0, w = 0, h = 0, bits = 8;
  uint64_t passes = 0, cycles = 0, vmm_cycles = 0, vec_cycles = 0, macs = 0, nonzero_out = 0;
  uint64_t weight_bytes = 0, core_bytes = 0;  // resident weights (layer), per-core footprint
  double stage_ns = 0, energy_pj = 0;
};

class NpExecutor : public LayerExecutor {
 public:
  enum Net { psum = 0, act = 1, model = 2, instr = 3 };
  struct Config {
    bool grow = true;             // spread layers over the spare cores
    int weight_bits = 0;          // 0: from the weights' values; else the VMM mode for every layer
    int weight_reuse = 8;         // output pixels per weight fetch from core memory
    int instr_bytes = 64;         // instruction bytes per core per layer pass
    // Time-multiplexed weights (a network that does not fit; northpole.md): segments of
    // layers take the chip in turn, their weights reloaded from off chip on every frame.
    bool time_multiplex = false;
    double offchip_gbps = 7.88;   // the off-chip link's rate (GB/s), the reload's bottleneck
    uint64_t offchip_burst = 64;  // bytes per off-chip read (the energy action's unit)
  };
  // The memories are any TLM-2.0 targets on the bus (tlm/router.h AddressTarget: a
  // northpole.memory, or any kind that honours the generic payload): every access the
  // executor sends them is a complete payload (hw/memory/timed_access.md).
  struct Wiring {
    NpCore* core = nullptr;
    AddressTarget* core_mem = nullptr;   // one bank of core_bank_bytes per core, bank i = core i
    uint64_t core_bank_bytes = 0;
    AddressTarget* frame = nullptr;
    NpNoc* nocs[4] = {};
    tlm::tlm_initiator_socket<>* bus = nullptr;      // host memory, frame buffer, core memories
    tlm::tlm_initiator_socket<>* noc[4] = {};        // the controller's sockets bound to the NoCs
    std::function<void(uint64_t)> offchip_reads;     // counts off-chip reads (bursts) of a reload
  };
  NpExecutor(Context& ctx, const Config& c, const Wiring& w);

  uint32_t dataflow_code() const override { return DATAFLOW_SPATIAL; }
  bool timestep_outer() const override { return true; }
  std::vector<LayerCall> schedule(int layers, int timesteps) const override;
  sc_core::sc_time begin_run(const RunInfo& run, sc_core::sc_time now, RunCounts& counts) override;
  sc_core::sc_time run(const LayerCmd& L, const std::vector<int>& ts, int timesteps, sc_core::sc_time now,
                       RunCounts& counts) override;
  bool logits(int t, int32_t* z, int classes, sc_core::sc_time& now) override;
  sc_core::sc_time exit_decided(sc_core::sc_time now, const sc_core::sc_time& decision) override;
  bool outputs(int ran, int classes, std::vector<int32_t>& out, sc_core::sc_time& now) override;
  RunEnd end_run(sc_core::sc_time now, int ran, bool refused, RunCounts& counts) override;

  // The mapping of the loaded network (its shapes and plan) and results over every run.
  const np::NetPlan& plan() const { return m_plan; }
  const std::vector<np::LayerShape>& shapes() const { return m_shapes; }
  const std::vector<NpLayerStats>& layer_stats() const { return m_stats; }
  const std::vector<double>& stage_ns() const { return m_stage_ns; }
  const std::vector<double>& run_latency_s() const { return m_latency; }
  double load_ns() const { return m_load_ns; }
  // Energy of the weight loads (all of it, and its model-NoC part), once per network.
  double load_energy_pj() const { return m_load_pj; }
  double load_noc_pj() const { return m_load_noc_pj; }
  // Time-multiplexing: the closed-form reload time of each segment (ns; empty: one segment),
  // and over every run the reloads' energy (pJ) and bytes.
  const std::vector<double>& reload_ns() const { return m_reload_ns; }
  double reload_pj() const { return m_reload_pj; }
  uint64_t reload_bytes() const { return m_reload_bytes; }
  // The layer pipeline's time for `passes` passes (frames x timesteps) from the first
  // segment's reload to the last pass (one segment: pipeline_end of the stages), and the
  // time per pass once the pipeline is full (the slowest stage of each segment, summed).
  double frames_ns(uint64_t passes) const;
  double steady_pass_ns() const;
  const np::CoreSpec& spec() const { return m_spec; }
  // The shapes of a descriptor table as the plan sees them (weight bits from `wbits`).
  static std::vector<np::LayerShape> shapes_of(const std::vector<LayerCmd>& layers, const std::vector<int>& wbits,
                                               int membrane_bytes);

 private:
  struct Maps {
    std::vector<std::vector<int32_t>> t;
    const std::vector<int32_t>& at(int ts) const { return t.size() == 1 ? t[0] : t[size_t(ts)]; }
  };
  struct RunLayer {
    Maps own, out;
    const Maps* in = nullptr;
    const Maps* in2 = nullptr;
    int src = -1;                 // producer layer (structural for workloads), -1: the frame buffer
    std::vector<int64_t> mem;     // membranes
  };
  // np_load.cpp
  void load_network(const std::vector<LayerCmd>& layers, sc_core::sc_time& t);
  void store_weights(sc_core::sc_time& t);
  // Layer i's weight slices into its cores (a core memory write each, read back by debug
  // transport); `reload`: from off chip through the frame buffer (np_reload.cpp).
  void put_weights(size_t i, bool reload, sc_core::sc_time& t);
  void plan_reloads();
  void offchip_slice(size_t i, uint64_t offset, const int8_t* slice, uint64_t len);
  void reload_segment(int seg, sc_core::sc_time t);
  double segment_ready(size_t i, int ts);   // the start barrier of layer i's pass (ns from m_t0)
  void init_stats(const std::vector<LayerCmd>& layers);
  void stages();
  void producers(const std::vector<LayerCmd>& layers);
  void wire(const std::vector<LayerCmd>& layers);
  void read_frame(const LayerCmd& L, RunLayer& r, int ts, sc_core::sc_time& t, RunCounts& counts);
  // np_traffic.cpp
  double traffic(size_t i, bool charge);   // one pass of layer i: returns its stage time (ns)
  void count_pass(size_t i);
  void spill(size_t src);
  void memory_access(bool write, int core, uint64_t bytes);
  np::Rect frame_port() const;
  // A complete write of `len` bytes from `data` to `addr` (timed: `t` is the issue time, then
  // the completion); error: LayerRefused naming the access.
  void write_bytes(uint32_t layer, uint64_t addr, const void* data, uint64_t len, sc_core::sc_time& t);
  void read_frame_buffer(uint32_t layer, uint64_t len, sc_core::sc_time* t);
  // np_datapath.cpp
  uint64_t compute(const LayerCmd& L, RunLayer& r, int ts, NpLayerStats& st);  // returns the non-zero outputs
  uint64_t output(const LayerCmd& L, const std::vector<int64_t>& psum, RunLayer& r, std::vector<int32_t>& out);

  Context& m_ctx;
  Config m_cfg;
  Wiring m_w;
  std::unique_ptr<TimedAccess> m_access;   // every memory access, on the bus socket
  np::CoreSpec m_spec;
  sc_core::sc_time m_clk;
  bool m_loaded = false;
  uint64_t m_loaded_desc = ~uint64_t(0);
  std::vector<np::LayerShape> m_shapes;
  np::NetPlan m_plan;
  std::vector<std::vector<int8_t>> m_weights;  // by descriptor, read back from the core memories
  std::vector<uint64_t> m_waddr;               // their host addresses (w_addr)
  std::vector<double> m_reload_ns, m_seg_ready;
  double m_reload_pj = 0;
  uint64_t m_reload_bytes = 0;
  std::vector<int> m_wbits;
  std::vector<int> m_src, m_src2;  // structural producers per layer (-1: the frame buffer / none)
  std::vector<double> m_stage_ns;
  std::vector<NpLayerStats> m_stats;
  std::vector<double> m_latency;
  double m_load_ns = 0, m_load_pj = 0, m_load_noc_pj = 0;
  // The run.
  const std::vector<LayerCmd>* m_layers = nullptr;
  std::vector<RunLayer> m_R;
  std::vector<double> m_F;      // F(i, t) of the current pass, per layer (ns from m_t0)
  double m_barrier = 0;         // an exit decision: the next pass starts after it (ns from m_t0)
  sc_core::sc_time m_start, m_t0;
  int m_out_layer = -1, m_T = 0;
  bool m_exit_on = false;
  uint64_t m_out_written = 0;
};

}  // namespace spiketlm
