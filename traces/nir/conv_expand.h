// spiketlm: NIR convolutions in the bundle's convolution (square kernel, one stride, one
// symmetric padding, dense channels), with the same outputs:
//   - dilation: the kernel with zeros between its taps (d (k - 1) + 1 wide);
//   - groups: a dense kernel, zero outside each group's input channels;
//   - kh != kw or ph != pw: the kernel placed in a square one with zero rows / columns, when a
//     single padding gives the same output positions;
//   - Conv1d: a linear layer over the flattened [C, L] map whose matrix is the convolution's
//     (Toeplitz, one row per output element (channel, position)).
// The hardware then multiplies the zeros too (their cost is in the report: they are weights).
#pragma once
#include <vector>

#include "traces/nir/network.h"

namespace spiketlm::nir {

struct square_conv {
  int k = 1, stride = 1, pad = 0;
  std::vector<double> weight;  // [cout, cin, k, k]
};

// Fails (naming the node) when no square kernel with one padding gives the same outputs.
square_conv to_square(const network& net, const net_node& n);

// [cout * L_out, cin * L_in] (row (co, lo), column (ci, li)).
std::vector<double> conv1d_matrix(const net_node& n);

}  // namespace spiketlm::nir
