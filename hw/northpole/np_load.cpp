// The NorthPole executor's network load (plan, weights into the cores over the model NoC),
// the run's wiring and the frame's way in (np_executor.h).
#include "hw/northpole/np_executor.h"

#include <algorithm>

#include "hw/ctrl/controller.h"

namespace spiketlm {

using sc_core::sc_time;

namespace {
bool computes(const LayerCmd& L) { return L.op == OP_CONV || L.op == OP_LINEAR; }
const char* op_name(uint32_t op) {
  static const char* n[] = {"?", "conv", "linear", "maxpool", "avgpool", "add"};
  return n[op <= 5 ? op : 0];
}
// The narrowest signed width of {2, 4, 8} that holds every weight.
int bits_of(const std::vector<int8_t>& w) {
  int b = 2;
  for (int8_t v : w) {
    if (v < -8 || v > 7) return 8;
    if (v < -2 || v > 1) b = 4;
  }
  return b;
}
// Unpack [planes][C][H][pitch] bit planes into values (two's complement when signed).
std::vector<int32_t> unpack(const uint8_t* p, int planes, int c, int h, int w, bool is_signed) {
  const uint64_t pitch = (uint64_t(w) + 7) / 8;
  std::vector<int32_t> v(size_t(c) * h * w, 0);
  for (int pl = 0; pl < planes; ++pl)
    for (int ch = 0; ch < c; ++ch)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          if ((p[((size_t(pl) * c + ch) * h + y) * pitch + x / 8] >> (x % 8)) & 1) v[(size_t(ch) * h + y) * w + x] |= int32_t(1u << pl);
  if (is_signed && planes < 32)
    for (auto& x : v)
      if (x & (1 << (planes - 1))) x -= (1 << planes);
  return v;
}
}  // namespace

std::vector<np::LayerShape> NpExecutor::shapes_of(const std::vector<LayerCmd>& layers, const std::vector<int>& wbits,
                                                  int membrane_bytes) {
  std::vector<np::LayerShape> out;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerCmd& L = layers[i];
    np::LayerShape s;
    s.name = "L" + std::to_string(i) + "." + op_name(L.op);
    s.op = L.op == OP_CONV ? np::LayerShape::Op::conv
           : L.op == OP_LINEAR ? np::LayerShape::Op::linear
           : L.op == OP_ADD ? np::LayerShape::Op::add : np::LayerShape::Op::pool;
    s.K = L.g.out_c;
    s.C = L.g.in_c;
    s.kh = L.g.kh;
    s.kw = L.g.kw;
    s.stride = L.g.stride;
    s.in_h = L.g.in_h;
    s.in_w = L.g.in_w;
    s.out_h = L.g.out_h;
    s.out_w = L.g.out_w;
    s.in_bits = L.op == OP_ADD ? 32 + ((L.flags & DESC_IN2_SPIKES) ? L.in_planes : 32) : L.in_planes;
    s.out_bits = computes(L) && !L.fires() ? 32 : L.out_planes();
    s.w_bits = i < wbits.size() ? wbits[i] : 8;
    s.lif = L.fires() && !L.relu();
    s.membrane_bytes = membrane_bytes;
    out.push_back(s);
  }
  return out;
}

void NpExecutor::load_network(const std::vector<LayerCmd>& layers, sc_time& t) {
  // Weights from host memory; their width sets the VMM mode (or weight_bits for every layer).
  const size_t n = layers.size();
  m_weights.assign(n, {});
  m_waddr.assign(n, 0);
  m_wbits.assign(n, 8);
  for (size_t i = 0; i < n; ++i) {
    const LayerCmd& L = layers[i];
    if (!computes(L)) continue;
    m_weights[i].resize(size_t(L.g.out_c) * L.g.w_dim());  // [K][C kh kw] (the runtime's tiling with 1 column)
    m_waddr[i] = L.w_addr;
    tlm::tlm_generic_payload p;
    p.set_command(tlm::TLM_READ_COMMAND);
    p.set_address(L.w_addr);
    p.set_data_ptr(reinterpret_cast<unsigned char*>(m_weights[i].data()));
    p.set_data_length(unsigned(m_weights[i].size()));
    if ((*m_w.bus)->transport_dbg(p) != m_weights[i].size()) throw LayerRefused(ERR_BAD_ADDRESS, L.id, 0, "weights unreadable");
    m_wbits[i] = m_cfg.weight_bits ? m_cfg.weight_bits : bits_of(m_weights[i]);
  }
  m_shapes = shapes_of(layers, m_wbits, (m_w.core->membrane_bits() + 7) / 8);
  producers(layers);
  m_plan = np::plan_network(m_shapes, m_spec, m_cfg.grow);
  if (!m_plan.error.empty() && m_cfg.time_multiplex) m_plan = np::plan_time_multiplexed(m_shapes, m_spec, m_cfg.grow);
  else if (!m_plan.error.empty()) m_plan.error += " (time_multiplex: true reloads the weights segment by segment)";
  if (!m_plan.error.empty()) throw LayerRefused(ERR_NO_FIT, uint32_t(m_plan.bad_layer), 0, m_plan.error);
  if (m_plan.segments() > 1) plan_reloads();  // nothing resident: every frame reloads (np_reload.cpp)
  else store_weights(t);
  stages();
  init_stats(layers);
}

void NpExecutor::store_weights(sc_time& t) {
  const size_t n = m_weights.size();
  // Every layer's weights into its cores (contiguous slices of its weight bytes, one per
  // core), timed on the bus, counted on the model NoC from the frame buffer's port.
  const sc_time t_start = t;
  const double e0 = m_ctx.ledger.total_pj(0), n0 = m_ctx.ledger.total_pj(0, m_w.nocs[model]->path());
  for (size_t i = 0; i < n; ++i) put_weights(i, false, t);
  m_load_ns += (t - t_start).to_seconds() * 1e9;
  m_load_pj += m_ctx.ledger.total_pj(0) - e0;
  m_load_noc_pj += m_ctx.ledger.total_pj(0, m_w.nocs[model]->path()) - n0;
}

void NpExecutor::put_weights(size_t i, bool reload, sc_time& t) {
  const np::Placement& P = m_plan.layers[i];
  const uint64_t bytes = m_weights[i].size();
  if (!bytes) return;
  const uint64_t cm = m_w.core_mem->base_address(), bank = m_w.core_bank_bytes;
  const int cores = P.split();
  const uint64_t chunk = (bytes + uint64_t(cores) - 1) / uint64_t(cores);
  for (int q = 0; q < cores && uint64_t(q) * chunk < bytes; ++q) {
    const int core = (P.rect.y + q / P.rect.w) * m_spec.grid_w + P.rect.x + q % P.rect.w;
    const uint64_t len = std::min(chunk, bytes - uint64_t(q) * chunk);
    int8_t* slice = m_weights[i].data() + uint64_t(q) * chunk;
    if (reload) offchip_slice(i, uint64_t(q) * chunk, slice, len);
    write_bytes(uint32_t(i), cm + uint64_t(core) * bank, slice, len, t);
    // Read back (debug transport): the datapath computes with what the core memory holds.
    // A target without debug transport (it answers 0 bytes) leaves the bytes written.
    tlm::tlm_generic_payload p;
    p.set_command(tlm::TLM_READ_COMMAND);
    p.set_address(cm + uint64_t(core) * bank);
    p.set_data_ptr(reinterpret_cast<unsigned char*>(slice));
    p.set_data_length(unsigned(len));
    p.set_streaming_width(unsigned(len));
    const unsigned got = (*m_w.bus)->transport_dbg(p);
    if (got != 0 && got != len)
      throw LayerRefused(ERR_BAD_ADDRESS, uint32_t(i), 0,
                         "core memory debug read of core " + std::to_string(core) + ": expected " + std::to_string(len) +
                             " B, got " + std::to_string(got));
  }
  // Counted on the model NoC from the frame buffer's port.
  NpRoute r;
  r.byte_hops = np::spread(frame_port(), 1, P.rect, cores, double(P.weight_bytes));
  r.max_hops = P.rect.y + P.rect.h + P.rect.x + P.rect.w - 1;
  r.sink_bytes = P.weight_bytes;
  np_send(*m_w.noc[model], uint64_t(P.weight_bytes) * uint64_t(cores), r, t);
}

void NpExecutor::init_stats(const std::vector<LayerCmd>& layers) {
  const size_t n = layers.size();
  m_stats.assign(n, NpLayerStats{});
  for (size_t i = 0; i < n; ++i) {
    const np::Placement& P = m_plan.layers[i];
    NpLayerStats& s = m_stats[i];
    s.op = op_name(layers[i].op);
    s.layer = int(i);
    s.kc = P.kc, s.sp = P.sp, s.ic = P.ic;
    s.x = P.rect.x, s.y = P.rect.y, s.w = P.rect.w, s.h = P.rect.h;
    s.bits = np::CoreSpec::mode(std::max(m_shapes[i].in_bits, m_shapes[i].w_bits));
    s.weight_bytes = m_shapes[i].weight_bytes();
    s.core_bytes = P.bytes();
    s.stage_ns = m_stage_ns[i];
  }
}

// The stage time of every layer (one pass): the producer links are known once wired, so the
// stages are computed on a wiring of the descriptor order (a layer's producer is the layer
// before it unless its input address names another).
void NpExecutor::stages() {
  m_stage_ns.assign(m_shapes.size(), 0.0);
  for (size_t i = 0; i < m_shapes.size(); ++i) m_stage_ns[i] = traffic(i, false);
}

namespace {
int producer(const std::vector<LayerCmd>& layers, size_t i, uint64_t addr) {
  for (size_t j = i; j-- > 0;)
    if (layers[j].out_addr == addr) return int(j);
  return -1;
}
}  // namespace

// Each layer's producer: the layer whose output address its input names; a workload layer's
// generated input stands for the layer before it; the first layer's is the frame buffer.
void NpExecutor::producers(const std::vector<LayerCmd>& layers) {
  const size_t n = layers.size();
  m_src.assign(n, -1);
  m_src2.assign(n, -1);
  for (size_t i = 0; i < n; ++i) {
    const int s = producer(layers, i, layers[i].in_addr);
    m_src[i] = s >= 0 ? s : int(i) - 1;
    if (layers[i].op == OP_ADD) m_src2[i] = producer(layers, i, layers[i].in2_addr);
  }
}

void NpExecutor::wire(const std::vector<LayerCmd>& layers) {
  const size_t n = layers.size();
  m_R.assign(n, RunLayer{});
  m_out_layer = -1;
  for (size_t i = 0; i < n; ++i) {
    const LayerCmd& L = layers[i];
    RunLayer& r = m_R[i];
    const int src = producer(layers, i, L.in_addr);
    r.src = m_src[i];
    r.in = src >= 0 ? &m_R[size_t(src)].out : &r.own;
    if (L.op == OP_ADD) {
      const int s2 = producer(layers, i, L.in2_addr);
      if (src < 0 || s2 < 0) throw LayerRefused(ERR_BAD_ADDRESS, L.id, 0, "add: an operand is not a map produced on chip");
      r.in2 = &m_R[size_t(s2)].out;
    }
    if (L.fires() && !L.relu()) r.mem.assign(size_t(L.g.out_c) * L.g.npx(), 0);
    if (computes(L) && !L.fires()) m_out_layer = int(i);
  }
  if (m_out_layer < 0) throw LayerRefused(ERR_BAD_SHAPE, uint32_t(n - 1), 0, "no output layer (a compute layer that does not fire)");
}

// A layer's input map from host memory: the first layer's frame through the frame buffer
// (timed), a workload's generated maps through the debug path (they stand for on-chip maps).
void NpExecutor::read_frame(const LayerCmd& L, RunLayer& r, int ts, sc_time& t, RunCounts& counts) {
  const uint64_t bytes = L.in_map_bytes();
  const int idx = L.input_per_t() ? ts : 0;
  std::vector<uint8_t> buf(bytes);
  const uint64_t src = L.in_addr + uint64_t(idx) * bytes;
  if (L.id == 0) {
    controller_read(*m_w.bus, src, buf.data(), bytes, t, L.id);
    write_bytes(L.id, m_w.frame->base_address(), buf.data(), bytes, t);
    read_frame_buffer(L.id, bytes, nullptr);  // onto the activation NoC: timed as the first stage's delivery
    counts.dram_bytes += bytes;
  } else {
    tlm::tlm_generic_payload p;
    p.set_command(tlm::TLM_READ_COMMAND);
    p.set_address(src);
    p.set_data_ptr(buf.data());
    p.set_data_length(unsigned(bytes));
    (*m_w.bus)->transport_dbg(p);
  }
  r.own.t.push_back(unpack(buf.data(), L.in_planes, L.g.in_c, L.g.in_h, L.g.in_w, L.flags & DESC_SIGNED_INPUT));
}

}  // namespace spiketlm
