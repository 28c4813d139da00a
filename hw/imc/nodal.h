// spiketlm: IR drop on a crossbar column (plain C++, no SystemC). See crossbar.md, "IR drop".
//
// A column of n cells as a resistor ladder (SpikeSim's NICE model, FACTS.md s2): column node i
// (row i; row 0 is the farthest from the sense amplifier) connects to its row driver's voltage
// V[i] through the cell conductance G[i] (rows are driven at their own node: row wires are not
// modelled), to nodes i-1 and i+1 through the wire resistance r, and node n-1 connects to the
// sense amplifier (virtual ground, 0 V) through r. Inactive rows are driven at 0 V and their
// cells still load the column. The sense current is the current through the last segment.
//  - ladder_current(): the exact nodal solve (Kirchhoff's current law at every node, a
//    symmetric positive-definite tridiagonal system, Thomas algorithm, O(n)), done for every
//    read: the reference model (`ir_drop: nodal`).
//  - ladder_transfer(): the fast model (`ir_drop: fast`). The ladder is linear and its
//    topology does not depend on which rows are driven (an idle row is a 0 V source, not an
//    open circuit), so by superposition the sense current is I = sum_i a_i V[i] with a
//    transfer conductance a_i per cell that depends only on the programmed G and r. The a_i
//    are computed once at programming from the Thomas forward sweep (the sense current needs
//    only the last unknown, so no back substitution); a read then costs what the ideal sum
//    costs. Exact up to rounding: it is not a series in r G and has no range of validity in r.
// With r = 0 both give sum G[i] V[i].
#pragma once
#include <cstddef>

namespace spiketlm::imc {

double ladder_current(const double* G, const double* V, int n, double r_ohm);
// The same with the cells at G[i * stride] (a column of a row-major crossbar): the forward
// sweep alone, which is all the sense current needs.
double ladder_current_strided(const double* G, size_t stride, const double* V, int n, double r_ohm);
// out[0], out[1]: the sense currents of the columns at G and G + 1 (stride apart per row),
// two SSE2 lanes doing each column's operations in the same order as ladder_current_strided.
void ladder_currents2(const double* G, size_t stride, const double* V, int n, double r_ohm, double* out);
// Transfer conductances a[0..n) of the ladder (siemens): sense current = sum a[i] V[i].
// scratch: n doubles. r_ohm <= 0 gives a = G.
void ladder_transfer(const double* G, int n, double r_ohm, double* a, double* scratch);
// Node voltages of the exact solve (for tests): v[0..n).
void ladder_voltages(const double* G, const double* V, int n, double r_ohm, double* v, double* scratch);

}  // namespace spiketlm::imc
