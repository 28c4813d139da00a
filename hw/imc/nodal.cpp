#include "hw/imc/nodal.h"

namespace spiketlm::imc {

void ladder_voltages(const double* G, const double* V, int n, double r_ohm, double* v, double* c) {
  // Row i: d_i v_i - gw v_{i-1} - gw v_{i+1} = G_i V_i,
  // d_i = G_i + gw (up, if i > 0) + gw (down: node i+1 or the sense amplifier).
  const double gw = 1.0 / r_ohm;
  // Thomas: forward sweep with c' (super-diagonal ratios) in c, rhs' in v.
  for (int i = 0; i < n; ++i) {
    const double d = G[i] + gw + (i > 0 ? gw : 0.0);
    const double sub = i > 0 ? -gw : 0.0;
    const double denom = d - (i > 0 ? sub * c[i - 1] : 0.0);
    c[i] = (i + 1 < n ? -gw : 0.0) / denom;
    v[i] = (G[i] * V[i] - (i > 0 ? sub * v[i - 1] : 0.0)) / denom;
  }
  for (int i = n - 2; i >= 0; --i) v[i] -= c[i] * v[i + 1];
}

double ladder_current(const double* G, const double* V, int n, double r_ohm, double* scratch) {
  if (n <= 0) return 0.0;
  if (r_ohm <= 0) {
    double s = 0;
    for (int i = 0; i < n; ++i) s += G[i] * V[i];
    return s;
  }
  double* v = scratch;
  ladder_voltages(G, V, n, r_ohm, v, scratch + n);
  return v[n - 1] / r_ohm;
}

double ladder_current_fast(const double* G, const double* V, int n, double r_ohm, int iterations, double* scratch) {
  double* I = scratch;  // cell currents
  double total = 0;
  for (int i = 0; i < n; ++i) total += (I[i] = G[i] * V[i]);
  if (r_ohm <= 0 || n <= 0) return total;
  for (int it = 0; it < iterations; ++it) {
    // Wire segment below node k carries J_k = sum_{m <= k} I_m; node i sits at
    // v_i = r sum_{k >= i} J_k. Walk up from the sense amplifier.
    double J = total, vi = 0;
    double prefix_above = total;  // J_{n-1}
    double next_total = 0;
    for (int i = n - 1; i >= 0; --i) {
      J = prefix_above;            // current in the segment below node i
      vi += r_ohm * J;
      prefix_above -= I[i];
      const double cur = G[i] * (V[i] - vi);
      scratch[n + i] = cur;
      next_total += cur;
    }
    for (int i = 0; i < n; ++i) I[i] = scratch[n + i];
    total = next_total;
  }
  return total;
}

}  // namespace spiketlm::imc
