// spiketlm: IR drop on a crossbar column (plain C++, no SystemC). See crossbar.md, "IR drop".
//
// A column of n cells as a resistor ladder (SpikeSim's NICE model, FACTS.md s2): column node i
// (row i; row 0 is the farthest from the sense amplifier) connects to its row driver's voltage
// V[i] through the cell conductance G[i] (rows are driven at their own node: row wires are not
// modelled), to nodes i-1 and i+1 through the wire resistance r, and node n-1 connects to the
// sense amplifier (virtual ground, 0 V) through r. Inactive rows are driven at 0 V and their
// cells still load the column. The sense current is the current through the last segment.
//  - ladder_current(): the exact nodal solve (Kirchhoff's current law at every node, a
//    symmetric positive-definite tridiagonal system, Thomas algorithm, O(n));
//  - ladder_current_fast(): the fast model: `iterations` fixed-point steps of the IR-drop
//    correction starting from the ideal cell currents (1 = first order in r x G): node
//    voltages from the wire currents, then cell currents from the node voltages.
// With r = 0 both return sum G[i] V[i].
#pragma once

namespace spiketlm::imc {

// scratch: 2 n doubles.
double ladder_current(const double* G, const double* V, int n, double r_ohm, double* scratch);
double ladder_current_fast(const double* G, const double* V, int n, double r_ohm, int iterations, double* scratch);
// Node voltages of the exact solve (for tests): v[0..n).
void ladder_voltages(const double* G, const double* V, int n, double r_ohm, double* v, double* scratch);

}  // namespace spiketlm::imc
