// spiketlm: `spiketlm export --nir BUNDLE -o MODEL.nir`: a functional SNN bundle as a NIR
// graph (traces/nir/README.md, "Export"). The graph is the integer model's float equivalent in
// threshold units, by forward Euler with step dt (what `spiketlm import --dt` undoes):
//   conv2d / linear  -> Conv2d / Affine (Linear without bias; a Flatten first when a linear
//                       reads a map): weights int8 x weight_scale x (gain, BN folded), bias
//                       gain (beta + gamma / sigma (bias - mean)) or gain bias
//   firing neuron    -> LIF: tau = dt / (1 - beta), r = 1 / (1 - beta), beta = leak_num /
//                       2^leak_shift; IF (beta = 1): r = 1 / dt; v_threshold = 1 - 1/(2 threshold)
//                       (reset to 0) or 1 with node metadata reset = "subtract" (soft reset)
//   avgpool2d        -> AvgPool2d; flatten -> Flatten; add -> its neuron with two inputs (a
//                       spike operand through a Scale); the output layer -> Output
// Refused with a one-line error: ANN bundles, maxpool2d (NIR has no max pooling), C#n sharing.
// The graph's metadata also carries the bundle itself (its files, byte for byte, and dt), so
// that `spiketlm import` of an exported file whose graph still matches it gives back exactly
// the same bundle (import(export(b)) = b: the same reports).
#pragma once
#include <string>

#include "traces/nir/graph.h"
#include "traces/src/trace.h"

namespace spiketlm::nir {

// The float NIR graph of b (no embedded bundle).
graph export_graph(const bundle& b, double dt);
// export_graph plus the embedded bundle, written to path atomically.
void export_nir(const bundle& b, const std::string& path, double dt);

// The bundle embedded in an exported file's metadata, written into `dir`, if g carries one
// whose graph equals export_graph of it (else false: a graph edited since, or none).
bool embedded_bundle(const graph& g, const std::string& dir, double& dt);

}  // namespace spiketlm::nir
