#include "tlm/trace.h"

#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "tlm/error.h"
#include "tlm/output.h"

namespace spiketlm {

// Samples the sampled variables at interval boundaries while the platform is active; sleeps
// (and lets the simulation end) once nothing was recorded for a whole interval.
class Tracer::Sampler : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Sampler);
  Sampler(sc_core::sc_module_name nm, Tracer& t) : sc_core::sc_module(nm), m_t(t) { SC_THREAD(run); }
  sc_core::sc_event activity;

 private:
  void run() {
    for (;;) {
      m_t.sample();
      if (m_t.m_active) {
        m_t.m_active = false;
        const uint64_t I = m_t.m_interval.value(), now = sc_core::sc_time_stamp().value();
        sc_core::wait(sc_core::sc_time::from_value(I - now % I));
      } else {
        sc_core::wait(activity);
      }
    }
  }
  Tracer& m_t;
};

Tracer::Tracer() = default;
Tracer::~Tracer() = default;

void Tracer::open(const std::string& vcd_path, const std::vector<std::string>& filters,
                  const sc_core::sc_time& resolution, const sc_core::sc_time& interval) {
  if (m_open) fail("trace", vcd_path + ": a VCD file is already open (" + m_path + ")");
  m_path = vcd_path;
  if (m_path.size() < 4 || m_path.substr(m_path.size() - 4) != ".vcd") m_path += ".vcd";
  // Checked now, written (through the run's outputs, tlm/output.h) only after a successful run.
  OutputSet::process().claim(m_path, "--vcd");
  OutputSet::process().claim(gtkw_path(), "--vcd (its gtkwave save file)");
  // The VCD timescale is 1, 10 or 100 of a unit: the resolution must be a power of ten.
  const uint64_t r = resolution.value();
  uint64_t p = 1;
  while (p < r) p *= 10;
  if (r == 0 || p != r)
    fail("trace", "sim.vcd_resolution_ns: expected a power of ten of the kernel resolution (" +
                      sc_core::sc_get_time_resolution().to_string() + "), got " + resolution.to_string());
  if (interval < resolution) fail("trace", "sim.vcd_interval_ns: expected at least the VCD resolution");
  m_resolution = resolution;
  m_interval = interval;
  m_filters = filters.empty() ? std::vector<std::string>{"*"} : filters;
  m_open = true;
  if (!m_sampler) m_sampler = std::make_unique<Sampler>("spiketlm_tracer", *this);
}

bool Tracer::wanted(const std::string& name) const {
  for (const auto& f : m_filters)
    if (fnmatch(f.c_str(), name.c_str(), 0) == 0) return true;
  return false;
}

uint32_t Tracer::declare(const std::string& name, unsigned bits, bool timed, Probe::Kind kind) {
  for (const auto& s : m_signals)
    if (s.name == name) fail("trace", name + ": traced twice");
  if (bits > 64) fail("trace", name + ": a traced value has at most 64 bits");
  m_signals.push_back({name, bits, timed, kind});
  return uint32_t(m_signals.size() - 1);
}

Probe Tracer::probe(const std::string& name, unsigned bits, Probe::Kind kind) {
  Probe p;
  if (!enabled() || !wanted(name)) return p;
  p.m_id = declare(name, bits, true, kind);
  p.m_tracer = this;
  return p;
}

std::vector<std::string> Tracer::names() const {
  std::vector<std::string> v;
  for (const auto& s : m_signals) v.push_back(s.name);
  return v;
}

void Tracer::wake() {
  if (m_active) return;
  m_active = true;
  const auto st = sc_core::sc_get_status();
  if (m_sampler && st != sc_core::SC_ELABORATION && st != sc_core::SC_BEFORE_END_OF_ELABORATION &&
      st != sc_core::SC_END_OF_ELABORATION)
    m_sampler->activity.notify(sc_core::SC_ZERO_TIME);
}

void Tracer::record(uint32_t id, const sc_core::sc_time& at, double v) {
  m_changes.push_back({at.value(), m_seq++, id, v});
  wake();
}

void Tracer::accumulate(uint32_t id, const sc_core::sc_time& at, double n) {
  if (m_signals[id].kind == Probe::level) return record(id, at, n);
  m_bins[{id, int64_t(at.value() / m_interval.value())}] += n;
  wake();
}

void Tracer::sample() {
  const uint64_t now = sc_core::sc_time_stamp().value();
  for (auto& s : m_sampled) {
    const double v = s.get();
    if (v != s.last) {
      m_changes.push_back({now, m_seq++, s.id, v});
      s.last = v;
    }
  }
}

std::string Tracer::gtkw_path() const { return m_path.substr(0, m_path.size() - 4) + ".gtkw"; }

void Tracer::close() {
  if (!m_open) return;
  sample();
  uint64_t end = 0;
  OutputSet::process().write(m_path, [this, &end](std::FILE* f) { end = write_vcd(f); });
  std::ostringstream g;
  write_gtkw(g, end);
  OutputSet::process().write(gtkw_path(), g.str());
  m_open = false;
}

namespace {
std::string vcd_id(size_t i) {
  std::string s;
  do {
    s += char('!' + i % 94);
    i /= 94;
  } while (i);
  return s;
}

std::string timescale(uint64_t ps_value) {
  // sc_time values are in units of the kernel resolution.
  const double sec = sc_core::sc_time::from_value(ps_value).to_seconds();
  const char* units[] = {"s", "ms", "us", "ns", "ps", "fs"};
  double scale = 1;
  for (const char* u : units) {
    const double n = sec / scale;
    if (n >= 0.999) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%d %s", int(std::lround(n)), u);
      return buf;
    }
    scale *= 1e-3;
  }
  return "1 fs";
}

// A VCD value of `bits` bits (0: real); signed values in two's complement.
std::string value_text(double v, unsigned bits, bool is_signed = false) {
  if (bits == 0) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "r%.9g ", v);
    return buf;
  }
  uint64_t u = v <= 0 ? 0 : v >= 18446744073709551615.0 ? ~uint64_t(0) : uint64_t(std::llround(v));
  if (is_signed && v < 0) u = v <= -9223372036854775808.0 ? uint64_t(1) << 63 : uint64_t(std::llround(v));
  if (bits == 1) return u ? "1" : "0";
  if (bits < 64) u &= (uint64_t(1) << bits) - 1;
  std::string b;
  do {
    b += char('0' + (u & 1));
    u >>= 1;
  } while (u);
  std::reverse(b.begin(), b.end());
  return "b" + b + " ";
}
}  // namespace

uint64_t Tracer::write_vcd(std::FILE* f) const {
  // Rate probes: one change per interval (its sum, drawn over it) and 0 after the last one.
  std::vector<Change> ch = m_changes;
  uint64_t seq = m_seq;
  const uint64_t I = m_interval.value();
  for (auto it = m_bins.begin(); it != m_bins.end(); ++it) {
    const auto [id, bin] = it->first;
    ch.push_back({uint64_t(bin) * I, seq++, id, it->second});
    if (!m_bins.count({id, bin + 1})) ch.push_back({uint64_t(bin + 1) * I, seq++, id, 0});
  }
  std::sort(ch.begin(), ch.end(),
            [](const Change& a, const Change& b) { return a.at != b.at ? a.at < b.at : a.seq < b.seq; });

  std::fprintf(f, "$version spiketlm $end\n$timescale %s $end\n", timescale(m_resolution.value()).c_str());
  // Scopes from the dotted names, signals in registration order within their scope.
  struct Node {
    std::vector<std::pair<std::string, Node>> kids;
    std::vector<size_t> sigs;
  } root;
  for (size_t i = 0; i < m_signals.size(); ++i) {
    Node* n = &root;
    const std::string& name = m_signals[i].name;
    size_t b = 0, e;
    while ((e = name.find('.', b)) != std::string::npos) {
      const std::string part = name.substr(b, e - b);
      auto k = std::find_if(n->kids.begin(), n->kids.end(), [&](const auto& kv) { return kv.first == part; });
      if (k == n->kids.end()) {
        n->kids.push_back({part, Node{}});
        k = n->kids.end() - 1;
      }
      n = &k->second;
      b = e + 1;
    }
    n->sigs.push_back(i);
  }
  std::function<void(const Node&)> emit = [&](const Node& n) {
    for (size_t i : n.sigs) {
      const Signal& s = m_signals[i];
      const std::string leaf = s.name.substr(s.name.find_last_of('.') + 1);
      if (s.bits == 0) std::fprintf(f, "$var real 64 %s %s $end\n", vcd_id(i).c_str(), leaf.c_str());
      else if (s.bits == 1) std::fprintf(f, "$var wire 1 %s %s $end\n", vcd_id(i).c_str(), leaf.c_str());
      else std::fprintf(f, "$var wire %u %s %s [%u:0] $end\n", s.bits, vcd_id(i).c_str(), leaf.c_str(), s.bits - 1);
    }
    for (const auto& kv : n.kids) {
      std::fprintf(f, "$scope module %s $end\n", kv.first.c_str());
      emit(kv.second);
      std::fprintf(f, "$upscope $end\n");
    }
  };
  emit(root);
  std::fprintf(f, "$enddefinitions $end\n#0\n$dumpvars\n");
  const uint64_t R = m_resolution.value();
  auto level = [&](uint32_t id) { return m_signals[id].kind == Probe::level && m_signals[id].timed; };
  auto sgn = [&](size_t id) { return m_signals[id].kind == Probe::signed_value; };
  // Values at time 0 (every signal starts at 0) are the initial dump.
  std::vector<double> cur(m_signals.size(), 0), next(m_signals.size(), 0);
  size_t i = 0;
  for (; i < ch.size() && ch[i].at / R == 0; ++i) cur[ch[i].id] = level(ch[i].id) ? cur[ch[i].id] + ch[i].v : ch[i].v;
  for (size_t s = 0; s < m_signals.size(); ++s)
    std::fprintf(f, "%s%s\n", value_text(cur[s], m_signals[s].bits, sgn(s)).c_str(), vcd_id(s).c_str());
  std::fprintf(f, "$end\n");
  std::vector<uint32_t> touched;
  while (i < ch.size()) {
    const uint64_t t = ch[i].at / R;
    touched.clear();
    next = cur;  // cheap enough: the number of signals is small
    for (; i < ch.size() && ch[i].at / R == t; ++i) {
      const Change& c = ch[i];
      next[c.id] = level(c.id) ? next[c.id] + c.v : c.v;
      touched.push_back(c.id);
    }
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    bool stamped = false;
    for (uint32_t id : touched) {
      const unsigned bits = m_signals[id].bits;
      if (value_text(next[id], bits, sgn(id)) == value_text(cur[id], bits, sgn(id))) {
        cur[id] = next[id];
        continue;
      }
      if (!stamped) {
        std::fprintf(f, "#%llu\n", (unsigned long long)t);
        stamped = true;
      }
      std::fprintf(f, "%s%s\n", value_text(next[id], bits, sgn(id)).c_str(), vcd_id(id).c_str());
      cur[id] = next[id];
    }
  }
  // One last time stamp, so that viewers show the final values over a visible span.
  const uint64_t end = std::max<uint64_t>(ch.empty() ? 0 : ch.back().at / R, sc_core::sc_time_stamp().value() / R);
  std::fprintf(f, "#%llu\n", (unsigned long long)(end + 1));
  return end + 1;
}

namespace {
// Pixels of the wave pane in the save file's window: [size] 1400 less the signal tree (200),
// the names (260) and gtkwave's borders.
constexpr double kGtkwWavePixels = 900;

// gtkwave's zoom showing [0, end_ticks] in the wave pane of the save file's window: gtkwave
// draws 2^-zoom time units per pixel; its time unit is the VCD's tick times the timescale's
// multiplier (1, 10 or 100).
double gtkw_zoom_fit(uint64_t end_ticks, const sc_core::sc_time& resolution) {
  const double units = double(std::max<uint64_t>(end_ticks, 1)) * std::stoi(timescale(resolution.value()));
  return -std::log2(units / kGtkwWavePixels);
}
}  // namespace

// The gtkwave save file: one group per unit (the signal's parent path), in registration order;
// zoomed to the whole run.
void Tracer::write_gtkw(std::ostream& o, uint64_t end_ticks) const {
  const std::string gtkw = gtkw_path();
  auto base = [](const std::string& p) { return p.substr(p.find_last_of('/') + 1); };
  o << "[*] spiketlm: signals grouped by unit. Open with: gtkwave " << base(m_path) << " " << base(gtkw) << "\n";
  o << "[*] probes at their simulated times; sampled variables and rate bins every "
    << m_interval.to_string() << "\n";
  o << "[dumpfile] \"" << m_path << "\"\n";
  o << "[savefile] \"" << gtkw << "\"\n";
  o << "[timestart] 0\n[size] 1400 900\n[sst_width] 200\n[signals_width] 260\n[sst_expanded] 0\n";
  char zoom[48];
  std::snprintf(zoom, sizeof zoom, "*%.6f -1", gtkw_zoom_fit(end_ticks, m_resolution));
  o << zoom;
  for (int k = 0; k < 26; ++k) o << " -1";   // no marker, no named markers
  o << "\n";
  std::vector<std::string> units;
  std::map<std::string, std::vector<const Signal*>> by_unit;
  for (const auto& s : m_signals) {
    const auto dot = s.name.find_last_of('.');
    const std::string u = dot == std::string::npos ? "" : s.name.substr(0, dot);
    if (!by_unit.count(u)) units.push_back(u);
    by_unit[u].push_back(&s);
  }
  // Control first (the unit with the layer), then the busy units, then the rest.
  auto rank = [&](const std::string& u) {
    int r = 2;
    for (const Signal* s : by_unit[u]) {
      const std::string leaf = s->name.substr(s->name.find_last_of('.') + 1);
      if (leaf == "layer") r = std::min(r, 0);
      if (leaf == "busy") r = std::min(r, 1);
    }
    return r;
  };
  std::stable_sort(units.begin(), units.end(), [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  for (const auto& u : units) {
    if (!u.empty()) o << "@800200\n-" << u << "\n";
    for (const Signal* s : by_unit[u]) {
      // Rates and utilisations read best as step plots; other values as decimal numbers.
      const bool analog = s->timed && (s->kind == Probe::rate || s->name.find("util") != std::string::npos);
      if (s->bits == 1) o << "@28\n" << s->name << "\n";
      else if (s->bits == 0) o << (analog ? "@8024\n" : "@24\n") << s->name << "\n";
      else if (s->kind == Probe::signed_value) o << "@424\n" << s->name << "[" << s->bits - 1 << ":0]\n";  // signed decimal
      else o << (analog ? "@8024\n" : "@24\n") << s->name << "[" << s->bits - 1 << ":0]\n";
      if (analog) o << "@20000\n-\n";
    }
    if (!u.empty()) o << "@1000200\n-" << u << "\n";
  }
}

}  // namespace spiketlm
