#include "tlm/error.h"

#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <systemc>

#include "tlm/printable.h"

namespace spiketlm {

void fail(const std::string& unit, const std::string& msg) {
  const std::string type = "spiketlm/" + unit;
  SC_REPORT_ERROR(type.c_str(), msg.c_str());
  // Only reached if someone configured SC_ERROR not to throw.
  throw std::runtime_error(type + ": " + msg);
}

namespace {
constexpr std::size_t kMaxErrorChars = 4096;  // an error quoting megabytes of input stays readable
}  // namespace

std::string error_text(const std::exception& e) {
  if (auto r = dynamic_cast<const sc_core::sc_report*>(&e))
    return printable(std::string(r->get_msg_type()) + ": " + r->get_msg(), kMaxErrorChars);
  return printable(e.what(), kMaxErrorChars);
}

void usage_error(const std::string& command, const std::string& msg) {
  std::cout.flush();
  const std::string prefix = command.empty() ? "" : command + ": ";
  std::cerr << "spiketlm: " << printable(prefix + msg, kMaxErrorChars) << " (see spiketlm "
            << (command.empty() ? "" : command + " ") << "--help)\n";
  std::cerr.flush();
  std::exit(1);
}

}  // namespace spiketlm
