// spiketlm: the systolic PE array (kind "pe_array.systolic"). See pe_array.md.
//
// R x C processing elements, each with spike, weight and partial-sum scratchpads and a
// spike-gated accumulate unit (SATA). One C++ object computes the whole array's real partial
// sums, event-driven over the active input spikes (no SystemC process per PE); the sequencer
// calls it from its thread. Timing is SCALE-Sim's per-fold closed form (scalesim.h); with
// `skip_zero_cycles` a fold streams only as many elements as its busiest row has non-zero
// spikes. Energy follows the spikes: an accumulate is charged only for a non-zero spike; the
// always-on AND/adder is charged per cycle for every PE (finish_run).
#pragma once
#include <cstdint>
#include <vector>

#include "hw/compute/conv_geom.h"
#include "hw/compute/dataflow.h"
#include "hw/compute/packing.h"
#include "hw/compute/scalesim.h"
#include "hw/compute/spike_accumulate.h"
#include "hw/memory/register_file.h"
#include "tlm/module.h"

namespace spiketlm {

class PeArray : public Module {
 public:
  PeArray(sc_core::sc_module_name name, Context& ctx);

  int rows() const { return m_rows; }
  int cols() const { return m_cols; }
  bool skip_zero_cycles() const { return m_skip_zero; }
  // ANN mode (ann_bits(ctx) > 0, hw/neuron/network_mode.h): multiply-accumulate PEs (tech
  // pe_mac) that take a whole multi-bit activation per step, instead of bit-serial spike-gated
  // accumulates.
  bool ann() const { return m_ann; }
  const sc_core::sc_time& clock() const { return m_clock; }
  uint64_t psum_spad_bytes() const { return m_p_spad; }
  const std::string& spad_tech() const { return m_spad.tech(); }  // the scratchpads' register component

  // Real partial sums of output rows [out_row0, out_row1) for one filter tile (kvalid <= C
  // filters, weight block [W][C] int8): psum[(pixel - first pixel) * C + j] += ..., and
  // nnz[pixel - first pixel] += non-zero input elements seen by that pixel's PE row (not counted
  // when nnz is null: a caller that has the counts from another filter tile of the same input).
  // Returns the accumulates (non-zero input x valid filter).
  uint64_t accumulate(const ConvGeom& g, const StagedInput& in, int out_row0, int out_row1,
                      const int8_t* wblock, int kvalid, int32_t* psum, uint32_t* nnz);

  // Count (and charge) `n` accumulates done without calling accumulate(): the layer engine
  // reuses the partial sums of an identical input and weight block (a direct-coded layer's
  // input is the same at every timestep) and the array does the work again in hardware.
  void charge_accumulates(uint64_t n);

  // Charge folds a dataflow counted (dataflow.h): the fold statistics and the scratchpad
  // accesses; dense_elems: the elements a dense pass would stream.
  void charge_folds(const FoldCount& f, uint64_t dense_elems);

  // Always-on energy of all PEs over the run's cycles.
  void finish_run(uint64_t cycles);

  // Waveform (tlm/trace.h): the array is busy over a layer call [start, end) and its
  // utilisation over the call is accumulates / (rows x cols x cycles), in percent.
  void trace_call(const sc_core::sc_time& start, const sc_core::sc_time& end, uint64_t accumulates);

 private:
  uint64_t accumulate_spikes(const ConvGeom& g, const StagedInput& in, int out_row0, int out_row1,
                             const int32_t* wrev, int kvalid, int32_t* psum, uint32_t* nnz);
  uint64_t accumulate_values(const ConvGeom& g, const StagedInput& in, int out_row0, int out_row1,
                             const int32_t* wrev, int kvalid, int32_t* psum, uint32_t* nnz);
  // m_ty, m_tx: the taps of each staged input row (within [out_row0, out_row1)) and column.
  void tap_tables(const ConvGeom& g, const StagedInput& in, int out_row0, int out_row1);
  // The weight block [in_c][kh][kw][C] as int32 with each kernel row's taps reversed
  // ([c][ky][kw - 1 - kx][j]) and the columns j >= kvalid zero, so that a stride-1 input's
  // taps are one run of weights and sums (scatter_input in pe_array.cpp). The last few blocks
  // are kept, up to k_wide_bytes of them (the tiles of a layer come back every timestep; the
  // most recent block is always kept).
  const int32_t* widen_weights(const ConvGeom& g, const int8_t* wblock, int kvalid);

  int m_rows, m_cols;
  bool m_skip_zero;
  sc_core::sc_time m_clock;
  uint64_t m_s_spad, m_w_spad, m_p_spad;
  bool m_ann;
  std::string m_tech;
  std::vector<int32_t> m_vals;  // multi-bit input values rebuilt from the bit planes
  std::vector<ConvTaps> m_ty, m_tx;
  std::vector<int> m_ix;  // accumulate_spike_band's scratch
  struct WideBlock {
    std::vector<int8_t> src;  // the block as staged, with its kvalid and kw
    int kvalid = 0, kw = 0;
    std::vector<int32_t> wrev;
  };
  static constexpr size_t k_wide_blocks = 16;
  static constexpr size_t k_wide_bytes = size_t(512) << 10;  // src + wrev of the kept blocks
  std::vector<WideBlock> m_wide;
  size_t m_wide_next = 0;
  ActionId m_acc, m_cycle;
  RegisterFile m_spad;  // the PE scratchpads: one register per byte (register_file.h)
  uint64_t &m_accumulates, &m_folds, &m_fold_cycles, &m_dense_elems, &m_spad_accesses;
  Probe m_busy_probe, m_util_probe;
};

}  // namespace spiketlm
