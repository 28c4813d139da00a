// spiketlm: the geometry of one compute layer (pure, no SystemC).
#pragma once
#include <cstdint>

namespace spiketlm {

// Convolution geometry of one compute layer (a linear layer is a conv whose kernel covers
// the whole input).
struct ConvGeom {
  int in_c = 0, in_h = 0, in_w = 0, out_c = 0, out_h = 0, out_w = 0;
  int kh = 1, kw = 1, stride = 1, pad = 0;
  uint64_t w_dim() const { return uint64_t(in_c) * kh * kw; }
  uint64_t npx() const { return uint64_t(out_h) * out_w; }
};

}  // namespace spiketlm
