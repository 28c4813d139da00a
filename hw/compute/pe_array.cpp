#include "hw/compute/pe_array.h"

#include <algorithm>

namespace spiketlm {

PeArray::PeArray(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      m_rows(int(param_int("rows", 16, {"PE rows (R)", "", 1, 4096}))),
      m_cols(int(param_int("cols", 8, {"PE columns (C)", "", 1, 4096}))),
      m_skip_zero(param_bool("skip_zero_cycles", false,
                             {"zero spikes also save cycles (a fold streams only its busiest row's non-zeros); "
                              "SATA: off"})),
      m_clock(1e3 / param_double("clock_mhz", 400, {"clock", "MHz", 1, 1e5}), sc_core::SC_NS),
      m_s_spad(uint64_t(param_int("spike_spad_bytes", 9, {"spike scratchpad per PE", "B", 1, 1 << 20}))),
      m_w_spad(uint64_t(param_int("weight_spad_bytes", 9, {"weight scratchpad per PE", "B", 1, 1 << 20}))),
      m_p_spad(uint64_t(param_int("psum_spad_bytes", 8, {"partial-sum scratchpad per PE", "B", 1, 1 << 20}))),
      m_ann(ctx.ann_bits > 0),
      m_tech(param_string("tech", m_ann ? "pe_mac" : "pe_acc",
                          {"tech-table component of a PE's compute (SNN: pe_acc, spike-gated accumulate; ANN: "
                           "pe_mac, multiply-accumulate)"})),
      m_acc(action(m_tech, m_ann ? "mac" : "accumulate")),
      m_cycle(action(m_tech, "cycle")),
      m_spad_rd(action(param_string("spad_tech", "spad_reg8", {"tech-table component of one scratchpad byte"}), "read")),
      m_spad_wr(action(param_string("spad_tech", "spad_reg8"), "write")),
      m_accumulates(counter("accumulates", "", "non-zero spike accumulates (ANN: non-zero activation multiply-accumulates)")),
      m_folds(counter("folds", "", "folds run (fold = one tile of rows x cols outputs, one timestep)")),
      m_fold_cycles(counter("fold_cycles", "cycles", "compute cycles of the folds")),
      m_dense_elems(counter("dense_elements", "", "elements streamed if every spike were non-zero")),
      m_spad_accesses(counter("spad_accesses", "B", "scratchpad register accesses (bytes)")) {
  const uint64_t pes = uint64_t(m_rows) * m_cols;
  leakage(m_tech, double(pes));
  area(m_tech, double(pes));
  const std::string spad = param_string("spad_tech", "spad_reg8");
  leakage(spad, double(pes * (m_s_spad + m_w_spad + m_p_spad)));
  area(spad, double(pes * (m_s_spad + m_w_spad + m_p_spad)));
  m_busy_probe = probe("busy", 1, Probe::level);
  m_util_probe = probe("util_pct", 0);
}

namespace {
// The taps of a (stride-1) convolution through which input (iy, ix) feeds output rows
// [out_row0, out_row1): [ky0, ky1) x [kx0, kx1); other strides check every tap.
struct Taps {
  int ky0, ky1, kx0, kx1;
};
inline Taps taps_of(const ConvGeom& g, int iy, int ix, int out_row0, int out_row1) {
  if (g.stride != 1) return {0, g.kh, 0, g.kw};
  return {std::max(0, iy + g.pad - (std::min(out_row1, g.out_h) - 1)), std::min(g.kh, iy + g.pad - out_row0 + 1),
          std::max(0, ix + g.pad - (g.out_w - 1)), std::min(g.kw, ix + g.pad + 1)};
}
// Add factor x weights to the partial sums of every output pixel of the band that input
// (c, iy, ix) feeds (one tap each), and count the element at those pixels' PE rows.
// factor: a spike plane's weight (1, or 2^plane for bit-serial input) or an ANN activation.
// Returns the accumulates (taps x kvalid).
inline uint64_t scatter_input(const ConvGeom& g, int c, int iy, int ix, int32_t factor, int out_row0, int out_row1,
                              const int8_t* wblock, int C, int kvalid, int32_t* psum, uint32_t* nnz) {
  const int s = g.stride;
  uint64_t acc = 0;
  const auto [ky0, ky1, kx0, kx1] = taps_of(g, iy, ix, out_row0, out_row1);
  for (int ky = ky0; ky < ky1; ++ky) {
    const int ty = iy + g.pad - ky;
    if (ty < 0 || ty % s) continue;
    const int oy = ty / s;
    if (oy < out_row0 || oy >= out_row1 || oy >= g.out_h) continue;
    const int8_t* wrow = wblock + size_t(c * g.kh + ky) * g.kw * C;
    int32_t* prow = psum + size_t(oy - out_row0) * g.out_w * C;
    uint32_t* nrow = nnz + size_t(oy - out_row0) * g.out_w;
    for (int kx = kx0; kx < kx1; ++kx) {
      const int tx = ix + g.pad - kx;
      if (tx < 0 || tx % s) continue;
      const int ox = tx / s;
      if (ox >= g.out_w) continue;
      const int8_t* wr = wrow + size_t(kx) * C;
      int32_t* ps = prow + size_t(ox) * C;
      if (factor == 1)
        for (int j = 0; j < kvalid; ++j) ps[j] += wr[j];
      else
        for (int j = 0; j < kvalid; ++j) ps[j] += factor * wr[j];
      ++nrow[ox];
      acc += uint64_t(kvalid);
    }
  }
  return acc;
}
}  // namespace

uint64_t PeArray::accumulate(const ConvGeom& g, const StagedInput& in, int out_row0, int out_row1,
                             const int8_t* wblock, int kvalid, int32_t* psum, uint32_t* nnz) {
  if (m_ann) return multiply_accumulate(g, in, out_row0, out_row1, wblock, kvalid, psum, nnz);
  const int C = m_cols;
  uint64_t acc = 0;
  const size_t plane_bytes = size_t(g.in_c) * in.rows * in.pitch;
  for (int pl = 0; pl < in.planes; ++pl) {
    const int32_t mult = (in.signed_planes && pl == in.planes - 1) ? -(1 << pl) : (1 << pl);
    const uint8_t* plane = in.bits + pl * plane_bytes;
    for (int c = 0; c < g.in_c; ++c) {
      for (int r = 0; r < in.rows; ++r) {
        const int iy = in.row0 + r;
        const uint8_t* row = plane + (size_t(c) * in.rows + r) * in.pitch;
        for (int b = 0; b < in.pitch; ++b) {
          unsigned byte = row[b];
          while (byte) {
            const int bit = __builtin_ctz(byte);
            byte &= byte - 1;
            const int ix = b * 8 + bit;
            if (ix >= g.in_w) break;
            acc += scatter_input(g, c, iy, ix, mult, out_row0, out_row1, wblock, C, kvalid, psum, nnz);
          }
        }
      }
    }
  }
  charge_accumulates(acc);
  return acc;
}

uint64_t PeArray::multiply_accumulate(const ConvGeom& g, const StagedInput& in, int out_row0, int out_row1,
                                      const int8_t* wblock, int kvalid, int32_t* psum, uint32_t* nnz) {
  // ANN: each PE multiplies a whole multi-bit activation by its weight in one step. The
  // activations are rebuilt from the staged bit planes; zero activations are skipped (gated).
  const int C = m_cols;
  const size_t plane_bytes = size_t(g.in_c) * in.rows * in.pitch, row_vals = size_t(g.in_w);
  m_vals.assign(size_t(g.in_c) * in.rows * row_vals, 0);
  for (int pl = 0; pl < in.planes; ++pl) {
    const int32_t mult = (in.signed_planes && pl == in.planes - 1) ? -(1 << pl) : (1 << pl);
    const uint8_t* plane = in.bits + pl * plane_bytes;
    for (size_t cr = 0; cr < size_t(g.in_c) * in.rows; ++cr) {
      const uint8_t* row = plane + cr * in.pitch;
      int32_t* v = m_vals.data() + cr * row_vals;
      for (int b = 0; b < in.pitch; ++b)
        for (unsigned byte = row[b]; byte; byte &= byte - 1) {
          const int ix = b * 8 + __builtin_ctz(byte);
          if (ix < g.in_w) v[ix] += mult;
        }
    }
  }
  uint64_t macs = 0;
  for (int c = 0; c < g.in_c; ++c)
    for (int r = 0; r < in.rows; ++r) {
      const int iy = in.row0 + r;
      const int32_t* v = m_vals.data() + (size_t(c) * in.rows + r) * row_vals;
      for (int ix = 0; ix < g.in_w; ++ix) {
        const int32_t a = v[ix];
        if (!a) continue;
        macs += scatter_input(g, c, iy, ix, a, out_row0, out_row1, wblock, C, kvalid, psum, nnz);
      }
    }
  charge_accumulates(macs);
  return macs;
}

void PeArray::charge_accumulates(uint64_t n) {
  m_accumulates += n;
  count(m_acc, n);
}

uint64_t PeArray::account_tile(SpadUse use, const ConvGeom& g, int planes, int kvalid, const uint32_t* nnz,
                               bool first_timestep) {
  const uint64_t R = uint64_t(m_rows), C = uint64_t(m_cols);
  const uint64_t W = g.w_dim() * uint64_t(planes), npx = g.npx();
  uint64_t cycles = 0, rd = 0, wr = 0;
  if (use == SpadUse::weight_stationary) {
    // Rows hold W, columns the filters; the output pixels stream through.
    const uint64_t folds = scalesim::ceil_div(W, R);
    for (uint64_t f = 0; f < folds; ++f) {
      const uint64_t rv = std::min(R, W - f * R);
      cycles += 2 * R + C + npx - 2;
      const uint64_t steps = rv * kvalid * npx;
      wr += rv * kvalid;   // weights written once per fold (stationary)
      rd += steps;         // weight read per streamed pixel
      wr += steps;         // spike in
      rd += steps;         // spike out to the neighbour
    }
    m_folds += folds;
  } else {
    const uint64_t folds = scalesim::ceil_div(npx, R);
    for (uint64_t f = 0; f < folds; ++f) {
      const uint64_t p0 = f * R, rv = std::min(R, npx - p0);
      uint64_t wt = W, nz = 0;
      for (uint64_t p = p0; p < p0 + rv; ++p) nz += nnz[p];
      if (m_skip_zero) {
        wt = 0;
        for (uint64_t p = p0; p < p0 + rv; ++p) wt = std::max<uint64_t>(wt, nnz[p]);
      }
      cycles += R + C + wt - 2;
      const uint64_t steps = rv * kvalid * wt;  // element-steps of the valid PEs
      wr += steps;                              // spike scratchpad: in
      rd += steps;                              //   and out to the neighbour
      rd += steps;                              // weight read from the scratchpad
      if (use == SpadUse::tick_batch) {
        if (first_timestep) wr += rv * kvalid * W;  // weights written once for all timesteps
        rd += 2 * nz * kvalid;                    // psum[t] read-modify-write (16 bit)
        wr += 2 * nz * kvalid;
      } else {
        wr += steps;                              // weight scratchpad: written every timestep
      }
      rd += 2 * rv * kvalid;                      // drain the 16-bit partial sums
    }
    m_folds += folds;
  }
  m_dense_elems += W * npx * uint64_t(kvalid);
  m_fold_cycles += cycles;
  m_spad_accesses += rd + wr;
  count(m_spad_rd, rd);
  count(m_spad_wr, wr);
  return cycles;
}

void PeArray::trace_call(const sc_core::sc_time& start, const sc_core::sc_time& end, uint64_t accumulates) {
  if (!m_busy_probe && !m_util_probe) return;
  const double pe_cycles = double(m_rows) * m_cols * ((end - start) / m_clock);
  m_busy_probe.add(start, 1);
  m_busy_probe.add(end, -1);
  m_util_probe.set(start, pe_cycles > 0 ? 100.0 * double(accumulates) / pe_cycles : 0.0);
  m_util_probe.set(end, 0);
}

void PeArray::finish_run(uint64_t cycles) { count(m_cycle, cycles * uint64_t(m_rows) * uint64_t(m_cols)); }

SPIKETLM_REGISTER_KIND(PeArray, "pe_array.systolic", "compute",
                       "systolic PE array (SATA): spike-gated accumulate (ANN: multiply-accumulate), SCALE-Sim fold timing");

}  // namespace spiketlm
