// spiketlm: the FLOP-based energy estimate that SNN papers usually quote, to print next to the
// modelled (hardware) energy of a run.
//
// Per compute layer (conv2d, linear) of a bundle:
//   MACs = dense multiply-accumulates of one inference, one timestep (layer::dense_macs(): conv
//          K x OH x OW x C x k x k, linear in x out), times the number of inferences;
//   ACs  = the accumulates the platform counted (for an SNN: over all timesteps, each non-zero
//          input element times its fan-out), given by the caller;
//   E_snn = ACs x 0.9 pJ, E_ann = MACs x 4.6 pJ.
// Constants: Horowitz, ISSCC 2014, 45 nm, 32-bit floating point: add 0.9 pJ (one AC), mult
// 3.7 pJ + add 0.9 pJ = 4.6 pJ (one MAC) (FACTS.md section 6). The usual FLOP-count
// assumptions hold: the ANN is dense (every MAC is done), memory and neuron energy are not
// counted, and a layer with a multi-bit input (the direct-coded first layer) is still charged
// as ACs at the count the caller gives.
#pragma once
#include "traces/src/trace.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spiketlm {

inline constexpr double k_flop_ac_pj = 0.9;   // 32-bit FP add, 45 nm (Horowitz ISSCC 2014; FACTS.md 6)
inline constexpr double k_flop_mac_pj = 4.6;  // 32-bit FP mult 3.7 + add 0.9, 45 nm (same source)

struct flop_layer {
  int layer = 0;            // index in bundle::layers
  std::string name;
  std::uint64_t macs = 0;   // dense MACs x inferences
  std::uint64_t acs = 0;    // as given
  double e_snn_pj = 0.0;    // acs x k_flop_ac_pj
  double e_ann_pj = 0.0;    // macs x k_flop_mac_pj
};

struct flop_estimate_result {
  std::vector<flop_layer> layers;  // one per conv2d/linear, in layer order
  std::uint64_t macs = 0, acs = 0;
  double e_snn_pj = 0.0, e_ann_pj = 0.0;
};

// accumulates: one count per entry of b.layers (index = layer index; entries of layers that
// are not conv2d/linear must be 0), covering `inferences` inferences (>= 1). Pass an empty
// vector for the MAC side only (acs = 0). Fails with a one-line error on a size mismatch or a
// count on a non-compute layer.
flop_estimate_result flop_estimate(const bundle& b, const std::vector<std::uint64_t>& accumulates, int inferences = 1);

}  // namespace spiketlm
