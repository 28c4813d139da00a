#include "hw/compute/scalesim_user_bw.h"

#include <algorithm>
#include <stdexcept>

#include "hw/compute/scalesim_buffers.h"

namespace spiketlm::scalesim {

// Every demand row goes to the three buffers at the same cycle (row index + the stalls so far);
// the row's stall is the largest wait of the three beyond a hit (reads: 1 cycle, writes: 0).
UserBwCycles user_bandwidth_cycles(Mapping m, const Topology& t, const MemoryConfig& c) {
  if (c.rows == 0 || c.cols == 0 || c.bandwidth == 0)
    throw std::invalid_argument("scalesim: array rows, columns and bandwidth must be at least 1");
  const Operands op = make_operands(m, t);
  const uint64_t kb = 1024;
  const uint64_t a_kb = op.a_buffer_is_ifmap ? c.ifmap_kb : c.filter_kb;
  const uint64_t b_kb = op.a_buffer_is_ifmap ? c.filter_kb : c.ifmap_kb;
  ReadBuffer a(prefetch_order(m, op, c.rows, c.cols, true), a_kb * kb, c.bandwidth);
  ReadBuffer b(prefetch_order(m, op, c.rows, c.cols, false), b_kb * kb, c.bandwidth);
  WriteBuffer o(c.ofmap_kb * kb, c.bandwidth);
  const DemandFolds folds(m, op, c.rows, c.cols);
  FoldDemand d;
  UserBwCycles r;
  int64_t stall = 0, row = 0, last_out = 0;
  for (uint64_t f = 0; f < folds.count(); ++f) {
    folds.fold(f, d);
    for (uint64_t u = 0; u < d.rows; ++u, ++row) {
      const int64_t cyc = row + stall;
      const int64_t sa = a.serve(&d.a[u * d.wa], d.wa, cyc) - cyc - 1;
      const int64_t sb = b.serve(&d.b[u * d.wb], d.wb, cyc) - cyc - 1;
      last_out = o.serve(&d.o[u * d.wo], d.wo, cyc);
      stall += std::max({sa, sb, last_out - cyc});
    }
  }
  r.compute = uint64_t(row - 1);
  r.stall = uint64_t(stall);
  r.total = uint64_t(last_out);
  return r;
}

}  // namespace spiketlm::scalesim
