#include "sw/map/search.h"

#include <chrono>
#include <cmath>
#include <functional>
#include <random>
#include <stdexcept>

namespace spiketlm::map {

Objective objective_of(const std::string& s) {
  if (s == "energy") return Objective::energy;
  if (s == "latency") return Objective::latency;
  if (s == "edp") return Objective::edp;
  if (s == "offchip") return Objective::offchip;
  throw std::runtime_error("--objective: expected energy, latency, edp or offchip, got '" + s + "'");
}

const char* objective_name(Objective o) {
  static const char* n[] = {"energy", "latency", "edp", "offchip"};
  return n[int(o)];
}

double score(const Cost& c, Objective o, double clock_hz) {
  switch (o) {
    case Objective::energy: return c.energy_pj();
    case Objective::latency: return double(c.cycles);
    case Objective::edp: return c.energy_pj() * c.latency_s(clock_hz);
    default: return double(c.offchip_bytes());
  }
}

std::vector<int> time_batches(const Network& n, const Hierarchy& h) {
  std::vector<int> tb;
  for (int t = 1; t <= n.timesteps; ++t)
    if (t == 1 || !h.max_time_batch || t <= h.max_time_batch) tb.push_back(t);
  return tb;
}

namespace {

std::vector<State> state_choices(const SearchOptions& o) {
  std::vector<State> s{State::dram};
  if (o.allow_glb) s.push_back(State::glb);
  if (o.state_removal) s.push_back(State::none);
  return s;
}

bool dominates(const Cost& a, const Cost& b) {
  const bool le = a.energy_pj() <= b.energy_pj() && a.cycles <= b.cycles && a.offchip_bytes() <= b.offchip_bytes();
  const bool lt = a.energy_pj() < b.energy_pj() || a.cycles < b.cycles || a.offchip_bytes() < b.offchip_bytes();
  return le && lt;
}

// What a search keeps of every mapping it evaluates.
struct Keeper {
  const CostModel& model;
  const SearchOptions& o;
  SearchResult& r;
  double best_score = INFINITY;

  double offer(const Mapping& m) {
    const Cost c = model.evaluate(m);
    ++r.evaluated;
    if (!c.fits()) return INFINITY;
    ++r.feasible;
    const double s = score(c, o.objective, model.hierarchy().clock_hz);
    if (s < best_score) best_score = s, r.best = {m, c};
    for (const Candidate& p : r.pareto)
      if (dominates(p.cost, c) || (p.cost.energy_pj() == c.energy_pj() && p.cost.cycles == c.cycles &&
                                   p.cost.offchip_bytes() == c.offchip_bytes()))
        return s;
    std::vector<Candidate> kept;
    for (Candidate& p : r.pareto)
      if (!dominates(c, p.cost)) kept.push_back(std::move(p));
    kept.push_back({m, c});
    r.pareto = std::move(kept);
    return s;
  }
};

// Every mapping: cut pattern, then per group (time batch, fuse), then per layer state.
void exhaustive(const Network& n, const std::vector<int>& tbs, const SearchOptions& o, Keeper& k) {
  const int L = int(n.layers.size());
  std::vector<int> stateful;
  for (int l = 0; l < L; ++l)
    if (n.layers[size_t(l)].state_bytes) stateful.push_back(l);
  const auto states = state_choices(o);
  Mapping m;
  m.state.assign(size_t(L), State::dram);
  std::function<void(size_t)> set_state = [&](size_t i) {
    if (i == stateful.size()) { k.offer(m); return; }
    for (State s : states) m.state[size_t(stateful[i])] = s, set_state(i + 1);
  };
  std::function<void(size_t)> set_group = [&](size_t gi) {
    if (gi == m.groups.size()) { set_state(0); return; }
    for (int tb : tbs)
      for (int f = 0; f <= (o.allow_fuse ? 1 : 0); ++f) m.groups[gi].time_batch = tb, m.groups[gi].fuse = f, set_group(gi + 1);
  };
  for (uint64_t cuts = 0; cuts < (uint64_t(1) << (L - 1)); ++cuts) {
    m.groups.clear();
    int first = 0;
    for (int l = 0; l < L; ++l)
      if (l == L - 1 || (cuts >> l & 1)) m.groups.push_back({first, l, 1, false}), first = l + 1;
    set_group(0);
  }
}

// One random change: split or merge groups, a group's time batch or fusion, a layer's state.
Mapping mutate(const Mapping& in, const Network& n, const std::vector<int>& tbs, const SearchOptions& o, std::mt19937_64& rng) {
  Mapping m = in;
  const auto pick = [&](size_t k) { return size_t(rng() % k); };
  const int L = int(n.layers.size());
  switch (pick(4)) {
    case 0: {  // toggle the cut after layer c
      if (L < 2) break;
      const int c = int(pick(size_t(L - 1)));
      std::vector<Group> gs;
      for (const Group& g : m.groups) {
        if (g.first <= c && c < g.last) gs.push_back({g.first, c, g.time_batch, g.fuse}), gs.push_back({c + 1, g.last, g.time_batch, g.fuse});
        else gs.push_back(g);
      }
      if (gs.size() == m.groups.size())  // c was a cut: merge the groups on both sides
        for (size_t i = 0; i + 1 < gs.size(); ++i)
          if (gs[i].last == c) { gs[i].last = gs[i + 1].last; gs.erase(gs.begin() + long(i) + 1); break; }
      m.groups = gs;
      break;
    }
    case 1: m.groups[pick(m.groups.size())].time_batch = tbs[pick(tbs.size())]; break;
    case 2: if (o.allow_fuse) { Group& g = m.groups[pick(m.groups.size())]; g.fuse = !g.fuse; } break;
    default: {
      const auto states = state_choices(o);
      const size_t l = pick(size_t(L));
      if (n.layers[l].state_bytes) m.state[l] = states[pick(states.size())];
    }
  }
  return m;
}

void anneal(const Network& n, const std::vector<int>& tbs, const SearchOptions& o, Keeper& k) {
  std::mt19937_64 rng(o.seed);
  Mapping cur = baseline(n);
  double cur_s = k.offer(cur);
  const double t0 = 0.05, t1 = 1e-4;  // relative temperatures (fraction of the score)
  for (uint64_t i = 0; i < o.iterations; ++i) {
    const double temp = t0 * std::pow(t1 / t0, double(i) / double(o.iterations));
    Mapping next = mutate(cur, n, tbs, o, rng);
    const double s = k.offer(next);
    if (!std::isfinite(s)) continue;
    const double u = double(rng() >> 11) * 0x1.0p-53;
    if (s <= cur_s || u < std::exp(-(s - cur_s) / (temp * cur_s))) cur = std::move(next), cur_s = s;
  }
}

// Greedy polish of the best mapping: every single change (a group's time batch or fusion, a
// layer's state, a cut added or removed) that lowers the score is taken, until none does.
void polish(const Network& n, const std::vector<int>& tbs, const SearchOptions& o, Keeper& k, SearchResult& r) {
  const auto states = state_choices(o);
  for (bool better = true; better;) {
    better = false;
    const Mapping cur = r.best.mapping;
    std::vector<Mapping> tries;
    for (size_t g = 0; g < cur.groups.size(); ++g)
      for (int tb : tbs)
        for (int f = 0; f <= (o.allow_fuse ? 1 : 0); ++f) {
          Mapping m = cur;
          m.groups[g].time_batch = tb, m.groups[g].fuse = f;
          tries.push_back(m);
        }
    for (size_t l = 0; l < n.layers.size(); ++l)
      if (n.layers[l].state_bytes)
        for (State st : states) {
          Mapping m = cur;
          m.state[l] = st;
          tries.push_back(m);
        }
    for (const Mapping& m : tries) {
      const double before = k.best_score;
      k.offer(m);
      better = better || k.best_score < before;
    }
  }
}

}  // namespace

double space_size(const Network& n, const Hierarchy& h, const SearchOptions& o) {
  const double L = double(n.layers.size());
  double stateful = 0;
  for (const auto& l : n.layers) stateful += l.state_bytes ? 1 : 0;
  const double per_group = double(time_batches(n, h).size()) * (o.allow_fuse ? 2 : 1);
  // sum over cut patterns of per_group^groups = per_group (1 + per_group)^(L - 1)
  return per_group * std::pow(1 + per_group, L - 1) * std::pow(double(state_choices(o).size()), stateful);
}

SearchResult search(const CostModel& model, const SearchOptions& o) {
  SearchResult r;
  const Network& n = model.network();
  const auto tbs = time_batches(n, model.hierarchy());
  r.space = space_size(n, model.hierarchy(), o);
  Keeper k{model, o, r};
  const auto t0 = std::chrono::steady_clock::now();
  if (r.space <= double(o.exhaustive_limit)) r.method = "exhaustive", exhaustive(n, tbs, o, k);
  else r.method = "annealing", anneal(n, tbs, o, k), polish(n, tbs, o, k, r);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.feasible) throw std::runtime_error("map: no mapping fits the platform's buffers");
  return r;
}

}  // namespace spiketlm::map
