// The IMC executor: network load, the run's plan and the (layer, timestep) calls
// (imc_executor.h).
#include "hw/imc/imc_executor.h"
#include "hw/compute/packing.h"

#include "tlm/boundary.h"

namespace spiketlm {

using sc_core::sc_time;

namespace {
const char* op_name(uint32_t op) {
  static const char* n[] = {"?", "conv", "linear", "maxpool", "avgpool", "add"};
  return n[op <= 5 ? op : 0];
}
bool computes(const LayerCmd& L) { return L.op == OP_CONV || L.op == OP_LINEAR; }
}  // namespace

ImcExecutor::ImcExecutor(Context& ctx, const Config& c, const Wiring& w, uint64_t& accumulates, uint64_t& runs)
    : m_ctx(ctx),
      m_cfg(c),
      m_w(w),
      m_dp(*w.tile, *w.noc, c.dp),
      m_clk(1e3 / w.tile->pe().clock_mhz(), sc_core::SC_NS),
      m_accumulates(accumulates),
      m_runs(runs),
      m_access(w.bus) {}

std::vector<LayerCall> ImcExecutor::schedule(int layers, int timesteps) const {
  // Timestep-outer: every layer at t, then t + 1 (membranes stay in the tiles).
  std::vector<LayerCall> calls;
  for (int t = 0; t < timesteps; ++t)
    for (int l = 0; l < layers; ++l) calls.push_back({l, {t}});
  return calls;
}

void ImcExecutor::load_network(const std::vector<LayerCmd>& layers) {
  // Map every compute layer, then program its crossbars from the runtime's weight layout.
  std::vector<imc::LayerShape> shapes;
  std::vector<uint32_t> ids;
  for (const auto& L : layers)
    if (computes(L)) {
      imc::LayerShape s;
      s.linear = L.op == OP_LINEAR;
      s.in_c = L.g.in_c;
      s.kh = L.g.kh;
      s.kw = L.g.kw;
      s.out_c = L.g.out_c;
      shapes.push_back(s);
      ids.push_back(L.id);
    }
  m_chip = imc::map_network(shapes, m_cfg.map);
  const int unfit = imc::first_unfit(m_chip, m_w.tile->count());
  if (unfit >= 0) throw LayerRefused(ERR_NO_FIT, ids[size_t(unfit)], 0, "layer does not fit the chip's tiles");
  m_prog.clear();
  m_map_index.clear();
  m_xbar_index = 0;
  uint64_t rows = 0;
  std::vector<int8_t> w;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const LayerCmd& L = layers[ids[i]];
    const imc::LayerMap& m = m_chip.layers[i];
    w.resize(size_t(m.col_groups) * L.g.w_dim() * size_t(m.wcols));  // the weights as the runtime tiles them
    m_w.dma->debug_read(L.w_addr, w.data(), w.size());
    rows += m_dp.program(L, m, w, m_xbar_index, m_prog[L.id]);
    m_map_index[L.id] = int(i);
  }
  m_program_ns += double(rows) * m_cfg.program_row_ns;
}

sc_time ImcExecutor::begin_run(const RunInfo& run, sc_time now, RunCounts& counts) {
  const std::vector<LayerCmd>& layers = *run.layers;
  m_run = Run{};
  m_run.active = true;
  m_run.layers = run.layers;
  m_run.T = run.timesteps;
  m_run.exit_on = run.exit_on;
  m_run.start = run.start;
  m_run.t = now;
  m_run.glb0 = glb_bytes();
  m_run.in0 = spikes_in_total();
  for (const auto& L : layers)
    if (L.op == OP_ADD && !L.fires()) throw LayerRefused(ERR_BAD_PARAM, L.id, 0, "an add layer must fire");
  if (!m_loaded || run.desc_addr != m_loaded_desc) {
    // The network load (crossbar programming) belongs to the run's setup (tlm/boundary.md).
    Boundary& b = m_ctx.attribute<Boundary>();
    b.setup_begin();
    load_network(layers);
    b.setup_end();
    m_loaded = true;
    m_loaded_desc = run.desc_addr;
  }
  if (m_layers.size() < layers.size()) m_layers.resize(layers.size());
  plan(layers, counts);
  return m_run.t;
}

// The run's network as the schedule sees it: producers, planes, shapes.
void ImcExecutor::plan(const std::vector<LayerCmd>& layers, RunCounts& counts) {
  const size_t n = layers.size();
  std::vector<uint64_t> out_addr(n);
  for (size_t i = 0; i < n; ++i) out_addr[i] = layers[i].out_addr;
  m_run.net.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const LayerCmd& L = layers[i];
    imc::NetLayer& nl = m_run.net[i];
    nl.kind = computes(L) ? imc::NetLayer::Kind::compute : L.op == OP_ADD ? imc::NetLayer::Kind::add : imc::NetLayer::Kind::pool;
    nl.id = L.id;
    nl.fires = L.fires();
    nl.map = computes(L) ? m_map_index.at(L.id) : -1;
    nl.src = imc::producer(out_addr, i, L.in_addr);
    nl.src2 = L.op == OP_ADD ? imc::producer(out_addr, i, L.in2_addr) : -1;
    nl.npx = L.g.npx();
    nl.out_elems = uint64_t(L.g.out_c) * nl.npx;
    nl.out_planes = L.out_planes();  // spikes 1, ANN activations act_bits, pooled maps their sums' planes
    nl.in_planes = nl.src >= 0 ? layers[size_t(nl.src)].out_planes() : L.in_planes;
    nl.in2_bits = (L.flags & DESC_IN2_SPIKES) ? L.in_planes : 32;
    nl.in_map_bytes = L.in_map_bytes();
    nl.input_per_t = L.input_per_t();
    if (computes(L) && !L.fires()) m_run.out_layer = int(i);
  }
  const LayerCmd& last = layers.back();
  m_run.glb = imc::glb_plan(m_run.net, m_run.T, m_run.exit_on, m_cfg.dp.dense, m_w.glb->size_bytes(),
                            uint64_t(last.g.out_c) * last.g.npx() * 4);
  m_run.R.resize(n);
  size_t next_input = 0;
  for (size_t i = 0; i < n; ++i) {
    wire(i);
    const auto& inputs = m_run.glb.inputs;
    if (next_input < inputs.size() && inputs[next_input].layer == int(layers[i].id)) {
      // DRAM -> global buffer -> tiles (with early exit, a per-timestep map when its timestep starts).
      read_input(inputs[next_input], 0, inputs[next_input].upfront, counts);
      ++next_input;
    }
  }
  for (const imc::NetLayer& nl : m_run.net)
    for (int p : {nl.src, nl.src2})
      if (p >= 0) ++m_run.R[size_t(p)].consumers;
  m_run.traffic = imc::noc_schedule(m_run.net, m_chip, m_cfg.map.pes_per_tile);
  ImcNeuron& lif = m_w.tile->lif();
  imc::StageConfig sc;
  sc.dense = m_cfg.dp.dense;
  sc.passes = m_w.tile->pe().passes();
  sc.cycle_ns = m_w.tile->pe().cycle_ns();
  sc.clk_ns = m_clk.to_seconds() * 1e9;
  sc.chain_clocks = lif.chain_clocks();
  sc.share = lif.share();
  Noc& noc = *m_w.noc;
  m_run.stages = imc::build_stages(m_run.net, m_run.traffic, sc,
                                   [&noc](const imc::Transfer& t) { return noc.latency_ns(t.src, t.dst, t.bytes); });
}

// Layer i's input (an earlier layer's output on chip, or its own map from DRAM), output and
// membranes; refuses an add whose operands are not maps produced on chip.
void ImcExecutor::wire(size_t i) {
  const LayerCmd& L = (*m_run.layers)[i];
  const imc::NetLayer& nl = m_run.net[i];
  RunLayer& r = m_run.R[i];
  if (nl.src >= 0) r.in = &m_run.R[size_t(nl.src)].out;
  if (L.op == OP_ADD) {
    // Residual join: operand 1 (the block's last convolution, int32) and operand 2 (the
    // shortcut), both produced on chip, of the add's shape.
    if (nl.src2 >= 0) r.in2 = &m_run.R[size_t(nl.src2)].out;
    if (!r.in || !r.in2) throw LayerRefused(ERR_BAD_ADDRESS, L.id, 0, "add: an operand is not a map produced on chip");
    if (r.in->size() != nl.out_elems || r.in2->size() != r.in->size())
      throw LayerRefused(ERR_BAD_SHAPE, L.id, 0, "add: the operands' shapes differ from the add's");
  }
  r.out.c = L.g.out_c;
  r.out.h = L.g.out_h;
  r.out.w = L.g.out_w;
  r.out.planes = nl.out_planes;
  if (L.fires() && !L.relu()) r.mem.assign(r.out.size() / size_t(L.neuron.share), 0);  // C#n: one membrane per group
  if (r.in) return;
  r.in = &r.own;
  r.shared = !L.input_per_t();
}

sc_time ImcExecutor::run(const LayerCmd& L, const std::vector<int>& tss, int timesteps, sc_time now, RunCounts& counts) {
  (void)timesteps;
  const int ts = tss.front();
  const size_t i = L.id;
  m_run.t = now;
  if (m_run.exit_on && ts > 0 && i == 0)
    for (const auto& in : m_run.glb.inputs)
      if (in.per_timestep) read_input(in, ts, 1, counts);
  m_layer_now = L.id;
  RunLayer& r = m_run.R[i];
  ImcLayerStats& st = m_layers[i];
  st.layer = int(L.id);
  st.op = op_name(L.op);
  st.planes = r.in->planes;
  // Set bits fed (the bits of every value: a value's bytes hold them), as SATA counts them; an
  // add is fed the shortcut's. A spike map's producer has counted them (ImcMaps::ones).
  auto set_bits = [ts](const ImcMaps& m) {
    const int64_t n = m.ones_at(ts);
    if (n >= 0) return uint64_t(n);
    const std::vector<int32_t>& v = m.at(ts);
    return popcount(reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(int32_t));
  };
  if (L.op != OP_ADD) st.spikes_in += set_bits(*r.in);
  else if (L.flags & DESC_IN2_SPIKES) st.spikes_in += set_bits(*r.in2);
  if (computes(L)) {
    compute_layer(L, r, ts, st, counts);
  } else if (L.op == OP_ADD) {
    add_layer(L, r, ts, st, counts);
  } else {
    std::vector<int32_t> v = take_map(r.out.size());
    const uint64_t nz = m_dp.pool(L, r.in->at(ts), v);
    st.spikes_out += nz;
    // The max of spikes (0/1, counted by their producer) is a spike: one set bit per non-zero.
    r.out.push(std::move(v), L.op == OP_MAXPOOL && r.in->ones_at(ts) >= 0 ? int64_t(nz) : -1);
  }
  release_inputs(i, ts);
  if (m_run.exit_on && i + 1 == m_run.R.size()) {
    // The timestep's pipeline (the exit unit must see the logits of t before t + 1 starts:
    // timesteps do not overlap).
    if (m_cfg.dp.dense) {
      m_run.exit_ns += pipeline(1, m_run.exit_ns, ts == 0);
    } else {
      const double p = pipeline(1, (m_run.t - m_run.start).to_seconds() * 1e9, ts == 0);
      m_run.t += sc_time(p, sc_core::SC_NS);
    }
  }
  return m_run.t;
}

// Layer i has read its producers' maps of timestep ts: a map that every consumer has read is
// dropped, so a run holds about one timestep of each inner layer's output instead of T (issue
// 19, memory). Kept: the maps read after the run (the output layer's and the last layer's).
void ImcExecutor::release_inputs(size_t i, int ts) {
  const imc::NetLayer& nl = m_run.net[i];
  for (int p : {nl.src, nl.src2}) {
    if (p < 0 || p == m_run.out_layer || size_t(p) + 1 == m_run.R.size()) continue;
    RunLayer& q = m_run.R[size_t(p)];
    if (q.consumed.size() <= size_t(ts)) q.consumed.resize(size_t(ts) + 1, 0);
    if (++q.consumed[size_t(ts)] == q.consumers && size_t(ts) < q.out.t.size()) give_map(q.out.t[size_t(ts)]);
  }
}

std::vector<int32_t> ImcExecutor::take_map(size_t n) {
  for (size_t i = m_spare.size(); i-- > 0;)
    if (m_spare[i].size() == n) {
      std::vector<int32_t> v;
      v.swap(m_spare[i]);
      m_spare[i].swap(m_spare.back());
      m_spare.pop_back();
      return v;
    }
  return std::vector<int32_t>(n);
}

// Takes v's values (v is left empty).
void ImcExecutor::give_map(std::vector<int32_t>& v) {
  std::vector<int32_t> w;
  w.swap(v);
  if (m_spare.size() < k_spare_maps && !w.empty()) m_spare.push_back(std::move(w));
}

void ImcExecutor::compute_layer(const LayerCmd& L, RunLayer& r, int ts, ImcLayerStats& st, RunCounts& counts) {
  const ImcLayerProgram& P = m_prog.at(L.id);
  st.pes = P.map.pes;
  st.first_tile = P.map.first_tile;
  st.last_tile = P.map.last_tile;
  // The layers take turns in one buffer; a layer whose input map is the same at every timestep
  // keeps its partial sums of timestep 0 and reuses them.
  std::vector<int64_t>& psum = r.shared ? r.psum0 : m_psum_now;
  if (r.shared && ts > 0) {
    r.total.add(r.c0);
  } else {
    ImcCounts c;
    m_dp.read(L, P, *r.in, ts, psum, c);
    r.total.add(c);
    if (r.shared) r.c0 = c;
  }
  if (m_psum_stats && L.fires()) collect_psum(L, psum);
  std::vector<int32_t> out = take_map(r.out.size());
  const uint64_t f = m_dp.output(L, psum, r.mem, out);
  if (L.fires()) {
    st.spikes_out += f;
    counts.spikes_out += f;
    st.neuron_updates += out.size();
  }
  r.out.push(std::move(out), spike_bits(L, f));
}

void ImcExecutor::add_layer(const LayerCmd& L, RunLayer& r, int ts, ImcLayerStats& st, RunCounts& counts) {
  // Residual join: operand 1 (int32 accumulations) + operand 2 (spikes, activations or int32)
  // into the neuron units of operand 1's tile with the add's own membranes (ANN: ReLU +
  // requantize); the descriptor's fixed point is the identity (multiplier 1, offset 0).
  st.first_tile = st.last_tile = m_run.traffic[L.id].home;
  const std::vector<int32_t>&a = r.in->at(ts), &b = r.in2->at(ts);
  ImcDatapath::add_operands(a, b, m_psum_now);
  std::vector<int32_t> o = take_map(r.out.size());
  const uint64_t f = m_dp.output(L, m_psum_now, r.mem, o);
  st.spikes_out += f;
  counts.spikes_out += f;
  st.neuron_updates += o.size();
  if (m_capture_adds) {
    AddMaps& cap = m_add_maps[L.id];
    if (ts == 0) cap = AddMaps{};
    cap.a.push_back(a);
    cap.b.push_back(b);
    cap.out.push_back(o);
  }
  r.out.push(std::move(o), spike_bits(L, f));
}

// The set bits of an output map with f outputs fired: LIF/IF spikes are 0/1 (one bit each);
// ReLU activations and accumulations are not counted here (-1).
int64_t ImcExecutor::spike_bits(const LayerCmd& L, uint64_t f) {
  return L.fires() && !L.relu() ? int64_t(f) : -1;
}

// Pre-BN statistics per output channel (BN adaptation): sum and sum of squares.
void ImcExecutor::collect_psum(const LayerCmd& L, const std::vector<int64_t>& psum) {
  PsumStats& ps = m_psum[L.id];
  const size_t K = size_t(L.g.out_c);
  const uint64_t npx = L.g.npx();
  if (ps.sum.size() != K) {
    ps.sum.assign(K, 0.0);
    ps.sumsq.assign(K, 0.0);
  }
  for (size_t k = 0; k < K; ++k)
    for (uint64_t p = 0; p < npx; ++p) {
      const double v = double(psum[k * npx + p]);
      ps.sum[k] += v;
      ps.sumsq[k] += v * v;
    }
  ps.count += double(npx);
}

sc_time ImcExecutor::exit_decided(sc_time now, const sc_time& decision) {
  if (!m_cfg.dp.dense) return now + decision;
  // Dense mode times the run on SpikeSim's pipeline alone: the decisions add to it.
  const uint64_t cycles = uint64_t(decision / m_clk + 0.5);
  m_run.exit_ns += double(cycles) * (m_clk.to_seconds() * 1e9);
  return now;
}

}  // namespace spiketlm
