// spiketlm: the default runtime firmware ("runtime" in the firmware registry, sw/fw/firmware.h).
// It lays a trace bundle out in DRAM (weights tiled for the PE array, fixed-point tables,
// spike maps, membranes, outputs), writes one layer descriptor per layer, and runs samples.
//
// One sample, the register sequence every bundled firmware follows (runtime, example,
// the external C firmware sw/cosim/example_fw.c), so their simulated times are identical:
//   write_input(sample)                                      host backdoor, untimed; first the
//                                                            inference boundary (tlm/boundary.md)
//   W DESC_ADDR_LO, DESC_ADDR_HI, NUM_LAYERS, TIMESTEPS, OUT_ADDR_LO, OUT_ADDR_HI, EXIT_THRESHOLD
//   t0 = now; W CTRL = START; wait_irq(); seconds = now - t0 (in integer ps, span_seconds)
//   R IRQ_CAUSE, STATUS, ERR_CODE, ERR_LAYER, ERR_FIELD, PREDICTION, EXIT_TIMESTEP,
//     CYCLES_LO/HI, DRAM_BYTES_LO/HI, GLB_BYTES_LO/HI, SPIKES_LO/HI, SPIKES_IN_LO/HI
//   unless STATUS.ERROR: R outputs, [timesteps run][classes] int32 in one read (timesteps run
//     = EXIT_TIMESTEP after an early exit (STATUS.EXITED_EARLY), else TIMESTEPS)
//   W CTRL = IRQ_ACK
#pragma once
#include <functional>
#include <cstdint>
#include <string>
#include <vector>

#include "platforms/run_data.h"
#include "sw/hal/hal.h"
#include "traces/src/trace.h"

namespace spiketlm {

// The runtime's configuration is what the platform tells firmware about itself (DRAM window,
// CSR base, weight tiling, membrane width, exit threshold); a sample's result is what firmware
// read back. Both are plain data of the platforms layer (platforms/run_data.h).
using RuntimeConfig = FirmwareTarget;

class Runtime {
 public:
  Runtime(Hal& hal, const bundle& b, const RuntimeConfig& cfg);
  // Lays out the network (host backdoor) and writes the descriptor table (timed).
  void load();
  // load() without the bytes: the same DRAM layout and descriptors, nothing generated or written
  // (the mapping explorer's view of where every tensor lies: sw/map/network_view.h).
  void lay_out();
  SampleResult run(int sample);
  const std::vector<LayerDesc>& descriptors() const { return m_desc; }
  // The bundle layer each descriptor runs (index into bundle::layers).
  const std::vector<int>& layer_of_desc() const { return m_layer_of_desc; }
  std::vector<LayerDesc>& descriptors() { return m_desc; }  // for tests that corrupt one
  void write_descriptors();
  // The sample's input maps into DRAM (host backdoor).
  void write_input(int sample);
  // Called first thing in write_input(): a sample's firmware work begins, the inference
  // boundary (tlm/boundary.md; set by the run flow, sw/run/firmware_host.cpp).
  std::function<void()> on_sample;
  // Where load() put things.
  uint64_t descriptor_address() const { return m_desc_addr; }
  uint64_t result_address() const { return m_result_addr; }
  const RuntimeConfig& config() const { return m_cfg; }
  // DRAM bytes load() laid out (alignment included; platforms/dram_fit.h bounds it from below).
  uint64_t dram_used() const { return m_next - m_cfg.dram_base; }

 private:
  uint64_t alloc(uint64_t bytes);
  struct Map {
    uint64_t addr = 0;
    int c = 0, h = 0, w = 0, planes = 1;
    bool per_t = true, int32 = false;
    uint64_t bytes() const { return uint64_t(planes) * c * h * ((uint64_t(w) + 7) / 8); }
  };

  // load(), one step each (in this order: the DRAM layout, hence the timing, depends on it).
  void layout_input();                                  // the network input's maps
  Map producer(size_t li, size_t which) const;          // the map operand `which` of layer li reads
  LayerDesc input_desc(const Map& in) const;            // a descriptor with its input fields set
  Map generated_input(size_t li, const Map& in);        // workload: the layer's generated input maps
  void write_weights(size_t li, const Map& in, LayerDesc& d);
  void write_fx(const layer& L, bool own, LayerDesc& d);   // the layer's fixed point, or the identity
  bool layout_neuron(const layer& L, bool own_fx, LayerDesc& d);  // neuron, fx, membranes; ReLU?
  Map alloc_out(const LayerDesc& d, int planes);        // an output map of `planes` bit planes per timestep
  Map compute_layer(size_t li, Map in, LayerDesc& d);   // conv2d, linear
  Map pool_layer(const layer& L, const Map& in, LayerDesc& d);
  Map add_layer(size_t li, const Map& in, LayerDesc& d);
  void set_logit_scale(size_t li, LayerDesc& d) const;  // the output layer's, for the exit unit

  Hal& m_hal;
  const bundle& m_b;
  RuntimeConfig m_cfg;
  uint64_t m_next = 0;
  bool m_layout_only = false;  // lay_out(): no weights, generated maps or descriptors written
  std::vector<LayerDesc> m_desc;
  std::vector<Map> m_out;       // per layer: its output map
  Map m_input;
  uint64_t m_desc_addr = 0, m_result_addr = 0;
  std::vector<int> m_layer_of_desc;
};

// Bit-pack a C x H x W map of small integers into `planes` bit planes [planes][C][H][pitch]
// (two's complement when signed).
std::vector<uint8_t> pack_planes(const std::vector<int32_t>& v, int c, int h, int w, int planes);

}  // namespace spiketlm

namespace spiketlm {
// Timesteps whose outputs the accelerator wrote: EXIT_TIMESTEP after an early exit, else T.
inline uint32_t timesteps_run(uint32_t status, uint32_t exit_timestep, uint32_t T) {
  if ((status & STATUS_EXITED_EARLY) && exit_timestep >= 1 && exit_timestep <= T) return exit_timestep;
  return T;
}
}  // namespace spiketlm
