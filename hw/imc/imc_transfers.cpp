// The IMC executor's transfers to and from the global buffer and DRAM: input maps, the
// logits of early exit, the output layer's accumulations (imc_executor.h; what moves when is
// the GlbPlan of noc_schedule.h).
#include "hw/imc/imc_executor.h"

namespace spiketlm {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

// Unpack [planes][C][H][pitch] bit planes into values (two's complement when signed).
std::vector<int32_t> unpack(const uint8_t* p, int planes, int c, int h, int w, bool is_signed) {
  const uint64_t pitch = (uint64_t(w) + 7) / 8;
  std::vector<int32_t> v(size_t(c) * h * w, 0);
  for (int pl = 0; pl < planes; ++pl)
    for (int ch = 0; ch < c; ++ch)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          if ((p[((size_t(pl) * c + ch) * h + y) * pitch + x / 8] >> (x % 8)) & 1)
            v[(size_t(ch) * h + y) * w + x] |= int32_t(1u << pl);
  if (is_signed && planes < 32)
    for (auto& x : v)
      if (x & (1 << (planes - 1))) x -= (1 << planes);
  return v;
}

}  // namespace

sc_time ImcExecutor::dma(const DmaCommand& c, sc_time start) {
  const sc_time now = sc_core::sc_time_stamp();
  sc_time delay = start > now ? start - now : SC_ZERO_TIME;
  m_w.dma->transfer(c, delay);
  return sc_core::sc_time_stamp() + delay;
}

sc_time ImcExecutor::account_read(uint64_t addr, uint64_t len, sc_time start) {
  if (len == 0) return start;
  const sc_time now = sc_core::sc_time_stamp();
  sc_time delay = start > now ? start - now : SC_ZERO_TIME;
  if (m_access.read(addr, len, delay) != tlm::TLM_OK_RESPONSE)
    throw LayerRefused(ERR_BAD_ADDRESS, m_layer_now, 0, "buffer access failed: " + m_access.response_string());
  return sc_core::sc_time_stamp() + delay;
}

sc_time ImcExecutor::store(uint64_t addr, const void* data, uint64_t len, sc_time start) {
  if (len == 0) return start;
  const sc_time now = sc_core::sc_time_stamp();
  sc_time delay = start > now ? start - now : SC_ZERO_TIME;
  if (m_access.write(addr, data, len, delay) != tlm::TLM_OK_RESPONSE)
    throw LayerRefused(ERR_BAD_ADDRESS, m_layer_now, 0, "buffer access failed: " + m_access.response_string());
  return sc_core::sc_time_stamp() + delay;
}

// Maps [first, first + count) of a DRAM-fed layer's input: DRAM -> global buffer (DMA, real
// bytes) -> the tiles (timing only) when the plan says so, else through the debug path. The
// energy goes to the layer.
void ImcExecutor::read_input(const imc::GlbPlan::Input& in, int first, int count, RunCounts& counts) {
  const LayerCmd& L = (*m_run.layers)[size_t(in.layer)];
  RunLayer& r = m_run.R[size_t(in.layer)];
  ImcMaps& a = r.own;
  if (a.t.empty()) {
    a.c = L.g.in_c;
    a.h = L.g.in_h;
    a.w = L.g.in_w;
    a.planes = L.in_planes;
    a.is_signed = L.flags & DESC_SIGNED_INPUT;
  }
  const std::vector<uint64_t> before = m_ctx.ledger.counts();
  const uint64_t bytes = in.map_bytes, glb = m_w.glb->base_address();
  std::vector<uint8_t> buf(bytes);
  for (int i = first; i < first + count; ++i) {
    const uint64_t src = L.in_addr + uint64_t(i) * bytes;
    if (in.via_glb) {
      DmaCommand c;
      c.src = src;
      c.dst = glb;
      c.row_bytes = bytes;
      TileExt e;
      e.tensor = Tensor::input;
      e.layer = L.id;
      e.timestep = uint32_t(i);
      c.tag = e;
      m_run.t = dma(c, m_run.t);
      m_w.dma->debug_read(glb, buf.data(), bytes);
      m_run.t = account_read(glb, bytes, m_run.t);
    } else {
      m_w.dma->debug_read(src, buf.data(), bytes);
    }
    a.t.push_back(unpack(buf.data(), a.planes, a.c, a.h, a.w, a.is_signed));
  }
  m_ctx.ledger.add_since(r.actions, before);
  if (in.counts_dram) counts.dram_bytes += bytes * uint64_t(count);
}

bool ImcExecutor::logits(int t, int32_t* z, int classes, sc_time& now) {
  const std::vector<int32_t>& o = m_run.R.back().out.t[size_t(t)];
  std::copy(o.begin(), o.begin() + classes, z);
  if (!m_run.glb.staged) return true;
  // Output tile -> global buffer; the exit unit reads them over the bus (real bytes).
  m_run.t = now;
  const uint64_t kbytes = m_run.glb.logit_bytes;
  const uint64_t a = m_w.glb->base_address() + m_run.glb.stage + uint64_t(t) * kbytes;
  m_run.t = store(a, z, kbytes, m_run.t);
  controller_read(*m_w.bus, a, z, kbytes, m_run.t, uint32_t(m_run.R.size() - 1));
  now = m_run.t;
  return true;
}

// The output layer's accumulations of the timesteps run ([ran][K npx] int32): global buffer ->
// DRAM (DMA).
void ImcExecutor::write_outputs(int ran, std::vector<int32_t>& outputs) {
  const LayerCmd& L = (*m_run.layers)[size_t(m_run.out_layer)];
  const ImcMaps& o = m_run.R[size_t(m_run.out_layer)].out;
  const uint64_t k = uint64_t(L.g.out_c) * L.g.npx();
  outputs.assign(size_t(ran) * k, 0);
  for (int ts = 0; ts < ran; ++ts) std::copy(o.t[size_t(ts)].begin(), o.t[size_t(ts)].end(), outputs.begin() + ptrdiff_t(uint64_t(ts) * k));
  const uint64_t bytes = outputs.size() * 4, base = m_w.glb->base_address();
  TileExt e;
  e.tensor = Tensor::output;
  e.layer = L.id;
  DmaCommand c;
  c.dst = L.out_addr;
  c.row_bytes = bytes;
  c.tag = e;
  switch (m_run.glb.output_path(bytes)) {
    case imc::GlbPlan::OutputPath::staged:  // already in the global buffer (written after each timestep)
      c.src = base + m_run.glb.stage;
      m_run.t = dma(c, m_run.t);
      break;
    case imc::GlbPlan::OutputPath::via_glb: {
      const sc_time tw = store(base, outputs.data(), bytes, m_run.t);
      c.src = base;
      const sc_time te = dma(c, tw);
      if (!m_cfg.dp.dense) m_run.t = te;
      break;
    }
    case imc::GlbPlan::OutputPath::direct:
      m_w.dma->debug_write(L.out_addr, outputs.data(), bytes);
      break;
  }
  m_run.out_dram += bytes;
  m_run.written = true;
}

uint64_t ImcExecutor::glb_bytes() const {
  // The memory's own statistics (0 for a slot whose kind keeps none).
  const Module* m = dynamic_cast<const Module*>(m_w.glb);
  const Stat *r = m ? m->find_stat("bytes_read") : nullptr, *w = m ? m->find_stat("bytes_written") : nullptr;
  return (r ? r->count : 0) + (w ? w->count : 0);
}

uint64_t ImcExecutor::spikes_in_total() const {
  uint64_t s = 0;
  for (const auto& l : m_layers) s += l.spikes_in;
  return s;
}

}  // namespace spiketlm
