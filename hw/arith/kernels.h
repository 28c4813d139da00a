// spiketlm arith: the layer kernels on one sample (CHW order, int32 values): convolution and
// linear layers (dense, and event-driven for 0/1 inputs), pooling, argmax. Pure C++ (no
// SystemC); the golden model and the hardware units that compute a layer's functional result
// share them. See arith.md.
#pragma once
#include <cstdint>
#include <vector>

#include "hw/arith/shape.h"

namespace spiketlm::arith {

// Argmax with ties to the lowest index.
int argmax(const std::int64_t* v, int n);

// Dense convolution: out[k, oy, ox] = sum_c,ky,kx w[k, c, ky, kx] * in[c, oy*s+ky-p, ox*s+kx-p]
// (zero outside). Weight layout [K, C, k, k].
void conv2d_dense(const std::int32_t* in, const tensor_shape& is, const std::int8_t* w, int k, int stride,
                  int pad, const tensor_shape& os, std::int32_t* out);
// The same for a 0/1 input, event-driven: only the `active` input positions (indices into the
// C*H*W input) are visited. wt is the weight transposed to [C, k, k, K] (transpose_conv_weight).
void conv2d_events(const std::vector<std::int32_t>& active, const tensor_shape& is, const std::int8_t* wt, int k,
                   int stride, int pad, const tensor_shape& os, std::int32_t* out);
std::vector<std::int8_t> transpose_conv_weight(const std::vector<std::int8_t>& w, int K, int C, int k);
// Linear layer: out[o] = sum_i w[o, i] in[i]; the event form takes wt = [in, out].
void linear_dense(const std::int32_t* in, int n_in, const std::int8_t* w, int n_out, std::int32_t* out);
void linear_events(const std::vector<std::int32_t>& active, const std::int8_t* wt, int n_out, std::int32_t* out);
// Pooling: max (OR on spikes) and average (window sum; the 1/k^2 is in the next in_scale).
// Padding contributes zeros.
void maxpool2d(const std::int32_t* in, const tensor_shape& is, int k, int stride, int pad, const tensor_shape& os,
               std::int32_t* out);
void avgpool2d(const std::int32_t* in, const tensor_shape& is, int k, int stride, int pad, const tensor_shape& os,
               std::int32_t* out);

}  // namespace spiketlm::arith
