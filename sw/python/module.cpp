// spiketlm Python module, the compiled part (`spiketlm._spiketlm`). The Python package
// (sw/python/spiketlm/__init__.py) wraps these calls into run(), list_kinds(), params() and
// raises spiketlm.Error. Every call runs in a child process made for it (child.h) with the GIL
// released, so threads run simulations in parallel and no SystemC state survives a call. Results
// come back as JSON text: a run's is exactly the JSON report the CLI writes (Report::write_json).
#include <climits>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <dlfcn.h>
#include <unistd.h>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "sw/python/child.h"

namespace py = pybind11;
using namespace spiketlm;

extern char** environ;

namespace {

// The zygote executable beside this module (build/python/spiketlm, or the installed package), or
// "" (fork the interpreter instead) if it is missing or SPIKETLM_PYTHON_ZYGOTE=0.
std::string zygote_path() {
  const char* off = std::getenv("SPIKETLM_PYTHON_ZYGOTE");
  if (off && std::string(off) == "0") return "";
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&zygote_path), &info) || !info.dli_fname) return "";
  std::string p = info.dli_fname;
  p = p.substr(0, p.rfind('/') + 1) + "spiketlm_zygote";
  return ::access(p.c_str(), X_OK) == 0 ? p : "";
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "\x1f" : "") + v[i];
  return s;
}

// The request with the caller's working directory and environment (read with the GIL held).
Request request(std::string kind, std::vector<std::string> args) {
  Request r{std::move(kind), std::move(args), "", {}};
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd)) r.cwd = cwd;
  for (char** e = environ; e && *e; ++e) r.env.push_back(*e);
  return r;
}

// (true, text) or (false, the one-line error message). KeyboardInterrupt (or another signal
// handler's exception) kills the child and propagates.
std::pair<bool, std::string> in_child(const Request& r) {
  const std::string zygote = zygote_path();   // per call: SPIKETLM_PYTHON_ZYGOTE may change
  auto interrupted = [] {
    py::gil_scoped_acquire gil;
    return PyErr_CheckSignals() != 0;
  };
  try {
    py::gil_scoped_release nogil;
    return {true, run_in_child(r, zygote, interrupted)};
  } catch (const ChildError& e) {
    return {false, e.what()};
  } catch (const ChildInterrupted&) {
    throw py::error_already_set();
  }
}

}  // namespace

// libsystemc refers to sc_main (its own main() calls it); the module never calls it.
extern "C" __attribute__((visibility("default"))) int sc_main(int, char**) { return 0; }

PYBIND11_MODULE(_spiketlm, m) {
  m.doc() = "spiketlm compiled core: simulations in child processes (use the spiketlm package)";
  m.def(
      "run",
      [](const std::string& config, const std::vector<std::string>& overrides,
         const std::vector<std::pair<std::string, std::string>>& run_params, const std::vector<std::string>& plugins,
         const std::string& vcd, const std::vector<std::string>& trace_filters) {
        std::vector<std::string> kv;
        for (const auto& p : run_params) kv.insert(kv.end(), {p.first, p.second});
        return in_child(request("run", {config, joined(overrides), joined(kv), joined(plugins), vcd, joined(trace_filters)}));
      },
      py::arg("config"), py::arg("overrides"), py::arg("run_params"), py::arg("plugins"), py::arg("vcd"),
      py::arg("trace_filters"), "(ok, JSON report text or the one-line error)");
  m.def(
      "list_kinds", [](const std::vector<std::string>& plugins) { return in_child(request("list", {joined(plugins)})); },
      py::arg("plugins"), "(ok, JSON list of kinds or the one-line error)");
  m.def(
      "params",
      [](const std::string& kind, const std::vector<std::string>& plugins, const std::vector<std::string>& tech) {
        return in_child(request("params", {kind, joined(plugins), joined(tech)}));
      },
      py::arg("kind"), py::arg("plugins"), py::arg("tech"), "(ok, JSON description of a kind or the one-line error)");
  m.def("zygote", [] { return zygote_path(); }, "path of the zygote executable in use (\"\": the interpreter forks)");
}
