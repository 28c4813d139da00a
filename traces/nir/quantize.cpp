#include "traces/nir/quantize.h"

#include "tlm/error.h"
#include "traces/nir/conv_expand.h"
#include "traces/nir/neuron_map.h"
#include "traces/nir/quantize_detail.h"

#include <algorithm>
#include <cmath>

namespace spiketlm::nir {

int threshold_units(int bits, double peak) {
  if (bits < 6) fail("nir", "membrane_bits: expected at least 6 bits for an imported network, got " + std::to_string(bits));
  const double room = std::ldexp(1.0, bits - 1) - 1.0;
  const double m = peak > 0 ? std::max(2.0, 1.25 * peak) : 8.0;
  int t = 4096;
  while (t > 1 && t * m > room) t /= 2;
  return t;
}

std::pair<int, int> leak_fraction(double beta) {
  if (beta >= 1.0) return {1, 0};
  if (beta <= 0.0) return {0, 0};
  long num = std::lround(beta * 65536.0);
  int shift = 16;
  if (num >= 65536) return {1, 0};
  while (num > 0 && num % 2 == 0 && shift > 0) num /= 2, --shift;
  return {int(num), shift};
}

namespace detail {

matrix matrix_of(const network& net, const net_node& w) {
  matrix m;
  if (w.kind == op::conv2d) {
    const square_conv s = to_square(net, w);
    m.type = layer_type::conv2d;
    m.k = s.k;
    m.stride = s.stride;
    m.pad = s.pad;
    m.in_channels = w.conv.cin;
    m.rows = std::size_t(w.conv.cout);
    m.w = s.weight;
    m.bias = w.bias;
  } else if (w.kind == op::conv1d) {
    m.type = layer_type::linear;
    m.w = conv1d_matrix(w);
    m.rows = elements(w.out_shape);
    m.in_channels = int(elements(w.in_shape));
    const std::size_t per = m.rows / std::size_t(w.conv.cout);
    for (std::size_t r = 0; r < m.rows; ++r) m.bias.push_back(w.bias[r / per]);
  } else {
    m.type = layer_type::linear;
    m.w = w.weight;
    m.rows = w.weight_shape[0];
    m.in_channels = int(w.weight_shape[1]);
    m.bias = w.bias;
  }
  m.cols = m.w.size() / m.rows;
  return m;
}

// int8 weights of rows scaled by 1 / scale[r] (round half away, clamped to +-127; a row of
// scale 0 is zero).
std::vector<std::int8_t> to_int8(const matrix& m, const std::vector<double>& scale) {
  std::vector<std::int8_t> q(m.w.size());
  for (std::size_t r = 0; r < m.rows; ++r)
    for (std::size_t j = 0; j < m.cols; ++j) {
      const double x = scale[r] != 0 ? std::round(m.w[r * m.cols + j] / scale[r]) : 0.0;
      q[r * m.cols + j] = std::int8_t(std::max(-127.0, std::min(127.0, x)));
    }
  return q;
}

// Per row max|w| / 127 (one value for all rows when per_tensor).
std::vector<double> absmax_scales(const matrix& m, bool per_tensor) {
  std::vector<double> s(m.rows, 0.0);
  for (std::size_t r = 0; r < m.rows; ++r)
    for (std::size_t j = 0; j < m.cols; ++j) s[r] = std::max(s[r], std::fabs(m.w[r * m.cols + j]) / 127.0);
  if (per_tensor) std::fill(s.begin(), s.end(), *std::max_element(s.begin(), s.end()));
  return s;
}

layer shell(const matrix& m, const std::string& name) {
  layer l;
  l.name = name;
  l.type = m.type;
  l.in_channels = m.in_channels;
  l.out_channels = int(m.rows);
  l.kernel = m.k;
  l.stride = m.stride;
  l.padding = m.pad;
  return l;
}

neuron_params hw_neuron(const neuron_map& nm, int theta, quant_info& info) {
  neuron_params p;
  const auto [num, shift] = leak_fraction(nm.beta);
  p.model = num == 1 && shift == 0 ? "if" : "lif";
  p.threshold = theta;
  p.gain = 1.0;
  p.leak_num = num;
  p.leak_shift = shift;
  p.reset = nm.subtract ? reset_mode::soft : reset_mode::hard;
  info.threshold = theta;
  info.leak_num = num;
  info.leak_shift = shift;
  info.beta = nm.beta;
  info.beta_q = std::ldexp(double(num), -shift);
  info.reset = nm.subtract ? "subtract" : "to v_reset";
  return p;
}

// Membrane unit of channel k: theta_k / (Theta - 1/2) (reset to v_reset) or theta_k / Theta.
double unit(const neuron_map& nm, std::size_t k, int theta) { return nm.theta[k] / (nm.subtract ? theta : theta - 0.5); }

}  // namespace detail

}  // namespace spiketlm::nir
