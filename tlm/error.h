// spiketlm: the one error mechanism.
//
// Every fault (bad configuration, bad trace, a unit misused) is reported through fail(),
// which raises SC_REPORT_ERROR("spiketlm/<unit>", msg). SystemC's default action for an
// error is to throw an sc_core::sc_report; the CLI catches it and prints one line.
// Messages are one line and say what and where: "file: field: expected X, got Y".
#pragma once
#include <string>

namespace spiketlm {

[[noreturn]] void fail(const std::string& unit, const std::string& msg);

// The one-line text of any exception the project raises (sc_report or std::exception),
// without SystemC's "In file:" trailer, control characters escaped (tlm/printable.h: a newline
// from an input never splits the line). Used by the CLI and by tests on error messages.
std::string error_text(const std::exception& e);

// A command-line usage error: prints the one line "spiketlm: <command>: <msg> (see spiketlm
// <command> --help)" on stderr (command "" for the top level: "spiketlm: <msg> (see spiketlm
// --help)"), control characters escaped, and exits with code 1.
[[noreturn]] void usage_error(const std::string& command, const std::string& msg);

}  // namespace spiketlm
