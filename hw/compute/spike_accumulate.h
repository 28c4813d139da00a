// spiketlm: the spike-gated accumulate of the PE array's functional model (pure C++, no
// SystemC): every set bit of a staged spike band adds the weights of the kernel taps through
// which it feeds an output pixel onto that pixel's partial sums. See pe_array.md.
#pragma once
#include <cstdint>
#include <vector>

#include "hw/compute/conv_geom.h"
#include "hw/compute/packing.h"

namespace spiketlm {

// The taps through which one input coordinate feeds the outputs of one dimension of a
// convolution: n taps first, first + stride, ..., last; the first feeds output o, the next
// o - 1, and so on (n = 0: none).
struct ConvTaps {
  int first, last, o, n;
};

// The taps through which input coordinate i feeds outputs [o0, o1) of one dimension (kernel k,
// stride s, padding pad).
ConvTaps conv_taps(int i, int pad, int k, int s, int o0, int o1);

// One spike plane of a staged band (in.planes is not read: plane 0 at in.bits) onto the partial
// sums of output rows [out_row0, ...): for every set bit (c, staged row r, column x) and every
// tap pair of ty[r] x tx[x],
//   psum[((oy - out_row0) * g.out_w + ox) * C + j] += wrev[((c * kh + ky) * kw + kw - 1 - kx) * C + j]
// for j < C (wrev: PeArray::widen_weights' layout, columns j >= kvalid zero), and
// nnz[(oy - out_row0) * g.out_w + ox] += 1 unless nnz is null. ty: one entry per staged row,
// tx: one per input column (conv_taps). scratch: reused storage. Returns the accumulates
// (taps x kvalid). The sums are int32 additions in any order: the same as one tap at a time.
uint64_t accumulate_spike_band(const ConvGeom& g, const StagedInput& in, int out_row0, const ConvTaps* ty,
                               const ConvTaps* tx, const int32_t* wrev, int C, int kvalid, int32_t* psum,
                               uint32_t* nnz, std::vector<int>& scratch);

}  // namespace spiketlm
