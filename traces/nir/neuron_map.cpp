#include "traces/nir/neuron_map.h"

#include "tlm/error.h"

#include <cmath>
#include <sstream>

namespace spiketlm::nir {

namespace {

[[noreturn]] void unmappable(const network& net, const net_node& n, const std::string& why) {
  fail("nir", net.file + ": node '" + n.name + "' (" + op_type(n.kind) + "): cannot be mapped: " + why);
}

std::string num(double v) {
  std::ostringstream s;
  s.precision(6);
  s << v;
  return s.str();
}

}  // namespace

std::vector<double> channel_values(const network& net, const net_node& n, const std::string& field,
                                   const std::vector<double>& v, std::size_t channels) {
  const std::size_t per = v.size() / channels;
  std::vector<double> r(channels);
  for (std::size_t k = 0; k < channels; ++k) {
    r[k] = v[k * per];
    for (std::size_t j = 1; j < per; ++j)
      if (v[k * per + j] != r[k])
        unmappable(net, n, "field '" + field + "' varies within channel " + std::to_string(k) +
                               " (the hardware has one multiplier, offset and threshold per channel)");
  }
  return r;
}

namespace {

// Per element: beta, c, d, theta of one forward Euler step in the shifted membrane.
void element_constants(const network& net, const net_node& n, double dt, std::size_t j, double& beta, double& c, double& d,
                       double& theta) {
  const neuron_fields& p = n.nrn;
  switch (n.kind) {
    case op::lif:
      beta = 1.0 - dt / p.tau[j];
      c = dt / p.tau[j] * p.r[j];
      d = dt / p.tau[j] * (p.v_leak[j] - p.v_reset[j]);
      break;
    case op::if_:
      beta = 1.0;
      c = dt * p.r[j];
      d = 0.0;
      break;
    case op::cubalif: {
      // dt = tau_syn (to float32 precision, as files store it): no synaptic memory.
      const double alpha = 1.0 - dt / p.tau_syn[j];
      if (std::fabs(alpha) > 1e-6)
        unmappable(net, n, "its synaptic current decays by 1 - dt/tau_syn = " + num(alpha) +
                               " per step: a second state per neuron, and the hardware neuron keeps one (the membrane; "
                               "traces/nir/README.md, 'Not mapped'). With dt = tau_syn (--dt " + num(p.tau_syn[j]) +
                               ") the current is the input of the step and the neuron is a LIF");
      beta = 1.0 - dt / p.tau[j];
      c = dt / p.tau[j] * p.r[j] * (dt / p.tau_syn[j]) * p.w_in[j];
      d = dt / p.tau[j] * (p.v_leak[j] - p.v_reset[j]);
      break;
    }
    default:  // Threshold: stateless, fires when its input exceeds the threshold
      beta = 0.0;
      c = 1.0;
      d = 0.0;
      theta = p.v_threshold[j];
      return;
  }
  theta = p.v_threshold[j] - p.v_reset[j];
}

}  // namespace

neuron_map map_neuron(const network& net, const net_node& n, double dt, std::size_t channels) {
  const std::size_t m = elements(n.in_shape);
  std::vector<double> beta(m), c(m), d(m), theta(m);
  for (std::size_t j = 0; j < m; ++j) element_constants(net, n, dt, j, beta[j], c[j], d[j], theta[j]);
  neuron_map r;
  r.beta = beta[0];
  for (std::size_t j = 1; j < m; ++j)
    if (beta[j] != r.beta)
      unmappable(net, n, "its leak 1 - dt/tau differs between neurons (" + num(r.beta) + " and " + num(beta[j]) +
                             "; the hardware has one leak per layer)");
  if (!(r.beta >= 0.0 && r.beta <= 1.0))
    unmappable(net, n, "one forward Euler step of dt = " + num(dt) + " leaks by 1 - dt/tau = " + num(r.beta) +
                           ", outside [0, 1] (dt > tau oscillates); choose --dt <= tau");
  r.c = channel_values(net, n, n.kind == op::lif || n.kind == op::if_ ? "r" : "r/w_in", c, channels);
  r.d = channel_values(net, n, "v_leak/v_reset", d, channels);
  r.theta = channel_values(net, n, "v_threshold", theta, channels);
  for (std::size_t k = 0; k < channels; ++k)
    if (!(r.theta[k] > 0))
      unmappable(net, n, "channel " + std::to_string(k) + ": v_threshold - v_reset = " + num(r.theta[k]) +
                             " (expected > 0: the neuron would fire at rest)");
  r.subtract = n.nrn.subtract_reset;
  return r;
}

}  // namespace spiketlm::nir
