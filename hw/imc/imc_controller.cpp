#include "hw/imc/imc_controller.h"

#include <tlm_utils/tlm_quantumkeeper.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>

#include "hw/arith/kernels.h"

namespace spiketlm {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

// Bits [start, start + n) of src (src has one spare zero word past its end) into dst words.
inline void extract_bits(const uint64_t* src, int start, int n, uint64_t* dst) {
  const int nw = (n + 63) / 64;
  for (int w = 0; w < nw; ++w) {
    const int b = start + 64 * w, i = b >> 6, s = b & 63;
    uint64_t v = src[i] >> s;
    if (s) v |= src[i + 1] << (64 - s);
    const int left = n - 64 * w;
    if (left < 64) v &= (uint64_t(1) << left) - 1;
    dst[w] = v;
  }
}

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

const char* op_name(uint32_t op) {
  static const char* n[] = {"?", "conv", "linear", "maxpool", "avgpool", "add"};
  return n[op <= 5 ? op : 0];
}

}  // namespace

void ImcController::Counts::add(const Counts& o) {
  pe_cycles += o.pe_cycles;
  active_pe_cycles += o.active_pe_cycles;
  xbar_reads += o.xbar_reads;
  active_xbar_reads += o.active_xbar_reads;
  accumulates += o.accumulates;
  if (active_by_group.size() < o.active_by_group.size()) active_by_group.resize(o.active_by_group.size(), 0);
  for (size_t i = 0; i < o.active_by_group.size(); ++i) active_by_group[i] += o.active_by_group[i];
}

ImcController::ImcController(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      out("out"),
      m_dense(param_bool("dense_spikesim", false,
                         {"count energy and time exactly as SpikeSim's dense formulas (every PE cycle of every mapped PE, "
                          "SpikeSim's per-PE-cycle composition and its output-serial pipeline)"})),
      m_zero_skip(param_bool("zero_skip", true,
                             {"a crossbar with no driven row draws no current: its read (and a PE cycle without any) is not charged"})),
      m_fraction(param_double("pipeline_fraction", 0.75,
                              {"the next layer starts after this fraction of the previous layer's work (SpikeSim: 0.75)", "", 0, 1})),
      m_program_row_ns(param_double("program_row_ns", 0,
                                    {"time to program one crossbar row at network load (SpikeSim ignores programming)", "ns", 0, 1e12})),
      m_dense_factor(int(param_int("dense_pe_factor", 8,
                                   {"SpikeSim's xbar_size/8 multiplier of PE, subtractor and temp-buffer energy per PE cycle", "", 1, 1 << 20}))),
      m_dense_hops(int(param_int("dense_htree_hops", 8, {"H-tree hops charged per PE cycle in dense mode (SpikeSim: 19.64 pJ x 8)", "", 0, 1 << 20}))),
      m_dense_neuron(int(param_int("dense_neuron_updates", 4, {"neuron updates charged per PE cycle in dense mode (SpikeSim: 1.274 pJ x 4)", "", 0, 1 << 20}))),
      m_cycles(counter("cycles", "cycles", "accelerator cycles (PE clock) of every run, as the timing model computes them")),
      m_refused(counter("refused", "", "runs refused for a bad descriptor")),
      m_desc_bytes(counter("descriptor_bytes", "B", "descriptor and fixed-point bytes fetched")),
      m_runs(counter("runs", "", "inferences run")),
      m_accumulates(counter("accumulates", "", "driven rows x output columns, per input plane (a digital design's accumulates)")) {
  const std::string packing = param_string("packing", "spikesim",
                                           {"PE placement: spikesim (layers packed across tiles) or layer_per_tile", "", -1e300, 1e300,
                                            {"spikesim", "layer_per_tile"}});
  const std::string lin = param_string("linear_mapping", "spikesim",
                                       {"linear layers: spikesim (a 1x1 convolution, ceil(in/64) x ceil(out/64) PEs) or packed "
                                        "(rows fill all k x k crossbars of a PE)", "", -1e300, 1e300, {"spikesim", "packed"}});
  m_map_cfg.layer_per_tile = packing == "layer_per_tile";
  m_map_cfg.linear_packed = lin == "packed";
  m_map_cfg.rows_used = int(param_int("rows_per_xbar", 0, {"crossbar rows the mapping fills (0 = every row of the crossbar)", "", 0, 1 << 20}));
  SC_THREAD(thread);
  trace("busy", m_busy);
  trace("layer", m_layer_now);
  trace("timestep", m_t_now);
}

void ImcController::connect(const Wiring& w) {
  m_csr = w.csr;
  m_dma = w.dma;
  m_tile = w.tile;
  m_noc = w.noc;
  m_glb = w.glb;
  m_exit = w.exit;
  m_csr->set(REG_DATAFLOW, DATAFLOW_IMC);
  ImcPe& pe = m_tile->pe();
  const int xrows = pe.xbar().rows();
  if (m_map_cfg.rows_used == 0) m_map_cfg.rows_used = xrows;
  if (m_map_cfg.rows_used > xrows)
    fail("imc", ctx().params.origin(path() + ".rows_per_xbar") + ": " + path() + ".rows_per_xbar: expected at most the " +
                    std::to_string(xrows) + " rows of a crossbar (" + pe.xbar().path() + ".rows), got " +
                    std::to_string(m_map_cfg.rows_used));
  m_map_cfg.wcols = pe.xbar().weight_cols();
  m_map_cfg.kernel = pe.kernel();
  m_map_cfg.pes_per_tile = m_tile->pes();
  m_clk = sc_time(1e3 / pe.clock_mhz(), sc_core::SC_NS);
}

double ImcController::pe_cycle_ns() const { return m_tile->pe().cycle_ns(); }

void ImcController::thread() {
  for (;;) {
    sc_core::wait(m_csr->start_event());
    execute();
  }
}

void ImcController::bus_read(uint64_t addr, void* dst, uint64_t len, sc_time& t) {
  controller_read(out, addr, dst, len, t, m_layer_now);
  m_desc_bytes += len;
}

sc_time ImcController::dma(const DmaCommand& c, sc_time start) {
  const sc_time now = sc_core::sc_time_stamp();
  sc_time delay = start > now ? start - now : SC_ZERO_TIME;
  m_dma->transfer(c, delay);
  return sc_core::sc_time_stamp() + delay;
}

sc_time ImcController::account(bool write, uint64_t addr, uint64_t len, sc_time start) {
  if (len == 0) return start;
  const sc_time now = sc_core::sc_time_stamp();
  sc_time delay = start > now ? start - now : SC_ZERO_TIME;
  tlm::tlm_generic_payload p;
  TimingOnlyExt timing;
  p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  p.set_address(addr);
  p.set_data_ptr(nullptr);
  p.set_data_length(unsigned(len));
  p.set_streaming_width(unsigned(len));
  p.set_extension(&timing);
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  out->b_transport(p, delay);
  p.clear_extension(&timing);
  if (p.is_response_error()) throw LayerRefused(ERR_BAD_ADDRESS, m_layer_now, 0, "buffer access failed");
  return sc_core::sc_time_stamp() + delay;
}

void ImcController::load_network(const std::vector<LayerCmd>& layers) {
  // Map every compute layer, then program its crossbars from the runtime's weight layout.
  std::vector<imc::LayerShape> shapes;
  std::vector<uint32_t> ids;
  for (const auto& L : layers)
    if (L.op == OP_CONV || L.op == OP_LINEAR) {
      imc::LayerShape s;
      s.linear = L.op == OP_LINEAR;
      s.in_c = L.g.in_c;
      s.kh = L.g.kh;
      s.kw = L.g.kw;
      s.out_c = L.g.out_c;
      shapes.push_back(s);
      ids.push_back(L.id);
    }
  m_chip = imc::map_network(shapes, m_map_cfg);
  const int avail = m_tile->count();
  if (avail > 0)
    for (size_t i = 0; i < shapes.size(); ++i)
      if (m_chip.layers[i].last_tile >= avail)
        throw LayerRefused(ERR_NO_FIT, ids[i], 0, "layer does not fit the chip's tiles");
  m_prog.clear();
  m_xbar_index = 0;
  ImcPe& pe = m_tile->pe();
  Crossbar& xb = pe.xbar();
  const int k2 = pe.xbars(), wc_max = m_map_cfg.wcols;
  uint64_t rows_programmed = 0;
  std::vector<int8_t> wbuf, sub;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const LayerCmd& L = layers[ids[i]];
    Programmed P;
    P.map = m_chip.layers[i];
    const uint64_t W = L.g.w_dim(), K = uint64_t(L.g.out_c);
    const uint64_t tiles = (K + wc_max - 1) / wc_max;
    wbuf.resize(tiles * W * wc_max);
    m_dma->debug_read(L.w_addr, wbuf.data(), wbuf.size());
    const int P_pos = L.g.kh * L.g.kw;
    const int G = P.map.row_groups;
    P.progs.resize(size_t(P.map.col_groups) * G * k2);
    CellConfig offset_cells = xb.cells();
    offset_cells.encoding = WeightEncoding::offset;
    for (int q = 0; q < P.map.col_groups; ++q) {
      const int wc = int(std::min<uint64_t>(wc_max, K - uint64_t(q) * wc_max));
      for (int g = 0; g < G; ++g) {
        // The weights of every crossbar of this PE (their currents share the column lines, so
        // the flip encoding decides per PE column over all of them).
        const size_t nxb = P.map.groups[size_t(g)].size();
        std::vector<std::vector<int8_t>> subs(nxb);
        std::vector<int64_t> votes(size_t(wc), 0);
        for (size_t j = 0; j < nxb; ++j) {
          const imc::XbarRows& xr = P.map.groups[size_t(g)][j];
          sub.assign(size_t(xr.rows) * wc, 0);
          for (int r = 0; r < xr.rows; ++r) {
            const uint64_t w = xr.flat ? uint64_t(xr.f0 + r) : uint64_t(xr.c0 + r) * P_pos + xr.pos;
            for (int c = 0; c < wc; ++c) sub[size_t(r) * wc + c] = wbuf[(uint64_t(q) * W + w) * wc_max + c];
          }
          if (xb.cells().encoding == WeightEncoding::flip) flip_votes(sub.data(), xr.rows, wc, wc, xb.cells(), votes.data());
          subs[j] = sub;
        }
        std::vector<uint8_t> flips(size_t(wc), 0);
        for (int c = 0; c < wc; ++c) flips[size_t(c)] = votes[size_t(c)] > 0;
        for (size_t j = 0; j < nxb; ++j) {
          const imc::XbarRows& xr = P.map.groups[size_t(g)][j];
          XbarProgram& x = P.progs[(size_t(q) * G + g) * k2 + j];
          x.program(subs[j].data(), xr.rows, wc, wc, xb.cells(), xb.path() + " (layer " + std::to_string(L.id) + ")",
                    flips.data());
          x.index = m_xbar_index++;
          pe.column().program(x, xb.cells(), xb.device());
          uint64_t hrs = 0, units = 0, hrs0 = 0, units0 = 0;
          x.hrs_count(xb.cells(), hrs, units);
          if (xb.cells().encoding == WeightEncoding::offset) {
            hrs0 = hrs;
            units0 = units;
          } else {
            XbarProgram o;
            o.program(subs[j].data(), xr.rows, wc, wc, offset_cells, xb.path());
            o.hrs_count(offset_cells, hrs0, units0);
          }
          xb.count_hrs(hrs, units, hrs0, units0);
          xb.count_program(uint64_t(xr.rows) * x.pcols, uint64_t(xr.rows));
          rows_programmed += uint64_t(xr.rows);
        }
      }
    }
    m_prog[L.id] = std::move(P);
  }
  m_program_ns += double(rows_programmed) * m_program_row_ns;
}

void ImcController::read_maps(const LayerCmd& L, int first, int count, bool timed, sc_time& t, Act& a) {
  if (a.t.empty()) {
    a.c = L.g.in_c;
    a.h = L.g.in_h;
    a.w = L.g.in_w;
    a.planes = L.in_planes;
    a.is_signed = L.flags & DESC_SIGNED_INPUT;
  }
  const uint64_t bytes = L.in_map_bytes();
  std::vector<uint8_t> buf(bytes);
  const uint64_t glb = m_glb->base_address(), half = m_glb->size_bytes();
  for (int i = first; i < first + count; ++i) {
    const uint64_t src = L.in_addr + uint64_t(i) * bytes;
    if (timed && bytes <= half) {
      // DRAM -> global buffer (DMA, real bytes), then the buffer -> the tiles (timing only).
      DmaCommand c;
      c.src = src;
      c.dst = glb;
      c.row_bytes = bytes;
      TileExt e;
      e.tensor = Tensor::input;
      e.layer = L.id;
      e.timestep = uint32_t(i);
      c.tag = e;
      t = dma(c, t);
      m_dma->debug_read(glb, buf.data(), bytes);
      t = account(false, glb, bytes, t);
    } else {
      m_dma->debug_read(src, buf.data(), bytes);
    }
    a.t.push_back(unpack(buf.data(), a.planes, a.c, a.h, a.w, a.is_signed));
  }
}

void ImcController::compute(const LayerCmd& L, const Programmed& P, const Act& in, int ts, std::vector<int64_t>& psum,
                            Counts& cnt) {
  const ConvGeom& g = L.g;
  const imc::LayerMap& m = P.map;
  ImcPe& pe = m_tile->pe();
  const int k2 = pe.xbars(), G = m.row_groups, Q = m.col_groups, wcm = m_map_cfg.wcols;
  const int npx = int(g.npx()), K = g.out_c;
  const bool flat = L.op == OP_LINEAR;
  const int C = g.in_c, H = g.in_h, Wd = g.in_w;
  const int nw = (m_map_cfg.rows_used + 63) / 64;
  psum.assign(size_t(K) * npx, 0);
  cnt.active_by_group.assign(size_t(G), 0);
  const std::vector<int32_t>& x = in.at(ts);
  // Per crossbar of a row group: where its rows come from (input offset of its kernel position,
  // first channel or flat index, rows), and the programs read together, per column group.
  struct Tap {
    int dy, dx, start, rows;
    bool flat;
  };
  std::vector<Tap> taps(size_t(G) * k2);
  std::vector<int> nact(static_cast<size_t>(G), 0), nx(static_cast<size_t>(G), 0);
  uint64_t xbars = 0;  // crossbars of a PE cycle over all row groups
  for (int gi = 0; gi < G; ++gi) {
    nx[size_t(gi)] = int(m.groups[size_t(gi)].size());
    xbars += uint64_t(nx[size_t(gi)]);
    for (int j = 0; j < nx[size_t(gi)]; ++j) {
      const imc::XbarRows& xr = m.groups[size_t(gi)][size_t(j)];
      taps[size_t(gi) * k2 + j] = {xr.pos / g.kw - g.pad, xr.pos % g.kw - g.pad, xr.flat ? xr.f0 : xr.c0, xr.rows, xr.flat};
    }
  }
  std::vector<const XbarProgram*> xs(P.progs.size());
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = &P.progs[i];
  // Multi-bit inputs on PEs whose reads are exact sums (ImcPe::exact_sums): the bit-serial reads
  // add up to weights x values, so the planes only decide the activity counts below and the
  // partial sums are taken in one pass over the values (the same integers).
  bool by_value = in.planes > 1;
  uint64_t pcols = 0;  // physical columns over the column groups (ADC conversions per PE-cycle group)
  for (int q = 0; q < Q; ++q) {
    pcols += uint64_t(P.progs[size_t(q) * G * k2].pcols);
    for (int gi = 0; gi < G; ++gi) by_value = by_value && pe.exact_sums(xs.data() + (size_t(q) * G + gi) * k2, nx[size_t(gi)]);
  }
  uint64_t active_groups = 0;
  // The counts in locals over the loops (stores to the masks could alias cnt's fields).
  uint64_t n_pe_cycles = 0, n_xbar_reads = 0, n_active_xbar_reads = 0, n_active_pe_cycles = 0, n_accumulates = 0;
  uint64_t* const by_group = cnt.active_by_group.data();
  // Bit sets of one plane: conv: per pixel, its channels; linear: the flattened map.
  const int wpp = (C + 63) / 64;
  std::vector<uint64_t> bits;
  std::vector<uint64_t> masks(size_t(G) * k2 * nw);
  std::vector<int64_t> tmp(static_cast<size_t>(wcm), 0);
  // A conv tap reads a channel range of one input pixel, and an input pixel feeds up to
  // kh x kw outputs: each distinct range is extracted once per input pixel and plane.
  const size_t HW = size_t(H) * Wd;
  std::vector<int> tap_range(taps.size(), -1);
  std::vector<std::pair<int, int>> ranges;  // (first channel, rows)
  if (!flat)
    for (int gi = 0; gi < G; ++gi)
      for (int j = 0; j < nx[size_t(gi)]; ++j) {
        const Tap& tp = taps[size_t(gi) * k2 + j];
        const std::pair<int, int> r{tp.start, tp.rows};
        auto it = std::find(ranges.begin(), ranges.end(), r);
        tap_range[size_t(gi) * k2 + j] = int(it - ranges.begin());
        if (it == ranges.end()) ranges.push_back(r);
      }
  std::vector<uint64_t> ext;      // [range][input pixel][nw]: the range's bits
  std::vector<uint32_t> ext_on;   // [range][input pixel]: its set bits
  for (int b = 0; b < in.planes; ++b) {
    const int64_t scale = (in.is_signed && b == in.planes - 1) ? -(int64_t(1) << b) : (int64_t(1) << b);
    bool any = false;
    if (flat) {
      const size_t F = size_t(C) * H * Wd;
      bits.assign((F + 63) / 64 + 1, 0);
      for (size_t i = 0; i < F; ++i)
        if ((x[i] >> b) & 1) {
          bits[i >> 6] |= uint64_t(1) << (i & 63);
          any = true;
        }
    } else {
      bits.assign(size_t(H) * Wd * wpp + 1, 0);
      for (int c = 0; c < C; ++c)
        for (int p = 0; p < H * Wd; ++p)
          if ((x[size_t(c) * H * Wd + p] >> b) & 1) {
            bits[size_t(p) * wpp + (c >> 6)] |= uint64_t(1) << (c & 63);
            any = true;
          }
    }
    if (!any) {
      // No driven row anywhere: every PE cycle of this plane is idle (counted, nothing read).
      n_pe_cycles += uint64_t(npx) * G * Q;
      n_xbar_reads += uint64_t(npx) * xbars * Q;
      continue;
    }
    if (!flat) {
      ext.assign(ranges.size() * HW * nw, 0);
      ext_on.assign(ranges.size() * HW, 0);
      for (size_t ri = 0; ri < ranges.size(); ++ri) {
        const int tw = (ranges[ri].second + 63) / 64;
        for (size_t q = 0; q < HW; ++q) {
          uint64_t* e = ext.data() + (ri * HW + q) * nw;
          extract_bits(bits.data() + q * wpp, ranges[ri].first, ranges[ri].second, e);
          uint32_t on = 0;
          for (int w = 0; w < tw; ++w) on += uint32_t(__builtin_popcountll(e[w]));
          ext_on[ri * HW + q] = on;
        }
      }
    }
    for (int p = 0; p < npx; ++p) {
      const int iy0 = (p / g.out_w) * g.stride, ix0 = (p % g.out_w) * g.stride;
      // Driven rows of every crossbar of every row group at this pixel.
      for (int gi = 0; gi < G; ++gi) {
        int a = 0;
        for (int j = 0; j < nx[size_t(gi)]; ++j) {
          uint64_t* mk = masks.data() + (size_t(gi) * k2 + j) * nw;
          const Tap& tp = taps[size_t(gi) * k2 + j];
          const int tw = (tp.rows + 63) / 64;
          uint64_t rows_on = 0;
          if (tp.flat) {
            extract_bits(bits.data(), tp.start, tp.rows, mk);
            for (int w = 0; w < tw; ++w) rows_on += uint64_t(__builtin_popcountll(mk[w]));
          } else {
            const int iy = iy0 + tp.dy, ix = ix0 + tp.dx;
            if (iy >= 0 && ix >= 0 && iy < H && ix < Wd) {
              const size_t e = size_t(tap_range[size_t(gi) * k2 + j]) * HW + size_t(iy) * Wd + ix;
              const uint64_t* src = ext.data() + e * nw;
              for (int w = 0; w < tw; ++w) mk[w] = src[w];  // (a word or two: no library copy)
              rows_on = ext_on[e];
            }
          }
          if (rows_on == 0)
            for (int w = 0; w < nw; ++w) mk[w] = 0;
          n_accumulates += rows_on * uint64_t(K);  // every driven row adds into all K columns
          a += rows_on != 0;
        }
        nact[size_t(gi)] = a;
        n_pe_cycles += uint64_t(Q);
        n_xbar_reads += uint64_t(nx[size_t(gi)]) * Q;
        n_active_xbar_reads += uint64_t(a) * Q;
        if (a) {
          n_active_pe_cycles += uint64_t(Q);
          by_group[gi] += 1;
          ++active_groups;
        }
      }
      if (by_value) continue;
      for (int q = 0; q < Q; ++q) {
        const int wc = std::min(wcm, K - q * wcm);
        std::fill(tmp.begin(), tmp.begin() + wc, 0);
        bool did = false;
        for (int gi = 0; gi < G; ++gi) {
          if (!nact[size_t(gi)]) continue;  // no driven row: no current, the result is 0
          pe.read(xs.data() + (size_t(q) * G + gi) * k2, masks.data() + size_t(gi) * k2 * nw, nw, nx[size_t(gi)], tmp.data(),
                  scale, m_scratch);
          did = true;
        }
        if (did)
          for (int j = 0; j < wc; ++j) psum[size_t(q * wcm + j) * npx + p] += tmp[size_t(j)];
      }
    }
  }
  cnt.pe_cycles += n_pe_cycles;
  cnt.xbar_reads += n_xbar_reads;
  cnt.active_xbar_reads += n_active_xbar_reads;
  cnt.active_pe_cycles += n_active_pe_cycles;
  cnt.accumulates += n_accumulates;
  if (!by_value) return;
  pe.count_conversions(active_groups * pcols);
  for (int p = 0; p < npx; ++p) {
    const int iy0 = (p / g.out_w) * g.stride, ix0 = (p % g.out_w) * g.stride;
    for (int q = 0; q < Q; ++q) {
      const int wc = std::min(wcm, K - q * wcm);
      std::fill(tmp.begin(), tmp.begin() + wc, 0);
      for (int gi = 0; gi < G; ++gi)
        for (int j = 0; j < nx[size_t(gi)]; ++j) {
          const Tap& tp = taps[size_t(gi) * k2 + j];
          const int32_t* v = x.data() + tp.start;  // flat: rows are consecutive values
          size_t step = 1;
          if (!tp.flat) {
            const int iy = iy0 + tp.dy, ix = ix0 + tp.dx;
            if (iy < 0 || ix < 0 || iy >= H || ix >= Wd) continue;
            v = x.data() + size_t(tp.start) * H * Wd + size_t(iy) * Wd + ix;  // rows are channels
            step = size_t(H) * Wd;
          }
          const int16_t* wt = xs[(size_t(q) * G + gi) * k2 + j]->weight.data();
          for (int r = 0; r < tp.rows; ++r) {
            const int64_t val = v[size_t(r) * step];
            if (!val) continue;
            const int16_t* row = wt + size_t(r) * wc;
            for (int c = 0; c < wc; ++c) tmp[size_t(c)] += val * row[c];
          }
        }
      for (int c = 0; c < wc; ++c) psum[size_t(q * wcm + c) * npx + p] += tmp[size_t(c)];
    }
  }
}

void ImcController::execute() {
  sc_time t = sc_core::sc_time_stamp();
  const sc_time start = t;
  m_busy = 1;
  const uint32_t n = m_csr->reg(REG_NUM_LAYERS), T = m_csr->reg(REG_TIMESTEPS);
  const uint64_t desc = m_csr->reg64(REG_DESC_ADDR_LO);
  uint32_t status = STATUS_DONE;
  uint64_t spikes = 0;
  uint64_t dram = 0;
  double latency_ns = 0;
  // Per-run GLB bytes and input spikes for the counter registers (from the running totals).
  auto glb_bytes = [&] {
    const Stat *r = m_glb->find_stat("bytes_read"), *w = m_glb->find_stat("bytes_written");
    return (r ? r->count : 0) + (w ? w->count : 0);
  };
  auto spikes_in_total = [&] {
    uint64_t s = 0;
    for (const auto& l : m_layers) s += l.spikes_in;
    return s;
  };
  const uint64_t glb0 = glb_bytes(), in0 = spikes_in_total();
  try {
    if (n == 0 || n > 4096) throw LayerRefused(ERR_BAD_SHAPE, 0, REG_NUM_LAYERS, "NUM_LAYERS out of range");
    if (T == 0 || T > 64) throw LayerRefused(ERR_BAD_PARAM, 0, REG_TIMESTEPS, "TIMESTEPS out of range");
    std::vector<LayerDesc> descs(n);
    bus_read(desc, descs.data(), n * sizeof(LayerDesc), t);
    std::vector<LayerCmd> layers;
    for (uint32_t i = 0; i < n; ++i)
      layers.push_back(decode_layer(descs[i], i, [&](uint64_t a, void* d, uint64_t len) { bus_read(a, d, len, t); },
                                    m_tile->lif().share()));
    for (const auto& L : layers)
      if (L.op == OP_ADD && !L.fires()) throw LayerRefused(ERR_BAD_PARAM, L.id, 0, "an add layer must fire");
    if (!m_loaded || desc != m_loaded_desc) {
      load_network(layers);
      m_loaded = true;
      m_loaded_desc = desc;
    }
    if (m_layers.size() < n) m_layers.resize(n);
    ImcPe& pe = m_tile->pe();
    ImcNeuron& lif = m_tile->lif();
    const int ppt = m_map_cfg.pes_per_tile;
    const double cyc_ns = pe.cycle_ns(), clk_ns = m_clk.to_seconds() * 1e9;
    auto is_compute = [](const LayerCmd& L) { return L.op == OP_CONV || L.op == OP_LINEAR; };
    auto ledger = [&] { return ctx().ledger.total_pj(0); };

    // ---- early exit (DT-SNN): an exit unit, a threshold, and an output layer of logits ----
    const LayerCmd& last = layers.back();
    const uint32_t theta = m_csr->reg(REG_EXIT_THRESHOLD);
    const int classes = last.g.out_c * int(last.g.npx());
    const bool exit_on = m_exit && theta != 0 && is_compute(last) && !last.fires();
    if (m_exit) m_exit->reset(classes);

    // ---- per-layer state: input (an earlier layer's output on chip, or DRAM), output, membranes ----
    struct Run {
      Act own, out;
      const Act* in = nullptr;
      const Act* in2 = nullptr;  // add: operand 2 (the shortcut), operand 1 is `in`
      int src = -1, src2 = -1;   // producers of in and in2 (layer index; -1: DRAM)
      int home = 0;              // the tile whose output path holds the layer's result
      bool from_dram = false, shared = false;  // shared: one input map for every timestep
      std::vector<int64_t> mem, psum, psum0;
      Counts total, c0;
      double energy_pj = 0;  // energy charged outside the per-layer accounting (input DMA)
    };
    std::vector<Run> R(n);
    int64_t out_layer = -1;
    for (uint32_t i = 0; i < n; ++i) {
      const LayerCmd& L = layers[i];
      Run& r = R[i];
      for (uint32_t j = i; j-- > 0;)
        if (layers[j].out_addr == L.in_addr) {
          r.in = &R[j].out;
          r.src = int(j);
          break;
        }
      if (is_compute(L)) r.home = m_prog.at(L.id).map.last_tile;
      else if (r.src >= 0) r.home = R[size_t(r.src)].home;  // pool, add: in the producer's tile's output path
      if (L.op == OP_ADD) {
        // Residual join: both operands are maps produced on chip (operand 1: the block's last
        // convolution, int32; operand 2: the shortcut), of the add's shape.
        for (uint32_t j = i; j-- > 0;)
          if (layers[j].out_addr == L.in2_addr) {
            r.in2 = &R[j].out;
            r.src2 = int(j);
            break;
          }
        if (!r.in || !r.in2) throw LayerRefused(ERR_BAD_ADDRESS, L.id, 0, "add: an operand is not a map produced on chip");
        const size_t n1 = size_t(r.in->c) * r.in->h * r.in->w, n2 = size_t(r.in2->c) * r.in2->h * r.in2->w;
        if (n1 != size_t(L.g.out_c) * L.g.out_h * L.g.out_w || n2 != n1)
          throw LayerRefused(ERR_BAD_SHAPE, L.id, 0, "add: the operands' shapes differ from the add's");
      }
      r.out.c = L.g.out_c;
      r.out.h = L.g.out_h;
      r.out.w = L.g.out_w;
      r.out.planes = L.out_planes();  // spikes 1, ANN activations act_bits, pooled maps their sums' planes
      const size_t osz = size_t(r.out.c) * r.out.h * r.out.w;
      if (L.fires() && !L.relu()) r.mem.assign(osz / size_t(L.neuron.share), 0);  // C#n: one membrane per group
      if (is_compute(L) && !L.fires()) out_layer = int64_t(i);
      if (r.in) continue;
      // ---- input: DRAM -> global buffer -> tiles (with early exit, a per-timestep input map is
      // read when its timestep starts) ----
      r.from_dram = true;
      r.in = &r.own;
      r.shared = !L.input_per_t();
      const int maps = (L.input_per_t() && !exit_on) ? int(T) : 1;
      const double e0 = ledger();
      read_maps(L, 0, maps, L.id == 0 && !m_dense, t, r.own);
      r.energy_pj += ledger() - e0;
      if (L.id == 0) dram += L.in_map_bytes() * uint64_t(maps);
    }

    // ---- timing: SpikeSim's layer pipeline over `Tm` timesteps, in PE cycles; NoC and LIF-chain
    // time on top (physical mode) ----
    struct Work {
      uint32_t layer;
      uint64_t units;   // PE cycles (or SpikeSim outputs) per timestep
      double extra_ns;  // per timestep: NoC time of the layer's output spikes + LIF stalls (C#n)
      double drain_ns;  // once at the layer's end: the last pixel's LIF chain beyond one update (C#n)
    };
    std::vector<Work> work;
    // The next compute layer's first tile after layer i (where i's output spikes go).
    auto next_tile = [&](uint32_t i, int fallback) {
      for (uint32_t j = i + 1; j < n; ++j)
        if (is_compute(layers[j])) return m_prog.at(layers[j].id).map.first_tile;
      return fallback;
    };
    // Bytes of an add's shortcut map (operand 2: 1 bit per spike, act_bits per ANN activation
    // (its planes), 32 per int32 value) and of its output map.
    auto add_bytes = [&](const LayerCmd& L, uint64_t& shortcut, uint64_t& output) {
      const uint64_t e = uint64_t(L.g.out_c) * L.g.npx();
      shortcut = (e * ((L.flags & DESC_IN2_SPIKES) ? uint64_t(L.in_planes) : 32) + 7) / 8;
      output = (e * uint64_t(L.out_planes()) + 7) / 8;
    };
    for (uint32_t i = 0; i < n; ++i) {
      const LayerCmd& L = layers[i];
      if (L.op == OP_ADD) {
        // A pipeline stage without PE cycles: the neuron units of operand 1's tile integrate the
        // sum pixel by pixel behind the producer's PE cycles (as a firing layer's LIF does); per
        // timestep the shortcut crosses the NoC to that tile and the spikes leave for the next
        // compute layer; C#n chains longer than the producer's PE cycles per pixel stall.
        Work w{L.id, 0, 0.0, 0.0};
        if (!m_dense) {
          const Run& r = R[i];
          uint64_t sc = 0, ob = 0;
          add_bytes(L, sc, ob);
          w.extra_ns = m_noc->latency_ns(R[size_t(r.src2)].home, r.home, sc) +
                       m_noc->latency_ns(r.home, next_tile(i, r.home), ob);
          const LayerCmd& P1 = layers[size_t(r.src)];
          const double pe_px =
              is_compute(P1) ? double(uint64_t(R[size_t(r.src)].in->planes) * uint64_t(pe.passes())) * cyc_ns : 0.0;
          const int chain = lif.chain_clocks(), one = chain / lif.share();
          if (chain > one) {
            w.extra_ns += double(L.g.npx()) * std::max(0.0, double(chain) * clk_ns - pe_px);
            w.drain_ns = double(chain - one) * clk_ns;
          }
        }
        work.push_back(w);
        continue;
      }
      if (!is_compute(L)) continue;
      const Programmed& P = m_prog.at(L.id);
      const uint64_t npx = L.g.npx();
      const uint64_t per_px = uint64_t(R[i].in->planes) * uint64_t(pe.passes());
      Work w{L.id, m_dense ? uint64_t(L.g.out_c) * npx : npx * per_px, 0.0, 0.0};
      if (!m_dense && L.fires()) {
        int dst = P.map.last_tile;
        for (uint32_t j = i + 1; j < n; ++j)
          if (is_compute(layers[j])) {
            dst = m_prog.at(layers[j].id).map.first_tile;
            break;
          }
        w.extra_ns = m_noc->latency_ns(P.map.last_tile, dst, (uint64_t(L.g.out_c) * npx * uint64_t(L.out_planes()) + 7) / 8);
        // One circuit serves lif.share() channels per pixel, update_clocks each: the chain runs
        // behind the PE cycles (one update fits in the PE cycle, as SpikeSim's neuron); a chain
        // longer than a pixel's PE cycles stalls every pixel, and the last pixel's chain adds its
        // remaining updates at the layer's end.
        const int chain = lif.chain_clocks(), one = chain / lif.share();
        if (chain > one) {
          const double lif_px = double(chain) * clk_ns, pe_px = double(per_px) * cyc_ns;
          w.extra_ns += double(npx) * std::max(0.0, lif_px - pe_px);
          w.drain_ns = double(chain - one) * clk_ns;
        }
      }
      work.push_back(w);
    }
    // Returns the pipeline's end (ns after t0_ns); sets the layers' start (first) and end times.
    auto pipeline = [&](uint64_t Tm, double t0_ns, bool first) {
      double pipe_end = 0, acc = 0, prev_end = 0;
      uint64_t s = 0;  // start of the current layer, PE cycles
      for (const Work& w : work) {
        const uint64_t D = w.units * Tm;
        const double st_ns = double(s) * cyc_ns + acc;
        double en_ns = st_ns + double(D) * cyc_ns + w.extra_ns * double(Tm);
        if (!m_dense) en_ns = std::max(en_ns, prev_end + cyc_ns) + w.drain_ns;
        ImcLayerStats& ls = m_layers[w.layer];
        if (first) ls.start_ns = t0_ns + st_ns;
        ls.end_ns = t0_ns + en_ns;
        if (m_dense) pipe_end = en_ns;  // SpikeSim: the last layer's halt
        else pipe_end = std::max(pipe_end, en_ns);
        prev_end = en_ns;
        acc += w.extra_ns * double(Tm);
        s += uint64_t(std::floor(m_fraction * double(w.units))) * Tm;
      }
      return pipe_end;
    };

    // With early exit the logits of each timestep go tile -> global buffer, where the exit
    // unit reads them (above the input map's space).
    const uint64_t kbytes = uint64_t(classes) * 4;
    const uint64_t stage_off = (layers[0].in_map_bytes() + 31) / 32 * 32;
    const bool staged = exit_on && !m_dense && stage_off + uint64_t(T) * kbytes <= m_glb->size_bytes();
    const uint64_t stage = m_glb->base_address() + stage_off;
    const int64_t scale = int64_t(last.out_scale_q24);

    // ---- functional pass, timestep-outer: every layer at t, then t + 1 (membranes stay in the
    // tiles; weights stay in the crossbars) ----
    uint32_t ran = T;
    double exit_ns = 0;  // dense mode with early exit: the timesteps' pipelines and decisions
    for (uint32_t ts = 0; ts < T; ++ts) {
      m_t_now = ts;
      if (exit_on && ts > 0)
        for (uint32_t i = 0; i < n; ++i)
          if (R[i].from_dram && layers[i].input_per_t()) {
            const double e0 = ledger();
            read_maps(layers[i], int(ts), 1, i == 0 && !m_dense, t, R[i].own);
            R[i].energy_pj += ledger() - e0;
            if (i == 0) dram += layers[i].in_map_bytes();
          }
      for (uint32_t i = 0; i < n; ++i) {
        const LayerCmd& L = layers[i];
        Run& r = R[i];
        m_layer_now = L.id;
        ImcLayerStats& st = m_layers[L.id];
        st.layer = int(L.id);
        st.op = op_name(L.op);
        const Act& in = *r.in;
        st.planes = in.planes;
        if (L.op != OP_ADD)
          for (int32_t v : in.at(int(ts))) st.spikes_in += uint64_t(__builtin_popcount(uint32_t(v)));
        else if (L.flags & DESC_IN2_SPIKES)  // an add is fed the shortcut's set bits (as SATA counts them)
          for (int32_t v : r.in2->at(int(ts))) st.spikes_in += uint64_t(__builtin_popcount(uint32_t(v)));
        const size_t osz = size_t(r.out.c) * r.out.h * r.out.w;
        if (is_compute(L)) {
          const Programmed& P = m_prog.at(L.id);
          st.pes = P.map.pes;
          st.first_tile = P.map.first_tile;
          st.last_tile = P.map.last_tile;
          const uint64_t npx = L.g.npx();
          if (r.shared && ts > 0) {
            r.psum = r.psum0;
            r.total.add(r.c0);
          } else {
            Counts c;
            compute(L, P, in, int(ts), r.psum, c);
            r.total.add(c);
            if (r.shared) {
              r.psum0 = r.psum;
              r.c0 = c;
            }
          }
          if (m_psum_stats && L.fires()) {
            // Pre-BN statistics per output channel (BN adaptation): sum and sum of squares.
            PsumStats& ps = m_psum[L.id];
            const size_t K = size_t(L.g.out_c);
            if (ps.sum.size() != K) {
              ps.sum.assign(K, 0.0);
              ps.sumsq.assign(K, 0.0);
            }
            for (size_t k = 0; k < K; ++k)
              for (uint64_t p = 0; p < npx; ++p) {
                const double v = double(r.psum[k * npx + p]);
                ps.sum[k] += v;
                ps.sumsq[k] += v * v;
              }
            ps.count += double(npx);
          }
          if (L.relu()) {
            // ANN: ReLU + requantize to act_bits (no membrane); the activations go on as planes.
            std::vector<int32_t> act(osz);
            const uint64_t f =
                lif.relu(r.psum.data(), osz, npx, L.multiplier.data(), L.offset.data(), L.shift, L.act_bits, act.data());
            st.spikes_out += f;
            spikes += f;
            st.neuron_updates += osz;
            r.out.t.push_back(std::move(act));
          } else if (L.fires()) {
            std::vector<int32_t> spk(osz);
            const uint64_t f = lif.step(r.psum.data(), osz, npx, L.multiplier.data(), L.offset.data(), L.shift, L.neuron,
                                        r.mem.data(), spk.data());
            st.spikes_out += f;
            spikes += f;
            st.neuron_updates += osz;
            r.out.t.push_back(std::move(spk));
          } else {
            std::vector<int32_t> v(osz);
            for (size_t k = 0; k < osz; ++k) {
              if (r.psum[k] > INT32_MAX || r.psum[k] < INT32_MIN)
                throw LayerRefused(ERR_BAD_PARAM, L.id, 0, "output accumulation overflows int32");
              v[k] = int32_t(r.psum[k]);
            }
            r.out.t.push_back(std::move(v));
          }
        } else if (L.op == OP_ADD) {
          // Residual join: operand 1 (int32 accumulations) + operand 2 (spikes, activations or
          // int32), elementwise, into the neuron units with the layer's own membranes (ANN: ReLU
          // + requantize); the descriptor's fixed point is the identity (multiplier 1, offset 0).
          st.first_tile = st.last_tile = r.home;
          const std::vector<int32_t>&a = in.at(int(ts)), &b = r.in2->at(int(ts));
          r.psum.resize(osz);
          for (size_t k = 0; k < osz; ++k) r.psum[k] = int64_t(a[k]) + int64_t(b[k]);
          const uint64_t npx = L.g.npx();
          std::vector<int32_t> o(osz);
          const uint64_t f =
              L.relu() ? lif.relu(r.psum.data(), osz, npx, L.multiplier.data(), L.offset.data(), L.shift, L.act_bits, o.data())
                       : lif.step(r.psum.data(), osz, npx, L.multiplier.data(), L.offset.data(), L.shift, L.neuron,
                                  r.mem.data(), o.data());
          st.spikes_out += f;
          spikes += f;
          st.neuron_updates += osz;
          if (m_capture_adds) {
            AddMaps& cap = m_add_maps[L.id];
            if (ts == 0) cap = AddMaps{};
            cap.a.push_back(a);
            cap.b.push_back(b);
            cap.out.push_back(o);
          }
          r.out.t.push_back(std::move(o));
        } else if (L.op == OP_MAXPOOL || L.op == OP_AVGPOOL) {
          tensor_shape is{L.g.in_c, L.g.in_h, L.g.in_w}, os{r.out.c, r.out.h, r.out.w};
          std::vector<int32_t> v(osz);
          if (L.op == OP_MAXPOOL) arith::maxpool2d(in.at(int(ts)).data(), is, L.g.kh, L.g.stride, L.g.pad, os, v.data());
          else arith::avgpool2d(in.at(int(ts)).data(), is, L.g.kh, L.g.stride, L.g.pad, os, v.data());
          for (int32_t x : v) st.spikes_out += x != 0;  // non-zero outputs, as SATA counts them
          r.out.t.push_back(std::move(v));
        }
      }
      if (!exit_on) continue;
      // ---- the timestep's pipeline, then the exit unit's decision (it must see the logits of t
      // before t + 1 starts: timesteps do not overlap) ----
      if (m_dense) {
        exit_ns += pipeline(1, exit_ns, ts == 0);
      } else {
        const double p = pipeline(1, (t - start).to_seconds() * 1e9, ts == 0);
        t += sc_time(p, sc_core::SC_NS);
      }
      std::vector<int32_t> z = R[n - 1].out.t[ts];
      if (staged) {
        const uint64_t a = stage + uint64_t(ts) * kbytes;
        m_dma->debug_write(a, z.data(), kbytes);
        t = account(true, a, kbytes, t);                       // output tile -> global buffer
        controller_read(out, a, z.data(), kbytes, t, n - 1);  // the exit unit reads them (real bytes)
      }
      bool stop = false;
      int best = 0;
      const uint64_t dc = m_exit->step(z.data(), classes, scale, theta, stop, best);
      if (m_dense) exit_ns += double(dc) * clk_ns;
      else t += m_clk * double(dc);
      if (stop) {
        ran = ts + 1;
        if (ran < T) status |= STATUS_EXITED_EARLY;
        break;
      }
    }

    // ---- energy of the timesteps run, per layer ----
    for (uint32_t i = 0; i < n; ++i) {
      const LayerCmd& L = layers[i];
      Run& r = R[i];
      ImcLayerStats& st = m_layers[L.id];
      const double e0 = ledger();
      if (is_compute(L)) {
        const Programmed& P = m_prog.at(L.id);
        const uint64_t npx = L.g.npx();
        const size_t osz = size_t(r.out.c) * r.out.h * r.out.w;
        const Counts& total = r.total;
        st.pe_cycles += total.pe_cycles;
        st.active_pe_cycles += total.active_pe_cycles;
        st.xbar_reads += total.xbar_reads;
        st.active_xbar_reads += total.active_xbar_reads;
        st.accumulates += total.accumulates;
        m_accumulates += total.accumulates;
        const uint64_t spikesim_cycles = uint64_t(P.map.pes) * npx * ran;  // SpikeSim's PE cycles (no input planes)
        Crossbar& xb = pe.xbar();
        if (m_dense) {
          const uint64_t f = uint64_t(m_dense_factor);
          xb.count_reads(spikesim_cycles * f * uint64_t(pe.xbars()));
          pe.count_raw(spikesim_cycles * f * pe.adcs(), spikesim_cycles * f * pe.adcs(), spikesim_cycles * f * 16,
                       spikesim_cycles * f);
          m_tile->count_buffer(spikesim_cycles);
          m_tile->count_fetch(spikesim_cycles);
          m_noc->count_hops(spikesim_cycles * uint64_t(m_dense_hops));
          lif.count_updates(spikesim_cycles * uint64_t(m_dense_neuron));
        } else {
          const uint64_t cycles = m_zero_skip ? total.active_pe_cycles : total.pe_cycles;
          xb.count_reads(m_zero_skip ? total.active_xbar_reads : total.xbar_reads);
          pe.count_cycles(cycles);
          m_tile->count_buffer(cycles);
          m_tile->count_fetch(cycles);
          if (L.fires()) lif.count_updates(uint64_t(osz) * ran);
          // Partial sums of row-group PEs in other tiles travel to the col group's first PE.
          for (int q = 0; q < P.map.col_groups; ++q) {
            const int wc = std::min(m_map_cfg.wcols, L.g.out_c - q * m_map_cfg.wcols);
            const int dst = P.map.tile_of(q * P.map.row_groups, ppt);
            for (int gi = 1; gi < P.map.row_groups; ++gi) {
              const int src = P.map.tile_of(q * P.map.row_groups + gi, ppt);
              const uint64_t times = m_zero_skip ? total.active_by_group[size_t(gi)] : npx * ran * uint64_t(r.in->planes);
              if (src != dst && times) {
                m_noc->transfer(src, dst, uint64_t(wc) * 4, times);
                st.noc_bytes += uint64_t(wc) * 4 * times;
              }
            }
          }
          // Output spikes (ANN: activations, act_bits each) to the next compute layer's tiles.
          if (L.fires()) {
            int dst = P.map.last_tile;
            for (uint32_t j = i + 1; j < n; ++j)
              if (is_compute(layers[j])) {
                dst = m_prog.at(layers[j].id).map.first_tile;
                break;
              }
            const uint64_t bytes = (osz * uint64_t(r.out.planes) + 7) / 8;
            m_noc->transfer(P.map.last_tile, dst, bytes, ran);
            st.noc_bytes += bytes * ran;
          }
        }
      }
      if (L.op == OP_ADD) {
        // The add in the tile's output path: one neuron update per output element (the LIF
        // takes the sum as its input); the shortcut crosses the NoC to the add's tile and the
        // output goes to the next compute layer's tiles, as compute layers' outputs do.
        const size_t osz = size_t(r.out.c) * r.out.h * r.out.w;
        lif.count_updates(uint64_t(osz) * ran);
        if (!m_dense) {
          uint64_t sc = 0, ob = 0;
          add_bytes(L, sc, ob);
          m_noc->transfer(R[size_t(r.src2)].home, r.home, sc, ran);
          m_noc->transfer(r.home, next_tile(i, r.home), ob, ran);
          st.noc_bytes += (sc + ob) * ran;
        }
      }
      st.energy_pj += ledger() - e0 + r.energy_pj;
    }

    // ---- static T: the whole pipeline over T timesteps (SpikeSim) ----
    double pipe_end = 0;
    if (!exit_on) {
      const double t_pipe0 = m_dense ? 0.0 : (t - start).to_seconds() * 1e9;
      pipe_end = pipeline(T, t_pipe0, true);
      t = t + sc_time(pipe_end, sc_core::SC_NS);
    }
    // ---- outputs: the output layer's accumulations -> global buffer -> DRAM ----
    if (out_layer >= 0) {
      const LayerCmd& L = layers[size_t(out_layer)];
      const Act& o = R[size_t(out_layer)].out;
      const uint64_t k = uint64_t(L.g.out_c) * L.g.npx();
      std::vector<int32_t> outputs(size_t(ran) * k);  // [ran][K * npx]
      for (uint32_t ts = 0; ts < ran; ++ts) std::copy(o.t[ts].begin(), o.t[ts].end(), outputs.begin() + ts * k);
      const uint64_t bytes = outputs.size() * 4;
      TileExt e;
      e.tensor = Tensor::output;
      e.layer = L.id;
      DmaCommand c;
      c.dst = L.out_addr;
      c.row_bytes = bytes;
      c.tag = e;
      if (staged) {
        // Already in the global buffer (written after each timestep): on to DRAM.
        c.src = stage;
        t = dma(c, t);
      } else if (bytes <= m_glb->size_bytes()) {
        m_dma->debug_write(m_glb->base_address(), outputs.data(), bytes);
        const sc_time tw = account(true, m_glb->base_address(), bytes, t);
        c.src = m_glb->base_address();
        const sc_time te = dma(c, tw);
        if (!m_dense) t = te;
      } else {
        m_dma->debug_write(L.out_addr, outputs.data(), bytes);
      }
      dram += bytes;
      // The argmax unit: the summed accumulations of the timesteps run, ties to the lowest.
      std::vector<int64_t> sum(k, 0);
      for (uint32_t u = 0; u < ran; ++u)
        for (uint64_t j = 0; j < k; ++j) sum[j] += outputs[u * k + j];
      uint32_t best = 0;
      for (uint64_t j = 1; j < k; ++j)
        if (sum[j] > sum[best]) best = uint32_t(j);
      m_csr->set(REG_PREDICTION, best);
    }
    m_csr->set(REG_EXIT_TIMESTEP, ran);
    if (m_dense) latency_ns = exit_on ? exit_ns : pipe_end;
    else latency_ns = (t - start).to_seconds() * 1e9;
  } catch (const LayerRefused& r) {
    status = STATUS_ERROR;
    m_csr->set(REG_ERR_CODE, r.code);
    m_csr->set(REG_ERR_LAYER, r.layer);
    m_csr->set(REG_ERR_FIELD, r.field);
    m_csr->set_refusal_reason(r.what());
    ++m_refused;
  }
  const sc_time end = std::max(t, start + sc_time(latency_ns, sc_core::SC_NS));
  if (end > sc_core::sc_time_stamp()) sc_core::wait(end - sc_core::sc_time_stamp());
  const uint64_t cycles = uint64_t(latency_ns * 1e-9 / m_clk.to_seconds() + 0.5);
  m_cycles += cycles;
  ++m_runs;
  if (!(status & STATUS_ERROR)) m_run_latency.push_back(latency_ns * 1e-9);
  m_csr->set64(REG_CYCLES_LO, cycles);
  m_csr->set64(REG_DRAM_BYTES_LO, dram);
  m_csr->set64(REG_SPIKES_LO, spikes);
  m_csr->set64(REG_GLB_BYTES_LO, glb_bytes() - glb0);
  m_csr->set64(REG_SPIKES_IN_LO, spikes_in_total() - in0);
  m_csr->set(REG_STATUS, status);
  m_busy = 0;
  m_csr->raise_irq();
}

SPIKETLM_REGISTER_KIND(ImcController, "controller.imc", "control",
                       "IMC chip controller: descriptors, crossbar programming, timestep loop, SpikeSim pipeline timing");

}  // namespace spiketlm
