#include "hw/compute/pe_array.h"

#include "hw/neuron/network_mode.h"

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
      m_ann(ann_bits(ctx) > 0),
      m_tech(param_string("tech", m_ann ? "pe_mac" : "pe_acc",
                          {"tech-table component of a PE's compute (SNN: pe_acc, spike-gated accumulate; ANN: "
                           "pe_mac, multiply-accumulate)"})),
      m_acc(action(m_tech, m_ann ? "mac" : "accumulate")),
      m_cycle(action(m_tech, "cycle")),
      m_spad(*this, param_string("spad_tech", "spad_reg8", {"tech-table component of one scratchpad byte"})),
      m_accumulates(counter("accumulates", "", "non-zero spike accumulates (ANN: non-zero activation multiply-accumulates)")),
      m_folds(counter("folds", "", "folds run (fold = one tile of rows x cols outputs, one timestep)")),
      m_fold_cycles(counter("fold_cycles", "cycles", "compute cycles of the folds")),
      m_dense_elems(counter("dense_elements", "", "elements streamed if every spike were non-zero")),
      m_spad_accesses(counter("spad_accesses", "B", "scratchpad register accesses (bytes)")) {
  const uint64_t pes = uint64_t(m_rows) * m_cols;
  leakage(m_tech, double(pes));
  area(m_tech, double(pes));
  m_spad.declare_registers(double(pes * (m_s_spad + m_w_spad + m_p_spad)));
  m_busy_probe = probe("busy", 1, Probe::level);
  m_util_probe = probe("util_pct", 0);
}

namespace {
// ps[j] += factor * w[j] for j < n (a multi-bit input's value or an ANN activation times the
// weights): fixed blocks of 4 and a scalar tail (the arrays never overlap).
inline void add_weights(int32_t* __restrict ps, const int32_t* __restrict w, int n, int32_t factor) {
  int j = 0;
  for (; j + 4 <= n; j += 4)
    for (int u = 0; u < 4; ++u) ps[j + u] += factor * w[j + u];
  for (; j < n; ++j) ps[j] += factor * w[j];
}
// Add factor x weights to the partial sums of every output pixel of the band that input
// (c, iy, ix) feeds (one tap each; ty, tx: conv_taps of its row within the band and its column),
// and count `elems` elements at those pixels' PE rows.
// factor: the input's value (1 for a spike; a multi-bit input's value, which the bit-serial
// array streams as `elems` spike planes, or an ANN activation, one element).
// wrev: the weights as PeArray::widen_weights lays them out. Returns the accumulates
// (taps x kvalid x elems).
inline uint64_t scatter_input(const ConvGeom& g, int c, const ConvTaps& ty, const ConvTaps& tx, int32_t factor,
                              uint32_t elems, int out_row0, const int32_t* wrev, int C, int kvalid, int32_t* psum,
                              uint32_t* nnz) {
  if (!ty.n || !tx.n) return 0;
  const int nx = tx.n;
  const int ox_lo = tx.o - (nx - 1);  // fed by tap tx.last
  int oy = ty.o;
  for (int ky = ty.first; ky <= ty.last; ky += g.stride, --oy) {
    const int32_t* wrow = wrev + size_t(c * g.kh + ky) * g.kw * C;  // tap kx at (kw - 1 - kx) * C
    int32_t* prow = psum + size_t(oy - out_row0) * g.out_w * C;
    uint32_t* nrow = nnz ? nnz + size_t(oy - out_row0) * g.out_w : nullptr;
    if (g.stride == 1) {
      // Taps last, last - 1, ... feed outputs ox_lo, ox_lo + 1, ...: with the taps reversed,
      // one contiguous run of weights onto one contiguous run of sums.
      add_weights(prow + size_t(ox_lo) * C, wrow + size_t(g.kw - 1 - tx.last) * C, nx * C, factor);
    } else {
      int ox = tx.o;
      for (int kx = tx.first; kx <= tx.last; kx += g.stride, --ox)
        add_weights(prow + size_t(ox) * C, wrow + size_t(g.kw - 1 - kx) * C, C, factor);
    }
    if (nrow)
      for (int ox = ox_lo; ox <= tx.o; ++ox) nrow[ox] += elems;
  }
  return uint64_t(ty.n) * uint64_t(nx) * uint64_t(kvalid) * elems;
}
}  // namespace

const int32_t* PeArray::widen_weights(const ConvGeom& g, const int8_t* wblock, int kvalid) {
  const int C = m_cols;
  const size_t n = size_t(g.w_dim()) * C;
  // A block laid out before (the same tile at another band or timestep): simulation speed only.
  for (const WideBlock& b : m_wide)
    if (b.kvalid == kvalid && b.kw == g.kw && b.src.size() == n && std::equal(b.src.begin(), b.src.end(), wblock))
      return b.wrev.data();
  // As many blocks of this size as k_wide_bytes holds (at least one, at most k_wide_blocks).
  const size_t slots = std::clamp<size_t>(k_wide_bytes / (n * (sizeof(int8_t) + sizeof(int32_t))), 1, k_wide_blocks);
  if (m_wide.size() > slots) m_wide.resize(slots);
  if (m_wide_next >= slots) m_wide_next = 0;
  if (m_wide.size() <= m_wide_next) m_wide.emplace_back();
  WideBlock& b = m_wide[m_wide_next];
  m_wide_next = (m_wide_next + 1) % slots;
  b.src.assign(wblock, wblock + n);
  b.kvalid = kvalid;
  b.kw = g.kw;
  b.wrev.resize(n);
  if (b.wrev.capacity() > n) {  // a block of a larger layer before: keep within the budget
    b.wrev.shrink_to_fit();
    b.src.shrink_to_fit();
  }
  for (size_t row = 0; row < size_t(g.in_c) * g.kh; ++row)
    for (int kx = 0; kx < g.kw; ++kx) {
      const int8_t* src = wblock + (row * g.kw + kx) * C;
      int32_t* dst = b.wrev.data() + (row * g.kw + (g.kw - 1 - kx)) * C;
      for (int j = 0; j < C; ++j) dst[j] = j < kvalid ? src[j] : 0;
    }
  return b.wrev.data();
}

uint64_t PeArray::accumulate(const ConvGeom& g, const StagedInput& in, int out_row0, int out_row1,
                             const int8_t* wblock, int kvalid, int32_t* psum, uint32_t* nnz) {
  const int32_t* wrev = widen_weights(g, wblock, kvalid);
  const uint64_t acc = in.planes > 1 || m_ann ? accumulate_values(g, in, out_row0, out_row1, wrev, kvalid, psum, nnz)
                                              : accumulate_spikes(g, in, out_row0, out_row1, wrev, kvalid, psum, nnz);
  charge_accumulates(acc);
  return acc;
}

void PeArray::tap_tables(const ConvGeom& g, const StagedInput& in, int out_row0, int out_row1) {
  // The divisions out of the per-input loops: the taps of each staged row and input column.
  m_ty.resize(size_t(std::max(in.rows, 0)));
  for (int r = 0; r < in.rows; ++r)
    m_ty[size_t(r)] = conv_taps(in.row0 + r, g.pad, g.kh, g.stride, out_row0, std::min(out_row1, g.out_h));
  m_tx.resize(size_t(std::max(g.in_w, 0)));
  for (int x = 0; x < g.in_w; ++x) m_tx[size_t(x)] = conv_taps(x, g.pad, g.kw, g.stride, 0, g.out_w);
}

uint64_t PeArray::accumulate_spikes(const ConvGeom& g, const StagedInput& in, int out_row0, int out_row1,
                                    const int32_t* wrev, int kvalid, int32_t* psum, uint32_t* nnz) {
  // One spike plane: event-driven over its set bits (spike_accumulate.h).
  tap_tables(g, in, out_row0, out_row1);
  return accumulate_spike_band(g, in, out_row0, m_ty.data(), m_tx.data(), wrev, m_cols, kvalid, psum, nnz, m_ix);
}

uint64_t PeArray::accumulate_values(const ConvGeom& g, const StagedInput& in, int out_row0, int out_row1,
                                    const int32_t* wrev, int kvalid, int32_t* psum, uint32_t* nnz) {
  // Multi-bit input, rebuilt from the staged bit planes; zero elements are skipped (gated).
  // ANN: each PE multiplies a whole activation by its weight in one step (one element).
  // SNN: the bit-serial array streams the element's planes, the same sum plane by plane, as
  // one element per set bit (the planes' two's complement bits when signed).
  const size_t row_vals = size_t(g.in_w);
  const uint32_t plane_mask = in.planes >= 32 ? ~0u : (1u << in.planes) - 1;
  unpack_input(in, g.in_c, g.in_w, m_vals);
  uint64_t acc = 0;
  tap_tables(g, in, out_row0, out_row1);
  for (int c = 0; c < g.in_c; ++c)
    for (int r = 0; r < in.rows; ++r) {
      const ConvTaps& ty = m_ty[size_t(r)];
      if (!ty.n) continue;
      const int32_t* v = m_vals.data() + (size_t(c) * in.rows + r) * row_vals;
      for (int ix = 0; ix < g.in_w; ++ix) {
        const int32_t a = v[ix];
        if (!a) continue;
        const uint32_t elems = m_ann ? 1 : uint32_t(__builtin_popcount(uint32_t(a) & plane_mask));
        acc += scatter_input(g, c, ty, m_tx[size_t(ix)], a, elems, out_row0, wrev, m_cols, kvalid, psum, nnz);
      }
    }
  return acc;
}

void PeArray::charge_accumulates(uint64_t n) {
  m_accumulates += n;
  count(m_acc, n);
}

void PeArray::charge_folds(const FoldCount& f, uint64_t dense_elems) {
  m_folds += f.folds;
  m_dense_elems += dense_elems;
  m_fold_cycles += f.cycles;
  m_spad_accesses += f.spad_reads + f.spad_writes;
  m_spad.reads(f.spad_reads);
  m_spad.writes(f.spad_writes);
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
