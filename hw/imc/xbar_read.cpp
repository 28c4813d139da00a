// The IMC datapath: one timestep of a compute layer on its crossbars (imc_datapath.h). For
// each input bit plane and output pixel: the driven rows of every crossbar (the input bits its
// tap selects), a PE cycle per row group and column group (ImcPe::read: column currents, ADCs,
// shift-and-add), the row groups' partial sums added in the tile.
#include <algorithm>
#include <climits>

#include "hw/imc/imc_datapath.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace spiketlm {

void ImcCounts::add(const ImcCounts& o) {
  pe_cycles += o.pe_cycles;
  active_pe_cycles += o.active_pe_cycles;
  xbar_reads += o.xbar_reads;
  active_xbar_reads += o.active_xbar_reads;
  accumulates += o.accumulates;
  if (active_by_group.size() < o.active_by_group.size()) active_by_group.resize(o.active_by_group.size(), 0);
  for (size_t i = 0; i < o.active_by_group.size(); ++i) active_by_group[i] += o.active_by_group[i];
}

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

inline uint64_t popcount_words(const uint64_t* w, int n) {
  uint64_t on = 0;
  for (int i = 0; i < n; ++i) on += uint64_t(__builtin_popcountll(w[i]));
  return on;
}

// tmp[c] += v[r step] x w[r wc + c] over the rows r with a non-zero value. (Not inlined: in the
// caller's loop nest the compiler keeps this loop's operands on the stack.)
[[gnu::noinline]] void mac_rows(const int32_t* v, size_t step, int rows, const int8_t* w, int wc, int64_t* tmp) {
  for (int r = 0; r < rows; ++r) {
    const int64_t val = v[size_t(r) * step];
    if (!val) continue;
    const int8_t* row = w + size_t(r) * wc;
    for (int c = 0; c < wc; ++c) tmp[c] += val * row[c];
  }
}

// The same into int32 sums, for values that fit int16 and sums that fit int32 (the caller's
// bound): eight products per SSE2 multiply-add (each weight paired with itself, the value with
// 0) where the target has SSE2, the same integers.
[[gnu::noinline]] void mac_rows(const int32_t* v, size_t step, int rows, const int8_t* w, int wc, int32_t* tmp) {
  for (int r = 0; r < rows; ++r) {
    const int32_t val = v[size_t(r) * step];
    if (!val) continue;
    const int8_t* row = w + size_t(r) * wc;
    int c = 0;
#ifdef __SSE2__
    const __m128i vv = _mm_set1_epi32(val & 0xffff);
    for (; c + 8 <= wc; c += 8) {
      const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + c));
      const __m128i w16 = _mm_srai_epi16(_mm_unpacklo_epi8(b, b), 8);
      __m128i* a = reinterpret_cast<__m128i*>(tmp + c);
      _mm_storeu_si128(a, _mm_add_epi32(_mm_loadu_si128(a), _mm_madd_epi16(_mm_unpacklo_epi16(w16, w16), vv)));
      _mm_storeu_si128(a + 1, _mm_add_epi32(_mm_loadu_si128(a + 1), _mm_madd_epi16(_mm_unpackhi_epi16(w16, w16), vv)));
    }
#endif
    for (; c < wc; ++c) tmp[c] += val * row[c];
  }
}

// One timestep's read of a compute layer. Counts are kept in locals over the inner loops
// (stores to the masks could alias members) and added up per pixel.
class Reader {
 public:
  Reader(ImcPe& pe, int rows_used, const LayerCmd& L, const ImcLayerProgram& P, const ImcMaps& in, int ts,
         std::vector<int64_t>& psum, ImcCounts& cnt, PeScratch& s, bool plane_loop);
  void run();

 private:
  void setup();
  void setup_ranges();
  bool plane_bits(int b);
  void extract_ranges();
  void drive(int p);
  void read_pixel(int p, int64_t scale);
  void range_activity(uint32_t pm);
  void count_by_value();
  void sum_by_value();
  template <typename A>
  void sum_values(A* tmp);

  ImcPe& m_pe;
  const ConvGeom& g;
  const imc::LayerMap& m;
  const ImcMaps& m_in;
  const std::vector<int32_t>& x;
  std::vector<int64_t>& m_psum;
  ImcCounts& m_cnt;
  PeScratch& m_s;
  int k2, G, Q, wcm, npx, K, C, H, Wd, nw, wpp;
  bool flat;
  size_t HW;
  std::vector<imc::XbarTap> taps;   // [row group][crossbar]
  std::vector<int> nact, nx;        // driven crossbars at the current pixel, crossbars per row group
  uint64_t xbars = 0;               // crossbars of a PE cycle over all row groups
  std::vector<const XbarProgram*> xs;
  bool by_value = false;
  bool plane_loop, by_planes = true;  // every read plane by plane (asked), the counts so (needed)
  uint64_t pcols = 0;               // physical columns over the column groups
  uint64_t active_groups = 0;
  uint64_t n_pe_cycles = 0, n_xbar_reads = 0, n_active_xbar_reads = 0, n_active_pe_cycles = 0, n_accumulates = 0;
  std::vector<uint64_t> bits, masks;  // masks: [row group][crossbar][nw] (a flat layer's extracted rows)
  std::vector<const uint64_t*> mptr;  // [row group][crossbar]: its driven rows at this pixel
  std::vector<uint64_t> zeros;        // nw words: no row driven
  std::vector<int> tw;                // [row group][crossbar]: words of its row mask
  std::vector<size_t> ebase;          // [row group][crossbar]: its range's first entry in ext_on (range x HW)
  int dy_lo = 0, dy_hi = 0, dx_lo = 0, dx_hi = 0;  // the taps' offsets from a pixel's window origin
  std::vector<int64_t> tmp;
  std::vector<int32_t> acc32;         // a column group's exact-sum reads at a pixel
  std::vector<char> pe_exact;         // [col group][row group]: its reads add into acc32
  // A conv tap reads a channel range of one input pixel, and an input pixel feeds up to
  // kh x kw outputs: each distinct range is extracted once per input pixel and plane.
  std::vector<int> tap_range;
  std::vector<std::pair<int, int>> ranges;  // (first channel, rows)
  std::vector<uint64_t> ext;      // [range][input pixel][nw]: the range's bits
  std::vector<uint32_t> ext_on;   // [range][input pixel]: its set bits
  // count_by_value: [range][input pixel]: the OR of the range's values (bit b: a row driven in
  // plane b) and their set bits (rows driven, over the planes).
  std::vector<uint32_t> r_any, r_on;
};

Reader::Reader(ImcPe& pe, int rows_used, const LayerCmd& L, const ImcLayerProgram& P, const ImcMaps& in, int ts,
               std::vector<int64_t>& psum, ImcCounts& cnt, PeScratch& s, bool plane_loop)
    : m_pe(pe), g(L.g), m(P.map), m_in(in), x(in.at(ts)), m_psum(psum), m_cnt(cnt), m_s(s), plane_loop(plane_loop) {
  k2 = pe.xbars();
  G = m.row_groups;
  Q = m.col_groups;
  wcm = m.wcols;
  npx = int(g.npx());
  K = g.out_c;
  C = g.in_c;
  H = g.in_h;
  Wd = g.in_w;
  nw = (rows_used + 63) / 64;
  wpp = (C + 63) / 64;
  flat = L.op == OP_LINEAR;
  HW = size_t(H) * size_t(Wd);
  xs.resize(P.index.size());
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = P.at(i);
}

void Reader::setup() {
  m_psum.assign(size_t(K) * size_t(npx), 0);
  m_cnt.active_by_group.assign(size_t(G), 0);
  taps.assign(size_t(G) * size_t(k2), imc::XbarTap{});
  nact.assign(size_t(G), 0);
  nx.assign(size_t(G), 0);
  for (int gi = 0; gi < G; ++gi) {
    nx[size_t(gi)] = int(m.groups[size_t(gi)].size());
    xbars += uint64_t(nx[size_t(gi)]);
    for (int j = 0; j < nx[size_t(gi)]; ++j) taps[size_t(gi) * k2 + j] = imc::tap(m.groups[size_t(gi)][size_t(j)], g.kw, g.pad);
  }
  // A pixel's exact-sum reads (ImcPe::exact_sums) of a column group add up in int32 when no
  // sum can leave it (the rows of a column group x 128).
  int64_t rows = 0;
  for (const imc::XbarTap& tp : taps) rows += tp.rows;
  bool all_exact = true;
  pe_exact.assign(size_t(Q) * G, 0);
  for (int q = 0; q < Q; ++q) {
    pcols += uint64_t(xs[m.slot(q, 0, 0)]->pcols);
    for (int gi = 0; gi < G; ++gi) {
      const bool e = m_pe.exact_sums(xs.data() + m.slot(q, gi, 0), nx[size_t(gi)]);
      pe_exact[size_t(q) * G + gi] = e && rows * 128 <= INT32_MAX;
      all_exact = all_exact && e;
    }
  }
  // Multi-bit inputs on PEs whose reads are all exact sums: the bit-serial reads add up to
  // weights x values, so the planes only decide the activity counts and the partial sums are
  // taken in one pass over the values (the same integers).
  by_value = m_in.planes > 1 && !plane_loop && all_exact;
  acc32.assign(size_t(wcm), 0);
  masks.assign(size_t(G) * k2 * nw, 0);
  mptr.assign(size_t(G) * k2, nullptr);
  zeros.assign(size_t(nw), 0);
  tw.assign(taps.size(), 0);
  for (size_t t = 0; t < taps.size(); ++t) tw[t] = (taps[t].rows + 63) / 64;
  tmp.assign(size_t(wcm), 0);
  if (!flat) setup_ranges();
  // The planes at once take values that fit 32 bits.
  by_planes = !by_value || m_in.planes > 32;
}

void Reader::setup_ranges() {
  tap_range.assign(taps.size(), -1);
  for (int gi = 0; gi < G; ++gi)
    for (int j = 0; j < nx[size_t(gi)]; ++j) {
      const imc::XbarTap& tp = taps[size_t(gi) * k2 + j];
      const std::pair<int, int> r{tp.start, tp.rows};
      auto it = std::find(ranges.begin(), ranges.end(), r);
      tap_range[size_t(gi) * k2 + j] = int(it - ranges.begin());
      if (it == ranges.end()) ranges.push_back(r);
    }
  ebase.assign(taps.size(), 0);
  for (size_t t = 0; t < taps.size(); ++t)
    if (tap_range[t] >= 0) ebase[t] = size_t(tap_range[t]) * HW;
  dy_lo = dx_lo = INT_MAX;
  dy_hi = dx_hi = INT_MIN;
  for (int gi = 0; gi < G; ++gi)
    for (int j = 0; j < nx[size_t(gi)]; ++j) {
      const imc::XbarTap& tp = taps[size_t(gi) * k2 + j];
      dy_lo = std::min(dy_lo, tp.dy), dy_hi = std::max(dy_hi, tp.dy);
      dx_lo = std::min(dx_lo, tp.dx), dx_hi = std::max(dx_hi, tp.dx);
    }
  if (dy_lo > dy_hi) dy_lo = dy_hi = dx_lo = dx_hi = 0;  // no tap
}

// Bit set of plane b: conv: per pixel, its channels; linear: the flattened map. Returns
// whether any bit is set.
bool Reader::plane_bits(int b) {
  bool any = false;
  if (flat) {
    const size_t F = size_t(C) * HW;
    bits.assign((F + 63) / 64 + 1, 0);
    for (size_t i = 0; i < F; ++i)
      if ((x[i] >> b) & 1) {
        bits[i >> 6] |= uint64_t(1) << (i & 63);
        any = true;
      }
  } else {
    bits.assign(HW * size_t(wpp) + 1, 0);
    for (int c = 0; c < C; ++c)
      for (size_t p = 0; p < HW; ++p)
        if ((x[size_t(c) * HW + p] >> b) & 1) {
          bits[p * size_t(wpp) + size_t(c >> 6)] |= uint64_t(1) << (c & 63);
          any = true;
        }
  }
  return any;
}

void Reader::extract_ranges() {
  ext.assign(ranges.size() * HW * size_t(nw), 0);
  ext_on.assign(ranges.size() * HW, 0);
  for (size_t ri = 0; ri < ranges.size(); ++ri) {
    const int tw = (ranges[ri].second + 63) / 64;
    for (size_t q = 0; q < HW; ++q) {
      uint64_t* e = ext.data() + (ri * HW + q) * size_t(nw);
      extract_bits(bits.data() + q * size_t(wpp), ranges[ri].first, ranges[ri].second, e);
      ext_on[ri * HW + q] = uint32_t(popcount_words(e, tw));
    }
  }
}

// Driven rows of every crossbar of every row group at pixel p (mptr: into ext, the flat
// layer's masks, or zeros); counts the PE cycles. (The loop works on locals: stores could alias
// members.)
void Reader::drive(int p) {
  const int iy0 = (p / g.out_w) * g.stride, ix0 = (p % g.out_w) * g.stride;
  const int G = this->G, Q = this->Q, K = this->K, H = this->H, Wd = this->Wd, k2 = this->k2, nw = this->nw;
  const imc::XbarTap* const taps = this->taps.data();
  const int* const nx = this->nx.data();
  const int* const tw = this->tw.data();
  const size_t* const ebase = this->ebase.data();
  const uint64_t* const ext = this->ext.data();
  const uint32_t* const ext_on = this->ext_on.data();
  const uint64_t* const bits = this->bits.data();
  const uint64_t* const zeros = this->zeros.data();
  uint64_t* const masks = this->masks.data();
  const uint64_t** const mptr = this->mptr.data();
  int* const nact = this->nact.data();
  uint64_t* const by_group = m_cnt.active_by_group.data();
  // Every tap of every row group inside the map (no padding reaches this pixel).
  const bool inside = iy0 + dy_lo >= 0 && ix0 + dx_lo >= 0 && iy0 + dy_hi < H && ix0 + dx_hi < Wd;
  uint64_t pe_cycles = 0, reads = 0, active_reads = 0, active_cycles = 0, on = 0, groups = 0;
  for (int gi = 0; gi < G; ++gi) {
    int a = 0;
    for (int j = 0; j < nx[gi]; ++j) {
      const size_t t = size_t(gi) * k2 + j;
      const imc::XbarTap& tp = taps[t];
      uint64_t rows_on = 0;
      const uint64_t* mk = zeros;
      if (tp.flat) {
        uint64_t* buf = masks + t * nw;
        extract_bits(bits, tp.start, tp.rows, buf);
        rows_on = popcount_words(buf, tw[t]);
        if (rows_on) mk = buf;
      } else {
        const int iy = iy0 + tp.dy, ix = ix0 + tp.dx;
        if (inside || (iy >= 0 && ix >= 0 && iy < H && ix < Wd)) {
          const size_t e = ebase[t] + size_t(iy) * Wd + ix;
          rows_on = ext_on[e];
          if (rows_on) mk = ext + e * nw;
        }
      }
      mptr[t] = mk;
      on += rows_on;
      a += rows_on != 0;
    }
    nact[gi] = a;
    pe_cycles += uint64_t(Q);
    reads += uint64_t(nx[gi]) * Q;
    active_reads += uint64_t(a) * Q;
    if (a) {
      active_cycles += uint64_t(Q);
      by_group[gi] += 1;
      ++groups;
    }
  }
  n_pe_cycles += pe_cycles;
  n_xbar_reads += reads;
  n_active_xbar_reads += active_reads;
  n_active_pe_cycles += active_cycles;
  n_accumulates += on * uint64_t(K);  // every driven row adds into all K columns
  active_groups += groups;
}

// The PE cycles of pixel p, every column group: the driven row groups' reads added in the tile
// (exact-sum PEs' in int32, the others' scaled in int64; the same integers).
void Reader::read_pixel(int p, int64_t scale) {
  int64_t* const tmp = this->tmp.data();
  int32_t* const a32 = acc32.data();
  for (int q = 0; q < Q; ++q) {
    const int wc = std::min(wcm, K - q * wcm);
    bool exact = false, level = false;
    for (int gi = 0; gi < G; ++gi) {
      if (!nact[size_t(gi)]) continue;  // no driven row: no current, the result is 0
      const XbarProgram* const* px = xs.data() + m.slot(q, gi, 0);
      const uint64_t* const* mk = mptr.data() + size_t(gi) * k2;
      if (pe_exact[size_t(q) * G + gi]) {
        if (!exact) std::fill(a32, a32 + wc, 0);
        m_pe.add_exact(px, mk, nx[size_t(gi)], a32);
        exact = true;
      } else {
        if (!level) std::fill(tmp, tmp + wc, 0);
        m_pe.read(px, mk, nx[size_t(gi)], tmp, scale, m_s);
        level = true;
      }
    }
    int64_t* const ps = m_psum.data() + size_t(q) * size_t(wcm) * size_t(npx) + size_t(p);
    if (exact)
      for (int j = 0; j < wc; ++j) ps[size_t(j) * size_t(npx)] += scale * a32[j];
    if (level)
      for (int j = 0; j < wc; ++j) ps[size_t(j) * size_t(npx)] += tmp[j];
  }
}

// count_by_value's tables: per channel range and input pixel, the OR of the range's values
// masked to the planes (pm) and their set bits.
void Reader::range_activity(uint32_t pm) {
  r_any.assign(ranges.size() * HW, 0);
  r_on.assign(ranges.size() * HW, 0);
  for (size_t ri = 0; ri < ranges.size(); ++ri) {
    uint32_t* __restrict any = r_any.data() + ri * HW;
    uint32_t* __restrict on = r_on.data() + ri * HW;
    for (int c = ranges[ri].first; c < ranges[ri].first + ranges[ri].second; ++c) {
      const int32_t* __restrict v = x.data() + size_t(c) * HW;
      for (size_t q = 0; q < HW; ++q) {
        const uint32_t b = uint32_t(v[q]) & pm;
        any[q] |= b;
        on[q] += uint32_t(__builtin_popcount(b));
      }
    }
  }
}

// Exact-sum PEs with multi-bit inputs: the plane loop's counts of every plane at once. A
// crossbar's rows are driven in plane b when a value of its rows has bit b set, so over the
// planes a crossbar is read popcount(any) times (any: the OR of its values), its PE has a cycle
// in popcount(OR of its crossbars' any) planes and its rows are driven as often as its values
// have set bits. Every plane has every PE cycle and crossbar read, active or not.
void Reader::count_by_value() {
  const int P = m_in.planes;
  const uint32_t pm = P >= 32 ? ~uint32_t(0) : (uint32_t(1) << P) - 1;
  if (!flat) range_activity(pm);
  uint64_t reads = 0, cycles = 0, on = 0;
  uint64_t* const by_group = m_cnt.active_by_group.data();
  for (int p = 0; p < npx; ++p) {
    const int iy0 = (p / g.out_w) * g.stride, ix0 = (p % g.out_w) * g.stride;
    const bool inside = iy0 + dy_lo >= 0 && ix0 + dx_lo >= 0 && iy0 + dy_hi < H && ix0 + dx_hi < Wd;
    for (int gi = 0; gi < G; ++gi) {
      uint32_t any = 0;
      for (int j = 0; j < nx[size_t(gi)]; ++j) {
        const size_t t = size_t(gi) * k2 + j;
        const imc::XbarTap& tp = taps[t];
        uint32_t a = 0, n = 0;
        if (tp.flat) {
          for (int r = 0; r < tp.rows; ++r) {
            const uint32_t b = uint32_t(x[size_t(tp.start) + r]) & pm;
            a |= b;
            n += uint32_t(__builtin_popcount(b));
          }
        } else {
          const int iy = iy0 + tp.dy, ix = ix0 + tp.dx;
          if (!inside && (iy < 0 || ix < 0 || iy >= H || ix >= Wd)) continue;
          const size_t e = ebase[t] + size_t(iy) * Wd + ix;
          a = r_any[e];
          n = r_on[e];
        }
        any |= a;
        reads += uint64_t(__builtin_popcount(a));
        on += n;
      }
      const uint64_t c = uint64_t(__builtin_popcount(any));
      cycles += c;
      by_group[gi] += c;
    }
  }
  n_pe_cycles += uint64_t(npx) * G * Q * P;
  n_xbar_reads += uint64_t(npx) * xbars * Q * P;
  n_active_xbar_reads += reads * Q;
  n_active_pe_cycles += cycles * Q;
  n_accumulates += on * uint64_t(K);
  active_groups += cycles;
}

// Exact-sum PEs with multi-bit inputs: the partial sums as weights x values in one pass; in
// int32 when every value fits int16 and no pixel's sum can leave int32 (|value| x 128 x the
// rows of a column group), else in int64 (the same integers).
void Reader::sum_by_value() {
  int64_t vmax = 0, rows = 0;
  for (int32_t v : x) vmax = std::max(vmax, v < 0 ? -int64_t(v) : int64_t(v));
  for (const imc::XbarTap& tp : taps) rows += tp.rows;
  if (vmax <= 32767 && vmax * 128 * rows <= INT32_MAX) {
    std::vector<int32_t> t32(size_t(wcm), 0);
    sum_values(t32.data());
  } else {
    sum_values(tmp.data());
  }
}

template <typename A>
void Reader::sum_values(A* const tmp) {
  const int G = this->G, Q = this->Q, K = this->K, H = this->H, Wd = this->Wd, k2 = this->k2, wcm = this->wcm, npx = this->npx;
  const size_t HW = this->HW;
  const int32_t* const x = this->x.data();
  int64_t* const psum = m_psum.data();
  for (int p = 0; p < npx; ++p) {
    const int iy0 = (p / g.out_w) * g.stride, ix0 = (p % g.out_w) * g.stride;
    for (int q = 0; q < Q; ++q) {
      const int wc = std::min(wcm, K - q * wcm);
      std::fill(tmp, tmp + wc, 0);
      for (int gi = 0; gi < G; ++gi)
        for (int j = 0; j < nx[size_t(gi)]; ++j) {
          const imc::XbarTap& tp = taps[size_t(gi) * k2 + j];
          const int32_t* v = x + tp.start;  // flat: rows are consecutive values
          size_t step = 1;
          if (!tp.flat) {
            const int iy = iy0 + tp.dy, ix = ix0 + tp.dx;
            if (iy < 0 || ix < 0 || iy >= H || ix >= Wd) continue;
            v = x + size_t(tp.start) * HW + size_t(iy) * Wd + ix;  // rows are channels
            step = HW;
          }
          mac_rows(v, step, tp.rows, xs[m.slot(q, gi, j)]->weight.data(), wc, tmp);
        }
      for (int c = 0; c < wc; ++c) psum[size_t(q * wcm + c) * npx + p] += tmp[c];
    }
  }
}

void Reader::run() {
  setup();
  if (!by_planes) count_by_value();
  for (int b = 0; by_planes && b < m_in.planes; ++b) {
    const int64_t scale = (m_in.is_signed && b == m_in.planes - 1) ? -(int64_t(1) << b) : (int64_t(1) << b);
    if (!plane_bits(b)) {
      // No driven row anywhere: every PE cycle of this plane is idle (counted, nothing read).
      n_pe_cycles += uint64_t(npx) * G * Q;
      n_xbar_reads += uint64_t(npx) * xbars * Q;
      continue;
    }
    if (!flat) extract_ranges();
    for (int p = 0; p < npx; ++p) {
      drive(p);
      if (!by_value) read_pixel(p, scale);
    }
  }
  m_cnt.pe_cycles += n_pe_cycles;
  m_cnt.xbar_reads += n_xbar_reads;
  m_cnt.active_xbar_reads += n_active_xbar_reads;
  m_cnt.active_pe_cycles += n_active_pe_cycles;
  m_cnt.accumulates += n_accumulates;
  if (!by_value) return;
  m_pe.count_conversions(active_groups * pcols);
  sum_by_value();
}

}  // namespace

void ImcDatapath::read(const LayerCmd& L, const ImcLayerProgram& P, const ImcMaps& in, int ts, std::vector<int64_t>& psum,
                       ImcCounts& c) {
  Reader(m_tile.pe(), m_cfg.rows_used, L, P, in, ts, psum, c, m_scratch, m_cfg.plane_loop).run();
}

}  // namespace spiketlm
