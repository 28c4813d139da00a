// spiketlm Python module, the compiled part (`spiketlm._spiketlm`). The Python package
// (sw/python/spiketlm/__init__.py) wraps these calls into run(), list_kinds(), params() and
// raises spiketlm.Error. Every call runs in a forked child (child.h) with the GIL released, so
// threads run simulations in parallel and no SystemC state survives a call. Results come back
// as JSON text: a run's is exactly the JSON report the CLI writes (Report::write_json).
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "platforms/simulation.h"
#include "sw/python/child.h"

namespace py = pybind11;
using namespace spiketlm;

namespace {

// (true, text) or (false, the one-line error message). KeyboardInterrupt (or another signal
// handler's exception) kills the child and propagates.
std::pair<bool, std::string> in_child(const std::function<std::string()>& work) {
  bool signalled = false;
  auto interrupted = [&signalled] {
    py::gil_scoped_acquire gil;
    signalled = PyErr_CheckSignals() != 0;
    return signalled;
  };
  try {
    py::gil_scoped_release nogil;
    return {true, run_in_child(work, interrupted)};
  } catch (const ChildError& e) {
    return {false, e.what()};
  } catch (const ChildInterrupted&) {
    throw py::error_already_set();
  }
}

void quiet_kernel() {
  if (!std::getenv("SC_COPYRIGHT_MESSAGE")) setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
}

std::string run_json(const RunRequest& req) {
  quiet_kernel();
  Simulation sim;
  sim.configure(req);
  sim.elaborate();
  sim.run();
  std::ostringstream os;
  sim.report().write_json(os);
  return os.str();
}

std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

std::string kind_json(const KindInfo& k) {
  return "{\"kind\": " + json_escape(k.kind) + ", \"family\": " + json_escape(k.family) +
         ", \"doc\": " + json_escape(k.doc) + ", \"origin\": " + json_escape(k.origin) + "}";
}

std::string list_json(const std::vector<std::string>& plugins) {
  for (const auto& p : plugins) Factory::instance().load_plugin(p);
  std::string s = "[";
  for (const KindInfo* k : Factory::instance().all()) s += (s.size() > 1 ? ", " : "") + kind_json(*k);
  return s + "]";
}

// What `spiketlm list KIND` prints, as JSON: the kind and every parameter it declares.
std::string params_json(const std::string& kind, const std::vector<std::string>& plugins,
                        const std::vector<std::string>& tech) {
  quiet_kernel();
  for (const auto& p : plugins) Factory::instance().load_plugin(p);
  const KindDescription d = describe_kind(kind, tech);
  std::string s = kind_json(*d.info);
  s.pop_back();
  s += ", \"error\": " + (d.error.empty() ? std::string("null") : json_escape(d.error)) + ", \"params\": [";
  for (size_t i = 0; i < d.params.size(); ++i) {
    const ParamDecl& p = d.params[i];
    std::string choices = "[";
    for (const auto& c : p.spec.choices) choices += (choices.size() > 1 ? ", " : "") + json_escape(c);
    s += std::string(i ? ", " : "") + "{\"key\": " + json_escape(p.key) + ", \"type\": " + json_escape(p.type) +
         ", \"default\": " + json_escape(p.default_value) + ", \"unit\": " + json_escape(p.spec.unit) +
         ", \"min\": " + num(p.spec.min) + ", \"max\": " + num(p.spec.max) + ", \"choices\": " + choices +
         "], \"doc\": " + json_escape(p.spec.doc) + "}";
  }
  return s + "]}";
}

}  // namespace

// libsystemc refers to sc_main (its own main() calls it); the module never calls it.
__attribute__((visibility("default"))) int sc_main(int, char**) { return 0; }

PYBIND11_MODULE(_spiketlm, m) {
  m.doc() = "spiketlm compiled core: simulations in forked children (use the spiketlm package)";
  m.def(
      "run",
      [](const std::string& config, const std::vector<std::string>& overrides,
         const std::vector<std::pair<std::string, std::string>>& run_params, const std::vector<std::string>& plugins,
         const std::string& vcd, const std::vector<std::string>& trace_filters) {
        RunRequest req;
        req.config = config;
        req.overrides = overrides;
        req.run_params = run_params;
        req.plugins = plugins;
        req.vcd = vcd;
        req.trace_filters = trace_filters;
        return in_child([req] { return run_json(req); });
      },
      py::arg("config"), py::arg("overrides"), py::arg("run_params"), py::arg("plugins"), py::arg("vcd"),
      py::arg("trace_filters"), "(ok, JSON report text or the one-line error)");
  m.def(
      "list_kinds", [](const std::vector<std::string>& plugins) { return in_child([plugins] { return list_json(plugins); }); },
      py::arg("plugins"), "(ok, JSON list of kinds or the one-line error)");
  m.def(
      "params",
      [](const std::string& kind, const std::vector<std::string>& plugins, const std::vector<std::string>& tech) {
        return in_child([=] { return params_json(kind, plugins, tech); });
      },
      py::arg("kind"), py::arg("plugins"), py::arg("tech"), "(ok, JSON description of a kind or the one-line error)");
}
