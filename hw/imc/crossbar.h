// spiketlm: RRAM crossbar arithmetic and the crossbar unit (kind "imc.crossbar"). See crossbar.md.
//
// The arithmetic is plain C++ (no SystemC) so that it is unit-tested without the kernel:
//  - CellConfig: how a signed weight is stored: SpikeSim's offset encoding (a negative weight
//    w is stored as the code w + 2^p, p = weight_bits - 1; the digital side subtracts 2^p for
//    every active input on a negative-weight cell), the code held either in one crosspoint of
//    binary-weighted parallel cells (NICE) or bit-sliced over several columns of cell_bits
//    each.
//  - XbarProgram: one programmed crossbar: its weights, and the cell levels where they are not
//    the weights' own low bits.
//  - accumulate_levels(): the ideal column "current" in units of one cell step: the integer
//    sum of the levels of the active rows (no circuit solve on this path).
//  - DeviceConfig: conductances from Ron, Roff and the number of levels, read voltage; the
//    current of one level step (the ADC's natural LSB).
// The Crossbar module holds the configuration of every crossbar on the chip (all identical),
// counts reads and programmed cells, and provides the tech-table component.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tlm/module.h"

namespace spiketlm {

// How a signed weight becomes cell codes (crossbar.md, "Encodings"):
//  offset: SpikeSim's offset encoding, code = w (w >= 0) or w + 2^p (w < 0), sign kept digitally;
//  flip: the offset code or its complement (2^p - 1 - code), chosen per PE column so that more
//        cells sit in the high-resistance state; the digital side uses (2^p - 1) x active rows
//        - column value for a flipped column;
//  differential: two codes per weight, max(w, 0) and max(-w, 0), in two columns whose digital
//        values are subtracted (small |w| -> low codes; twice the columns; w in [-(2^p-1), 2^p-1]).
enum class WeightEncoding { offset, flip, differential };

struct CellConfig {
  int weight_bits = 8;      // signed weight width; codes have p = weight_bits - 1 bits
  bool bit_sliced = false;  // false: one crosspoint of binary-weighted parallel cells per weight
  int cell_bits = 1;        // bits per cell when bit-sliced
  WeightEncoding encoding = WeightEncoding::offset;
  int code_bits() const { return weight_bits - 1; }
  int slices() const { return bit_sliced ? (code_bits() + cell_bits - 1) / cell_bits : 1; }
  int halves() const { return encoding == WeightEncoding::differential ? 2 : 1; }
  int pcols_per_weight() const { return slices() * halves(); }
  int slice_bits() const { return bit_sliced ? cell_bits : code_bits(); }
  int max_level() const { return (1 << slice_bits()) - 1; }
  int64_t offset() const { return int64_t(1) << code_bits(); }   // 2^p
  int64_t max_code() const { return offset() - 1; }
  int64_t wmin() const { return encoding == WeightEncoding::differential ? -max_code() : -offset(); }
  int64_t wmax() const { return offset() - 1; }
  // Unit cells of one physical cell position (parallel: p binary-weighted cells; sliced: 1).
  int unit_cells() const { return bit_sliced ? 1 : code_bits(); }
  bool operator==(const CellConfig& o) const {
    return weight_bits == o.weight_bits && bit_sliced == o.bit_sliced && cell_bits == o.cell_bits &&
           encoding == o.encoding;
  }
};

// High-resistance unit cells of a code: parallel cells: the binary cells that are off;
// bit-sliced: 1 if the cell is at level 0.
inline int hrs_of_level(uint32_t level, const CellConfig& c) {
  return c.bit_sliced ? (level == 0) : c.code_bits() - __builtin_popcount(level);
}
// Gain in high-resistance unit cells when the offset code of w is complemented (flip encoding).
int flip_gain(int w, const CellConfig& c);

// Offset encoding of one weight: code in [0, 2^p), negative flag. Returns false if w is out of
// range for the cell configuration.
inline bool encode_weight(int w, const CellConfig& c, uint32_t& code, bool& negative) {
  if (w < c.wmin() || w > c.wmax()) return false;
  negative = w < 0;
  code = uint32_t(w + (negative ? c.offset() : 0));
  return true;
}

// One programmed crossbar. Physical column (j * halves + h) * slices + s holds slice s (least
// significant first) of half h (differential: 0 positive, 1 negative part) of logical column j.
// Storage (issue 19, setup memory): one byte per weight (`weight`); the cell levels are stored
// only when they are not the weight's own low code bits (flip or differential encoding, or
// more than one slice); see crossbar.md, "Program storage".
struct XbarProgram {
  int rows = 0;        // rows in use
  int wcols = 0;       // logical (weight) columns in use
  int pcols = 0;       // physical columns in use = wcols * halves * slices
  // The digital value of every weight as the shift-and-add reconstructs it (stored_weight(): the
  // programmed int8 weight itself, as every weight that fits the cells is stored exactly).
  std::vector<int8_t> weight;  // [rows][wcols]
  std::vector<uint8_t> level;  // [rows][pcols]; empty when direct()
  std::vector<uint8_t> flip;   // [wcols] 0/1 (flip encoding; empty otherwise)
  uint8_t code_mask = 0;       // direct(): level = the weight's low code bits
  bool sign_digital = true;    // offset/flip: a negative weight's cell gets 2^p subtracted digitally
  // Device state drawn once at programming by a non-ideal column model (empty = nominal).
  uint64_t index = 0;          // crossbar index on the chip (seeds its device state)
  std::vector<double> g;       // [rows][pcols] conductance of each cell position, siemens
  std::vector<double> g_ir;    // [rows][pcols] transfer conductance with IR drop (ir_drop: fast; nodal.h)
  std::vector<double> sa_offset;  // [pcols] sense-amplifier offset current, amps
  // The largest column sum of levels over all rows: while the ADC cannot clip, an ideal read
  // equals the sum of the active rows' weights (ImcPe::read's exact path).
  int64_t max_col_sum = 0;
  // Offset encoding in one slice: the level of a cell is its weight's two's-complement low
  // p bits (w + 2^p for w < 0), so no level array is kept.
  bool direct() const { return level.empty(); }
  uint8_t level_at(int r, int pc) const {
    return direct() ? uint8_t(uint8_t(weight[size_t(r) * wcols + pc]) & code_mask) : level[size_t(r) * pcols + pc];
  }
  // The sign bit kept digitally for the cell of weight (r, j) (offset and flip encodings).
  bool negative(int r, int j) const { return sign_digital && weight[size_t(r) * wcols + j] < 0; }
  uint64_t cells() const { return uint64_t(rows) * uint64_t(pcols); }
  // Program from int8 weights w[r * wstride + j], r < rows, j < wcols. Fails (one line, names
  // `who`) when a weight does not fit the cell configuration. flips[j] (flip encoding): the
  // column's choice, made over all crossbars of a PE (their currents share the column line);
  // nullptr = chosen from this crossbar's weights alone.
  void program(const int8_t* w, int rows, int wcols, int wstride, const CellConfig& c, const std::string& who,
               const uint8_t* flips = nullptr);
  // High-resistance unit cells and all unit cells of the weight-holding cells.
  void hrs_count(const CellConfig& c, uint64_t& hrs, uint64_t& total) const;
  // Bytes this program holds (the bench's per-weight figure).
  uint64_t bytes() const;
};

// Flip votes: votes[j] += sum over rows of flip_gain(w[r][j]) (a column flips when its total is > 0).
void flip_votes(const int8_t* w, int rows, int wcols, int wstride, const CellConfig& c, int64_t* votes);

// Digital value of a weight read back from the program (for tests), any encoding.
int64_t stored_weight(const XbarProgram& x, int row, int col, const CellConfig& c);

// Ideal column sums: acc[pc] += level(r, pc), negc[j] += negative(r, j) for every active row r
// (bit r of mask). Returns the number of active rows. acc = nullptr: only negc and the count
// (a non-ideal column model reads currents instead of levels).
int accumulate_levels(const XbarProgram& x, const uint64_t* mask, int32_t* acc, int32_t* negc);

struct DeviceConfig {
  double ron_kohm = 19.139;    // on state (NICE: conductance = code / 19.139 kOhm)
  double roff_kohm = 25000;    // off state (code 0 about 25 MOhm)
  double read_v = 0.1;         // read voltage
  // Conductance of a cell at `level` of `levels` (levels - 1 equal steps from Goff to Gon),
  // siemens. Parallel cells: level = code, step = 1/Ron per unit of code.
  double step_s(const CellConfig& c) const;
  double conductance_s(int level, const CellConfig& c) const;
  double unit_current_a(const CellConfig& c) const { return read_v * step_s(c); }
  bool operator==(const DeviceConfig& o) const {
    return ron_kohm == o.ron_kohm && roff_kohm == o.roff_kohm && read_v == o.read_v;
  }
};

class Crossbar : public Module {
 public:
  Crossbar(sc_core::sc_module_name name, Context& ctx);
  int rows() const { return m_rows; }
  int cols() const { return m_cols; }
  const CellConfig& cells() const { return m_cells; }
  const DeviceConfig& device() const { return m_dev; }
  // Weights (logical columns) per crossbar: cols / slices.
  int weight_cols() const { return m_cols / m_cells.pcols_per_weight(); }
  const std::string& tech() const { return m_tech; }
  void count_reads(uint64_t n) { count(m_read, n); m_reads += n; }
  void count_program(uint64_t cells, uint64_t rows) { count(m_program, cells); m_cells_programmed += cells; m_rows_programmed += rows; }
  // High-resistance share bookkeeping: the programmed cells and the offset encoding's.
  void count_hrs(uint64_t hrs, uint64_t units, uint64_t hrs_offset, uint64_t units_offset) {
    m_hrs += hrs; m_units += units; m_hrs_offset += hrs_offset; m_units_offset += units_offset;
  }
  double hrs_share() const { return m_units ? double(m_hrs) / double(m_units) : 0.0; }
  double hrs_share_offset() const { return m_units_offset ? double(m_hrs_offset) / double(m_units_offset) : 0.0; }

 private:
  int m_rows, m_cols;
  CellConfig m_cells;
  DeviceConfig m_dev;
  std::string m_tech;
  ActionId m_read, m_program;
  uint64_t &m_reads, &m_cells_programmed, &m_rows_programmed, &m_hrs, &m_hrs_offset, &m_units, &m_units_offset;
};

}  // namespace spiketlm
