// spiketlm arith: the shape of a feature map. Pure C++ (no SystemC); see arith.md.
#pragma once
#include <cstddef>

namespace spiketlm {

// A feature map, channels x height x width (a flat vector is c x 1 x 1).
struct tensor_shape {
  int c = 0, h = 1, w = 1;
  std::size_t size() const { return static_cast<std::size_t>(c) * h * w; }
  bool operator==(const tensor_shape& o) const { return c == o.c && h == o.h && w == o.w; }
  bool operator!=(const tensor_shape& o) const { return !(*this == o); }
};

}  // namespace spiketlm
