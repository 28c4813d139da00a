#include "platforms/platform.h"

#include <algorithm>

namespace spiketlm {

bundle Platform::load_trace() {
  Params& p = ctx().params;
  const std::string dir = p.get_string("run.trace", "", {"trace bundle directory (--trace)"});
  if (dir.empty()) fail(unit_kind().substr(unit_kind().find('.') + 1), path() + ": no trace given (use --trace DIR or run.trace)");
  bundle b = read_bundle(dir);
  const int64_t t = p.get_int("run.timesteps", 0,
                              {"timesteps to run a workload trace for (0: the trace's own; --timesteps)", "", 0, 64});
  if (t > 0 && t != b.timesteps) {
    if (b.functional())
      fail("config", p.origin("run.timesteps") + ": run.timesteps: expected 0 or " + std::to_string(b.timesteps) +
                         " for the functional trace " + b.name + " (its reference outputs are for T = " +
                         std::to_string(b.timesteps) + "), got " + std::to_string(t));
    for (auto& l : b.layers) {
      if (l.input_rate.empty()) continue;
      if (std::adjacent_find(l.input_rate.begin(), l.input_rate.end(), std::not_equal_to<double>()) != l.input_rate.end())
        fail("config", p.origin("run.timesteps") + ": run.timesteps: layer " + l.name +
                           " of " + b.name + " has a rate per timestep; expected T = " + std::to_string(b.timesteps) +
                           ", got " + std::to_string(t));
      l.input_rate.assign(size_t(t), l.input_rate.front());
    }
    b.timesteps = int(t);
  }
  return b;
}

}  // namespace spiketlm
