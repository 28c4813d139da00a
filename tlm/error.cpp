#include "tlm/error.h"

#include <systemc>
#include <stdexcept>

namespace spiketlm {

void fail(const std::string& unit, const std::string& msg) {
  const std::string type = "spiketlm/" + unit;
  SC_REPORT_ERROR(type.c_str(), msg.c_str());
  // Only reached if someone configured SC_ERROR not to throw.
  throw std::runtime_error(type + ": " + msg);
}

std::string error_text(const std::exception& e) {
  if (auto r = dynamic_cast<const sc_core::sc_report*>(&e)) {
    std::string type = r->get_msg_type();
    std::string msg = r->get_msg();
    return type + ": " + msg;
  }
  std::string s = e.what();
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

}  // namespace spiketlm
