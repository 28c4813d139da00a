#include "tlm/trace.h"

#include <fnmatch.h>

#include "tlm/error.h"

namespace spiketlm {

Tracer::~Tracer() { close(); }

void Tracer::open(const std::string& vcd_path, const std::vector<std::string>& filters,
                  const sc_core::sc_time& resolution) {
  if (m_file) fail("trace", vcd_path + ": a VCD file is already open (" + m_path + ")");
  std::string base = vcd_path;
  if (base.size() > 4 && base.substr(base.size() - 4) == ".vcd") base.resize(base.size() - 4);
  m_file = sc_core::sc_create_vcd_trace_file(base.c_str());
  if (!m_file) fail("trace", vcd_path + ": cannot create VCD file");
  m_file->set_time_unit(resolution.to_seconds(), sc_core::SC_SEC);
  m_filters = filters.empty() ? std::vector<std::string>{"*"} : filters;
  m_path = base + ".vcd";
}

bool Tracer::wanted(const std::string& name) const {
  for (const auto& f : m_filters)
    if (fnmatch(f.c_str(), name.c_str(), 0) == 0) return true;
  return false;
}

void Tracer::close() {
  if (m_file) {
    sc_core::sc_close_vcd_trace_file(m_file);
    m_file = nullptr;
  }
}

}  // namespace spiketlm
