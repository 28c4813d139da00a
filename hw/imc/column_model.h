// spiketlm: column-current models of a crossbar (family "imc_column"). See crossbar.md.
//
// The seam for device and interconnect non-idealities. A model turns a programmed crossbar
// and its driven rows into column currents. The ideal model ("imc.column.ideal") says it is
// exact(): the PE then takes the integer path (sum of the levels of the active rows, no
// circuit solve). Non-ideal models (device variation, IR drop with a nodal solve, ...) return
// exact() = false and implement currents(); the PE then digitises their currents.
#pragma once
#include "hw/imc/crossbar.h"

namespace spiketlm {

class ColumnModel : public Module {
 public:
  using Module::Module;
  virtual bool exact() const = 0;
  // Add the column currents (amps) of crossbar x driven on the rows of `mask` to out[pcols].
  virtual void currents(const XbarProgram& x, const uint64_t* mask, const CellConfig& c, const DeviceConfig& d,
                        double* out) const = 0;
};

class IdealColumn : public ColumnModel {
 public:
  IdealColumn(sc_core::sc_module_name name, Context& ctx) : ColumnModel(name, ctx) {}
  bool exact() const override { return true; }
  // Ideal Kirchhoff sum: read voltage x level steps of the active rows (off-state leakage and
  // wire resistance are zero in the ideal model).
  void currents(const XbarProgram& x, const uint64_t* mask, const CellConfig& c, const DeviceConfig& d,
                double* out) const override;
};

}  // namespace spiketlm
