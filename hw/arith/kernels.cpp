#include "hw/arith/kernels.h"

#include <algorithm>

namespace spiketlm::arith {

int argmax(const std::int64_t* v, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

void conv2d_dense(const std::int32_t* in, const tensor_shape& is, const std::int8_t* w, int k, int stride, int pad,
                  const tensor_shape& os, std::int32_t* out) {
  const int C = is.c, H = is.h, W = is.w, K = os.c, OH = os.h, OW = os.w;
  for (int o = 0; o < K; ++o) {
    std::int32_t* op = out + static_cast<std::size_t>(o) * OH * OW;
    std::fill(op, op + OH * OW, 0);
    for (int c = 0; c < C; ++c) {
      const std::int32_t* ip = in + static_cast<std::size_t>(c) * H * W;
      for (int ky = 0; ky < k; ++ky)
        for (int kx = 0; kx < k; ++kx) {
          const std::int32_t wv = w[((static_cast<std::size_t>(o) * C + c) * k + ky) * k + kx];
          if (wv == 0) continue;
          for (int oy = 0; oy < OH; ++oy) {
            const int y = oy * stride + ky - pad;
            if (y < 0 || y >= H) continue;
            for (int ox = 0; ox < OW; ++ox) {
              const int x = ox * stride + kx - pad;
              if (x < 0 || x >= W) continue;
              op[oy * OW + ox] += wv * ip[y * W + x];
            }
          }
        }
    }
  }
}

std::vector<std::int8_t> transpose_conv_weight(const std::vector<std::int8_t>& w, int K, int C, int k) {
  std::vector<std::int8_t> t(w.size());
  for (int o = 0; o < K; ++o)
    for (int c = 0; c < C; ++c)
      for (int r = 0; r < k * k; ++r)
        t[(static_cast<std::size_t>(c) * k * k + r) * K + o] = w[(static_cast<std::size_t>(o) * C + c) * k * k + r];
  return t;
}

void conv2d_events(const std::vector<std::int32_t>& active, const tensor_shape& is, const std::int8_t* wt, int k,
                   int stride, int pad, const tensor_shape& os, std::int32_t* out) {
  const int H = is.h, W = is.w, K = os.c, OH = os.h, OW = os.w;
  std::vector<std::int32_t> acc(os.size(), 0);  // [OH, OW, K]
  for (const std::int32_t a : active) {
    const int c = a / (H * W), y = (a / W) % H, x = a % W;
    for (int ky = 0; ky < k; ++ky) {
      const int ny = y + pad - ky;
      if (ny < 0 || ny % stride) continue;
      const int oy = ny / stride;
      if (oy >= OH) continue;
      for (int kx = 0; kx < k; ++kx) {
        const int nx = x + pad - kx;
        if (nx < 0 || nx % stride) continue;
        const int ox = nx / stride;
        if (ox >= OW) continue;
        const std::int8_t* wp = wt + ((static_cast<std::size_t>(c) * k + ky) * k + kx) * K;
        std::int32_t* ap = acc.data() + (static_cast<std::size_t>(oy) * OW + ox) * K;
        for (int o = 0; o < K; ++o) ap[o] += wp[o];
      }
    }
  }
  for (int p = 0; p < OH * OW; ++p)
    for (int o = 0; o < K; ++o) out[static_cast<std::size_t>(o) * OH * OW + p] = acc[static_cast<std::size_t>(p) * K + o];
}

void linear_dense(const std::int32_t* in, int n_in, const std::int8_t* w, int n_out, std::int32_t* out) {
  for (int o = 0; o < n_out; ++o) {
    std::int32_t s = 0;
    const std::int8_t* wp = w + static_cast<std::size_t>(o) * n_in;
    for (int i = 0; i < n_in; ++i) s += wp[i] * in[i];
    out[o] = s;
  }
}

void linear_events(const std::vector<std::int32_t>& active, const std::int8_t* wt, int n_out, std::int32_t* out) {
  std::fill(out, out + n_out, 0);
  for (const std::int32_t a : active) {
    const std::int8_t* wp = wt + static_cast<std::size_t>(a) * n_out;
    for (int o = 0; o < n_out; ++o) out[o] += wp[o];
  }
}

namespace {
template <bool Max>
std::int32_t combine(std::int32_t r, std::int32_t v) {
  return Max ? std::max(r, v) : r + v;
}

// Every window inside the map (no padding reaches it): no bounds check per tap; the taps in the
// same order as below, so sums and maxima are the same. 2x2 windows at stride 2 (the usual
// pooling) unrolled.
template <bool Max>
void pool_inside(const std::int32_t* in, const tensor_shape& is, int k, int stride, const tensor_shape& os,
                 std::int32_t* out) {
  const std::size_t W = static_cast<std::size_t>(is.w);
  for (int c = 0; c < os.c; ++c)
    for (int oy = 0; oy < os.h; ++oy) {
      const std::int32_t* row = in + (static_cast<std::size_t>(c) * is.h + static_cast<std::size_t>(oy) * stride) * W;
      std::int32_t* o = out + (static_cast<std::size_t>(c) * os.h + oy) * os.w;
      if (k == 2 && stride == 2) {
        for (int ox = 0; ox < os.w; ++ox) {
          const std::int32_t* a = row + 2 * ox;
          o[ox] = combine<Max>(combine<Max>(combine<Max>(a[0], a[1]), a[W]), a[W + 1]);
        }
        continue;
      }
      for (int ox = 0; ox < os.w; ++ox) {
        const std::int32_t* a = row + static_cast<std::size_t>(ox) * stride;
        std::int32_t r = a[0];
        for (int ky = 0; ky < k; ++ky)
          for (int kx = ky ? 0 : 1; kx < k; ++kx) r = combine<Max>(r, a[ky * W + kx]);
        o[ox] = r;
      }
    }
}

template <bool Max>
void pool(const std::int32_t* in, const tensor_shape& is, int k, int stride, int pad, const tensor_shape& os,
          std::int32_t* out) {
  if (os.h > 0 && os.w > 0 && k > 0 && pad == 0 && (os.h - 1) * stride + k <= is.h && (os.w - 1) * stride + k <= is.w)
    return pool_inside<Max>(in, is, k, stride, os, out);
  for (int c = 0; c < os.c; ++c)
    for (int oy = 0; oy < os.h; ++oy)
      for (int ox = 0; ox < os.w; ++ox) {
        std::int32_t r = 0;
        bool first = true;
        for (int ky = 0; ky < k; ++ky)
          for (int kx = 0; kx < k; ++kx) {
            const int y = oy * stride + ky - pad, x = ox * stride + kx - pad;
            const std::int32_t v =
                (y < 0 || y >= is.h || x < 0 || x >= is.w) ? 0 : in[(static_cast<std::size_t>(c) * is.h + y) * is.w + x];
            if (Max)
              r = first ? v : std::max(r, v);
            else
              r += v;
            first = false;
          }
        out[(static_cast<std::size_t>(c) * os.h + oy) * os.w + ox] = r;
      }
}
}  // namespace

void maxpool2d(const std::int32_t* in, const tensor_shape& is, int k, int stride, int pad, const tensor_shape& os,
               std::int32_t* out) {
  pool<true>(in, is, k, stride, pad, os, out);
}

void avgpool2d(const std::int32_t* in, const tensor_shape& is, int k, int stride, int pad, const tensor_shape& os,
               std::int32_t* out) {
  pool<false>(in, is, k, stride, pad, os, out);
}

}  // namespace spiketlm::arith
