// spiketlm: the one tracer (VCD for gtkwave).
//
// Nothing is traced unless a VCD file was opened (`--vcd FILE`); then only names matching one
// of the filter globs (fnmatch syntax, "*" matches across dots) are traced. Units register
// their values in their constructors.
//
// Two kinds of traced value:
//
//  * Probes (Module::probe(name, bits, kind)): timed values. The unit says WHEN a value
//    changes, in its own simulated time (the local time of a temporally decoupled initiator,
//    or the absolute time the engine schedules): `p.set(t, v)`. The waveform shows every
//    change at that simulated time, exact to the VCD resolution (sim.vcd_resolution_ns,
//    default 1 ns), however far the code ran ahead of SystemC time and even when the value is
//    only known after the fact (a layer call's utilisation, set for its start once it ended).
//      value:  p.set(t, v)     the signal is v from t on;
//      signed_value: the same, for a value that may be negative (two's complement in `bits`,
//                              shown as a signed decimal: membranes);
//      level:  p.add(t, +-1)   a count of things in progress (busy = transfers in flight);
//      rate:   p.add(t, n)     n more (bytes...) at t; the signal shows the sum over each
//                              interval of sim.vcd_interval_ns (default 1000 ns), drawn over
//                              that interval [k*I, (k+1)*I), and 0 over idle intervals.
//  * Sampled variables (Module::trace(name, var)): a member variable or sc_signal read by the
//    tracer's sampler process at every interval boundary while the platform is active (any
//    probe change keeps it active) and at the end. Resolution: one interval; a sampled
//    variable written inside a decoupled b_transport shows its value at the sample after the
//    code ran, which may be up to one quantum (sim.quantum_ns) before the simulated time the
//    unit meant. Use a probe when the time matters.
//
// The tracer keeps the changes in memory (a few bytes each: per layer call, per DMA
// transfer, per memory access interval; nothing per spike or per neuron) and writes FILE.vcd
// at the end of a successful run (through the run's outputs, tlm/output.h), with FILE.gtkw beside it: a gtkwave save file that groups
// the signals by unit (`gtkwave FILE.vcd FILE.gtkw`). A Probe of a value that is not traced is
// empty: set()/add() cost one branch. With no --vcd nothing is recorded.
#pragma once
#include <systemc>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace spiketlm {

class Tracer;

class Probe {
 public:
  enum Kind { value, level, rate, signed_value };
  Probe() = default;
  explicit operator bool() const { return m_tracer != nullptr; }
  // value probes: the signal is v from absolute simulated time `at` on.
  inline void set(const sc_core::sc_time& at, double v) const;
  // level probes: the count changes by n at `at`; rate probes: n more in at's interval.
  inline void add(const sc_core::sc_time& at, double n) const;

 private:
  friend class Tracer;
  Tracer* m_tracer = nullptr;
  uint32_t m_id = 0;
};

class Tracer {
 public:
  Tracer();
  ~Tracer();
  // vcd_path: "run.vcd" (".vcd" is appended if missing). resolution: the VCD time unit;
  // interval: rate-probe bins and the sampling period of sampled variables.
  void open(const std::string& vcd_path, const std::vector<std::string>& filters,
            const sc_core::sc_time& resolution, const sc_core::sc_time& interval = sc_core::sc_time(1, sc_core::SC_US));
  bool enabled() const { return m_open; }
  bool wanted(const std::string& name) const;

  // A sampled variable (see above): integers, bool, double, sc_signal<T>.
  template <class T>
  void add(const std::string& name, const T& var) {
    if (!enabled() || !wanted(name)) return;
    const uint32_t id = declare(name, bits_of(var), false);
    m_sampled.push_back({id, [&var] { return read(var); }, -std::numeric_limits<double>::infinity()});
  }
  // A timed value (see above); an empty handle when not traced. bits: 1 for a flag, up to
  // 64 for a counter, 0 for a real-valued signal.
  Probe probe(const std::string& name, unsigned bits, Probe::Kind kind = Probe::value);

  std::vector<std::string> names() const;   // registered names, in registration order
  const std::string& path() const { return m_path; }
  const sc_core::sc_time& interval() const { return m_interval; }
  uint64_t changes() const { return m_changes.size(); }
  // Stage FILE.vcd and FILE.gtkw in the run's outputs (OutputSet::process(), tlm/output.h;
  // they are put in place by its commit()). Without a call, nothing is written.
  void close();

  // Used by Probe.
  void record(uint32_t id, const sc_core::sc_time& at, double v);
  void accumulate(uint32_t id, const sc_core::sc_time& at, double n);

 private:
  struct Signal {
    std::string name;
    unsigned bits;   // 0 = real
    bool timed;
    Probe::Kind kind;
  };
  struct Change {
    uint64_t at;     // kernel time units (sc_time::value())
    uint64_t seq;
    uint32_t id;
    double v;
  };
  struct Sampled {
    uint32_t id;
    std::function<double()> get;
    double last;
  };
  class Sampler;
  template <class T> static double read(const T& v) { return double(v); }
  template <class T> static double read(const sc_core::sc_signal<T>& s) { return double(s.read()); }
  template <class T> static unsigned bits_of(const T&) { return unsigned(8 * sizeof(T) > 64 ? 64 : 8 * sizeof(T)); }
  template <class T> static unsigned bits_of(const sc_core::sc_signal<T>& s) { return bits_of(s.read()); }
  static unsigned bits_of(const bool&) { return 1; }
  static unsigned bits_of(const double&) { return 0; }
  static unsigned bits_of(const float&) { return 0; }
  uint32_t declare(const std::string& name, unsigned bits, bool timed, Probe::Kind kind = Probe::value);
  void sample();
  void wake();
  uint64_t write_vcd(std::FILE* f) const;  // returns the last time stamp (VCD ticks)
  void write_gtkw(std::ostream& o, uint64_t end_ticks) const;
  std::string gtkw_path() const;

  bool m_open = false;
  std::string m_path;
  std::vector<std::string> m_filters;
  sc_core::sc_time m_resolution, m_interval;
  std::vector<Signal> m_signals;
  std::vector<Sampled> m_sampled;
  std::vector<Change> m_changes;
  std::map<std::pair<uint32_t, int64_t>, double> m_bins;   // rate probes: (id, interval) -> sum
  uint64_t m_seq = 0;
  bool m_active = false;
  std::unique_ptr<Sampler> m_sampler;
};

inline void Probe::set(const sc_core::sc_time& at, double v) const {
  if (m_tracer) m_tracer->record(m_id, at, v);
}
inline void Probe::add(const sc_core::sc_time& at, double n) const {
  if (m_tracer) m_tracer->accumulate(m_id, at, n);
}

}  // namespace spiketlm
