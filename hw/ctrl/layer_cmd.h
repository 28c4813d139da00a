// spiketlm: a decoded layer descriptor (LayerCmd), the refusal a controller raises for a layer
// it cannot run (LayerRefused), and decode_layer, which turns a LayerDesc into a LayerCmd.
// See controller.md.
#pragma once
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "hw/compute/conv_geom.h"
#include "hw/neuron/lif.h"
#include "sw/include/spiketlm/accel_regs.h"

namespace spiketlm {

// The decoded form of a LayerDesc (addresses joined, fixed point loaded).
struct LayerCmd {
  uint32_t op = 0, flags = 0, id = 0;
  uint32_t out_scale_q24 = 0;  // output layer: logit scale for the exit unit
  ConvGeom g;
  int in_planes = 1;
  uint64_t in_addr = 0, in2_addr = 0, out_addr = 0, w_addr = 0, mem_addr = 0;
  // Simulation only: where the input's bytes come from when in_addr is not where they are (a
  // workload's generated input map standing for an on-chip map of a fused group; 0: in_addr).
  uint64_t in_content = 0;
  std::vector<int32_t> multiplier, offset;
  int shift = 0;
  neuron_params neuron;
  int act_bits = 0;  // ANN (DESC_RELU): output activation bits
  arith::readout_leak readout;  // the output layer's readout membrane (DESC_OUT_LEAK; else 1/0: the sum)
  bool fires() const { return flags & DESC_FIRES; }
  bool relu() const { return fires() && (flags & DESC_RELU); }
  bool out_fx() const { return !fires() && (flags & DESC_OUT_FX); }  // the output layer's fixed point (bias)
  bool input_per_t() const { return flags & DESC_INPUT_PER_T; }
  bool computes() const { return op == OP_CONV || op == OP_LINEAR; }
  int out_planes() const;  // planes of the output map
  // The output layer's int32 value of an accumulation of channel c: the accumulation, or with
  // DESC_OUT_FX its fixed point (the output bias); a value outside int32 is refused.
  int32_t output_value(int64_t acc, size_t c) const;
  static uint64_t pitch(int w) { return (uint64_t(w) + 7) / 8; }
  uint64_t in_map_bytes() const { return uint64_t(in_planes) * g.in_c * g.in_h * pitch(g.in_w); }
  uint64_t out_map_bytes() const { return uint64_t(out_planes()) * g.out_c * g.out_h * pitch(g.out_w); }
  // One timestep of the output in memory: the map's planes, or a compute layer's int32 accumulations.
  uint64_t out_step_bytes() const { return computes() && !fires() ? uint64_t(g.out_c) * g.npx() * 4 : out_map_bytes(); }
};

// A layer the hardware refuses (bad descriptor, does not fit): carries the register values.
struct LayerRefused : std::runtime_error {
  uint32_t code, layer, field;
  LayerRefused(uint32_t c, uint32_t l, uint32_t f, const std::string& m)
      : std::runtime_error(m), code(c), layer(l), field(f) {}
};

// Decode and validate one descriptor; read_fx(addr, dst, bytes) fetches the fixed-point table;
// hw_share: the C#n factor the LIF hardware implements (a descriptor with lif_share other
// than 1 or hw_share is refused). Throws LayerRefused (field: the descriptor word).
LayerCmd decode_layer(const LayerDesc& d, uint32_t index,
                      const std::function<void(uint64_t, void*, uint64_t)>& read_fx, int hw_share = 1);

}  // namespace spiketlm
