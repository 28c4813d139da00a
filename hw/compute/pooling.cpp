#include "hw/compute/pooling.h"

#include <algorithm>

#include "hw/compute/packing.h"

namespace spiketlm {

namespace {

uint64_t pitch_of(int w) { return (uint64_t(w) + 7) / 8; }

// 2x2 windows, stride 2, no padding, on the OR of a window's two rows: output bit x is input
// bits 2x | 2x + 1, eight outputs from each pair of OR-ed input bytes.
uint64_t or_pairs(const ConvGeom& g, const std::vector<uint8_t>& rows_or, uint8_t* dst) {
  const uint64_t pin = pitch_of(g.in_w), pout = pitch_of(g.out_w);
  uint64_t nonzero = 0;
  for (uint64_t ob = 0; ob < pout; ++ob) {
    unsigned w = (2 * ob < pin ? rows_or[2 * ob] : 0u) | (2 * ob + 1 < pin ? rows_or[2 * ob + 1] << 8 : 0u);
    w = (w | w >> 1) & 0x5555u;  // bit 2x: the window's OR
    w = (w | w >> 1) & 0x3333u;  // then the even bits gathered into one byte
    w = (w | w >> 2) & 0x0F0Fu;
    w = (w | w >> 4) & 0x00FFu;
    const int valid = g.out_w - int(ob) * 8;
    if (valid < 8) w &= valid > 0 ? (1u << valid) - 1 : 0u;
    dst[ob] = uint8_t(w);
    nonzero += unsigned(__builtin_popcount(w));
  }
  return nonzero;
}

// The windows of output row oy of channel ch: the OR of their bits (or_bits) or the max / sum
// of their values, written as out_planes bit planes. Returns the non-zero outputs.
uint64_t pool_row(const ConvGeom& g, const PoolBand& b, int ch, int oy, bool or_bits, const std::vector<uint8_t>& rows_or,
                  const std::vector<int32_t>& vals, std::vector<uint8_t>& out) {
  const uint64_t pout = pitch_of(g.out_w);
  const int orows = b.out_row1 - b.out_row0, iy0 = oy * g.stride - g.pad;
  const int ky0 = std::max(0, -iy0), ky1 = std::min(g.kh, g.in_h - iy0);
  uint64_t nonzero = 0;
  for (int ox = 0; ox < g.out_w; ++ox) {
    const int ix0 = ox * g.stride - g.pad;
    const int kx0 = std::max(0, -ix0), kx1 = std::min(g.kw, g.in_w - ix0);
    int v = 0;
    if (or_bits)
      for (unsigned ix = unsigned(ix0 + kx0); ix < unsigned(ix0 + kx1); ++ix) v |= (rows_or[ix / 8] >> (ix % 8)) & 1;
    else
      for (int ky = ky0; ky < ky1; ++ky) {
        const int32_t* row = vals.data() + (size_t(ch) * b.rows + (iy0 + ky - b.row0)) * g.in_w;
        for (int kx = kx0; kx < kx1; ++kx) v = b.max ? std::max(v, row[ix0 + kx]) : v + row[ix0 + kx];
      }
    nonzero += v != 0;
    for (int pl = 0; pl < b.out_planes; ++pl)
      if ((v >> pl) & 1)
        out[((size_t(pl) * b.channels + ch) * orows + (oy - b.out_row0)) * pout + ox / 8] |= uint8_t(1u << (ox % 8));
  }
  return nonzero;
}

}  // namespace

uint64_t pool_band(const ConvGeom& g, const PoolBand& b, std::vector<uint8_t>& out, std::vector<int32_t>& vals) {
  const uint64_t pin = pitch_of(g.in_w), pout = pitch_of(g.out_w);
  // One spike plane: the max of a window is the OR of its bits (of the OR of its rows);
  // otherwise the values, rebuilt from the bit planes.
  const bool or_bits = b.max && b.in_planes == 1;
  const bool pair_or = or_bits && b.out_planes == 1 && g.kh == 2 && g.kw == 2 && g.stride == 2 && g.pad == 0;
  if (!or_bits) {
    StagedInput si;
    si.bits = b.in;
    si.planes = b.in_planes;
    si.row0 = b.row0;
    si.rows = b.rows;
    si.pitch = int(pin);
    unpack_input(si, b.channels, g.in_w, vals);
  }
  const int orows = b.out_row1 - b.out_row0;
  out.assign(uint64_t(b.out_planes) * b.channels * orows * pout, 0);
  std::vector<uint8_t> rows_or;
  uint64_t nonzero = 0;
  for (int ch = 0; ch < b.channels; ++ch)  // the group's channels, staged from 0
    for (int oy = b.out_row0; oy < b.out_row1; ++oy) {
      if (or_bits) {
        const int iy0 = oy * g.stride - g.pad;  // the window's rows inside the map
        const int ky0 = std::max(0, -iy0), ky1 = std::min(g.kh, g.in_h - iy0);
        rows_or.assign(pin, 0);
        for (int ky = ky0; ky < ky1; ++ky) {
          const uint8_t* row = b.in + (size_t(ch) * b.rows + (iy0 + ky - b.row0)) * pin;
          for (uint64_t x = 0; x < pin; ++x) rows_or[x] |= row[x];
        }
        if (pair_or) {
          nonzero += or_pairs(g, rows_or, out.data() + (size_t(ch) * orows + (oy - b.out_row0)) * pout);
          continue;
        }
      }
      nonzero += pool_row(g, b, ch, oy, or_bits, rows_or, vals, out);
    }
  return nonzero;
}

}  // namespace spiketlm
