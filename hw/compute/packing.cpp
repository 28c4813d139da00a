#include "hw/compute/packing.h"

#include <algorithm>
#include <cstring>

namespace spiketlm {

uint64_t popcount(const uint8_t* p, uint64_t n) {
  uint64_t c = 0, i = 0;
  for (uint64_t w; i + 8 <= n; i += 8) {
    std::memcpy(&w, p + i, 8);
    c += uint64_t(__builtin_popcountll(w));
  }
  for (; i < n; ++i) c += uint64_t(__builtin_popcount(p[i]));
  return c;
}

namespace {

// Spikes, channels in groups of 8 bytes: with a pixel's 8 channel bytes as one word w_x, the
// OR of (w_x & 0x01 per byte) << x over 8 pixels holds in byte j the output byte of channel j
// (a bit-matrix transpose by shifts). Little-endian targets, stride a multiple of 8.
uint64_t pack_transpose(const uint8_t* s, int pixels_w, int rows, int k, int stride, uint64_t pitch, uint8_t* out) {
  uint64_t nonzero = 0;
  constexpr uint64_t ones = 0x0101010101010101ull, low7 = 0x7F7F7F7F7F7F7F7Full;
  for (int j0 = 0; j0 < k; j0 += 8) {
    const int kg = std::min(8, k - j0);
    const uint64_t keep = kg == 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * kg)) - 1;  // little-endian bytes
    for (int y = 0; y < rows; ++y) {
      const uint8_t* row = s + size_t(y) * pixels_w * stride + j0;
      for (uint64_t b = 0; b < pitch; ++b) {
        const int x0 = int(b * 8), x1 = std::min(pixels_w, x0 + 8);
        uint64_t r = 0;
        for (int x = x0; x < x1; ++x) {
          uint64_t w;
          std::memcpy(&w, row + size_t(x) * stride, 8);
          w &= keep;
          r |= (w & ones) << (x - x0);
          nonzero += uint64_t(__builtin_popcountll((((w & low7) + low7) | w) & ~low7));  // non-zero bytes
        }
        for (int j = 0; j < kg; ++j) out[(size_t(j0 + j) * rows + y) * pitch + b] = uint8_t(r >> (8 * j));
      }
    }
  }
  return nonzero;
}

// Spikes: each output byte gathered from its 8 pixels, no read-modify-write.
uint64_t pack_gather(const uint8_t* s, int pixels_w, int rows, int k, int stride, uint64_t pitch, uint8_t* out) {
  uint64_t nonzero = 0;
  for (int j = 0; j < k; ++j)
    for (int y = 0; y < rows; ++y) {
      const uint8_t* src = s + size_t(y) * pixels_w * stride + j;
      uint8_t* dst = out + (size_t(j) * rows + y) * pitch;
      for (uint64_t b = 0; b < pitch; ++b) {
        const int x0 = int(b * 8), x1 = std::min(pixels_w, x0 + 8);
        unsigned byte = 0;
        for (int x = x0; x < x1; ++x) {
          const unsigned v = src[size_t(x) * stride];
          byte |= (v & 1u) << (x - x0);
          nonzero += v != 0;
        }
        dst[b] = uint8_t(byte);
      }
    }
  return nonzero;
}

// Multi-bit values: bit pl of each non-zero value into plane pl.
uint64_t pack_planes(const uint8_t* s, int pixels_w, int rows, int k, int stride, uint64_t pitch, uint8_t* out,
                     int planes) {
  const size_t plane = size_t(k) * rows * pitch;
  uint64_t nonzero = 0;
  std::memset(out, 0, plane * planes);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < pixels_w; ++x)
      for (int j = 0; j < k; ++j)
        if (const unsigned v = s[(size_t(y) * pixels_w + x) * stride + j]) {
          ++nonzero;
          for (int pl = 0; pl < planes; ++pl)
            if ((v >> pl) & 1u) out[pl * plane + (size_t(j) * rows + y) * pitch + x / 8] |= uint8_t(1u << (x % 8));
        }
  return nonzero;
}

// Membranes in memory, [channels][pixels] of `bytes` little-endian bytes each (B: bytes known
// at compile time, 0: the argument), to and from the units' layout v[p * stride + j].
template <int B>
void load_membranes(const uint8_t* src, int bytes, int channels, int pixels, int64_t* v, size_t stride) {
  const int n = B ? B : bytes, sh = 64 - 8 * n;
  for (int j = 0; j < channels; ++j)
    for (int p = 0; p < pixels; ++p, src += n) {
      uint64_t u = 0;
#pragma GCC unroll 8  // with B known: one load
      for (int b = 0; b < n; ++b) u |= uint64_t(src[b]) << (8 * b);
      v[size_t(p) * stride + j] = int64_t(u << sh) >> sh;  // sign-extended
    }
}
template <int B>
void store_membranes(const int64_t* v, size_t stride, int channels, int pixels, uint8_t* dst, int bytes) {
  const int n = B ? B : bytes;
  for (int j = 0; j < channels; ++j)
    for (int p = 0; p < pixels; ++p, dst += n) {
      const uint64_t u = uint64_t(v[size_t(p) * stride + j]);
#pragma GCC unroll 8  // with B known: one store
      for (int b = 0; b < n; ++b) dst[b] = uint8_t(u >> (8 * b));
    }
}

}  // namespace

uint64_t pack_spikes(const uint8_t* s, int pixels_w, int rows, int k, int stride, uint64_t pitch, uint8_t* out,
                     int planes) {
  constexpr bool little_endian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;  // byte j of a word = channel j
  if (little_endian && planes == 1 && stride % 8 == 0) return pack_transpose(s, pixels_w, rows, k, stride, pitch, out);
  if (planes == 1) return pack_gather(s, pixels_w, rows, k, stride, pitch, out);
  return pack_planes(s, pixels_w, rows, k, stride, pitch, out, planes);
}

void load_membranes(const uint8_t* src, int bytes, int channels, int pixels, int64_t* v, size_t stride) {
  switch (bytes) {
    case 4: return load_membranes<4>(src, bytes, channels, pixels, v, stride);
    case 2: return load_membranes<2>(src, bytes, channels, pixels, v, stride);
    default: return load_membranes<0>(src, bytes, channels, pixels, v, stride);
  }
}
void store_membranes(const int64_t* v, size_t stride, int channels, int pixels, uint8_t* dst, int bytes) {
  switch (bytes) {
    case 4: return store_membranes<4>(v, stride, channels, pixels, dst, bytes);
    case 2: return store_membranes<2>(v, stride, channels, pixels, dst, bytes);
    default: return store_membranes<0>(v, stride, channels, pixels, dst, bytes);
  }
}

void unpack_input(const StagedInput& in, int channels, int width, std::vector<int32_t>& vals) {
  const size_t plane_bytes = size_t(channels) * in.rows * in.pitch, row_vals = size_t(width);
  vals.assign(size_t(channels) * in.rows * row_vals, 0);
  for (int pl = 0; pl < in.planes; ++pl) {
    const int32_t mult = (in.signed_planes && pl == in.planes - 1) ? -(1 << pl) : (1 << pl);
    const uint8_t* plane = in.bits + pl * plane_bytes;
    for (size_t cr = 0; cr < size_t(channels) * in.rows; ++cr) {
      const uint8_t* row = plane + cr * in.pitch;
      int32_t* v = vals.data() + cr * row_vals;
      for (int b = 0; b < in.pitch; ++b)
        for (unsigned byte = row[b]; byte; byte &= byte - 1) {
          const int ix = b * 8 + __builtin_ctz(byte);
          if (ix < width) v[ix] += mult;
        }
    }
  }
}

}  // namespace spiketlm
