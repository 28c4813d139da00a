// spiketlm: the one tracer (VCD for gtkwave).
//
// Units register the values they want visible by hierarchical name at elaboration
// (Module::trace). Nothing is traced unless a VCD file was opened; then only names matching
// one of the filter globs (fnmatch syntax, "*" matches across dots) are traced. Registration
// must happen before the first sc_start (a SystemC rule).
//
// What a waveform shows under temporal decoupling: a traced variable changes when the unit's
// code runs; with a quantum Q an initiator may run up to Q ahead of SystemC time, so a value
// appears at the next synchronisation point, at most Q late. Set the quantum small (or 0) for
// exact waveforms. The VCD time resolution is a parameter (default 1 ns).
#pragma once
#include <systemc>
#include <string>
#include <vector>

namespace spiketlm {

class Tracer {
 public:
  ~Tracer();
  void open(const std::string& vcd_path, const std::vector<std::string>& filters,
            const sc_core::sc_time& resolution);
  bool enabled() const { return m_file != nullptr; }
  bool wanted(const std::string& name) const;
  template <class T>
  void add(const std::string& name, const T& value) {
    if (!enabled() || !wanted(name)) return;
    sc_core::sc_trace(m_file, value, name);
    m_names.push_back(name);
  }
  const std::vector<std::string>& names() const { return m_names; }
  const std::string& path() const { return m_path; }
  void close();

 private:
  sc_core::sc_trace_file* m_file = nullptr;
  std::vector<std::string> m_filters, m_names;
  std::string m_path;
};

}  // namespace spiketlm
