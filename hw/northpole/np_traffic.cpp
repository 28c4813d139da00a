// The NorthPole executor's traffic and counts of one layer pass: the four NoCs, the core
// memories, the VMM and the vector unit; and the layer's stage time (np_executor.h).
#include "hw/northpole/np_executor.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "hw/ctrl/controller.h"
#include "hw/memory/memory_target.h"

namespace spiketlm {

using sc_core::sc_time;

namespace {
uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

// The route of `bytes_per_consumer` into every core of dst from every core of src.
NpRoute route(const np::Rect& src, int src_cores, const np::Rect& dst, int dst_cores, uint64_t bytes_per_consumer) {
  NpRoute r;
  int mx = 0;
  r.byte_hops = np::spread(src, src_cores, dst, dst_cores, double(bytes_per_consumer),
                           [&mx](int a, int b, int c, int d, double) { mx = std::max(mx, np::hops(a, b, c, d)); });
  r.max_hops = mx;
  r.sink_bytes = bytes_per_consumer;
  return r;
}
}  // namespace

// The frame buffer's port into the grid: one hop above core (0, 0).
np::Rect NpExecutor::frame_port() const { return np::Rect{0, -1, 1, 1}; }

double NpExecutor::traffic(size_t i, bool charge) {
  const np::LayerShape& S = m_shapes[i];
  const np::Placement& P = m_plan.layers[i];
  const int cores = P.split();
  const double clk = m_clk.to_seconds() * 1e9;
  NpNoc** noc = m_w.nocs;
  sc_time t;
  // Activations: every core's input tile from the producer's cores (or the frame buffer).
  // A producer in an earlier segment (time-multiplexed) left its map in the frame buffer.
  auto source = [&](int s, np::Rect& r, int& n) {
    if (s >= 0 && m_plan.segment[size_t(s)] == m_plan.segment[i]) r = m_plan.layers[size_t(s)].rect, n = m_plan.layers[size_t(s)].split();
    else r = frame_port(), n = 1;
    if (s >= 0 && m_plan.segment[size_t(s)] != m_plan.segment[i] && charge) spill(size_t(s));
  };
  np::Rect src;
  int src_n = 1;
  source(m_src[i], src, src_n);
  NpRoute ra = route(src, src_n, P.rect, cores, P.in_bytes);
  double ns = noc[act]->latency(ra.max_hops, ra.sink_bytes).to_seconds() * 1e9;
  if (charge) np_send(*m_w.noc[act], P.in_bytes * uint64_t(cores), ra, t);
  if (m_src2[i] >= 0) {  // a residual add's second operand
    source(m_src2[i], src, src_n);
    NpRoute rb = route(src, src_n, P.rect, cores, P.out_bytes);
    if (charge) np_send(*m_w.noc[act], P.out_bytes * uint64_t(cores), rb, t);
  }
  // The cores' work: VMM and vector unit pipelined (plan.h).
  ns += double(P.cycles) * clk;
  // Partial sums along each input-channel chain: ic - 1 one-hop transfers of the output tile.
  const uint64_t psum_tile = P.outputs * uint64_t(m_spec.psum_bytes);
  if (P.ic > 1) {
    ns += double(P.ic - 1) * noc[psum]->latency(1, psum_tile).to_seconds() * 1e9;
    NpRoute rp;
    const uint64_t bytes = psum_tile * uint64_t(P.kc * P.sp * (P.ic - 1));
    rp.byte_hops = double(bytes);
    rp.max_hops = 1;
    rp.sink_bytes = psum_tile;
    if (charge) np_send(*m_w.noc[psum], bytes, rp, t);
  }
  // The results of the output layer go back to the frame buffer.
  const bool last = i + 1 == m_shapes.size();
  if (last) {
    NpRoute ro = route(P.rect, cores, frame_port(), 1, S.out_bytes());
    ns += noc[act]->latency(ro.max_hops, ro.sink_bytes).to_seconds() * 1e9;
    if (charge) np_send(*m_w.noc[act], S.out_bytes(), ro, t);
  }
  if (charge) count_pass(i);
  return ns;
}

// A map that crosses a segment boundary (time-multiplexed): the producer's output goes to the
// frame buffer on the activation NoC (written), and is read back for its consumer.
void NpExecutor::spill(size_t src) {
  const np::Placement& P = m_plan.layers[src];
  const uint64_t bytes = m_shapes[src].out_bytes();
  NpRoute r = route(P.rect, P.split(), frame_port(), 1, bytes);
  sc_time t;
  np_send(*m_w.noc[act], bytes, r, t);
  const uint64_t at = m_w.frame->base_address() + m_w.frame->size_bytes() / 4;
  sc_time d = sc_core::SC_ZERO_TIME;
  const bool ok = m_access->write_unchanged(at, bytes, d) == tlm::TLM_OK_RESPONSE && m_access->read(at, bytes, d) == tlm::TLM_OK_RESPONSE;
  if (!ok) fail("northpole", "frame buffer spill of " + std::to_string(bytes) + " B at " + hex(at) + " failed: " + m_access->response_string());
}

// The counts of one pass of layer i besides its activations: instructions, VMM, vector unit,
// core memory.
void NpExecutor::count_pass(size_t i) {
  const np::LayerShape& S = m_shapes[i];
  const np::Placement& P = m_plan.layers[i];
  const int cores = P.split();
  const uint64_t psum_tile = P.outputs * uint64_t(m_spec.psum_bytes);
  sc_time t;
  // Instructions: instr_bytes per core per pass from the frame buffer's port.
  NpRoute ri = route(frame_port(), 1, P.rect, cores, uint64_t(m_cfg.instr_bytes));
  np_send(*m_w.noc[instr], uint64_t(m_cfg.instr_bytes) * uint64_t(cores), ri, t);
  // Compute: dense (no data-dependent skipping, FACTS.md s7).
  if (S.computes()) m_w.core->count_macs(std::max(S.in_bits, S.w_bits), S.macs());
  m_w.core->count_vector(np::vector_ops(S, m_spec, uint64_t(S.K) * S.out_px(), 1));
  if (P.ic > 1) m_w.core->count_vector(P.outputs * uint64_t(P.kc * P.sp * (P.ic - 1)) * uint64_t(m_spec.ops_psum));
  // Core memory: weights fetched once per weight_reuse output pixels, input rows once per
  // kernel row, inputs and outputs written, membranes and partial sums read and written.
  const uint64_t pix = cdiv(uint64_t(S.out_h), uint64_t(P.sp)) * uint64_t(S.out_w);
  const uint64_t in_reads = P.in_bytes * (S.op == np::LayerShape::Op::conv ? uint64_t(S.kh) : 1);
  const uint64_t rd = P.weight_bytes * cdiv(pix, uint64_t(m_cfg.weight_reuse)) + in_reads + P.state_bytes + (P.ic > 1 ? psum_tile : 0);
  const uint64_t wr = P.in_bytes + P.out_bytes + P.state_bytes + (P.ic > 1 ? psum_tile : 0);
  const int first = P.rect.y * m_spec.grid_w + P.rect.x;
  memory_access(false, first, rd * uint64_t(cores));
  memory_access(true, first, wr * uint64_t(cores));
}

// The core-memory traffic of a layer pass whose values live in the executor's maps: `bytes`
// read or written from core `core`'s bank on, one transaction per bank (a complete payload:
// reads land in the TimedAccess scratch buffer, writes change no byte: every byte disabled;
// hw/memory/timed_access.md), wrapping to `core`'s bank after the last. Energy and statistics
// come from the memory; the stage time is the closed form (plan.h), so the delay is not used.
void NpExecutor::memory_access(bool write, int core, uint64_t bytes) {
  const uint64_t bank = m_w.core_bank_bytes, base = m_w.core_mem->base_address();
  const uint64_t first = uint64_t(core) * bank, end = uint64_t(m_spec.cores()) * bank;
  uint64_t at = first;
  while (bytes > 0) {
    const uint64_t len = std::min(bytes, bank);
    sc_time d = sc_core::SC_ZERO_TIME;
    const tlm::tlm_response_status r = write ? m_access->write_unchanged(base + at, len, d) : m_access->read(base + at, len, d);
    if (r != tlm::TLM_OK_RESPONSE)
      fail("northpole", std::string("core memory ") + (write ? "write" : "read") + " of " + std::to_string(len) + " B at " +
                            hex(base + at) + " failed: " + m_access->response_string());
    bytes -= len;
    at = at + bank >= end ? first : at + bank;
  }
}

// A read of `len` bytes from the frame buffer's start (the frame, or the results); `t`: the
// issue time, advanced to the completion (nullptr: timed elsewhere).
void NpExecutor::read_frame_buffer(uint32_t layer, uint64_t len, sc_time* t) {
  const sc_time now = sc_core::sc_time_stamp();
  sc_time d = t && *t > now ? *t - now : sc_core::SC_ZERO_TIME;
  if (m_access->read(m_w.frame->base_address(), len, d) != tlm::TLM_OK_RESPONSE)
    throw LayerRefused(ERR_BAD_ADDRESS, layer, 0, "frame buffer read of " + std::to_string(len) + " B failed: " + m_access->response_string());
  if (t) *t = sc_core::sc_time_stamp() + d;
}

void NpExecutor::write_bytes(uint32_t layer, uint64_t addr, const void* data, uint64_t len, sc_time& t) {
  const sc_time now = sc_core::sc_time_stamp();
  sc_time d = t > now ? t - now : sc_core::SC_ZERO_TIME;
  if (m_access->write(addr, data, len, d) != tlm::TLM_OK_RESPONSE)
    throw LayerRefused(ERR_BAD_ADDRESS, layer, 0,
                       "write of " + std::to_string(len) + " B at " + hex(addr) + " failed: " + m_access->response_string());
  t = sc_core::sc_time_stamp() + d;
}

}  // namespace spiketlm
