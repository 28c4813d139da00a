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

void ladder_transfer(const double* G, int n, double r_ohm, double* a, double* dn) {
  if (n <= 0) return;
  if (r_ohm <= 0) {
    for (int i = 0; i < n; ++i) a[i] = G[i];
    return;
  }
  // Forward sweep of ladder_voltages() with the right-hand side left symbolic: with the
  // modified pivots dn_i = d_i - gw^2 / dn_{i-1}, the last unknown is
  // v_{n-1} = sum_i G_i V_i / dn_i x prod_{k > i} (gw / dn_k), and the sense current is gw v_{n-1}.
  const double gw = 1.0 / r_ohm;
  for (int i = 0; i < n; ++i) {
    const double d = G[i] + gw + (i > 0 ? gw : 0.0);
    dn[i] = i > 0 ? d - gw * gw / dn[i - 1] : d;
  }
  double t = 1.0;  // prod_{k > i} (gw / dn_k), built from the sense amplifier up
  for (int i = n - 1; i >= 0; --i) {
    a[i] = gw * G[i] / dn[i] * t;
    t *= gw / dn[i];
  }
}

}  // namespace spiketlm::imc
