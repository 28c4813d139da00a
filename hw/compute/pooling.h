// spiketlm: pooling of a staged band of bit-plane maps (pure, no SystemC): max pooling of one
// spike plane is the OR of the window's bits; otherwise the values are rebuilt from the bit
// planes, maxed or summed, and written back as bit planes. See engine.md, "Pooling".
#pragma once
#include <cstdint>
#include <vector>

#include "hw/compute/conv_geom.h"

namespace spiketlm {

struct PoolBand {
  const uint8_t* in = nullptr;  // [in_planes][channels][rows][ceil(in_w / 8)], input rows [row0, row0 + rows)
  int in_planes = 1, out_planes = 1, channels = 0, row0 = 0, rows = 0;
  int out_row0 = 0, out_row1 = 0;  // output rows of the band
  bool max = true;                 // max pooling (else average: the window sum)
};

// Pools the band into out ([out_planes][channels][out rows][ceil(out_w / 8)], zeroed here);
// returns the non-zero outputs. scratch: reused between calls.
uint64_t pool_band(const ConvGeom& g, const PoolBand& b, std::vector<uint8_t>& out, std::vector<int32_t>& scratch);

}  // namespace spiketlm
