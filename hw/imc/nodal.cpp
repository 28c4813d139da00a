#include "hw/imc/nodal.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

double ladder_current(const double* G, const double* V, int n, double r_ohm) {
  return ladder_current_strided(G, 1, V, n, r_ohm);
}

double ladder_current_strided(const double* G, size_t stride, const double* V, int n, double r_ohm) {
  if (n <= 0) return 0.0;
  if (r_ohm <= 0) {
    double s = 0;
    for (int i = 0; i < n; ++i) s += G[size_t(i) * stride] * V[i];
    return s;
  }
  // ladder_voltages()'s forward sweep, keeping only the last c' and rhs': the back substitution
  // leaves v[n-1] as the sweep leaves it.
  const double gw = 1.0 / r_ohm;
  double c = 0, v = 0;
  for (int i = 0; i < n; ++i) {
    const double g = G[size_t(i) * stride];
    const double d = g + gw + (i > 0 ? gw : 0.0);
    const double sub = i > 0 ? -gw : 0.0;
    const double denom = d - (i > 0 ? sub * c : 0.0);
    c = (i + 1 < n ? -gw : 0.0) / denom;
    v = (g * V[i] - (i > 0 ? sub * v : 0.0)) / denom;
  }
  return v / r_ohm;
}

void ladder_currents2(const double* G, size_t stride, const double* V, int n, double r_ohm, double* out) {
#ifdef __SSE2__
  if (n > 0 && r_ohm > 0) {
    // The sweep above on columns G[.] and G[. + 1] in the two lanes (the same operations).
    const double gw = 1.0 / r_ohm;
    const __m128d vgw = _mm_set1_pd(gw), vsub = _mm_set1_pd(-gw), zero = _mm_setzero_pd();
    __m128d c = zero, v = zero;
    for (int i = 0; i < n; ++i) {
      const __m128d g = _mm_loadu_pd(G + size_t(i) * stride), vi = _mm_set1_pd(V[i]);
      const __m128d d = _mm_add_pd(_mm_add_pd(g, vgw), i > 0 ? vgw : zero);
      const __m128d denom = _mm_sub_pd(d, i > 0 ? _mm_mul_pd(vsub, c) : zero);
      c = _mm_div_pd(i + 1 < n ? vsub : zero, denom);
      v = _mm_div_pd(_mm_sub_pd(_mm_mul_pd(g, vi), i > 0 ? _mm_mul_pd(vsub, v) : zero), denom);
    }
    _mm_storeu_pd(out, _mm_div_pd(v, _mm_set1_pd(r_ohm)));
    return;
  }
#endif
  out[0] = ladder_current_strided(G, stride, V, n, r_ohm);
  out[1] = ladder_current_strided(G + 1, stride, V, n, r_ohm);
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
