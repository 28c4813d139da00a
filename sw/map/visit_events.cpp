#include "sw/map/visit_events.h"

#include <algorithm>

#include "sw/map/cost_model.h"

namespace spiketlm::map {

void Events::add(const Events& o) {
  dram_rd += o.dram_rd, dram_wr += o.dram_wr, dram_bytes += o.dram_bytes;
  for (int g = 0; g < kGlbs; ++g) glb_rd[size_t(g)] += o.glb_rd[size_t(g)], glb_wr[size_t(g)] += o.glb_wr[size_t(g)];
  spad_rd += o.spad_rd, spad_wr += o.spad_wr;
  fold_cycles += o.fold_cycles, lif_cycles += o.lif_cycles, span_ns += o.span_ns;
}

EventCounter::EventCounter(const Hierarchy& hh)
    : h(hh), half{hh.glb_weight.capacity / 2, hh.glb_ifmap.capacity / 2, hh.glb_ofmap.capacity / 2} {}

namespace {

// The chunk pipeline of one transfer: reads stream (step rs after a latency), each write
// starts when its read is done and the previous write has finished, and takes w. `extra`: the
// first chunk's DRAM row activation (on the read side of a load, the write side of a write-back).
struct Pipe {
  double R = -1, W = 0, first = 0, w_last = 0;
  uint64_t n_all = 0;
  void chunks(uint64_t nf, double lat, double rs, double w, double extra, bool load) {
    if (!nf) return;
    if (R < 0) R = lat, first = load ? lat + rs : lat;
    n_all += nf, w_last = w;
    if (extra > 0) {
      if (load) R += extra;
      W = std::max(R + rs, W) + w + (load ? 0 : extra);
      R += rs;
      if (!--nf) return;
    }
    const double n = double(nf);
    W = std::max({W + n * w, R + rs + n * w, R + n * rs + w});
    R += n * rs;
  }
};

}  // namespace

void EventCounter::close_rows() const {
  m_open.assign(h.dram_banks * h.dram_channels, -1);
  m_written = -1;
  for (int g = 0; g < kGlbs; ++g) m_busy[size_t(g)].assign(h.glb_banks[size_t(g)], 0.0);
}

double EventCounter::open(uint64_t row, bool write) const {
  if (m_open.empty()) close_rows();
  const int64_t bank = int64_t(row % (h.dram_banks * h.dram_channels)), r = int64_t(row / (h.dram_banks * h.dram_channels));
  int64_t& o = m_open[size_t(bank)];
  double d = 0;
  if (o != r) d = o < 0 ? h.dram_trcd_ns : h.dram_trp_ns + h.dram_trcd_ns + (m_written == bank ? h.dram_twr_ns : 0);
  o = r;
  m_written = write ? bank : (m_written == bank ? -1 : m_written);
  return d;
}

double EventCounter::rows(const Xfer& x, bool load, int g, Events& e, double at) const {
  if ((load ? x.src : x.dst) & on_chip_map) return glb_rows(x, load, g, e, at);
  // Dma::transfer: each row in chunks of dma_chunk bytes, one DRAM and one GLB transaction each;
  // Dram::access: the bursts a chunk touches, an activation when its row is not open.
  const uint64_t C = h.dma_chunk, B = h.dram_burst, K = h.glb_block[size_t(g)], nb = h.glb_banks[size_t(g)];
  const uint64_t RB = h.dram_row_bytes;
  const uint64_t ss = x.src_stride ? x.src_stride : x.row_bytes, ds = x.dst_stride ? x.dst_stride : x.row_bytes;
  uint64_t bursts = 0, blocks = 0;
  Pipe pipe;
  auto chunks = [&](uint64_t nf, uint64_t n, uint64_t b, uint64_t k, double extra) {
    bursts += nf * b, blocks += nf * k;
    const double bus = h.bus_latency_ns + double(n) * h.bus_ns_per_byte;
    const double glb_t = double((k + nb - 1) / nb) * (load ? h.glb_write_ns : h.glb_read_ns)[size_t(g)];
    if (load) pipe.chunks(nf, h.dma_setup_ns + bus + h.dram_cl_ns, double(b) * h.dram_burst_ns, bus + glb_t, extra, true);
    else pipe.chunks(nf, h.dma_setup_ns + bus, glb_t, bus + h.dram_cwl_ns + double(b) * h.dram_burst_ns, extra, false);
  };
  const bool aligned = C % B == 0 && C % K == 0;  // every chunk starts where the row does, modulo B and K
  const uint64_t nch = (x.row_bytes + C - 1) / C, last = x.row_bytes - (nch - 1) * C;
  for (uint64_t r = 0; r < x.rows && x.row_bytes; ++r) {
    const uint64_t s = x.src + r * ss, d = x.dst + r * ds, a = load ? s : d, ga = load ? d : s;
    for (uint64_t k = 0; k < nch;) {  // the chunks that start in one DRAM row
      const uint64_t row = (a + k * C) / RB;
      const uint64_t k1 = std::min(nch, ((row + 1) * RB - a + C - 1) / C);
      const double extra = open(row, !load);
      if (!aligned) {
        for (uint64_t j = k; j < k1; ++j) {
          const uint64_t n = j + 1 == nch ? last : C;
          chunks(1, n, span(a + j * C, n, B), span(ga + j * C, n, K), j == k ? extra : 0);
        }
      } else {
        const uint64_t full = k1 == nch && last < C ? k1 - k - 1 : k1 - k;
        chunks(full, C, span(a, C, B), span(ga, C, K), extra);
        if (full < k1 - k) chunks(1, last, span(a, last, B), span(ga, last, K), full ? 0 : extra);
      }
      k = k1;
    }
  }
  (load ? e.dram_rd : e.dram_wr) += bursts;
  (load ? e.glb_wr : e.glb_rd)[size_t(g)] += blocks;
  e.dram_bytes += x.rows * x.row_bytes;
  if (m_busy[size_t(g)].empty()) close_rows();
  // The GLB side: the first access waits for the banks' bookings; the last books them (a
  // write-back's reads run at most 8 chunks ahead of its writes: the DMA's buffers).
  auto& busy = m_busy[size_t(g)];
  const double booked = *std::max_element(busy.begin(), busy.end());
  const double shift = std::max(0.0, booked - (at + pipe.first));
  const double done = load ? pipe.W : std::max(pipe.R, pipe.W - double(std::min<uint64_t>(pipe.n_all, 8)) * pipe.w_last);
  for (double& b : busy) b = std::max(b, at + shift + done);
  return shift + pipe.W;
}

double EventCounter::glb_rows(const Xfer& x, bool load, int g, Events& e, double at) const {
  // Dma::transfer between two Srams: per chunk a read of the source GLB's blocks (over its banks)
  // and a write of the destination's, each after the router; no DRAM, no row activation.
  const size_t gs = size_t(load ? int(glb_i) : g), gd = size_t(load ? g : int(glb_i));
  const uint64_t C = h.dma_chunk, ss = x.src_stride ? x.src_stride : x.row_bytes;
  const uint64_t ds = x.dst_stride ? x.dst_stride : x.row_bytes;
  Pipe pipe;
  uint64_t rd = 0, wr = 0;
  for (uint64_t r = 0; r < x.rows && x.row_bytes; ++r) {
    const uint64_t s = (x.src + r * ss) & ~on_chip_map, d = (x.dst + r * ds) & ~on_chip_map;
    for (uint64_t o = 0; o < x.row_bytes; o += C) {
      const uint64_t n = std::min(C, x.row_bytes - o);
      const uint64_t ks = span(s + o, n, h.glb_block[gs]), kd = span(d + o, n, h.glb_block[gd]);
      rd += ks, wr += kd;
      const double bus = h.bus_latency_ns + double(n) * h.bus_ns_per_byte;
      const double rt = double((ks + h.glb_banks[gs] - 1) / h.glb_banks[gs]) * h.glb_read_ns[gs];
      const double wt = double((kd + h.glb_banks[gd] - 1) / h.glb_banks[gd]) * h.glb_write_ns[gd];
      pipe.chunks(1, h.dma_setup_ns + bus, rt, bus + wt, 0, true);
    }
  }
  e.glb_rd[gs] += rd, e.glb_wr[gd] += wr;
  if (m_busy[gs].empty()) close_rows();
  // both GLBs' banks: the first access waits for their bookings, the last books them
  double booked = 0;
  for (size_t k : {gs, gd}) booked = std::max(booked, *std::max_element(m_busy[k].begin(), m_busy[k].end()));
  const double shift = std::max(0.0, booked - (at + pipe.first));
  for (size_t k : {gs, gd})
    for (double& b : m_busy[k]) b = std::max(b, at + shift + pipe.W);
  return shift + pipe.W;
}

double EventCounter::load(const Xfer& x, int g, Events& e, double at) const { return rows(x, true, g, e, at); }
double EventCounter::write_back(const Xfer& x, int g, Events& e, double at) const { return rows(x, false, g, e, at); }

double EventCounter::glb(bool write, int g, uint64_t addr, uint64_t len, uint64_t piece, Events& e, double at) const {
  if (!len) return 0;
  if (m_busy[size_t(g)].empty()) close_rows();
  const uint64_t K = h.glb_block[size_t(g)], nb = h.glb_banks[size_t(g)];
  if (!piece || piece >= len) piece = len;
  const uint64_t full = len / piece, last = len % piece;
  // Sram::access: a transaction's blocks round-robin over the banks from its first block's
  auto& busy = m_busy[size_t(g)];
  std::vector<uint64_t> on(nb, 0);
  auto spread = [&](uint64_t n, uint64_t bytes) {
    const uint64_t blocks = span(addr, bytes, K), b0 = (addr / K) % nb;
    for (uint64_t k = 0; k < nb; ++k) on[(b0 + k) % nb] += n * (blocks / nb + (k < blocks % nb ? 1 : 0));
    (write ? e.glb_wr : e.glb_rd)[size_t(g)] += n * blocks;
  };
  spread(full, piece);
  if (last) spread(1, last);
  // every transaction at once (the router's time each), the banks serialise their blocks
  const double arrival = at + h.bus_latency_ns + double(piece) * h.bus_ns_per_byte;
  const double t = (write ? h.glb_write_ns : h.glb_read_ns)[size_t(g)];
  double done = at;
  for (uint64_t k = 0; k < nb; ++k) {
    if (!on[k]) continue;
    busy[k] = std::max(busy[k], arrival) + double(on[k]) * t;
    done = std::max(done, busy[k]);
  }
  return done - at;
}

uint64_t EventCounter::ofmap_half(const VisitCall& v) const { return glb_half(h.glb_ofmap.capacity, v.state); }

uint64_t EventCounter::ifmap_half(const VisitCall& v) const { return glb_half(h.glb_ifmap.capacity, v.maps); }

uint64_t EventCounter::weight_base(const VisitCall& v) const {
  return h.glb_weight.capacity - v.weights.reserved + uint64_t(v.weights.offset);
}

uint64_t EventCounter::state_base(const VisitCall& v) const {
  return h.glb_ofmap.capacity - v.state.reserved + uint64_t(v.state.offset);
}

Events EventCounter::pool(const MapLayer& L, const VisitCall& v, std::string* refusal) const {
  // LayerEngine::run_pool / pool_band_call: channel groups, bands, one slot per step.
  Events e;
  close_rows();
  const ConvGeom& g = L.geom;
  const int ip = L.in_planes, op = L.out_planes, C = g.in_c;
  const uint64_t oh = ofmap_half(v);
  const uint64_t ih = ifmap_half(v);
  const GroupPlan p = plan_pool(g, ip, op, ih, oh);
  if (p.refusal) {
    if (refusal) *refusal = p.refusal.reason;
    return e;
  }
  const uint64_t pin = (uint64_t(g.in_w) + 7) / 8, pout = (uint64_t(g.out_w) + 7) / 8;
  const uint64_t in_plane = uint64_t(C) * g.in_h * pin, out_plane = uint64_t(C) * g.out_h * pout;
  int step = 0;
  double& at = e.span_ns;  // pool_band_call: one chain of transfers and accesses
  for (int t = v.t0; t < v.t0 + v.nt; ++t)
    for (int gi = 0; gi < p.groups; ++gi) {
      const int k0 = gi * p.group, kn = std::min(p.group, C - k0);
      const bool whole = kn == C;
      for (int r0 = 0; r0 < g.out_h; r0 += p.band_rows, ++step) {
        const int r1 = std::min(g.out_h, r0 + p.band_rows);
        const int y0 = std::max(0, r0 * g.stride - g.pad);
        const int nrows = std::min(g.in_h, (r1 - 1) * g.stride - g.pad + g.kh) - y0;
        const uint64_t islot = uint64_t(step % 2) * ih, oslot = uint64_t(step % 2) * oh;
        const uint64_t in_base = L.in_addr + (L.input_per_t ? uint64_t(t) * uint64_t(ip) * in_plane : 0);
        Xfer c{0, 0, uint64_t(whole ? ip : 1) * kn, uint64_t(nrows) * pin, uint64_t(g.in_h) * pin, 0};
        const uint64_t in_pl = uint64_t(kn) * c.row_bytes, in_bytes = uint64_t(ip) * in_pl;
        for (int pl = 0; pl < (whole ? 1 : ip); ++pl) {
          c.src = in_base + uint64_t(pl) * in_plane + uint64_t(k0) * g.in_h * pin + uint64_t(y0) * pin;
          c.dst = islot + uint64_t(pl) * in_pl;
          at += load(c, glb_i, e, at);
        }
        Xfer o{0, 0, uint64_t(whole ? op : 1) * kn, uint64_t(r1 - r0) * pout, 0, uint64_t(g.out_h) * pout};
        const uint64_t out_pl = uint64_t(kn) * o.row_bytes;
        at += glb(false, glb_i, islot, in_bytes, 0, e, at);
        at += glb(true, glb_o, oslot, uint64_t(op) * out_pl, 0, e, at);
        for (int pl = 0; pl < (whole ? 1 : op); ++pl) {
          o.src = oslot + uint64_t(pl) * out_pl;
          o.dst = L.out_addr + uint64_t(t) * uint64_t(op) * out_plane + uint64_t(pl) * out_plane +
                  uint64_t(k0) * g.out_h * pout + uint64_t(r0) * pout;
          at += write_back(o, glb_o, e, at);
        }
      }
    }
  return e;
}

Events EventCounter::add(const MapLayer& L, const VisitCall& v, std::string* refusal) const {
  // AddCall (hw/compute/engine_add.cpp): channel groups, bands, timesteps; one slot per step.
  Events e;
  close_rows();
  const ConvGeom& g = L.geom;
  const int K = g.out_c, H = g.out_h, Wd = g.out_w, planes2 = L.in2_spikes ? L.in2_planes : 1, op = L.out_planes;
  const int mb = h.array.membrane_bytes;
  const uint64_t pout = (uint64_t(Wd) + 7) / 8, npx = uint64_t(H) * Wd, map1 = uint64_t(K) * npx * 4;
  const uint64_t plane2 = uint64_t(K) * H * pout, map2 = L.in2_spikes ? plane2 * planes2 : map1;
  const bool persist = v.persist && !(v.in_array && v.nt == v.T);
  const uint64_t chan_in = uint64_t(Wd) * 4 + (L.in2_spikes ? pout * planes2 : uint64_t(Wd) * 4);
  const bool onchip = persist && v.state.offset >= 0;  // membranes wait in the GLB's state region
  const uint64_t chan_out = pout * op + (persist && !onchip ? uint64_t(Wd) * mb : 0);
  const uint64_t oh = ofmap_half(v);
  const uint64_t ih = ifmap_half(v);
  const GroupPlan p = plan_add(K, H, chan_in, chan_out, ih, oh);
  if (p.refusal) {
    if (refusal) *refusal = p.refusal.reason;
    return e;
  }
  int n = 0;
  double dma = 0, pe = 0;  // AddCall: the DMA and the LIF units free from
  for (int gi = 0; gi < p.groups; ++gi)
    for (int bi = 0; bi < p.bands; ++bi)
      for (int t = v.t0; t < v.t0 + v.nt; ++t, ++n) {
        const int k0 = gi * p.group, kn = std::min(p.group, K - k0), r0 = bi * p.band_rows;
        const int rows = std::min(H, r0 + p.band_rows) - r0, bpx = rows * Wd;
        const uint64_t islot = uint64_t(n % 2) * ih, oslot = uint64_t(n % 2) * oh;
        Xfer c{L.in_addr + uint64_t(t) * map1 + uint64_t(k0) * npx * 4 + uint64_t(r0) * Wd * 4, islot, uint64_t(kn),
               uint64_t(bpx) * 4, npx * 4, 0};
        dma += load(c, glb_i, e, dma);
        const uint64_t len1 = c.rows * c.row_bytes;
        c.row_bytes = L.in2_spikes ? uint64_t(rows) * pout : uint64_t(bpx) * 4;
        c.src_stride = L.in2_spikes ? uint64_t(H) * pout : npx * 4;
        const uint64_t len2p = c.rows * c.row_bytes;
        for (int pl = 0; pl < planes2; ++pl) {
          c.dst = islot + len1 + uint64_t(pl) * len2p;
          c.src = L.in2_addr + uint64_t(t) * map2 +
                  (L.in2_spikes ? uint64_t(pl) * plane2 + uint64_t(k0) * H * pout + uint64_t(r0) * pout
                                : uint64_t(k0) * npx * 4 + uint64_t(r0) * Wd * 4);
          dma += load(c, glb_i, e, dma);
        }
        double start = std::max(pe, dma);
        start += glb(false, glb_i, islot, len1 + len2p * uint64_t(planes2), 0, e, start);
        const uint64_t mslot = oslot + uint64_t(kn) * rows * pout * op, mlen = uint64_t(kn) * bpx * mb;
        const uint64_t mem_at = L.mem_addr + (uint64_t(k0) * npx + uint64_t(r0) * Wd) * mb;
        const uint64_t on_at = onchip ? state_base(v) + state_offset(k0, kn, npx, r0, Wd, mb) : 0;
        if (persist && t > 0 && (!v.in_array || t == v.t0)) {
          if (onchip) {
            start += glb(false, glb_o, on_at, mlen, 0, e, start);
          } else {
            dma += load({mem_at, mslot, uint64_t(kn), uint64_t(bpx) * mb, npx * mb, 0}, glb_o, e, dma);
            start = std::max(start, dma);
          }
        }
        const uint64_t lc = (uint64_t(bpx) * uint64_t(kn) + h.lif_units - 1) / h.lif_units;
        e.lif_cycles += lc;
        const uint64_t plane_bytes = uint64_t(kn) * rows * pout;
        double end = start + double(lc) * h.clock_ns();
        end += glb(true, glb_o, oslot, plane_bytes * op, 0, e, end);
        for (int pl = 0; pl < op; ++pl) {
          dma = std::max(dma, end);
          dma += write_back({oslot + uint64_t(pl) * plane_bytes,
                             L.out_addr + uint64_t(t) * uint64_t(op) * K * H * pout +
                                 (uint64_t(pl) * K + uint64_t(k0)) * H * pout + uint64_t(r0) * pout,
                             uint64_t(kn), uint64_t(rows) * pout, 0, uint64_t(H) * pout},
                            glb_o, e, dma);
        }
        if (persist && t + 1 < v.T && (!v.in_array || t == v.t0 + v.nt - 1)) {
          end += glb(true, glb_o, onchip ? on_at : mslot, mlen, 0, e, end);
          if (!onchip) {
            dma = std::max(dma, end);
            dma += write_back({mslot, mem_at, uint64_t(kn), uint64_t(bpx) * mb, 0, npx * mb}, glb_o, e, dma);
          }
        }
        pe = end;
      }
  e.span_ns = std::max(pe, dma);
  return e;
}

}  // namespace spiketlm::map
