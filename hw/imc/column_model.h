// spiketlm: column-current models of a crossbar (family "imc_column"). See crossbar.md.
//
// The seam for device and interconnect non-idealities. A model turns a programmed crossbar
// and its driven rows into column currents. The ideal model ("imc.column.ideal") says it is
// exact(): the PE then takes the integer path (sum of the levels of the active rows, no
// circuit solve). Non-ideal models (device variation, IR drop with a nodal solve, ...) return
// exact() = false and implement currents(); the PE then digitises their currents.
#pragma once
#include <vector>

#include "hw/imc/crossbar.h"

namespace spiketlm {

class ColumnModel : public Module {
 public:
  using Module::Module;
  virtual bool exact() const = 0;
  // Add the column currents (amps) of crossbar x driven on the rows of `mask` to out[pcols].
  virtual void currents(const XbarProgram& x, const uint64_t* mask, const CellConfig& c, const DeviceConfig& d,
                        double* out) const = 0;
  // Called once per crossbar after XbarProgram::program (x.index set): a non-ideal model draws
  // the crossbar's device state here (seeded by its seed and x.index).
  virtual void program(XbarProgram&, const CellConfig&, const DeviceConfig&) const {}
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

namespace spiketlm {

enum class Variation { none, gaussian, lognormal };
enum class IrDrop { none, fast, nodal };

// Device and interconnect parameters of the non-ideal column model (crossbar.md).
struct NonidealConfig {
  uint64_t seed = 1;
  Variation variation = Variation::none;
  double sigma = 0.0;            // relative conductance spread of every unit cell
  double stuck_rate = 0.0;       // share of unit cells stuck (drawn at programming)
  double stuck_on_share = 0.5;   // of those, the share stuck in the on state (the rest off)
  bool leak_correction = true;   // subtract the nominal off-state current of the active rows
  IrDrop ir_drop = IrDrop::none;
  double wire_ohm = 0.0;         // wire resistance between adjacent cells of a column
  double sense_offset_lsb = 0.0; // sigma of a static sense-amplifier offset per column, in LSB
};

// splitmix64-based generator: portable and reproducible across standard libraries.
struct SplitMix {
  uint64_t s;
  explicit SplitMix(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  double normal();
};

// Draw the device state of one crossbar (x.g, x.sa_offset) from cfg, seeded by cfg.seed and
// x.index; with ir_drop fast also the transfer conductances x.g_ir of every column (nodal.h).
// Plain C++ so it is tested without SystemC.
void draw_device_state(XbarProgram& x, const CellConfig& c, const DeviceConfig& d, const NonidealConfig& cfg);

// What every read of one cell and device configuration shares: the read voltage and the leak
// correction (nominal level-0 conductance, gain to units of the nominal level step).
struct NonidealRead {
  double v = 0, g0 = 0, gain = 1;
  bool leak_correction = true;
  bool ir = false, fast = false;  // IR drop modelled; by transfer conductances (else nodal)
  double wire_ohm = 0;
};
NonidealRead nonideal_read(const CellConfig& c, const DeviceConfig& d, const NonidealConfig& cfg);
// Buffers of the reads, kept between them (no allocation per read).
struct NonidealScratch {
  std::vector<double> vr, col;
};
// Column currents (amps) of x driven on `mask`, added to out[pcols].
void nonideal_currents(const XbarProgram& x, const uint64_t* mask, const NonidealRead& k, NonidealScratch& s,
                       double* out);
// The same, with the constants and buffers made for this one read.
void nonideal_currents(const XbarProgram& x, const uint64_t* mask, const CellConfig& c, const DeviceConfig& d,
                       const NonidealConfig& cfg, double* out);
// Nominal conductance of a cell position at `level` with the finite off state (parallel:
// binary cells of 2^b unit devices, on 2^b / Ron, off 2^b / Roff; sliced: Goff + level step).
double nominal_conductance(int level, const CellConfig& c, const DeviceConfig& d);

class NonidealColumn : public ColumnModel {
 public:
  NonidealColumn(sc_core::sc_module_name name, Context& ctx);
  bool exact() const override { return false; }
  void currents(const XbarProgram& x, const uint64_t* mask, const CellConfig& c, const DeviceConfig& d,
                double* out) const override {
    nonideal_currents(x, mask, read_constants(c, d), m_scratch, out);
  }
  void program(XbarProgram& x, const CellConfig& c, const DeviceConfig& d) const override {
    draw_device_state(x, c, d, m_cfg);
  }
  const NonidealConfig& config() const { return m_cfg; }

 private:
  // nonideal_read() of the configuration last seen (every read of a chip sees the same one).
  const NonidealRead& read_constants(const CellConfig& c, const DeviceConfig& d) const {
    if (!m_read_set || !(m_read_c == c) || !(m_read_d == d)) {
      m_read = nonideal_read(c, d, m_cfg);
      m_read_c = c;
      m_read_d = d;
      m_read_set = true;
    }
    return m_read;
  }
  NonidealConfig m_cfg;
  // Caches of the reads (a module belongs to one simulation, run by one thread).
  mutable bool m_read_set = false;
  mutable CellConfig m_read_c;
  mutable DeviceConfig m_read_d;
  mutable NonidealRead m_read;
  mutable NonidealScratch m_scratch;
};

}  // namespace spiketlm
