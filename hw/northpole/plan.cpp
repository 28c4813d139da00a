// The NorthPole mapping plan (plan.h).
#include "hw/northpole/plan.h"

#include <algorithm>

namespace spiketlm::np {

namespace {
uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
}  // namespace

int CoreSpec::ops(int bits) const {
  const int m = mode(bits);
  return m == 2 ? ops_2b : m == 4 ? ops_4b : ops_8b;
}

uint64_t vector_ops(const LayerShape& L, const CoreSpec& s, uint64_t outputs, int ic) {
  const uint64_t act = L.out_bits >= 32 ? 0 : uint64_t(L.lif ? s.ops_lif : s.ops_requant);
  switch (L.op) {
    case LayerShape::Op::conv:
    case LayerShape::Op::linear: return outputs * (act + (ic > 1 ? uint64_t(s.ops_psum) : 0));
    case LayerShape::Op::pool: return outputs * uint64_t(L.kh) * uint64_t(L.kw);
    case LayerShape::Op::add: return outputs * (1 + act);
  }
  return 0;
}

Placement place(const LayerShape& L, const CoreSpec& s, int kc, int sp, int ic) {
  Placement P;
  P.kc = kc;
  P.sp = sp;
  P.ic = ic;
  const uint64_t Kc = cdiv(uint64_t(L.K), uint64_t(kc)), rows = cdiv(uint64_t(L.out_h), uint64_t(sp));
  const uint64_t Cc = L.computes() ? cdiv(uint64_t(L.C), uint64_t(ic)) : Kc;  // pool/add: channel by channel
  const uint64_t taps = uint64_t(L.kh) * uint64_t(L.kw);
  // The input rows a tile of `rows` output rows reads (the kernel's halo); a linear layer reads the whole map.
  const uint64_t in_rows =
      L.op == LayerShape::Op::linear ? uint64_t(L.in_h) : std::min<uint64_t>(uint64_t(L.in_h), (rows - 1) * uint64_t(L.stride) + uint64_t(L.kh));
  P.outputs = Kc * rows * uint64_t(L.out_w);
  P.weight_bytes = L.computes() ? cdiv(Kc * Cc * taps * uint64_t(L.w_bits), 8) : 0;
  P.in_bytes = cdiv(Cc * in_rows * uint64_t(L.in_w) * uint64_t(L.in_bits), 8);
  P.out_bytes = cdiv(P.outputs * uint64_t(L.out_bits), 8);
  P.state_bytes = L.lif ? P.outputs * uint64_t(L.membrane_bytes) : 0;
  P.macs = L.computes() ? Kc * Cc * taps * rows * uint64_t(L.out_w) : 0;
  P.vmm_cycles = L.computes() ? cdiv(P.macs, uint64_t(s.ops(std::max(L.in_bits, L.w_bits)))) : 0;
  const uint64_t ops = vector_ops(L, s, P.outputs, ic);
  P.vec_cycles = cdiv(ops, uint64_t(s.vec_ops));
  P.cycles = std::max(P.vmm_cycles, P.vec_cycles);  // the VMM and the vector unit are pipelined (FACTS.md s7)
  return P;
}

Rect rect_for(int n, const CoreSpec& s) {
  Rect r;
  r.w = std::min(n, s.grid_w);
  r.h = (n + r.w - 1) / r.w;
  return r;
}

bool pack(std::vector<Rect>& rects, const CoreSpec& s, int* rows) {
  int x = 0, y = 0, shelf = 0;
  for (Rect& r : rects) {
    if (x + r.w > s.grid_w) {
      y += shelf;
      x = 0;
      shelf = 0;
    }
    r.x = x;
    r.y = y;
    x += r.w;
    shelf = std::max(shelf, r.h);
  }
  if (rows) *rows = y + shelf;
  return y + shelf <= s.grid_h;
}

namespace {

// The smallest split whose slice fits a core's memory: split output channels while the
// weights dominate (then input channels), output rows otherwise. false: none fits.
bool min_split(const LayerShape& L, const CoreSpec& s, Placement& P) {
  int kc = 1, sp = 1, ic = 1;
  const int C = L.computes() ? L.C : 1;
  for (;;) {
    P = place(L, s, kc, sp, ic);
    if (P.bytes() <= s.mem_bytes) return P.split() <= s.cores();
    const bool weights = P.weight_bytes >= P.in_bytes + P.out_bytes + P.state_bytes;
    if (weights && kc < L.K) kc = std::min(L.K, kc * 2);
    else if (weights && ic < C) ic = std::min(C, ic * 2);
    else if (sp < L.out_h) sp = std::min(L.out_h, sp * 2);
    else if (kc < L.K) kc = std::min(L.K, kc * 2);
    else if (ic < C) ic = std::min(C, ic * 2);
    else return false;
    if (kc * sp * ic > s.cores()) {
      P = place(L, s, kc, sp, ic);
      return false;
    }
  }
}

// The next split of layer L with fewer cycles per core (more output channels or row tiles).
bool grow_once(const LayerShape& L, const CoreSpec& s, const Placement& P, Placement& next) {
  const int Kc = (L.K + P.kc - 1) / P.kc, rows = (L.out_h + P.sp - 1) / P.sp;
  bool have = false;
  auto consider = [&](int kc, int sp) {
    const Placement q = place(L, s, kc, sp, P.ic);
    if (q.split() > s.cores() || q.bytes() > s.mem_bytes) return;
    if (!have || q.cycles < next.cycles || (q.cycles == next.cycles && q.split() < next.split())) next = q, have = true;
  };
  if (Kc > 1) consider((L.K + Kc - 2) / (Kc - 1), P.sp);
  if (rows > 1) consider(P.kc, (L.out_h + rows - 2) / (rows - 1));
  return have && next.cycles < P.cycles;
}

std::string no_fit(const std::vector<LayerShape>& layers, const CoreSpec& s, NetPlan& n, size_t i, int left) {
  const LayerShape& L = layers[i];
  const Placement& P = n.layers[i];
  n.bad_layer = int(i);
  const std::string split = std::to_string(P.kc) + " x " + std::to_string(P.sp) + " x " + std::to_string(P.ic);
  if (P.split() > s.cores()) {
    n.short_bytes = uint64_t(P.split() - s.cores()) * s.mem_bytes;
    return "layer " + L.name + " does not fit: its smallest split (" + split + ") needs " + std::to_string(P.split()) +
           " cores of " + std::to_string(s.mem_bytes) + " bytes, the chip has " + std::to_string(s.cores()) + " (short by " +
           std::to_string(n.short_bytes) + " bytes)";
  }
  if (P.bytes() > s.mem_bytes) {
    n.short_bytes = P.bytes() - s.mem_bytes;
    return "layer " + L.name + " does not fit: its smallest slice (" + split + ") needs " + std::to_string(P.bytes()) +
           " bytes per core, a core has " + std::to_string(s.mem_bytes) + " (short by " + std::to_string(n.short_bytes) + " bytes)";
  }
  const int need = rect_for(P.split(), s).cores();
  n.short_bytes = uint64_t(std::max(1, need - left)) * s.mem_bytes;
  return "layer " + L.name + " does not fit: it needs " + std::to_string(need) + " cores (" +
         std::to_string(uint64_t(need) * s.mem_bytes) + " bytes of core memory), " + std::to_string(left) +
         " cores are left after the layers before it (short by " + std::to_string(n.short_bytes) + " bytes)";
}

}  // namespace

NetPlan plan_network(const std::vector<LayerShape>& layers, const CoreSpec& s, bool grow) {
  NetPlan n;
  n.layers.resize(layers.size());
  std::vector<Rect> rects;
  for (size_t i = 0; i < layers.size(); ++i) {
    const bool ok = min_split(layers[i], s, n.layers[i]);
    rects.push_back(rect_for(std::min(n.layers[i].split(), s.cores()), s));
    std::vector<Rect> sofar = rects;
    int rows = 0;
    if (!ok || !pack(sofar, s, &rows)) {
      int used = 0;
      std::vector<Rect> before(rects.begin(), rects.end() - 1);
      pack(before, s, &rows);
      used = rows * s.grid_w;
      n.error = no_fit(layers, s, n, i, std::max(0, s.cores() - used));
      return n;
    }
  }
  // Spare cores: the slowest layer takes the next split that lowers its cycles while the
  // rectangles still pack.
  std::vector<bool> frozen(layers.size(), !grow);
  for (;;) {
    int worst = -1;
    for (size_t i = 0; i < layers.size(); ++i)
      if (!frozen[i] && (worst < 0 || n.layers[i].cycles > n.layers[size_t(worst)].cycles)) worst = int(i);
    if (worst < 0) break;
    Placement next;
    if (!grow_once(layers[size_t(worst)], s, n.layers[size_t(worst)], next)) {
      frozen[size_t(worst)] = true;
      continue;
    }
    std::vector<Rect> trial = rects;
    trial[size_t(worst)] = rect_for(next.split(), s);
    if (!pack(trial, s)) {
      frozen[size_t(worst)] = true;
      continue;
    }
    rects = trial;
    n.layers[size_t(worst)] = next;
  }
  pack(rects, s, &n.rows_used);
  for (size_t i = 0; i < layers.size(); ++i) {
    n.layers[i].rect = rects[i];
    n.cores_used += rects[i].cores();
  }
  n.segment.assign(layers.size(), 0);
  n.segment_first = {0};
  return n;
}

NetPlan plan_time_multiplexed(const std::vector<LayerShape>& layers, const CoreSpec& s, bool grow) {
  NetPlan all;
  size_t first = 0;
  while (first < layers.size()) {
    // The longest run of layers from `first` whose minimum splits fit together.
    size_t end = first + 1;
    NetPlan alone = plan_network({layers[first]}, s, false);
    if (!alone.error.empty()) {
      alone.bad_layer = int(first);
      alone.error += " (even alone: time-multiplexing cannot help)";
      return alone;
    }
    while (end < layers.size() &&
           plan_network(std::vector<LayerShape>(layers.begin() + long(first), layers.begin() + long(end + 1)), s, false).error.empty())
      ++end;
    const NetPlan seg = plan_network(std::vector<LayerShape>(layers.begin() + long(first), layers.begin() + long(end)), s, grow);
    all.segment_first.push_back(first);
    for (const Placement& P : seg.layers) {
      all.layers.push_back(P);
      all.segment.push_back(all.segments() - 1);
    }
    all.cores_used = std::max(all.cores_used, seg.cores_used);
    all.rows_used = std::max(all.rows_used, seg.rows_used);
    first = end;
  }
  return all;
}

double spread(const Rect& src, int src_cores, const Rect& dst, int dst_cores, double bytes_per_consumer,
              const std::function<void(int, int, int, int, double)>& f) {
  const double share = bytes_per_consumer / double(src_cores);
  double byte_hops = 0;
  for (int q = 0; q < dst_cores; ++q) {
    const int qx = dst.x + q % dst.w, qy = dst.y + q / dst.w;
    for (int p = 0; p < src_cores; ++p) {
      const int px = src.x + p % src.w, py = src.y + p / src.w;
      byte_hops += share * hops(px, py, qx, qy);
      if (f) f(px, py, qx, qy, share);
    }
  }
  return byte_hops;
}

double pipeline_end(const std::vector<double>& stage, uint64_t passes) {
  std::vector<double> F(stage.size(), 0.0);
  for (uint64_t p = 0; p < passes; ++p) {
    double prev = 0;
    for (size_t i = 0; i < stage.size(); ++i) {
      F[i] = std::max(prev, F[i]) + stage[i];
      prev = F[i];
    }
  }
  return F.empty() ? 0.0 : F.back();
}

}  // namespace spiketlm::np
