// spiketlm: the IMC processing element (kind "imc.pe"). See pe.md.
//
// k x k crossbars (one per kernel position, SpikeSim), `adcs` ADCs each behind a
// mux_ratio:1 column mux, a digital shift-and-add with the offset-encoding correction, and a
// temp buffer. In one PE cycle the PE's crossbars are driven with the active input rows; the
// column currents of the PE's crossbars add on the shared column lines (so one conversion per
// column per PE cycle: adcs x mux_ratio columns, SpikeSim's 8 ADCs x 8:1 mux for 64 columns),
// the ADCs digitise them, and the shift-and-add combines the slices and subtracts 2^p for the
// active inputs on negative-weight cells. Children: xbar (imc.crossbar), adc (imc.adc),
// column (imc.column.ideal: the column-current model).
#pragma once
#include <vector>

#include "hw/imc/adc.h"
#include "hw/imc/column_model.h"
#include "hw/imc/crossbar.h"

namespace spiketlm {

struct PeScratch {
  std::vector<int32_t> acc, neg;
  std::vector<int64_t> val;
  std::vector<double> cur;
  std::vector<const uint64_t*> masks;  // read()'s strided form: the crossbars' masks
};

class ImcPe : public Module {
 public:
  ImcPe(sc_core::sc_module_name name, Context& ctx);
  Crossbar& xbar() { return *m_xbar; }
  Adc& adc() { return *m_adc; }
  ColumnModel& column() { return *m_column; }
  int kernel() const { return m_kernel; }
  int xbars() const { return m_kernel * m_kernel; }
  int adcs() const { return m_adcs; }
  int mux_ratio() const { return m_mux; }
  // ADC passes per PE cycle (more than one when the physical columns exceed adcs x mux).
  int passes() const { return m_passes; }
  int cycle_clocks() const { return m_cycle_clocks; }
  double clock_mhz() const { return m_clock_mhz; }
  double cycle_ns() const { return double(m_cycle_clocks) * m_passes * 1e3 / m_clock_mhz; }

  // One PE cycle, functional: the n crossbars xs[i] driven on the rows of masks[i] (a bit per
  // row, (rows + 63) / 64 words); out[j] += scale x (digital dot product of logical column j).
  // Counts conversions/clipping in the ADC's statistics (energy is charged by the caller, see
  // count_cycle).
  void read(const XbarProgram* const* xs, const uint64_t* const* masks, int n, int64_t* out, int64_t scale,
            PeScratch& s);
  // The read of crossbars whose reads are exact sums (exact_sums true): acc[j] += the sum of
  // the active rows' weights of logical column j, in int32; counts the conversions. read()
  // takes this path for such crossbars (then out[j] += scale x acc[j]).
  void add_exact(const XbarProgram* const* xs, const uint64_t* const* masks, int n, int32_t* acc);
  // The same with crossbar i's mask at masks + i * nw.
  void read(const XbarProgram* const* xs, const uint64_t* masks, int nw, int n, int64_t* out, int64_t scale,
            PeScratch& s) {
    s.masks.resize(size_t(n));
    for (int i = 0; i < n; ++i) s.masks[size_t(i)] = masks + size_t(i) * nw;
    read(xs, s.masks.data(), n, out, scale, s);
  }
  // True when a read of these n crossbars is exactly the sum of the active rows' weights: ideal
  // columns, an ADC whose LSB is one level step, and no column sum that could exceed its full
  // scale. Reads are then linear in the inputs, so a caller may sum multi-bit inputs in one pass
  // (weights x values) and count the conversions with count_conversions().
  bool exact_sums(const XbarProgram* const* xs, int n) const;
  void count_conversions(uint64_t n) { m_adc->count_conversions(n, 0); }
  // Energy of `cycles` active PE cycles (ADC samples, mux selects, shift-add ops, temp buffer).
  void count_cycles(uint64_t cycles);
  // Explicit counts (SpikeSim's dense composition).
  void count_raw(uint64_t adc_samples, uint64_t mux_selects, uint64_t shift_adds, uint64_t temp_accesses);
  const std::string& mux_tech() const { return m_mux_tech; }
  const std::string& temp_tech() const { return m_temp_tech; }
  const std::string& shift_add_tech() const { return m_sa_tech; }

 private:
  int m_kernel, m_adcs, m_mux, m_cycle_clocks, m_passes;
  double m_clock_mhz;
  Crossbar* m_xbar;
  Adc* m_adc;
  ColumnModel* m_column;
  std::string m_mux_tech, m_sa_tech, m_temp_tech;
  ActionId m_e_mux, m_e_sa, m_e_temp;
  uint64_t &m_cycles;
  int m_sa_per_cycle;
};

}  // namespace spiketlm
