#include "hw/ctrl/sequencer.h"

#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstring>

namespace spiketlm {

using sc_core::sc_time;

Sequencer::Sequencer(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      out("out"),
      m_clk(1e3 / param_double("clock_mhz", 400, {"clock", "MHz", 1, 1e5}), sc_core::SC_NS),
      m_ctl(action(param_string("tech", "sequencer", {"tech-table component of the control logic"}), "layer")),
      m_cycles(counter("cycles", "cycles", "cycles from START to the interrupt, all runs")),
      m_refused(counter("refused", "", "runs refused for a bad descriptor")),
      m_desc_bytes(counter("descriptor_bytes", "B", "descriptor and fixed-point bytes fetched")) {
  SC_THREAD(thread);
  m_p_busy = probe("busy", 1);
  m_p_layer = probe("layer", 16);
  m_p_t = probe("timestep", 8);
  m_p_spikes = probe("spikes", 32);  // output spikes of the (layer, timestep) call, over the call
}

void Sequencer::connect(const Datapath& dp, Dataflow* df, Csr* csr, ExitUnit* exit) {
  m_exit = exit;
  m_dp = dp;
  m_dp.port = &out;
  m_df = df;
  m_csr = csr;
  m_engine = std::make_unique<LayerEngine>(m_dp, *this);
  const std::string k = df->unit_kind();
  csr->set(REG_DATAFLOW, k == "dataflow.os" ? DATAFLOW_OS : k == "dataflow.ws" ? DATAFLOW_WS
                         : k == "dataflow.tick_batch" ? DATAFLOW_TICK_BATCH : DATAFLOW_NONE);
}

void Sequencer::thread() {
  for (;;) {
    sc_core::wait(m_csr->start_event());
    execute();
  }
}

void controller_read(tlm::tlm_initiator_socket<>& out, uint64_t addr, void* dst, uint64_t len, sc_time& t,
                     uint32_t layer) {
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_READ_COMMAND);
  p.set_address(addr);
  p.set_data_ptr(static_cast<uint8_t*>(dst));
  p.set_data_length(unsigned(len));
  p.set_streaming_width(unsigned(len));
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_time d = t > sc_core::sc_time_stamp() ? t - sc_core::sc_time_stamp() : sc_core::SC_ZERO_TIME;
  out->b_transport(p, d);
  if (p.is_response_error()) throw LayerRefused(ERR_BAD_ADDRESS, layer, 0, "bus read failed");
  t = sc_core::sc_time_stamp() + d;
}

void Sequencer::bus_read(uint64_t addr, void* dst, uint64_t len, sc_time& t) {
  controller_read(out, addr, dst, len, t, m_layer_now);
  m_desc_bytes += len;
}

LayerCmd Sequencer::decode(const LayerDesc& d, uint32_t index, sc_time& t) {
  return decode_layer(d, index, [&](uint64_t a, void* dst, uint64_t n) { bus_read(a, dst, n, t); }, m_dp.lif->share());
}

LayerCmd decode_layer(const LayerDesc& d, uint32_t index, const std::function<void(uint64_t, void*, uint64_t)>& read_fx,
                      int hw_share) {
  auto bad = [&](uint32_t code, const void* field, const std::string& what) {
    const uint32_t word = uint32_t((reinterpret_cast<const uint8_t*>(field) - reinterpret_cast<const uint8_t*>(&d)) / 4);
    throw LayerRefused(code, index, word, "layer " + std::to_string(index) + ": " + what);
  };
  LayerCmd L;
  L.op = d.op;
  L.flags = d.flags;
  L.id = index;
  L.out_scale_q24 = d.out_scale_q24;
  if (d.op < OP_CONV || d.op > OP_ADD) bad(ERR_BAD_OPCODE, &d.op, "unknown opcode");
  L.g.in_c = int(d.in_c); L.g.in_h = int(d.in_h); L.g.in_w = int(d.in_w);
  L.g.out_c = int(d.out_c); L.g.out_h = int(d.out_h); L.g.out_w = int(d.out_w);
  L.g.kh = int(d.kh); L.g.kw = int(d.kw); L.g.stride = int(d.stride); L.g.pad = int(d.pad);
  L.in_planes = int(d.in_planes);
  const uint32_t lim = 1u << 16;
  if (!d.in_c || d.in_c > lim) bad(ERR_BAD_SHAPE, &d.in_c, "in_c out of range");
  if (!d.in_h || d.in_h > lim) bad(ERR_BAD_SHAPE, &d.in_h, "in_h out of range");
  if (!d.in_w || d.in_w > lim) bad(ERR_BAD_SHAPE, &d.in_w, "in_w out of range");
  if (!d.out_c || d.out_c > lim) bad(ERR_BAD_SHAPE, &d.out_c, "out_c out of range");
  if (!d.kh || d.kh > 64) bad(ERR_BAD_SHAPE, &d.kh, "kh out of range");
  if (!d.kw || d.kw > 64) bad(ERR_BAD_SHAPE, &d.kw, "kw out of range");
  if (!d.stride || d.stride > 64) bad(ERR_BAD_SHAPE, &d.stride, "stride out of range");
  if (d.pad >= d.kh) bad(ERR_BAD_SHAPE, &d.pad, "pad must be below the kernel size");
  if (!d.in_planes || d.in_planes > 16) bad(ERR_BAD_SHAPE, &d.in_planes, "in_planes out of range");
  const uint32_t oh = (d.in_h + 2 * d.pad - d.kh) / d.stride + 1, ow = (d.in_w + 2 * d.pad - d.kw) / d.stride + 1;
  if (d.in_h + 2 * d.pad < d.kh || d.out_h != oh) bad(ERR_BAD_SHAPE, &d.out_h, "out_h does not follow from the geometry");
  if (d.in_w + 2 * d.pad < d.kw || d.out_w != ow) bad(ERR_BAD_SHAPE, &d.out_w, "out_w does not follow from the geometry");
  if ((d.op == OP_MAXPOOL || d.op == OP_AVGPOOL) && d.out_c != d.in_c)
    bad(ERR_BAD_SHAPE, &d.out_c, "pooling keeps the channel count");
  // ADD: in_planes are operand 2's bit planes (DESC_IN2_SPIKES); an int32 operand 2 has none.
  if (d.op == OP_ADD && !(d.flags & DESC_IN2_SPIKES) && d.in_planes != 1)
    bad(ERR_BAD_SHAPE, &d.in_planes, "in_planes must be 1 when an add's operand 2 is int32 (no DESC_IN2_SPIKES)");
  L.in_addr = uint64_t(d.in_addr_lo) | uint64_t(d.in_addr_hi) << 32;
  L.in2_addr = uint64_t(d.in2_addr_lo) | uint64_t(d.in2_addr_hi) << 32;
  L.out_addr = uint64_t(d.out_addr_lo) | uint64_t(d.out_addr_hi) << 32;
  L.w_addr = uint64_t(d.w_addr_lo) | uint64_t(d.w_addr_hi) << 32;
  L.mem_addr = uint64_t(d.mem_addr_lo) | uint64_t(d.mem_addr_hi) << 32;
  if ((d.flags & DESC_RELU) && !L.fires()) bad(ERR_BAD_PARAM, &d.flags, "DESC_RELU without DESC_FIRES");
  if (L.relu()) {
    if (d.op != OP_CONV && d.op != OP_LINEAR && d.op != OP_ADD)
      bad(ERR_BAD_PARAM, &d.flags, "DESC_RELU on a layer that neither computes nor adds");
    if (d.act_bits < 1 || d.act_bits > 8) bad(ERR_BAD_PARAM, &d.act_bits, "act_bits must be 1..8");
    L.act_bits = int(d.act_bits);
  }
  if (L.fires()) {
    if (d.fx_shift > 62) bad(ERR_BAD_PARAM, &d.fx_shift, "fx_shift out of range");
    if (d.leak_shift > 31) bad(ERR_BAD_PARAM, &d.leak_shift, "leak_shift out of range");
    if (!L.relu() && int32_t(d.threshold) <= 0) bad(ERR_BAD_PARAM, &d.threshold, "threshold must be positive");
    if (!L.relu()) {
      if (d.lif_share != 1 && int(d.lif_share) != hw_share)
        bad(ERR_BAD_PARAM, &d.lif_share, "the LIF units serve " + std::to_string(hw_share) + " channel(s) per circuit");
      if (!d.lif_share || d.out_c % d.lif_share) bad(ERR_BAD_PARAM, &d.lif_share, "lif_share must divide out_c");
    }
    L.shift = int(d.fx_shift);
    L.neuron.threshold = int32_t(d.threshold);
    L.neuron.leak_num = int32_t(d.leak_num);
    L.neuron.leak_shift = int(d.leak_shift);
    L.neuron.reset = (d.flags & DESC_HARD_RESET) ? reset_mode::hard : reset_mode::soft;
    L.neuron.share = int(d.lif_share);
    const uint64_t fx = uint64_t(d.fx_addr_lo) | uint64_t(d.fx_addr_hi) << 32;
    std::vector<int32_t> buf(size_t(2) * d.out_c);
    read_fx(fx, buf.data(), buf.size() * 4);
    L.multiplier.assign(buf.begin(), buf.begin() + d.out_c);
    L.offset.assign(buf.begin() + d.out_c, buf.end());
  }
  return L;
}

void Sequencer::execute() {
  sc_time t = sc_core::sc_time_stamp();
  const sc_time start = t;
  m_busy = 1;
  m_p_busy.set(t, 1);
  const uint32_t n = m_csr->reg(REG_NUM_LAYERS), T = m_csr->reg(REG_TIMESTEPS);
  const uint64_t desc = m_csr->reg64(REG_DESC_ADDR_LO);
  uint32_t status = STATUS_DONE;
  uint64_t spikes = 0, dram = 0, glb = 0, spikes_in = 0;
  try {
    if (n == 0 || n > 4096) throw LayerRefused(ERR_BAD_SHAPE, 0, REG_NUM_LAYERS, "NUM_LAYERS out of range");
    if (T == 0 || T > 64) throw LayerRefused(ERR_BAD_PARAM, 0, REG_TIMESTEPS, "TIMESTEPS out of range");
    std::vector<LayerDesc> descs(n);
    bus_read(desc, descs.data(), n * sizeof(LayerDesc), t);
    std::vector<LayerCmd> layers;
    for (uint32_t i = 0; i < n; ++i) layers.push_back(decode(descs[i], i, t));
    count(m_ctl, n);
    if (m_layers.size() < n) m_layers.resize(n);
    // Early exit: an exit unit, a non-zero threshold, a dataflow that runs timestep by
    // timestep, and an output layer whose accumulations are the logits.
    uint32_t ran = T;
    const LayerCmd& out_layer = layers.back();
    const uint32_t theta = m_csr->reg(REG_EXIT_THRESHOLD);
    const int64_t scale = int64_t(out_layer.out_scale_q24);
    const int classes = out_layer.g.out_c * int(out_layer.g.npx());
    const uint64_t out_base = out_layer.out_addr;
    const bool exit_on = m_exit && theta != 0 && m_df->timestep_outer() && !out_layer.fires() &&
                         (out_layer.op == OP_CONV || out_layer.op == OP_LINEAR);
    if (m_exit) m_exit->reset(classes);
    for (const auto& call : m_df->schedule(int(n), int(T))) {
      m_layer_now = uint32_t(call.layer);
      m_t_now = uint32_t(call.timesteps.front());
      m_p_layer.set(t, m_layer_now);
      m_p_t.set(t, m_t_now);
      LayerStats st;
      const double e0 = ctx().ledger.total_pj(0);
      const sc_time end = m_engine->run(layers[size_t(call.layer)], call.timesteps, int(T), m_df->spad_use(), t, st);
      const uint64_t span = uint64_t((end - t) / m_clk + 0.5);
      m_dp.pe->finish_run(span);
      m_dp.lif->finish_run(span);
      st.span_cycles = span;
      m_dp.pe->trace_call(t, end, st.accumulates);
      m_p_spikes.set(t, double(st.spikes_out));
      m_p_spikes.set(end, 0);
      st.energy_pj = ctx().ledger.total_pj(0) - e0;
      LayerStats& acc = m_layers[size_t(call.layer)];
      acc.compute_cycles += st.compute_cycles;
      acc.lif_cycles += st.lif_cycles;
      acc.stall_cycles += st.stall_cycles;
      acc.span_cycles += st.span_cycles;
      acc.accumulates += st.accumulates;
      acc.dense_accumulates += st.dense_accumulates;
      acc.spikes_in += st.spikes_in;
      acc.spikes_out += st.spikes_out;
      acc.dram_bytes += st.dram_bytes;
      acc.glb_bytes += st.glb_bytes;
      acc.energy_pj += st.energy_pj;
      spikes += st.spikes_out;
      dram += st.dram_bytes;
      glb += st.glb_bytes;
      spikes_in += st.spikes_in;
      t = end;
      // Keep SystemC time close to the sequencer's (temporal decoupling, one quantum).
      if (t - sc_core::sc_time_stamp() > tlm_utils::tlm_quantumkeeper::get_global_quantum())
        sc_core::wait(t - sc_core::sc_time_stamp());
      // The exit unit decides after the output layer's call of each timestep (only a
      // timestep-outer dataflow can stop early: tick-batch finishes every layer for all T).
      if (exit_on && call.layer == int(n) - 1) {
        const int tt = call.timesteps.front();
        std::vector<int32_t> o(static_cast<size_t>(classes));
        bus_read(out_base + uint64_t(tt) * uint64_t(classes) * 4, o.data(), o.size() * 4, t);
        bool stop = false;
        int best = 0;
        t += m_clk * double(m_exit->step(o.data(), classes, scale, theta, stop, best));
        if (stop) {
          ran = uint32_t(tt + 1);
          if (ran < T) status |= STATUS_EXITED_EARLY;
          break;
        }
      }
    }
    m_csr->set(REG_EXIT_TIMESTEP, ran);
    // The argmax unit: sum the output layer's per-timestep accumulations, ties to the lowest.
    const LayerCmd& last = layers.back();
    if (!last.fires() && (last.op == OP_CONV || last.op == OP_LINEAR)) {
      const uint64_t k = uint64_t(last.g.out_c) * last.g.npx();
      std::vector<int32_t> o(size_t(ran) * k);
      bus_read(last.out_addr, o.data(), o.size() * 4, t);
      std::vector<int64_t> sum(k, 0);
      for (uint32_t u = 0; u < ran; ++u)
        for (uint64_t c = 0; c < k; ++c) sum[c] += o[u * k + c];
      uint32_t best = 0;
      for (uint64_t c = 1; c < k; ++c)
        if (sum[c] > sum[best]) best = uint32_t(c);
      m_csr->set(REG_PREDICTION, best);
    }
  } catch (const LayerRefused& r) {
    status = STATUS_ERROR;
    m_csr->set(REG_ERR_CODE, r.code);
    m_csr->set(REG_ERR_LAYER, r.layer);
    m_csr->set(REG_ERR_FIELD, r.field);
    m_csr->set_refusal_reason(r.what());
    ++m_refused;
  }
  if (t > sc_core::sc_time_stamp()) sc_core::wait(t - sc_core::sc_time_stamp());
  const uint64_t cycles = uint64_t((sc_core::sc_time_stamp() - start) / m_clk + 0.5);
  m_cycles += cycles;
  ++m_runs;
  m_csr->set64(REG_CYCLES_LO, cycles);
  m_csr->set64(REG_DRAM_BYTES_LO, dram);
  m_csr->set64(REG_SPIKES_LO, spikes);
  m_csr->set64(REG_GLB_BYTES_LO, glb);
  m_csr->set64(REG_SPIKES_IN_LO, spikes_in);
  m_csr->set(REG_STATUS, status);
  m_busy = 0;
  m_p_busy.set(sc_core::sc_time_stamp(), 0);
  m_csr->raise_irq();
}

SPIKETLM_REGISTER_KIND(Sequencer, "sequencer", "control",
                       "executes layer descriptors in the dataflow's order; refuses bad descriptors");

}  // namespace spiketlm
