#include "traces/nir/conv_expand.h"

#include "tlm/error.h"

#include <algorithm>

namespace spiketlm::nir {

square_conv to_square(const network& net, const net_node& n) {
  const conv_geom& c = n.conv;
  const auto bad = [&](const std::string& why) {
    fail("nir", net.file + ": node '" + n.name + "' (Conv2d): cannot be mapped: " + why);
  };
  if (c.sh != c.sw) bad("strides " + std::to_string(c.sh) + " and " + std::to_string(c.sw) + " differ (the hardware convolution has one stride)");
  const int eh = c.dh * (c.kh - 1) + 1, ew = c.dw * (c.kw - 1) + 1, k = std::max(eh, ew), s = c.sh;
  const int H = int(n.in_shape[1]), W = int(n.in_shape[2]), OH = int(n.out_shape[1]), OW = int(n.out_shape[2]);
  int pad = -1;
  for (int p = std::max(c.ph, c.pw); p <= std::min(c.ph + k - eh, c.pw + k - ew); ++p)
    if (p < k && (H + 2 * p - k) / s + 1 == OH && (W + 2 * p - k) / s + 1 == OW && H + 2 * p >= k && W + 2 * p >= k) {
      pad = p;
      break;
    }
  if (pad < 0)
    bad("its " + std::to_string(eh) + "x" + std::to_string(ew) + " (dilated) kernel with padding (" + std::to_string(c.ph) + ", " +
        std::to_string(c.pw) + ") has no square equivalent with one padding below the kernel size (the hardware's convolution)");
  square_conv r;
  r.k = k;
  r.stride = s;
  r.pad = pad;
  const int ay = pad - c.ph, ax = pad - c.pw, cin_g = c.cin / c.groups, cout_g = c.cout / c.groups;
  r.weight.assign(std::size_t(c.cout) * c.cin * k * k, 0.0);
  for (int co = 0; co < c.cout; ++co)
    for (int cl = 0; cl < cin_g; ++cl) {
      const int ci = (co / cout_g) * cin_g + cl;
      for (int ky = 0; ky < c.kh; ++ky)
        for (int kx = 0; kx < c.kw; ++kx)
          r.weight[((std::size_t(co) * c.cin + ci) * k + ay + ky * c.dh) * k + ax + kx * c.dw] =
              n.weight[((std::size_t(co) * cin_g + cl) * c.kh + ky) * c.kw + kx];
    }
  return r;
}

std::vector<double> conv1d_matrix(const net_node& n) {
  const conv_geom& c = n.conv;
  const int L = int(n.in_shape[1]), OL = int(n.out_shape[1]), cin_g = c.cin / c.groups, cout_g = c.cout / c.groups;
  const std::size_t cols = std::size_t(c.cin) * L;
  std::vector<double> m(std::size_t(c.cout) * OL * cols, 0.0);
  for (int co = 0; co < c.cout; ++co)
    for (int ol = 0; ol < OL; ++ol) {
      double* row = m.data() + (std::size_t(co) * OL + ol) * cols;
      for (int cl = 0; cl < cin_g; ++cl) {
        const int ci = (co / cout_g) * cin_g + cl;
        for (int kx = 0; kx < c.kw; ++kx) {
          const int l = ol * c.sw + kx * c.dw - c.pw;
          if (l >= 0 && l < L) row[std::size_t(ci) * L + l] += n.weight[(std::size_t(co) * cin_g + cl) * c.kw + kx];
        }
      }
    }
  return m;
}

}  // namespace spiketlm::nir
