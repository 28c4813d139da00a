// spiketlm Python module: one call as data, and the work it names.
//
// A call of the module (run, list_kinds, params) becomes a Request: the work's name, its string
// arguments, and the caller's working directory and environment (the process that does the
// work, a child of the zygote, starts from them as the caller's own fork would). do_work() runs
// it in the current process and returns the JSON text; it starts the SystemC kernel, so it is
// only ever called in a process made for one call (child.h).
#pragma once
#include <string>
#include <vector>

namespace spiketlm {

struct Request {
  std::string kind;                    // "run", "list", "params"
  std::vector<std::string> args;       // kind-specific, see request.cpp
  std::string cwd;                     // "" = leave as is
  std::vector<std::string> env;        // "NAME=value"; empty = leave as is
};

std::string encode(const Request& r);
Request decode(const std::string& bytes);   // throws on malformed input
// Adopt the request's directory and environment, then do the work: the JSON text or an
// exception with the one-line message.
std::string do_work(const Request& r);

}  // namespace spiketlm
