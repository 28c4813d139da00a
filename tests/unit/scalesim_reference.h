// Test-side replay of SCALE-Sim v2's USER bandwidth mode, step by step and literally: whole
// matrices built the way its numpy code builds them (operand matrices, padded and stacked
// prefetch matrices, flipped and skewed demand matrices), a read buffer that keeps its operand
// as a list of sets and scans its active window set by set, and a write buffer that keeps the
// lines it wrote with their -1 padding. It shares no code with hw/compute/scalesim_*.cpp (which
// generates folds on the fly and looks addresses up in a sorted index), so the two can disagree.
// Source read: scalesim/compute/{operand_matrix,systolic_compute_os,_ws,_is}.py and
// scalesim/memory/{read_buffer,write_buffer,double_buffered_scratchpad_mem}.py at 22f88b1.
#pragma once
#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace spiketlm::test::scalesim_ref {

using Row = std::vector<long>;
using Mat = std::vector<Row>;

inline long cdiv(long a, long b) { return (a + b - 1) / b; }
inline Mat nulls(long r, long c) { return Mat(size_t(r), Row(size_t(c), -1)); }
inline Mat slice(const Mat& m, long r0, long r1, long c0, long c1) {
  Mat o;
  for (long r = r0; r < r1; ++r) o.emplace_back(m[size_t(r)].begin() + c0, m[size_t(r)].begin() + c1);
  return o;
}
inline Mat transpose(const Mat& m) {
  Mat o = nulls(long(m.empty() ? 0 : m[0].size()), long(m.size()));
  for (size_t r = 0; r < m.size(); ++r)
    for (size_t c = 0; c < m[r].size(); ++c) o[c][r] = m[r][c];
  return o;
}
inline Mat vcat(Mat a, const Mat& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
inline Mat pad_cols(Mat m, long width) {
  for (Row& r : m) r.resize(size_t(width), -1);
  return m;
}
inline Mat pad_rows(Mat m, long rows, long width) { return vcat(m, nulls(rows - long(m.size()), width)); }
inline Mat flip(Mat m) {
  std::reverse(m.begin(), m.end());
  return m;
}
inline Mat skew(const Mat& m) {  // column c delayed by c rows
  const long rows = long(m.size()), cols = long(m[0].size());
  Mat o = nulls(rows + cols - 1, cols);
  for (long c = 0; c < cols; ++c)
    for (long r = 0; r < rows; ++r) o[size_t(c + r)][size_t(c)] = m[size_t(r)][size_t(c)];
  return o;
}
inline Row flatten(const Mat& m) {
  Row o;
  for (const Row& r : m) o.insert(o.end(), r.begin(), r.end());
  return o;
}
inline Row diagonals(const Mat& m) {  // anti-diagonals, bottom row first
  const long M = long(m.size()), N = long(m[0].size());
  Row o;
  for (long d = 0; d < M + N; ++d)
    for (long r = std::min(d, M - 1); r >= std::max(0L, d - N + 1); --r) o.push_back(m[size_t(r)][size_t(d - r)]);
  return o;
}

struct Layer {
  long H, W, kh, kw, C, K, s;
};
struct Config {
  long R, Cc, ifmap_kb, filter_kb, ofmap_kb, bw;
};

inline long ofmap_dim(long in, long k, long s) { return cdiv(in - k + s, s); }

inline Mat ifmap_matrix(const Layer& l) {
  const long oh = ofmap_dim(l.H, l.kh, l.s), ow = ofmap_dim(l.W, l.kw, l.s), win = l.kh * l.kw * l.C;
  Mat m = nulls(oh * ow, win);
  for (long p = 0; p < oh * ow; ++p)
    for (long j = 0; j < win; ++j) {
      const long ir = (p / ow) * l.s, ic = (p % ow) * l.s;
      const long cr = j / (l.kw * l.C), cc = (j % (l.kw * l.C)) / l.C, ch = j % l.C;
      if (cr + ir < l.H && cc + ic < l.W) m[size_t(p)][size_t(j)] = ((ir + cr) * l.W + ic + cc) * l.C + ch;
    }
  return m;
}
inline Mat filter_matrix(const Layer& l) {
  const long win = l.kh * l.kw * l.C;
  Mat m = nulls(win, l.K);
  for (long j = 0; j < win; ++j)
    for (long k = 0; k < l.K; ++k) m[size_t(j)][size_t(k)] = 10000000 + k * win + j;
  return m;
}
inline Mat ofmap_matrix(const Layer& l) {
  const long npx = ofmap_dim(l.H, l.kh, l.s) * ofmap_dim(l.W, l.kw, l.s);
  Mat m = nulls(npx, l.K);
  for (long p = 0; p < npx; ++p)
    for (long k = 0; k < l.K; ++k) m[size_t(p)][size_t(k)] = 20000000 + p * l.K + k;
  return m;
}

struct Demands {
  Mat ifmap, filter, ofmap;
  Row ifmap_prefetch, filter_prefetch;
};

// Output-stationary: pixels on rows, filters on columns, the window streamed.
inline Demands os(const Layer& l, long R, long C) {
  const Mat I = ifmap_matrix(l), It = transpose(I), F = filter_matrix(l), O = ofmap_matrix(l);
  const long Sr = long(I.size()), Sc = l.K, T = long(I[0].size());
  Demands d;
  Mat ip, fp;
  for (long fr = 0; fr < cdiv(Sr, R); ++fr) ip = vcat(ip, pad_cols(slice(It, 0, T, fr * R, std::min(fr * R + R, Sr)), R));
  for (long fc = 0; fc < cdiv(Sc, C); ++fc) fp = vcat(fp, pad_cols(slice(F, 0, T, fc * C, std::min(fc * C + C, Sc)), C));
  d.ifmap_prefetch = diagonals(ip);
  d.filter_prefetch = diagonals(fp);
  for (long fc = 0; fc < cdiv(Sc, C); ++fc)
    for (long fr = 0; fr < cdiv(Sr, R); ++fr) {
      const long r0 = fr * R, r1 = std::min(r0 + R, Sr), c0 = fc * C, c1 = std::min(c0 + C, Sc);
      d.ifmap = vcat(d.ifmap, skew(vcat(pad_cols(slice(It, 0, T, r0, r1), R), nulls(C - 1, R))));
      d.filter = vcat(d.filter, skew(vcat(pad_cols(slice(F, 0, T, c0, c1), C), nulls(R - 1, C))));
      d.ofmap = vcat(d.ofmap, skew(vcat(nulls(T - 1, C), flip(pad_rows(pad_cols(slice(O, r0, r1, c0, c1), C), R, C)))));
    }
  return d;
}

// Weight-stationary: the window on rows, filters on columns, pixels streamed.
inline Demands ws(const Layer& l, long R, long C) {
  const Mat I = ifmap_matrix(l), F = filter_matrix(l), O = ofmap_matrix(l);
  const long Sr = long(I[0].size()), Sc = l.K, T = long(I.size());
  Demands d;
  Mat ip, fp;
  for (long fr = 0; fr < cdiv(Sr, R); ++fr) ip = vcat(ip, pad_cols(slice(I, 0, T, fr * R, std::min(fr * R + R, Sr)), R));
  for (long fc = 0; fc < cdiv(Sc, C); ++fc) fp = vcat(fp, pad_cols(slice(F, 0, Sr, fc * C, std::min(fc * C + C, Sc)), C));
  d.ifmap_prefetch = diagonals(ip);
  d.filter_prefetch = flatten(fp);
  for (long fc = 0; fc < cdiv(Sc, C); ++fc)
    for (long fr = 0; fr < cdiv(Sr, R); ++fr) {
      const long r0 = fr * R, r1 = std::min(r0 + R, Sr), c0 = fc * C, c1 = std::min(c0 + C, Sc);
      d.ifmap = vcat(d.ifmap, skew(vcat(vcat(nulls(R, R), pad_cols(slice(I, 0, T, r0, r1), R)), nulls(C - 1, R))));
      d.filter = vcat(d.filter, vcat(flip(pad_rows(pad_cols(slice(F, r0, r1, c0, c1), C), R, C)), nulls(R + C + T - 2, C)));
      d.ofmap = vcat(d.ofmap, skew(vcat(nulls(2 * R - 1, C), pad_cols(slice(O, 0, T, c0, c1), C))));
    }
  return d;
}

// Input-stationary: the window on rows, pixels on columns, filters streamed.
inline Demands is(const Layer& l, long R, long C) {
  const Mat I = ifmap_matrix(l), It = transpose(I), F = filter_matrix(l), O = ofmap_matrix(l);
  const long Sr = long(I[0].size()), Sc = long(I.size()), T = l.K;
  Demands d;
  Mat ip, fp;
  for (long fc = 0; fc < cdiv(Sc, C); ++fc) ip = vcat(ip, pad_cols(slice(It, 0, Sr, fc * C, std::min(fc * C + C, Sc)), C));
  for (long fr = 0; fr < cdiv(Sr, R); ++fr)
    fp = vcat(fp, pad_cols(transpose(slice(F, fr * R, std::min(fr * R + R, Sr), 0, T)), R));
  d.ifmap_prefetch = flatten(ip);
  d.filter_prefetch = diagonals(fp);
  for (long fc = 0; fc < cdiv(Sc, C); ++fc)
    for (long fr = 0; fr < cdiv(Sr, R); ++fr) {
      const long r0 = fr * R, r1 = std::min(r0 + R, Sr), c0 = fc * C, c1 = std::min(c0 + C, Sc);
      d.ifmap = vcat(d.ifmap, vcat(flip(pad_rows(pad_cols(slice(It, r0, r1, c0, c1), C), R, C)), nulls(R + C + T - 2, C)));
      d.filter = vcat(d.filter, skew(vcat(vcat(nulls(R, R), pad_cols(transpose(slice(F, r0, r1, 0, T)), R)), nulls(C - 1, R))));
      d.ofmap = vcat(d.ofmap, skew(vcat(nulls(2 * R - 1, C), pad_cols(transpose(slice(O, c0, c1, 0, l.K)), C))));
    }
  return d;
}

// The read buffer: its operand as sets of ceil(size / 100) requests in prefetch order.
struct ReadBuf {
  std::vector<std::set<long>> lines;
  long active = 0, prefetch = 0, bw = 0, na = 0, np = 0, start = 0, end = 0;
  double last = 0;
  bool full = false;
  ReadBuf(const Row& order, long size, long bw_) : bw(bw_) {
    active = cdiv(size, 2);
    prefetch = size - active;
    const long per_set = cdiv(size, 100);
    std::set<long> cur;
    long ctr = 0;
    for (long a : order) {
      if (a != -1) cur.insert(a), ++ctr;
      if (ctr >= per_set) lines.push_back(cur), cur.clear(), ctr = 0;
    }
    lines.push_back(cur);
    const long L = long(lines.size());
    na = std::min(L, cdiv(active, per_set));
    np = std::min(L - na, cdiv(prefetch, per_set));
  }
  bool hit(long a) const {
    const long L = long(lines.size());
    for (long i = start; start < end ? i < end : i < L; ++i)
      if (lines[size_t(i)].count(a)) return true;
    if (start >= end)
      for (long i = 0; i < end; ++i)
        if (lines[size_t(i)].count(a)) return true;
    return false;
  }
  double serve(const Row& row, double cycle) {
    if (!full) {  // requests for the active half, timed to end just before `cycle`
      const long n = cdiv(active, bw);
      for (long i = 0; i < n; ++i) last = -1.0 * double(n - cycle - (i - 1)) + 1;
      start = 0, end = na, full = true;
    }
    double offset = 1;
    for (long a : row) {
      if (a == -1) continue;
      while (!hit(a)) {
        const long L = long(lines.size());
        start = (start + np) % L;
        end = (start + na) % L;
        const long n = cdiv(prefetch, bw);
        const double issued = last;
        for (long i = 0; i < n; ++i) last = issued + double(i) + 1 + 1;
        if (last - (cycle + offset) > 0) offset += last - (cycle + offset);
      }
    }
    return cycle + offset;
  }
};

// The write buffer: the lines it wrote (bw wide, -1 padded), drained in order.
struct WriteBuf {
  long total, active, drain_size, bw, free_space;
  Mat trace;
  Row line;
  long drained = 0;
  double drain_end = 0;
  WriteBuf(long size, long bw_) : total(size), active(cdiv(size, 2)), drain_size(size - cdiv(size, 2)), bw(bw_), free_space(size) {}
  void flush() {
    if (!line.empty()) trace.push_back(pad_cols({line}, bw)[0]), line.clear();
  }
  double drain(double t) {
    const long n = std::min(cdiv(drain_size, bw), long(trace.size()) - drained);
    long data = n * bw;
    for (long e : trace[size_t(drained + n - 1)]) data -= e == -1;
    free_space += data;
    drained += n;
    return t + double(n - 1);
  }
  double serve(const Row& row, double cycle) {
    double cur = cycle;
    for (long e : row) {
      if (e == -1) continue;
      line.push_back(e), --free_space;
      if (long(line.size()) == bw) trace.push_back(line), line.clear();
      if (cur < drain_end) {
        if (free_space <= 0) cur = drain_end;
      } else if (free_space < total - drain_size) {
        flush();
        drain_end = drain(cur);
      }
    }
    return cur;
  }
};

struct Result {
  long total = 0, stall = 0, rows = 0;
};

// df: "os", "ws" or "is".
inline Result run(const std::string& df, const Layer& l, const Config& c) {
  const Demands d = df == "os" ? os(l, c.R, c.Cc) : df == "ws" ? ws(l, c.R, c.Cc) : is(l, c.R, c.Cc);
  ReadBuf ib(d.ifmap_prefetch, c.ifmap_kb * 1024, c.bw), fb(d.filter_prefetch, c.filter_kb * 1024, c.bw);
  WriteBuf ob(c.ofmap_kb * 1024, c.bw);
  Result r;
  double stall = 0, out = 0;
  for (size_t i = 0; i < d.ofmap.size(); ++i) {
    const double cyc = double(i) + stall;
    const double si = ib.serve(d.ifmap[i], cyc) - cyc - 1, sf = fb.serve(d.filter[i], cyc) - cyc - 1;
    out = ob.serve(d.ofmap[i], cyc);
    stall += std::max({si, sf, out - cyc});
  }
  r.total = long(out);
  r.stall = long(stall);
  r.rows = long(d.ofmap.size());
  return r;
}

}  // namespace spiketlm::test::scalesim_ref
