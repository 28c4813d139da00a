// The NorthPole executor's time-multiplexed weights (np_executor.h; northpole.md "Time-
// multiplexing"): a network that does not fit is cut into segments of consecutive layers
// (plan.h plan_time_multiplexed); the segments take the chip in turn, and each segment's
// weights come in from off chip before its first pass of every frame: read from host memory
// over the off-chip link (an off-chip read per burst, counted by the controller), staged in
// the frame buffer (written, read), carried by the model NoC, written into the core memories.
// The reload takes weight bytes / off-chip rate (the link is the path's bottleneck; the
// on-chip legs are pipelined behind it); it starts when the previous segment's last pass ends.
#include "hw/northpole/np_executor.h"

#include <algorithm>

#include "hw/ctrl/controller.h"

namespace spiketlm {

using sc_core::sc_time;
using sc_core::SC_NS;

void NpExecutor::plan_reloads() {
  m_reload_ns.assign(size_t(m_plan.segments()), 0.0);
  for (size_t i = 0; i < m_weights.size(); ++i)
    m_reload_ns[size_t(m_plan.segment[i])] += double(m_weights[i].size()) / m_cfg.offchip_gbps;  // B / (GB/s) = ns
}

// One weight slice of layer i on its way in: host memory -> off-chip link -> frame buffer.
void NpExecutor::offchip_slice(size_t i, uint64_t offset, const int8_t* slice, uint64_t len) {
  sc_time d = sc_core::SC_ZERO_TIME;
  if (m_access->read(m_waddr[i] + offset, len, d) != tlm::TLM_OK_RESPONSE)
    throw LayerRefused(ERR_BAD_ADDRESS, uint32_t(i), 0, "weight reload: host read failed: " + m_access->response_string());
  if (m_w.offchip_reads) m_w.offchip_reads((len + m_cfg.offchip_burst - 1) / m_cfg.offchip_burst);
  const uint64_t stage = m_w.frame->base_address() + m_w.frame->size_bytes() / 2;
  sc_time t = sc_core::sc_time_stamp();
  write_bytes(uint32_t(i), stage, slice, len, t);
  d = sc_core::SC_ZERO_TIME;
  if (m_access->read(stage, len, d) != tlm::TLM_OK_RESPONSE)
    throw LayerRefused(ERR_BAD_ADDRESS, uint32_t(i), 0, "weight reload: frame buffer read failed: " + m_access->response_string());
  m_reload_bytes += len;
}

void NpExecutor::reload_segment(int seg, sc_time t) {
  const double e0 = m_ctx.ledger.total_pj(0);
  for (size_t i = 0; i < m_shapes.size(); ++i)
    if (m_plan.segment[i] == seg) put_weights(i, true, t);
  m_reload_pj += m_ctx.ledger.total_pj(0) - e0;
}

// The earliest start of layer i's pass set by its segment's reload (ns from m_t0; 0 with one
// segment). The first pass of a segment's first layer reloads the segment.
double NpExecutor::segment_ready(size_t i, int ts) {
  if (m_plan.segments() <= 1) return 0.0;
  const size_t s = size_t(m_plan.segment[i]);
  if (i == m_plan.segment_first[s] && ts == 0) {
    const double after = s == 0 ? 0.0 : m_F[i - 1];  // the previous segment's last pass ends
    reload_segment(int(s), m_t0 + sc_time(after, SC_NS));
    m_seg_ready[s] = after + m_reload_ns[s];
  }
  return m_seg_ready[s];
}

double NpExecutor::frames_ns(uint64_t passes) const {
  if (m_plan.segments() <= 1) return np::pipeline_end(m_stage_ns, passes);
  double ns = 0;
  for (int s = 0; s < m_plan.segments(); ++s) {
    const size_t a = m_plan.segment_first[size_t(s)];
    const size_t b = s + 1 < m_plan.segments() ? m_plan.segment_first[size_t(s) + 1] : m_stage_ns.size();
    ns += m_reload_ns[size_t(s)] + np::pipeline_end(std::vector<double>(m_stage_ns.begin() + long(a), m_stage_ns.begin() + long(b)), passes);
  }
  return ns;
}

double NpExecutor::steady_pass_ns() const {
  double ns = 0;
  for (int s = 0; s < m_plan.segments(); ++s) {
    const size_t a = m_plan.segment_first[size_t(s)];
    const size_t b = s + 1 < m_plan.segments() ? m_plan.segment_first[size_t(s) + 1] : m_stage_ns.size();
    ns += *std::max_element(m_stage_ns.begin() + long(a), m_stage_ns.begin() + long(b));
  }
  return ns;
}

}  // namespace spiketlm
