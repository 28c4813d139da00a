#include "traces/nir/float_ref.h"

#include "tlm/error.h"

#include <algorithm>
#include <cmath>

namespace spiketlm::nir {

namespace {

// Convolution (1-D as H = 1), float64, zero padding; inputs that are 0 are skipped.
void conv(const net_node& n, const std::vector<double>& x, std::vector<double>& y) {
  const conv_geom& c = n.conv;
  const bool two = n.kind == op::conv2d;
  const int H = two ? int(n.in_shape[1]) : 1, W = int(n.in_shape.back());
  const int OH = two ? int(n.out_shape[1]) : 1, OW = int(n.out_shape.back());
  const int cin_g = c.cin / c.groups, cout_g = c.cout / c.groups;
  y.assign(std::size_t(c.cout) * OH * OW, 0.0);
  for (int co = 0; co < c.cout; ++co) {
    double* out = y.data() + std::size_t(co) * OH * OW;
    std::fill(out, out + OH * OW, n.bias[std::size_t(co)]);
    const int g = co / cout_g;
    for (int cl = 0; cl < cin_g; ++cl) {
      const double* in = x.data() + std::size_t(g * cin_g + cl) * H * W;
      for (int ky = 0; ky < c.kh; ++ky)
        for (int kx = 0; kx < c.kw; ++kx) {
          const double w = n.weight[((std::size_t(co) * cin_g + cl) * c.kh + ky) * c.kw + kx];
          if (w == 0.0) continue;
          for (int oy = 0; oy < OH; ++oy) {
            const int iy = oy * c.sh + ky * c.dh - c.ph;
            if (iy < 0 || iy >= H) continue;
            for (int ox = 0; ox < OW; ++ox) {
              const int ix = ox * c.sw + kx * c.dw - c.pw;
              if (ix >= 0 && ix < W) out[oy * OW + ox] += w * in[iy * W + ix];
            }
          }
        }
    }
  }
}

void affine(const net_node& n, const std::vector<double>& x, std::vector<double>& y) {
  const std::size_t O = n.weight_shape[0], I = n.weight_shape[1];
  y = n.bias;
  for (std::size_t i = 0; i < I; ++i) {
    if (x[i] == 0.0) continue;
    for (std::size_t o = 0; o < O; ++o) y[o] += n.weight[o * I + i] * x[i];
  }
}

void pool(const net_node& n, const std::vector<double>& x, std::vector<double>& y, bool mean) {
  const pool_geom& p = n.pool;
  const int C = int(n.in_shape[0]), H = int(n.in_shape[1]), W = int(n.in_shape[2]);
  const int OH = int(n.out_shape[1]), OW = int(n.out_shape[2]);
  y.assign(std::size_t(C) * OH * OW, 0.0);
  for (int c = 0; c < C; ++c)
    for (int oy = 0; oy < OH; ++oy)
      for (int ox = 0; ox < OW; ++ox) {
        double s = 0;
        for (int ky = 0; ky < p.kh; ++ky)
          for (int kx = 0; kx < p.kw; ++kx) {
            const int iy = oy * p.sh + ky - p.ph, ix = ox * p.sw + kx - p.pw;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += x[(std::size_t(c) * H + iy) * W + ix];
          }
        y[(std::size_t(c) * OH + oy) * OW + ox] = mean ? s / (p.kh * p.kw) : s;
      }
}

}  // namespace

float_model::float_model(const network& net, double dt) : m_net(net), m_dt(dt) {
  if (!(dt > 0)) fail("nir", net.file + ": dt: expected a positive time step, got " + std::to_string(dt));
}

void float_model::step(const net_node& n, const std::vector<double>& x, std::vector<double>& y, state& s, float_run& r,
                       int i) const {
  const neuron_fields& p = n.nrn;
  const double dt = m_dt;
  y.assign(x.size(), 0.0);
  for (std::size_t j = 0; j < x.size(); ++j) {
    double& v = s.v[j];
    switch (n.kind) {
      case op::lif: v += dt / p.tau[j] * (p.v_leak[j] - v + p.r[j] * x[j]); break;
      case op::if_: v += dt * p.r[j] * x[j]; break;
      case op::cubalif:
        s.syn[j] += dt / p.tau_syn[j] * (p.w_in[j] * x[j] - s.syn[j]);
        v += dt / p.tau[j] * (p.v_leak[j] - v + p.r[j] * s.syn[j]);
        break;
      case op::li: v += dt / p.tau[j] * (p.v_leak[j] - v + p.r[j] * x[j]); break;
      case op::integrator: v += dt * p.r[j] * x[j]; break;
      default: v = x[j]; break;  // threshold: stateless
    }
    if (!is_spiking(n.kind)) {
      y[j] = v;
      continue;
    }
    const double reset = n.kind == op::threshold ? 0.0 : p.v_reset[j];
    const double span = p.v_threshold[j] - reset;
    if (span > 0) r.peak[std::size_t(i)] = std::max(r.peak[std::size_t(i)], std::fabs(v - reset) / span);
    if (v > p.v_threshold[j]) {
      y[j] = 1.0;
      r.spikes[std::size_t(i)] += 1;
      if (n.kind != op::threshold) v = p.subtract_reset ? v - span : reset;
    }
  }
}

float_run float_model::run(const std::vector<std::vector<double>>& inputs) const {
  const std::size_t N = m_net.nodes.size();
  float_run r;
  r.peak.assign(N, 0.0);
  r.spikes.assign(N, 0.0);
  std::vector<state> st(N);
  for (std::size_t i = 0; i < N; ++i) {
    const net_node& n = m_net.nodes[i];
    if (!is_neuron(n.kind)) continue;
    const std::size_t m = elements(n.in_shape);
    st[i].v = is_spiking(n.kind) && n.kind != op::threshold ? n.nrn.v_reset : std::vector<double>(m, 0.0);
    st[i].syn.assign(m, 0.0);
  }
  std::vector<std::vector<double>> out(N);
  std::vector<double> x;
  for (const auto& in_t : inputs) {
    for (std::size_t i = 0; i < N; ++i) {
      const net_node& n = m_net.nodes[i];
      x.assign(elements(n.in_shape), 0.0);
      if (n.kind == op::input) x = in_t;
      for (const int p : n.in)
        for (std::size_t j = 0; j < x.size(); ++j) x[j] += out[std::size_t(p)][j];
      std::vector<double>& y = out[i];
      switch (n.kind) {
        case op::affine:
        case op::linear: affine(n, x, y); break;
        case op::conv1d:
        case op::conv2d: conv(n, x, y); break;
        case op::sumpool2d: pool(n, x, y, false); break;
        case op::avgpool2d: pool(n, x, y, true); break;
        case op::scale:
          y = x;
          for (std::size_t j = 0; j < y.size(); ++j) y[j] *= n.weight[j];
          break;
        case op::input:
        case op::output:
        case op::flatten: y = x; break;
        default: step(n, x, y, st[i], r, int(i)); break;
      }
    }
    const std::vector<double>& o = out[std::size_t(m_net.output)];
    r.outputs.insert(r.outputs.end(), o.begin(), o.end());
  }
  return r;
}

int float_prediction(const network& net, const float_run& r, int timesteps) {
  const net_node& out = net.at(net.output);
  const std::size_t K = elements(out.in_shape);
  const op last = net.at(out.in[0]).kind;
  std::vector<double> score(K, 0.0);
  for (int t = 0; t < timesteps; ++t)
    for (std::size_t k = 0; k < K; ++k) {
      const double v = r.outputs[std::size_t(t) * K + k];
      score[k] = (last == op::li || last == op::integrator) ? v : score[k] + v;
    }
  return int(std::max_element(score.begin(), score.end()) - score.begin());
}

}  // namespace spiketlm::nir
