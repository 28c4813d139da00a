#include "hw/compute/engine.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "hw/memory/memory_target.h"

namespace spiketlm {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

LayerEngine::LayerEngine(Datapath dp, Module& owner)
    : m_dp(dp),
      m_owner(owner),
      m_clk(dp.pe->clock()),
      m_glb_w_base(dp.glb_w->base_address()),
      m_glb_i_base(dp.glb_i->base_address()),
      m_glb_o_base(dp.glb_o->base_address()) {
  m_payload.set_extension(&m_timing_only);
  m_payload.set_extension(&m_tag);
}

LayerEngine::~LayerEngine() {
  // The payload must not free the extensions it carries (they are members).
  m_payload.clear_extension(&m_timing_only);
  m_payload.clear_extension(&m_tag);
}

void LayerEngine::refuse(const LayerCmd& L, uint32_t err, const std::string& msg) const {
  throw LayerRefused(err, L.id, 0, "layer " + std::to_string(L.id) + ": " + msg);
}

LifJob LayerEngine::lif_job(const LayerCmd& L, int first_pixel, sc_time at) const {
  LifJob job;
  job.multiplier = L.multiplier.data();
  job.offset = L.offset.data();
  job.shift = L.shift;
  job.neuron = L.neuron;
  job.layer = L.id;
  job.pixel0 = first_pixel;
  job.at = at;
  job.cycle = m_clk;
  return job;
}

sc_time LayerEngine::dma(const DmaCommand& c, sc_time start) {
  const sc_time now = time_stamp();
  sc_time delay = start > now ? start - now : SC_ZERO_TIME;
  m_dp.dma->transfer(c, delay);
  return time_stamp() + delay;
}

sc_time LayerEngine::account(bool write, uint64_t addr, uint64_t len, sc_time start, Tensor t) {
  if (len == 0) return start;
  const sc_time now = time_stamp();
  sc_time delay = start > now ? start - now : SC_ZERO_TIME;
  tlm::tlm_generic_payload& p = m_payload;  // carries m_timing_only and m_tag (constructor)
  m_tag.tensor = t;
  p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  p.set_address(addr);
  p.set_data_ptr(nullptr);
  p.set_data_length(unsigned(len));
  p.set_streaming_width(unsigned(len));
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  (*m_dp.port)->b_transport(p, delay);
  if (p.is_response_error())
    fail("sequencer", m_owner.path() + ": timing access of " + std::to_string(len) + " B at 0x" +
                          [&] { char b[32]; std::snprintf(b, sizeof b, "%llx", (unsigned long long)addr); return std::string(b); }() +
                          " failed: " + p.get_response_string());
  return time_stamp() + delay;
}

sc_time LayerEngine::run(const LayerCmd& L, const std::vector<int>& ts, int total_t, SpadUse use, sc_time now,
                         LayerStats& st) {
  if (L.op == OP_CONV || L.op == OP_LINEAR) return run_compute(L, ts, total_t, use, now, st);
  if (L.op == OP_MAXPOOL || L.op == OP_AVGPOOL) return run_pool(L, ts, now, st);
  if (L.op == OP_ADD) return run_add(L, ts, total_t, use, now, st);
  refuse(L, ERR_BAD_OPCODE, "unknown opcode " + std::to_string(L.op));
  return now;
}

namespace {

uint64_t popcount(const uint8_t* p, uint64_t n) {
  uint64_t c = 0, i = 0;
  for (uint64_t w; i + 8 <= n; i += 8) {
    std::memcpy(&w, p + i, 8);
    c += uint64_t(__builtin_popcountll(w));
  }
  for (; i < n; ++i) c += uint64_t(__builtin_popcount(p[i]));
  return c;
}

// Pack channel-major values [pixels][stride] of channels [0, k) into bit planes
// [planes][k][rows][pitch] (spikes: one plane of 0/1; ANN activations: act_bits planes).
// Returns the non-zero values.
uint64_t pack_spikes(const uint8_t* s, int pixels_w, int rows, int k, int stride, uint64_t pitch, uint8_t* out,
                     int planes = 1) {
  const size_t plane = size_t(k) * rows * pitch;
  uint64_t nonzero = 0;
  constexpr bool little_endian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;  // byte j of a word = channel j
  if (little_endian && planes == 1 && stride % 8 == 0) {
    // Spikes, channels in groups of 8 bytes: with a pixel's 8 channel bytes as one word w_x,
    // the OR of (w_x & 0x01 per byte) << x over 8 pixels holds in byte j the output byte of
    // channel j (a bit-matrix transpose by shifts).
    constexpr uint64_t ones = 0x0101010101010101ull, low7 = 0x7F7F7F7F7F7F7F7Full;
    for (int j0 = 0; j0 < k; j0 += 8) {
      const int kg = std::min(8, k - j0);
      const uint64_t keep = kg == 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * kg)) - 1;  // little-endian bytes
      for (int y = 0; y < rows; ++y) {
        const uint8_t* row = s + size_t(y) * pixels_w * stride + j0;
        for (uint64_t b = 0; b < pitch; ++b) {
          const int x0 = int(b * 8), x1 = std::min(pixels_w, x0 + 8);
          uint64_t r = 0;
          for (int x = x0; x < x1; ++x) {
            uint64_t w;
            std::memcpy(&w, row + size_t(x) * stride, 8);
            w &= keep;
            r |= (w & ones) << (x - x0);
            nonzero += uint64_t(__builtin_popcountll((((w & low7) + low7) | w) & ~low7));  // non-zero bytes
          }
          for (int j = 0; j < kg; ++j) out[(size_t(j0 + j) * rows + y) * pitch + b] = uint8_t(r >> (8 * j));
        }
      }
    }
    return nonzero;
  }
  if (planes == 1) {  // spikes: each output byte gathered from its 8 pixels, no read-modify-write
    for (int j = 0; j < k; ++j)
      for (int y = 0; y < rows; ++y) {
        const uint8_t* src = s + size_t(y) * pixels_w * stride + j;
        uint8_t* dst = out + (size_t(j) * rows + y) * pitch;
        for (uint64_t b = 0; b < pitch; ++b) {
          const int x0 = int(b * 8), x1 = std::min(pixels_w, x0 + 8);
          unsigned byte = 0;
          for (int x = x0; x < x1; ++x) {
            const unsigned v = src[size_t(x) * stride];
            byte |= (v & 1u) << (x - x0);
            nonzero += v != 0;
          }
          dst[b] = uint8_t(byte);
        }
      }
    return nonzero;
  }
  std::memset(out, 0, plane * planes);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < pixels_w; ++x)
      for (int j = 0; j < k; ++j)
        if (const unsigned v = s[(size_t(y) * pixels_w + x) * stride + j]) {
          ++nonzero;
          for (int pl = 0; pl < planes; ++pl)
            if ((v >> pl) & 1u) out[pl * plane + (size_t(j) * rows + y) * pitch + x / 8] |= uint8_t(1u << (x % 8));
        }
  return nonzero;
}

// Membranes in memory, [channels][pixels] of `bytes` little-endian bytes each (B: bytes known
// at compile time, 0: the argument), to and from the units' layout v[p * stride + j].
template <int B>
void load_membranes(const uint8_t* src, int bytes, int channels, int pixels, int64_t* v, size_t stride) {
  const int n = B ? B : bytes, sh = 64 - 8 * n;
  for (int j = 0; j < channels; ++j)
    for (int p = 0; p < pixels; ++p, src += n) {
      uint64_t u = 0;
#pragma GCC unroll 8  // with B known: one load
      for (int b = 0; b < n; ++b) u |= uint64_t(src[b]) << (8 * b);
      v[size_t(p) * stride + j] = int64_t(u << sh) >> sh;  // sign-extended
    }
}
template <int B>
void store_membranes(const int64_t* v, size_t stride, int channels, int pixels, uint8_t* dst, int bytes) {
  const int n = B ? B : bytes;
  for (int j = 0; j < channels; ++j)
    for (int p = 0; p < pixels; ++p, dst += n) {
      const uint64_t u = uint64_t(v[size_t(p) * stride + j]);
#pragma GCC unroll 8  // with B known: one store
      for (int b = 0; b < n; ++b) dst[b] = uint8_t(u >> (8 * b));
    }
}
void load_membranes(const uint8_t* src, int bytes, int channels, int pixels, int64_t* v, size_t stride) {
  switch (bytes) {
    case 4: return load_membranes<4>(src, bytes, channels, pixels, v, stride);
    case 2: return load_membranes<2>(src, bytes, channels, pixels, v, stride);
    default: return load_membranes<0>(src, bytes, channels, pixels, v, stride);
  }
}
void store_membranes(const int64_t* v, size_t stride, int channels, int pixels, uint8_t* dst, int bytes) {
  switch (bytes) {
    case 4: return store_membranes<4>(v, stride, channels, pixels, dst, bytes);
    case 2: return store_membranes<2>(v, stride, channels, pixels, dst, bytes);
    default: return store_membranes<0>(v, stride, channels, pixels, dst, bytes);
  }
}

}  // namespace

sc_time LayerEngine::run_compute(const LayerCmd& L, const std::vector<int>& ts, int total_t, SpadUse use,
                                 sc_time now, LayerStats& st) {
  const ConvGeom& g = L.g;
  PeArray& pe = *m_dp.pe;
  const int Cc = pe.cols(), R = pe.rows();
  const uint64_t W = g.w_dim(), npx = g.npx();
  const uint64_t pin = LayerCmd::pitch(g.in_w), pout = LayerCmd::pitch(g.out_w);
  const int planes = L.in_planes;
  const int ntiles = int(scalesim::ceil_div(uint64_t(g.out_c), uint64_t(Cc)));
  const uint64_t block = W * uint64_t(Cc);
  // Membranes outlive the call (and go to DRAM) when the call runs one of several timesteps.
  // C#n: channel k keeps its membrane in slot k % Kg (Kg = K / n); slots pass from one group
  // to the next within a timestep, so they outlive a filter tile.
  const int share = L.fires() && !L.relu() ? std::max(1, L.neuron.share) : 1;
  const int Kg = g.out_c / share;
  if (share > 1 && use == SpadUse::tick_batch)
    refuse(L, ERR_BAD_PARAM, "tick-batch cannot run C#n LIF sharing: every group of a timestep must fire before "
                             "the next timestep, and tick-batch runs all timesteps of one filter tile first");
  const bool persist = L.fires() && !L.relu() && use != SpadUse::tick_batch && (total_t > 1 || share > 1);
  const int mbytes = m_dp.lif->membrane_bytes();
  const int nts = int(ts.size());
  // ANN: multiply-accumulate PEs take a whole multi-bit element per step, so the stream,
  // fold timing and weight re-reads count elements, not bit planes (the bits still move).
  const int tplanes = pe.ann() ? 1 : planes;
  const int oplanes = L.out_planes();
  const uint64_t map_bytes = L.in_map_bytes();
  auto in_addr = [&](int t) { return L.in_addr + (L.input_per_t() ? uint64_t(t) * map_bytes : 0); };
  auto tag = [&](Tensor k, int t) {
    TileExt e;
    e.tensor = k;
    e.layer = L.id;
    e.timestep = uint32_t(t);
    return e;
  };

  // --- buffer planning: refuse what cannot fit ---
  const uint64_t wh = m_dp.glb_w->size_bytes() / 2, ih = m_dp.glb_i->size_bytes() / 2,
                 oh = m_dp.glb_o->size_bytes() / 2;
  // A filter tile's weights that do not fit half the weight GLB are streamed per band in
  // segments of whole input channels (the psums stay in the PEs: output stationary).
  const uint64_t chan_bytes = uint64_t(g.kh) * g.kw * Cc;
  const int seg_c = int(std::min<uint64_t>(uint64_t(g.in_c), wh / chan_bytes));
  if (seg_c == 0)
    refuse(L, ERR_NO_FIT, "the weights of one input channel of a filter tile (" + std::to_string(chan_bytes) +
                              " B) exceed half the weight GLB (" + std::to_string(wh) + " B)");
  const int nseg = (g.in_c + seg_c - 1) / seg_c;
  const uint64_t wchunk = nseg == 1 ? block : uint64_t(seg_c) * chan_bytes;
  if (use == SpadUse::tick_batch && uint64_t(2 * total_t) > pe.psum_spad_bytes())
    refuse(L, ERR_NO_FIT, "tick-batch over " + std::to_string(total_t) + " timesteps needs a " +
                              std::to_string(2 * total_t) + "-B psum scratchpad (have " +
                              std::to_string(pe.psum_spad_bytes()) + " B)");
  const bool resident = map_bytes * uint64_t(nts) <= ih;  // the whole input stays in the ifmap GLB
  auto in_rows = [&](int r0, int r1, int& y0) {
    y0 = std::max(0, r0 * g.stride - g.pad);
    const int y1 = std::min(g.in_h, (r1 - 1) * g.stride - g.pad + g.kh);
    return std::max(0, y1 - y0);
  };
  const uint64_t out_row_bytes = L.fires() ? uint64_t(Cc) * (pout * oplanes + (persist ? uint64_t(g.out_w) * mbytes : 0))
                                           : uint64_t(Cc) * g.out_w * 4;
  // Input bytes of a band of r output rows of c input channels, all planes. The worst band is
  // an inner one: (r - 1) * stride + kh input rows.
  auto band_in = [&](int r, int c) {
    return uint64_t(planes) * uint64_t(c) * uint64_t(std::min(g.in_h, (r - 1) * g.stride + g.kh)) * pin;
  };
  // When the input of one output row of all channels does not fit half the ifmap GLB, the input
  // channels are staged in segments of cs (the most for which one output row fits); a band's
  // partial sums add up segment by segment in the PEs (output stationary). Bands are then as
  // tall as fit for a segment.
  int rb = g.out_h, cs = g.in_c;
  if (!resident) {
    if (band_in(1, 1) > ih)
      refuse(L, ERR_NO_FIT, "the input of one output row of one input channel (" + std::to_string(band_in(1, 1)) +
                                " B) exceeds half the ifmap GLB (" + std::to_string(ih) + " B)");
    cs = int(std::min<uint64_t>(uint64_t(g.in_c), ih / band_in(1, 1)));
    while (rb > 1 && band_in(rb, cs) > ih) --rb;
  }
  const int in_segs = (g.in_c + cs - 1) / cs;
  // A segment's compute time is its channels' share of the band's fold cycles, which must be
  // known when the segment is staged: with skip_zero_cycles they depend on every segment's spikes.
  if (in_segs > 1 && pe.skip_zero_cycles() && use != SpadUse::weight_stationary)
    refuse(L, ERR_NO_FIT, "the input of one output row (" + std::to_string(band_in(1, g.in_c)) +
                              " B) exceeds half the ifmap GLB (" + std::to_string(ih) +
                              " B) and input channel segments are not modelled with skip_zero_cycles");
  if (out_row_bytes > oh)
    refuse(L, ERR_NO_FIT, "one output row of a filter tile (" + std::to_string(out_row_bytes) +
                              " B) exceeds half the ofmap GLB (" + std::to_string(oh) + " B)");
  while (rb > 1 && out_row_bytes * uint64_t(rb) > oh) --rb;
  const int nbands = int(scalesim::ceil_div(uint64_t(g.out_h), uint64_t(rb)));

  // Input spikes (statistics only: an untimed look at the maps).
  {
    std::vector<uint8_t> m(map_bytes);
    for (int t : ts) {
      m_dp.dma->debug_read(in_addr(t), m.data(), map_bytes);
      st.spikes_in += popcount(m.data(), map_bytes);
    }
  }

  // --- schedule: the DMA and the PE array, in absolute time ---
  sc_time dma_free = now, pe_free = now;
  sc_time in_free[2] = {now, now}, out_free[2] = {now, now};  // double-buffer slots
  uint64_t stall_ps = 0;
  auto cyc = [&](uint64_t n) { return m_clk * double(n); };
  struct Pending {
    DmaCommand c;
    sc_time ready;
    uint64_t bytes;
    int slot;
  };
  std::vector<Pending> pending;  // output write-backs, issued after the next input prefetch
  auto flush = [&]() {
    for (auto& q : pending) {
      dma_free = dma(q.c, std::max(dma_free, q.ready));
      out_free[q.slot] = std::max(out_free[q.slot], dma_free);
      st.dram_bytes += q.bytes;
    }
    pending.clear();
  };

  std::vector<int8_t> wbuf(block);
  std::vector<uint8_t> staged, spk, packed, mraw;
  std::vector<int32_t> psum;
  std::vector<uint32_t> nnz_all(size_t(nts) * npx);
  std::vector<int64_t> mem;
  std::vector<std::vector<int64_t>> tb_mem;  // tick-batch: membranes per band, across timesteps
  std::vector<uint64_t> tile_cursor(static_cast<size_t>(nts));

  const uint64_t resident_bytes = map_bytes * uint64_t(nts);
  if (resident) {
    for (int i = 0; i < nts; ++i) {
      DmaCommand c;
      c.src = in_addr(ts[i]);
      c.dst = m_glb_i_base + uint64_t(i) * map_bytes;
      c.row_bytes = map_bytes;
      c.tag = tag(Tensor::ifmap, ts[i]);
      dma_free = dma(c, dma_free);
      st.dram_bytes += map_bytes;
    }
    staged.resize(resident_bytes);
    m_dp.dma->debug_read(m_glb_i_base, staged.data(), resident_bytes);
  }
  const sc_time input_ready = dma_free;
  // Input channel segment s (channels [s * cs, ...), input rows [y0, y0 + nrows), all planes) of
  // timestep t DRAM -> ifmap slot `is`, laid out [planes][channels][rows][pitch], and into
  // `staged`. All channels: the planes follow one another at the channel stride, one transfer
  // moves them all; a segment: one transfer per plane, of one row when the band holds every
  // input row (the segment's channels of a plane are then contiguous). Returns the transfer's end.
  auto stage = [&](int s, int is, int t, int y0, int nrows, sc_time earliest) {
    const int c0 = s * cs, cn = std::min(cs, g.in_c - c0);
    const bool whole = cn == g.in_c, flat = !whole && nrows == g.in_h;
    const uint64_t islot = m_glb_i_base + uint64_t(is) * ih;
    const uint64_t plane_bytes = uint64_t(cn) * nrows * pin, bytes = plane_bytes * uint64_t(planes);
    DmaCommand c;
    c.rows = flat ? 1 : uint64_t(whole ? planes : 1) * cn;
    c.row_bytes = flat ? plane_bytes : uint64_t(nrows) * pin;
    c.src_stride = uint64_t(g.in_h) * pin;
    c.tag = tag(Tensor::ifmap, t);
    for (int pl = 0; pl < (whole ? 1 : planes); ++pl) {
      c.src = in_addr(t) + (uint64_t(pl) * g.in_c + uint64_t(c0)) * g.in_h * pin + uint64_t(y0) * pin;
      c.dst = islot + uint64_t(pl) * plane_bytes;
      dma_free = dma(c, std::max(dma_free, earliest));
    }
    st.dram_bytes += bytes;
    staged.resize(bytes);
    m_dp.dma->debug_read(islot, staged.data(), bytes);
    return dma_free;
  };
  // Timing-only GLB traffic of `bytes` at `addr` in transactions of at most `piece` bytes, all
  // issued at `start`: returns the last completion (start if there are none).
  auto stream = [&](bool write, uint64_t addr, uint64_t bytes, uint64_t piece, sc_time start, Tensor k) {
    sc_time done = start;
    for (uint64_t o = 0; o < bytes; o += piece)
      done = std::max(done, account(write, addr, std::min(piece, bytes - o), start, k));
    return done;
  };

  int step = 0;
  for (int ft = 0; ft < ntiles; ++ft) {
    const int k0 = ft * Cc, kvalid = std::min(Cc, g.out_c - k0);
    // Membrane slots of this tile: column c -> local slot tile_slot[c]; per local slot its
    // global slot and the first and last channel of the tile that use it.
    std::vector<int> tile_slot(static_cast<size_t>(kvalid)), gslot, first_k, last_k;
    for (int c = 0; c < kvalid; ++c) {
      const int gs = (k0 + c) % Kg;
      auto it = std::find(gslot.begin(), gslot.end(), gs);
      if (it == gslot.end()) {
        gslot.push_back(gs);
        first_k.push_back(k0 + c);
        last_k.push_back(k0 + c);
        tile_slot[size_t(c)] = int(gslot.size()) - 1;
      } else {
        tile_slot[size_t(c)] = int(it - gslot.begin());
        last_k[size_t(it - gslot.begin())] = k0 + c;
      }
    }
    const int U = int(gslot.size());
    const uint64_t wslot = m_glb_w_base + uint64_t(ft % 2) * wchunk;
    // Weight segment s of this tile (channels [s*seg_c, ...)) DRAM -> weight GLB, and into
    // the array's view of the block.
    auto load_weights = [&](int s, sc_time earliest) {
      const uint64_t off = uint64_t(s) * seg_c * chan_bytes;
      const uint64_t len = std::min(block - off, wchunk);
      const uint64_t slot = nseg == 1 ? wslot : m_glb_w_base + uint64_t(s % 2) * wchunk;
      DmaCommand c;
      c.src = L.w_addr + uint64_t(ft) * block + off;
      c.dst = slot;
      c.row_bytes = len;
      c.tag = tag(Tensor::weight, ts[0]);
      dma_free = dma(c, std::max(dma_free, earliest));
      st.dram_bytes += len;
      m_dp.dma->debug_read(slot, wbuf.data() + off, len);
      return dma_free;
    };
    // The slot is free once the tile two back has finished computing (pe_free bounds it).
    if (nseg == 1) load_weights(0, ft >= 2 ? pe_free : now);
    const sc_time weights_ready = dma_free;
    std::fill(nnz_all.begin(), nnz_all.end(), 0u);
    std::fill(tile_cursor.begin(), tile_cursor.end(), 0);
    if (use == SpadUse::tick_batch) tb_mem.assign(size_t(nbands), {});

    for (int b = 0; b < nbands; ++b) {
      const int r0 = b * rb, r1 = std::min(g.out_h, r0 + rb);
      const int bpx = (r1 - r0) * g.out_w;
      int y0 = 0;
      const int nrows = resident ? g.in_h : in_rows(r0, r1, y0);
      const uint64_t band_bytes = uint64_t(planes) * g.in_c * nrows * pin;
      for (int i = 0; i < nts; ++i, ++step) {
        const int t = ts[i], slot = step % 2;
        const uint64_t oslot = m_glb_o_base + uint64_t(slot) * oh;
        const uint64_t mslot = oslot + uint64_t(Cc) * rb * pout * oplanes;
        const uint64_t mchan = npx * uint64_t(mbytes), mrow = uint64_t(bpx) * mbytes;

        // ---- prefetch: input band (its first channel segment), then membranes (slot freed two
        // steps back) ----
        sc_time in_ready = std::max(weights_ready, input_ready);
        const uint8_t* bits;
        // The ifmap slot of input segment s: the segments of every band and timestep take the
        // two slots in turn (one segment: the step's slot).
        auto islot_of = [&](int s) { return int((uint64_t(step) * uint64_t(in_segs) + uint64_t(s)) % 2); };
        if (resident) {
          bits = staged.data() + uint64_t(i) * map_bytes;
        } else {
          in_ready = std::max(in_ready, stage(0, islot_of(0), t, y0, nrows, in_free[islot_of(0)]));
          bits = staged.data();
        }
        const size_t n = size_t(bpx) * Cc;
        std::vector<int64_t>* mv = &mem;
        // Runs of local slots [u0, u1) with consecutive global slots for which pred(u) holds.
        auto runs = [&](const std::function<bool(int)>& pred) {
          std::vector<std::pair<int, int>> out;
          for (int u = 0; u < U; ++u) {
            if (!pred(u)) continue;
            if (!out.empty() && out.back().second == u && gslot[size_t(u)] == gslot[size_t(u) - 1] + 1) ++out.back().second;
            else out.push_back({u, u + 1});
          }
          return out;
        };
        if (L.fires() && !L.relu()) {
          if (use == SpadUse::tick_batch) {
            mv = &tb_mem[size_t(b)];
            if (mv->empty()) mv->assign(size_t(bpx) * U, 0);
          }
          // A slot was written before in this inference if an earlier group used it at this
          // timestep, or any group at an earlier one.
          const auto loads = persist ? runs([&](int u) { return first_k[size_t(u)] >= Kg || t > 0; })
                                     : std::vector<std::pair<int, int>>();
          if (use != SpadUse::tick_batch) {
            int loaded = 0;
            for (const auto& rn : loads) loaded += rn.second - rn.first;
            if (loaded == U) mem.resize(size_t(bpx) * U);  // every slot is loaded below
            else mem.assign(size_t(bpx) * U, 0);           // a slot's first use: at rest
          }
          // C#n: a slot may have been written by the previous group's write-back, still queued:
          // it must reach DRAM before this read (read after write).
          if (share > 1 && !loads.empty()) flush();
          for (const auto& rn : loads) {
            const int nu = rn.second - rn.first;
            DmaCommand c;
            c.src = L.mem_addr + uint64_t(gslot[size_t(rn.first)]) * mchan + uint64_t(r0) * g.out_w * mbytes;
            c.dst = mslot + uint64_t(rn.first) * mrow;
            c.rows = uint64_t(nu);
            c.row_bytes = mrow;
            c.src_stride = mchan;
            c.tag = tag(Tensor::membrane, t);
            dma_free = dma(c, std::max(dma_free, out_free[slot]));
            in_ready = std::max(in_ready, dma_free);
            st.dram_bytes += mrow * nu;
            mraw.resize(mrow * nu);
            m_dp.dma->debug_read(c.dst, mraw.data(), mraw.size());
            load_membranes(mraw.data(), mbytes, nu, bpx, mv->data() + rn.first, size_t(U));
            in_ready = std::max(in_ready, account(false, c.dst, mraw.size(), dma_free, Tensor::membrane));
            st.glb_bytes += mraw.size();
          }
        }
        if (nseg > 1 && i == 0)  // segmented weights: streamed again for every band
          for (int sgi = 0; sgi < nseg; ++sgi) in_ready = std::max(in_ready, load_weights(sgi, pe_free));
        flush();

        // ---- fold timing plan: the pixel tiles (R output pixels, in raster order) that end in
        // this band (OS, tick-batch), or the band's share of the fold set (WS) ----
        const uint64_t px_end = uint64_t(r1) * g.out_w;
        const uint64_t last = (b == nbands - 1) ? scalesim::ceil_div(npx, uint64_t(R)) : px_end / uint64_t(R);
        uint64_t& cur = tile_cursor[size_t(i)];
        uint64_t cycles = 0;
        if (use == SpadUse::weight_stationary) {
          // Every W fold streams every pixel: charge the fold set in proportion to the band.
          const uint64_t total = scalesim::ceil_div(W * tplanes, uint64_t(R)) * (2 * uint64_t(R) + Cc + npx - 2);
          cycles = total * px_end / npx - total * (uint64_t(r0) * g.out_w) / npx;
        }
        // What account_tile returns below when every element streams (no skip_zero_cycles).
        const uint64_t dense_cycles = use == SpadUse::weight_stationary
                                          ? cycles
                                          : (last > cur ? last - cur : 0) * (uint64_t(R) + Cc + W * tplanes - 2);

        // ---- accumulate: the real partial sums from the staged bytes ----
        StagedInput in;
        in.bits = bits;
        in.planes = planes;
        in.signed_planes = L.flags & DESC_SIGNED_INPUT;
        in.row0 = y0;
        in.rows = nrows;
        in.pitch = int(pin);
        psum.resize(n);
        uint32_t* nnz = nnz_all.data() + size_t(i) * npx;
        uint32_t* band_nnz = nnz + size_t(r0) * g.out_w;
        // Compute waits for the input (stall), the membranes and weights, and the output slot.
        const sc_time c_start = std::max({pe_free, in_ready, out_free[slot]});
        if (in_ready > pe_free) stall_ps += uint64_t((in_ready - pe_free).value());
        sc_time glb_done = c_start, seg_end = c_start;
        if (in_segs > 1) {
          // Input channel segments, through the two ifmap slots in turn: segment s (s > 0) is
          // staged when its slot's previous segment has been computed, and computed when it
          // has arrived and segment s - 1 is done; its compute takes its channels' share of the
          // band's fold cycles. The sums add up in the PEs; the weights are the block's slice
          // of the segment's channels ([in_c][kh][kw][C]: contiguous). Not memoised (the memo
          // below keys a whole band's input).
          std::fill(psum.begin(), psum.end(), 0);
          const uint64_t px_w = uint64_t(bpx) * g.kh * g.kw * planes;  // GLB -> PE bits per channel
          for (int s = 0; s < in_segs; ++s) {
            const int is = islot_of(s), c0 = s * cs, c1 = std::min(g.in_c, c0 + cs);
            sc_time ready = in_ready;
            if (s > 0) {
              ready = stage(s, is, t, y0, nrows, in_free[is]);
              if (ready > seg_end) stall_ps += uint64_t((ready - seg_end).value());
            }
            const sc_time s_start = std::max(seg_end, ready);
            ConvGeom gs = g;
            gs.in_c = c1 - c0;
            in.bits = staged.data();
            const int8_t* wseg = wbuf.data() + uint64_t(c0) * chan_bytes;
            st.accumulates += pe.accumulate(gs, in, r0, r1, wseg, kvalid, psum.data(), band_nnz);
            // GLB -> PE: the receptive fields of the segment's channels (together: the band's bits).
            const uint64_t if_seg = (px_w * uint64_t(c1) + 7) / 8 - (px_w * uint64_t(c0) + 7) / 8;
            const uint64_t seg_bytes = uint64_t(planes) * uint64_t(c1 - c0) * nrows * pin;
            const uint64_t islot = m_glb_i_base + uint64_t(is) * ih;
            const sc_time streamed = stream(false, islot, if_seg, seg_bytes, s_start, Tensor::ifmap);
            st.glb_bytes += if_seg;
            const uint64_t share = dense_cycles * uint64_t(c1) / uint64_t(g.in_c) -  // the shares add up to the
                                   dense_cycles * uint64_t(c0) / uint64_t(g.in_c);   // band's cycles
            seg_end = std::max(s_start + cyc(share), streamed);
            in_free[is] = seg_end;
          }
        } else if (!L.input_per_t() && nseg == 1) {
          // One input for every timestep (direct-coded): the same bytes give the same sums.
          PsumMemo& m = m_memo[{L.id, ft, b}];
          const uint64_t in_len = uint64_t(planes) * g.in_c * nrows * pin;
          if (m.in.size() == in_len && std::equal(m.in.begin(), m.in.end(), bits) && m.w.size() == block &&
              std::equal(m.w.begin(), m.w.end(), wbuf.begin()) && m.psum.size() == n) {
            std::copy(m.psum.begin(), m.psum.end(), psum.begin());  // every sum
            std::copy(m.nnz.begin(), m.nnz.end(), band_nnz);
            pe.charge_accumulates(m.accumulates);
            st.accumulates += m.accumulates;
          } else {
            m.in.assign(bits, bits + in_len);
            m.w.assign(wbuf.begin(), wbuf.end());
            std::fill(psum.begin(), psum.end(), 0);
            std::fill(band_nnz, band_nnz + bpx, 0u);
            m.accumulates = pe.accumulate(g, in, r0, r1, wbuf.data(), kvalid, psum.data(), band_nnz);
            st.accumulates += m.accumulates;
            m.psum = psum;
            m.nnz.assign(band_nnz, band_nnz + bpx);
          }
        } else {
          std::fill(psum.begin(), psum.end(), 0);
          st.accumulates += pe.accumulate(g, in, r0, r1, wbuf.data(), kvalid, psum.data(), band_nnz);
        }

        // ---- fold timing and scratchpad energy: one account per band, all segments' elements ----
        if (use == SpadUse::weight_stationary) {
          if (b == nbands - 1) pe.account_tile(use, g, tplanes, kvalid, nnz, i == 0);
        } else if (last > cur) {
          ConvGeom window = g;  // the tiles' pixels as one row
          const uint64_t p0 = cur * R, p1 = std::min(npx, last * R);
          window.out_h = 1;
          window.out_w = int(p1 - p0);
          cycles = pe.account_tile(use, window, tplanes, kvalid, nnz + p0, i == 0);
          cur = last;
        }
        if (in_segs > 1 && cycles != dense_cycles)
          fail("engine", m_owner.path() + ": layer " + std::to_string(L.id) + ": input segments were timed with " +
                             std::to_string(dense_cycles) + " fold cycles, the array counted " +
                             std::to_string(cycles));
        // GLB -> PE streams (timing-only): the band's receptive fields (segments: above), and the weights.
        const uint64_t if_bytes = (uint64_t(bpx) * W * planes + 7) / 8;
        const uint64_t ilen = resident ? resident_bytes : band_bytes;
        if (in_segs == 1) {
          glb_done = std::max(glb_done, stream(false, m_glb_i_base, if_bytes, ilen, c_start, Tensor::ifmap));
          st.glb_bytes += if_bytes;
        }
        uint64_t w_bytes = 0;
        const uint64_t tiles_here = scalesim::ceil_div(uint64_t(bpx), uint64_t(R));
        if (use == SpadUse::weight_stationary) w_bytes = (b == nbands - 1) ? W * kvalid * tplanes : 0;
        else if (use == SpadUse::tick_batch) w_bytes = i == 0 ? W * kvalid * tplanes * tiles_here : 0;
        else w_bytes = W * kvalid * tplanes * tiles_here;
        glb_done = std::max(glb_done, stream(false, wslot, w_bytes, wchunk, c_start, Tensor::weight));
        st.glb_bytes += w_bytes;
        if (use == SpadUse::weight_stationary && b == nbands - 1) {
          // Partial sums of each W fold spill to the ofmap GLB and come back (16 bit).
          const uint64_t fr = scalesim::ceil_div(W * tplanes, uint64_t(R));
          const uint64_t wr = npx * kvalid * fr * 2, rd = npx * kvalid * (fr - 1) * 2;
          glb_done = std::max(glb_done, stream(true, oslot, wr, oh, c_start, Tensor::psum));
          glb_done = std::max(glb_done, stream(false, oslot, rd, oh, c_start, Tensor::psum));
          st.glb_bytes += wr + rd;
        }
        st.compute_cycles += cycles;
        sc_time c_end = std::max(in_segs > 1 ? seg_end : c_start + cyc(cycles), glb_done);

        // ---- neurons, and the write-back ----
        if (L.fires()) {
          spk.assign(n, 0);
          LifJob job = lif_job(L, r0 * g.out_w, c_end);
          job.psum = psum.data();
          job.pixels = bpx;
          job.channels = kvalid;
          job.psum_stride = Cc;
          job.channel0 = k0;
          if (L.relu()) {
            job.act_bits = L.act_bits;
          } else {
            job.membrane = mv->data();
            job.slot = tile_slot.data();
            job.mem_stride = U;
          }
          job.spikes = spk.data();
          const uint64_t lc = m_dp.lif->integrate(job);
          st.lif_cycles += lc;
          c_end += cyc(lc);
          const uint64_t plane_bytes = uint64_t(kvalid) * (r1 - r0) * pout, spk_bytes = plane_bytes * oplanes;
          packed.resize(size_t(spk_bytes));
          st.spikes_out += pack_spikes(spk.data(), g.out_w, r1 - r0, kvalid, Cc, pout, packed.data(), oplanes);
          m_dp.dma->debug_write(oslot, packed.data(), spk_bytes);
          c_end = std::max(c_end, account(true, oslot, spk_bytes, c_end, Tensor::ofmap));
          st.glb_bytes += spk_bytes;
          for (int pl = 0; pl < oplanes; ++pl) {  // ANN activations: one write-back per bit plane
            Pending q;
            q.c.src = oslot + uint64_t(pl) * plane_bytes;
            q.c.dst = L.out_addr + uint64_t(t) * L.out_map_bytes() + uint64_t(pl) * g.out_c * g.out_h * pout +
                      uint64_t(k0) * g.out_h * pout + uint64_t(r0) * pout;
            q.c.rows = uint64_t(kvalid);
            q.c.row_bytes = uint64_t(r1 - r0) * pout;
            q.c.dst_stride = uint64_t(g.out_h) * pout;
            q.c.tag = tag(Tensor::ofmap, t);
            q.ready = c_end;
            q.bytes = plane_bytes;
            q.slot = slot;
            pending.push_back(q);
          }
          // A slot is read again later if a later group uses it at this timestep, or at a
          // later timestep.
          const auto stores = persist ? runs([&](int u) { return last_k[size_t(u)] + Kg < g.out_c || t + 1 < total_t; })
                                      : std::vector<std::pair<int, int>>();
          for (const auto& rn : stores) {
            const int nu = rn.second - rn.first;
            mraw.resize(size_t(nu) * mrow);
            store_membranes(mv->data() + rn.first, size_t(U), nu, bpx, mraw.data(), mbytes);
            const uint64_t at = mslot + uint64_t(rn.first) * mrow;
            m_dp.dma->debug_write(at, mraw.data(), mraw.size());
            c_end = std::max(c_end, account(true, at, mraw.size(), c_end, Tensor::membrane));
            st.glb_bytes += mraw.size();
            Pending m;
            m.c.src = at;
            m.c.dst = L.mem_addr + uint64_t(gslot[size_t(rn.first)]) * mchan + uint64_t(r0) * g.out_w * mbytes;
            m.c.rows = uint64_t(nu);
            m.c.row_bytes = mrow;
            m.c.dst_stride = mchan;
            m.c.tag = tag(Tensor::membrane, t);
            m.ready = c_end;
            m.bytes = mraw.size();
            m.slot = slot;
            pending.push_back(m);
          }
        } else {
          // Output (non-firing) layer: int32 accumulations [K][OH][OW] per timestep.
          const uint64_t obytes = uint64_t(kvalid) * bpx * 4;
          std::vector<int32_t> o(size_t(kvalid) * bpx);
          for (int j = 0; j < kvalid; ++j)
            for (int p = 0; p < bpx; ++p) o[size_t(j) * bpx + p] = psum[size_t(p) * Cc + j];
          m_dp.dma->debug_write(oslot, o.data(), obytes);
          c_end = std::max(c_end, account(true, oslot, obytes, c_end, Tensor::output));
          st.glb_bytes += obytes;
          Pending q;
          q.c.src = oslot;
          q.c.dst = L.out_addr + uint64_t(t) * uint64_t(g.out_c) * npx * 4 + (uint64_t(k0) * npx + uint64_t(r0) * g.out_w) * 4;
          q.c.rows = uint64_t(kvalid);
          q.c.row_bytes = uint64_t(bpx) * 4;
          q.c.dst_stride = npx * 4;
          q.c.tag = tag(Tensor::output, t);
          q.ready = c_end;
          q.bytes = obytes;
          q.slot = slot;
          pending.push_back(q);
        }
        in_free[islot_of(in_segs - 1)] = c_end;
        pe_free = c_end;
      }
    }
  }
  flush();
  // SCALE-Sim's total is folds x cycles_per_fold - 1 per layer and timestep.
  st.compute_cycles -= std::min<uint64_t>(st.compute_cycles, uint64_t(nts));
  st.dense_accumulates += npx * W * uint64_t(tplanes) * uint64_t(g.out_c) * uint64_t(nts);
  st.stall_cycles += uint64_t(double(stall_ps) / double(m_clk.value()));
  return std::max(pe_free, dma_free);
}

sc_time LayerEngine::run_pool(const LayerCmd& L, const std::vector<int>& ts, sc_time now, LayerStats& st) {
  // Pooling on spike maps (max = OR, avg = window sum as bit planes) in the output path, in
  // groups of channels and, within a group, bands of output rows staged through the ifmap and
  // ofmap GLBs; no compute energy is charged for the OR/adder trees (see dataflow.md).
  const ConvGeom& g = L.g;
  const int C = g.in_c;  // pooling keeps the channels (out_c == in_c, checked at decode)
  const uint64_t ib = L.in_map_bytes(), ob = L.out_map_bytes();
  const uint64_t ih = m_dp.glb_i->size_bytes() / 2, oh = m_dp.glb_o->size_bytes() / 2;
  const uint64_t pin = LayerCmd::pitch(g.in_w), pout = LayerCmd::pitch(g.out_w);
  const int oplanes = L.out_planes();
  // Bytes of a band of r output rows of kn channels, in and out.
  auto in_need = [&](int r, int kn) {
    return uint64_t(L.in_planes) * uint64_t(kn) * uint64_t(std::min(g.in_h, (r - 1) * g.stride + g.kh)) * pin;
  };
  auto out_need = [&](int r, int kn) { return uint64_t(oplanes) * uint64_t(kn) * uint64_t(r) * pout; };
  // Channel groups of whole rows first (the most channels for which one output row fits),
  // then bands of as many output rows as fit for a group.
  if (in_need(1, 1) > ih || out_need(1, 1) > oh)
    refuse(L, ERR_NO_FIT, "pooling: one output row of one channel needs " + std::to_string(in_need(1, 1)) +
                              " B of input and " + std::to_string(out_need(1, 1)) + " B of output; half GLBs hold " +
                              std::to_string(ih) + " and " + std::to_string(oh) + " B");
  const int KG = int(std::min<uint64_t>(uint64_t(C), std::min(ih / in_need(1, 1), oh / out_need(1, 1))));
  const int ngroups = (C + KG - 1) / KG;
  int rb = g.out_h;
  while (rb > 1 && (in_need(rb, KG) > ih || out_need(rb, KG) > oh)) --rb;
  const uint64_t in_plane = uint64_t(C) * g.in_h * pin, out_plane = uint64_t(C) * g.out_h * pout;  // in DRAM
  sc_time t_dma = now;
  std::vector<uint8_t> in, out, rows_or;
  std::vector<int32_t> vals;
  int step = 0;
  for (int t : ts) {
    const uint64_t in_base = L.in_addr + (L.input_per_t() ? uint64_t(t) * ib : 0);
    {
      std::vector<uint8_t> m(ib);
      m_dp.dma->debug_read(in_base, m.data(), ib);
      st.spikes_in += popcount(m.data(), ib);
    }
    for (int gi = 0; gi < ngroups; ++gi) {
    const int k0 = gi * KG, kn = std::min(KG, C - k0);
    // All channels: the planes follow one another at the channel stride, one transfer moves
    // them all; a group: one transfer per plane (rows = the group's channels).
    const bool whole = kn == C;
    for (int r0 = 0; r0 < g.out_h; r0 += rb, ++step) {
      const int r1 = std::min(g.out_h, r0 + rb);
      const int y0 = std::max(0, r0 * g.stride - g.pad);
      const int y1 = std::min(g.in_h, (r1 - 1) * g.stride - g.pad + g.kh);
      const int nrows = y1 - y0;
      const uint64_t islot = m_glb_i_base + uint64_t(step % 2) * ih, oslot = m_glb_o_base + uint64_t(step % 2) * oh;
      DmaCommand c;  // src and dst per plane below
      c.rows = uint64_t(whole ? L.in_planes : 1) * kn;
      c.row_bytes = uint64_t(nrows) * pin;
      c.src_stride = uint64_t(g.in_h) * pin;
      c.tag = TileExt{};
      c.tag->tensor = Tensor::ifmap;
      c.tag->layer = L.id;
      c.tag->timestep = uint32_t(t);
      const uint64_t in_bytes = uint64_t(L.in_planes) * kn * c.row_bytes, in_pl = uint64_t(kn) * c.row_bytes;
      for (int pl = 0; pl < (whole ? 1 : L.in_planes); ++pl) {
        c.src = in_base + uint64_t(pl) * in_plane + uint64_t(k0) * g.in_h * pin + uint64_t(y0) * pin;
        c.dst = islot + uint64_t(pl) * in_pl;
        t_dma = dma(c, t_dma);
      }
      in.resize(in_bytes);
      m_dp.dma->debug_read(islot, in.data(), in_bytes);
      // One spike plane: the max of a window is the OR of its bits (of the OR of its rows);
      // otherwise the values, rebuilt from the bit planes.
      const bool or_bits = L.op == OP_MAXPOOL && L.in_planes == 1;
      const bool pair_or = or_bits && oplanes == 1 && g.kh == 2 && g.kw == 2 && g.stride == 2 && g.pad == 0;
      if (!or_bits) {
        StagedInput si;
        si.bits = in.data();
        si.planes = L.in_planes;
        si.row0 = y0;
        si.rows = nrows;
        si.pitch = int(pin);
        unpack_input(si, kn, g.in_w, vals);
      }
      const int orows = r1 - r0;
      const uint64_t out_bytes = uint64_t(oplanes) * kn * orows * pout;
      out.assign(out_bytes, 0);
      uint64_t nonzero = 0;
      for (int ch = 0; ch < kn; ++ch)  // the group's channels, staged from 0
        for (int oy = r0; oy < r1; ++oy) {
          const int iy0 = oy * g.stride - g.pad;  // the window's rows and columns inside the map
          const int ky0 = std::max(0, -iy0), ky1 = std::min(g.kh, g.in_h - iy0);
          if (or_bits) {
            rows_or.assign(pin, 0);
            for (int ky = ky0; ky < ky1; ++ky) {
              const uint8_t* row = in.data() + (size_t(ch) * nrows + (iy0 + ky - y0)) * pin;
              for (uint64_t b = 0; b < pin; ++b) rows_or[b] |= row[b];
            }
            if (pair_or) {
              // 2x2 windows, stride 2: output bit x is input bits 2x | 2x + 1, eight outputs
              // from each pair of OR-ed input bytes.
              uint8_t* dst = out.data() + (size_t(ch) * orows + (oy - r0)) * pout;
              for (uint64_t ob = 0; ob < pout; ++ob) {
                unsigned w = (2 * ob < pin ? rows_or[2 * ob] : 0u) | (2 * ob + 1 < pin ? rows_or[2 * ob + 1] << 8 : 0u);
                w = (w | w >> 1) & 0x5555u;  // bit 2x: the window's OR
                w = (w | w >> 1) & 0x3333u;  // then the even bits gathered into one byte
                w = (w | w >> 2) & 0x0F0Fu;
                w = (w | w >> 4) & 0x00FFu;
                const int valid = g.out_w - int(ob) * 8;
                if (valid < 8) w &= valid > 0 ? (1u << valid) - 1 : 0u;
                dst[ob] = uint8_t(w);
                nonzero += unsigned(__builtin_popcount(w));
              }
              continue;
            }
          }
          for (int ox = 0; ox < g.out_w; ++ox) {
            const int ix0 = ox * g.stride - g.pad;
            const int kx0 = std::max(0, -ix0), kx1 = std::min(g.kw, g.in_w - ix0);
            int v = 0;
            if (or_bits)
              for (unsigned ix = unsigned(ix0 + kx0); ix < unsigned(ix0 + kx1); ++ix) v |= (rows_or[ix / 8] >> (ix % 8)) & 1;
            else
              for (int ky = ky0; ky < ky1; ++ky) {
                const int32_t* row = vals.data() + (size_t(ch) * nrows + (iy0 + ky - y0)) * g.in_w;
                for (int kx = kx0; kx < kx1; ++kx) v = L.op == OP_MAXPOOL ? std::max(v, row[ix0 + kx]) : v + row[ix0 + kx];
              }
            nonzero += v != 0;
            for (int pl = 0; pl < oplanes; ++pl)
              if ((v >> pl) & 1)
                out[((size_t(pl) * kn + ch) * orows + (oy - r0)) * pout + ox / 8] |= uint8_t(1u << (ox % 8));
          }
        }
      st.spikes_out += nonzero;  // non-zero outputs (spikes; pooled values of a multi-plane map)
      m_dp.dma->debug_write(oslot, out.data(), out_bytes);
      t_dma = std::max(t_dma, account(false, islot, in_bytes, t_dma, Tensor::ifmap));
      t_dma = std::max(t_dma, account(true, oslot, out_bytes, t_dma, Tensor::ofmap));
      DmaCommand o;
      o.rows = uint64_t(whole ? oplanes : 1) * kn;
      o.row_bytes = uint64_t(orows) * pout;
      o.dst_stride = uint64_t(g.out_h) * pout;
      o.tag = TileExt{};
      o.tag->tensor = Tensor::ofmap;
      o.tag->layer = L.id;
      o.tag->timestep = uint32_t(t);
      const uint64_t out_pl = uint64_t(kn) * o.row_bytes;
      for (int pl = 0; pl < (whole ? 1 : oplanes); ++pl) {
        o.src = oslot + uint64_t(pl) * out_pl;
        o.dst = L.out_addr + uint64_t(t) * ob + uint64_t(pl) * out_plane + uint64_t(k0) * g.out_h * pout + uint64_t(r0) * pout;
        t_dma = dma(o, t_dma);
      }
      st.dram_bytes += in_bytes + out_bytes;
      st.glb_bytes += 2 * (in_bytes + out_bytes);
    }
    }
  }
  return t_dma;
}

sc_time LayerEngine::run_add(const LayerCmd& L, const std::vector<int>& ts, int total_t, SpadUse use, sc_time now,
                             LayerStats& st) {
  // Residual join: int32 accumulations of the block's last convolution plus the shortcut
  // (a bit-plane map: spikes, or an ANN layer's act_bits activation planes; or another int32
  // accumulation map), elementwise, into the LIF units (ANN, DESC_RELU: ReLU + requantize,
  // no membrane). Operands are staged in bands of rows through the ifmap GLB, spikes or
  // activation planes (and membranes when they outlive the call) leave through the ofmap GLB.
  const ConvGeom& g = L.g;
  const int K = g.out_c, H = g.out_h, Wd = g.out_w;
  const bool spikes2 = L.flags & DESC_IN2_SPIKES;
  const int planes2 = spikes2 ? L.in_planes : 1;  // operand 2's bit planes ([planes][K][H][pitch])
  const bool relu = L.relu();
  const int oplanes = L.out_planes();  // spikes: 1; ReLU: act_bits
  const bool persist = L.fires() && !relu && use != SpadUse::tick_batch && total_t > 1;
  const int mbytes = m_dp.lif->membrane_bytes();
  const uint64_t pout = LayerCmd::pitch(Wd), npx = uint64_t(H) * Wd;
  const uint64_t ih = m_dp.glb_i->size_bytes() / 2, oh = m_dp.glb_o->size_bytes() / 2;
  // Bytes of one row of one channel, in and out.
  const uint64_t chan_in = uint64_t(Wd) * 4 + (spikes2 ? pout * planes2 : uint64_t(Wd) * 4);
  const uint64_t chan_out = pout * oplanes + (persist ? uint64_t(Wd) * mbytes : 0);
  if (!L.fires()) refuse(L, ERR_BAD_PARAM, "an add layer must fire");
  if (chan_in > ih || chan_out > oh)
    refuse(L, ERR_NO_FIT, "add: one row of one channel (" + std::to_string(chan_in) + " B in, " +
                              std::to_string(chan_out) + " B out) exceeds half a GLB");
  // Channel groups of whole rows first, then bands of rows within a group.
  const int KG = int(std::min<uint64_t>(uint64_t(K), std::min(ih / chan_in, oh / chan_out)));
  const int rb = int(std::max<uint64_t>(1, std::min({uint64_t(H), ih / (chan_in * KG), oh / (chan_out * KG)})));
  const int nbands = (H + rb - 1) / rb;
  const int ngroups = (K + KG - 1) / KG;
  const uint64_t map1 = uint64_t(K) * npx * 4, plane2 = uint64_t(K) * H * pout;
  const uint64_t map2 = spikes2 ? plane2 * planes2 : map1;
  sc_time dma_free = now, pe_free = now;
  std::vector<std::vector<int64_t>> tb_mem(static_cast<size_t>(nbands) * ngroups);
  std::vector<int32_t> a, sum;
  std::vector<uint8_t> b2, spk, packed, mraw;
  std::vector<int64_t> mem;
  int step = 0;
  for (int gi = 0; gi < ngroups; ++gi) {
  const int k0 = gi * KG, kn = std::min(KG, K - k0);
  for (int bi = 0; bi < nbands; ++bi) {
    const int r0 = bi * rb, r1 = std::min(H, r0 + rb), rows = r1 - r0, bpx = rows * Wd;
    for (int t : ts) {
      const uint64_t islot = m_glb_i_base + uint64_t(step % 2) * ih, oslot = m_glb_o_base + uint64_t(step % 2) * oh;
      ++step;
      // operand 1: [K][rows][W] int32; operand 2: bit planes [planes][K][rows][pitch] or int32
      DmaCommand c;
      c.src = L.in_addr + uint64_t(t) * map1 + uint64_t(k0) * npx * 4 + uint64_t(r0) * Wd * 4;
      c.dst = islot;
      c.rows = uint64_t(kn);
      c.row_bytes = uint64_t(bpx) * 4;
      c.src_stride = npx * 4;
      c.tag = TileExt{};
      c.tag->tensor = Tensor::psum;
      c.tag->layer = L.id;
      c.tag->timestep = uint32_t(t);
      dma_free = dma(c, dma_free);
      const uint64_t len1 = c.rows * c.row_bytes;
      a.resize(size_t(kn) * bpx);
      m_dp.dma->debug_read(islot, a.data(), len1);
      DmaCommand d = c;
      d.row_bytes = spikes2 ? uint64_t(rows) * pout : uint64_t(bpx) * 4;
      d.src_stride = spikes2 ? uint64_t(H) * pout : npx * 4;
      d.tag->tensor = spikes2 ? Tensor::ifmap : Tensor::psum;
      const uint64_t len2p = d.rows * d.row_bytes;  // one plane of the band
      for (int pl = 0; pl < planes2; ++pl) {  // multi-bit activations: one transfer per bit plane
        d.dst = islot + len1 + uint64_t(pl) * len2p;
        d.src = L.in2_addr + uint64_t(t) * map2 +
                (spikes2 ? uint64_t(pl) * plane2 + uint64_t(k0) * H * pout + uint64_t(r0) * pout
                         : uint64_t(k0) * npx * 4 + uint64_t(r0) * Wd * 4);
        dma_free = dma(d, dma_free);
      }
      const uint64_t len2 = len2p * uint64_t(planes2);
      b2.resize(len2);
      m_dp.dma->debug_read(islot + len1, b2.data(), len2);
      st.dram_bytes += len1 + len2;
      // elementwise sum, [pixels][K] for the LIF job
      sum.assign(size_t(bpx) * kn, 0);
      for (int k = 0; k < kn; ++k)
        for (int p = 0; p < bpx; ++p) {
          int32_t v = a[size_t(k) * bpx + p];
          if (spikes2) {
            const int y = p / Wd, x = p % Wd;
            const size_t at = (size_t(k) * rows + y) * pout + x / 8;
            uint32_t v2 = 0;
            for (int pl = 0; pl < planes2; ++pl) v2 |= uint32_t((b2[size_t(pl) * len2p + at] >> (x % 8)) & 1) << pl;
            v += int32_t(v2);
            st.spikes_in += uint64_t(__builtin_popcount(v2));  // set bits fed, as run_compute counts
          } else {
            int32_t w2;
            std::memcpy(&w2, b2.data() + (size_t(k) * bpx + p) * 4, 4);
            v += w2;
          }
          sum[size_t(p) * kn + k] = v;
        }
      sc_time c_start = std::max(pe_free, dma_free);
      c_start = std::max(c_start, account(false, islot, len1 + len2, c_start, Tensor::psum));
      // membranes
      std::vector<int64_t>* mv = &mem;
      const size_t n = size_t(bpx) * kn;
      if (relu) {
        // ReLU units keep no membrane.
      } else if (use == SpadUse::tick_batch) {
        mv = &tb_mem[size_t(gi) * nbands + bi];
        if (mv->empty()) mv->assign(n, 0);
      } else {
        mem.assign(n, 0);
      }
      const uint64_t mslot = oslot + uint64_t(kn) * rows * pout * oplanes, mlen = uint64_t(kn) * bpx * mbytes;
      if (persist && t > 0) {
        DmaCommand m;
        m.src = L.mem_addr + (uint64_t(k0) * npx + uint64_t(r0) * Wd) * mbytes;
        m.dst = mslot;
        m.rows = uint64_t(kn);
        m.row_bytes = uint64_t(bpx) * mbytes;
        m.src_stride = npx * mbytes;
        m.tag = TileExt{};
        m.tag->tensor = Tensor::membrane;
        m.tag->layer = L.id;
        m.tag->timestep = uint32_t(t);
        dma_free = dma(m, dma_free);
        c_start = std::max(c_start, dma_free);
        mraw.resize(mlen);
        m_dp.dma->debug_read(mslot, mraw.data(), mlen);
        load_membranes(mraw.data(), mbytes, kn, bpx, mv->data(), size_t(kn));
        st.dram_bytes += mlen;
      }
      spk.assign(n, 0);
      LifJob job = lif_job(L, r0 * Wd, c_start);
      job.psum = sum.data();
      job.pixels = bpx;
      job.channels = kn;
      job.psum_stride = kn;
      job.channel0 = k0;
      if (relu) job.act_bits = L.act_bits;
      else job.membrane = mv->data();
      job.spikes = spk.data();
      const uint64_t lc = m_dp.lif->integrate(job);
      st.lif_cycles += lc;
      sc_time c_end = c_start + m_clk * double(lc);
      // spikes_out: non-zero outputs (spikes; ReLU activations), as run_compute counts them.
      const uint64_t plane_bytes = uint64_t(kn) * rows * pout, spk_bytes = plane_bytes * oplanes;
      packed.resize(spk_bytes);
      st.spikes_out += pack_spikes(spk.data(), Wd, rows, kn, kn, pout, packed.data(), oplanes);
      m_dp.dma->debug_write(oslot, packed.data(), spk_bytes);
      c_end = std::max(c_end, account(true, oslot, spk_bytes, c_end, Tensor::ofmap));
      for (int pl = 0; pl < oplanes; ++pl) {  // ANN activations: one write-back per bit plane
        DmaCommand o;
        o.src = oslot + uint64_t(pl) * plane_bytes;
        o.dst = L.out_addr + uint64_t(t) * L.out_map_bytes() + uint64_t(pl) * K * H * pout + uint64_t(k0) * H * pout +
                uint64_t(r0) * pout;
        o.rows = uint64_t(kn);
        o.row_bytes = uint64_t(rows) * pout;
        o.dst_stride = uint64_t(H) * pout;
        o.tag = TileExt{};
        o.tag->tensor = Tensor::ofmap;
        o.tag->layer = L.id;
        o.tag->timestep = uint32_t(t);
        dma_free = dma(o, std::max(dma_free, c_end));
      }
      st.dram_bytes += spk_bytes;
      st.glb_bytes += len1 + len2 + spk_bytes;
      if (persist && t + 1 < total_t) {
        mraw.resize(mlen);
        store_membranes(mv->data(), size_t(kn), kn, bpx, mraw.data(), mbytes);
        m_dp.dma->debug_write(mslot, mraw.data(), mlen);
        c_end = std::max(c_end, account(true, mslot, mlen, c_end, Tensor::membrane));
        DmaCommand m;
        m.src = mslot;
        m.dst = L.mem_addr + (uint64_t(k0) * npx + uint64_t(r0) * Wd) * mbytes;
        m.rows = uint64_t(kn);
        m.row_bytes = uint64_t(bpx) * mbytes;
        m.dst_stride = npx * mbytes;
        m.tag = TileExt{};
        m.tag->tensor = Tensor::membrane;
        m.tag->layer = L.id;
        m.tag->timestep = uint32_t(t);
        dma_free = dma(m, std::max(dma_free, c_end));
        st.dram_bytes += mlen;
        st.glb_bytes += 2 * mlen;
      }
      pe_free = c_end;
    }
  }
  }
  return std::max(pe_free, dma_free);
}

}  // namespace spiketlm
