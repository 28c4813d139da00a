// spiketlm: inference boundaries (tlm/boundary.md).
//
// start(t): a sample's work begins (the run flow calls it when the firmware writes the sample's
// input: the previous inference and its output read are over). Units that keep state across
// inferences bring it to a defined state there (the DRAM precharges every bank) and say when
// they have; the firmware waits until then. So a sample costs the same whatever ran before it. end(t), at the end of the run, runs the same hooks
// once more, so the last sample's state is closed (and counted) as every other one's is.
// setup_begin() / setup_end() bracket work done inside an inference that belongs to the run's
// setup (the network load on the first run, e.g. crossbar programming): a run split into
// shards counts it once (sw/run/shard.h). One per Context: ctx.attribute<Boundary>().
#pragma once
#include <algorithm>
#include <functional>
#include <vector>

#include <systemc>

namespace spiketlm {

struct Boundary {
  // A hook returns when its unit has reached the defined state (t if at once).
  std::vector<std::function<sc_core::sc_time(const sc_core::sc_time&)>> on_start;
  std::vector<std::function<void(bool begin)>> on_setup;
  int starts = 0;   // samples begun
  // Returns when every unit is in its defined state (the caller waits until then).
  sc_core::sc_time start(const sc_core::sc_time& t) {
    ++starts;
    sc_core::sc_time ready = t;
    for (auto& f : on_start) ready = std::max(ready, f(t));
    return ready;
  }
  void end(const sc_core::sc_time& t) {
    if (starts)
      for (auto& f : on_start) f(t);
  }
  void setup_begin() {
    for (auto& f : on_setup) f(true);
  }
  void setup_end() {
    for (auto& f : on_setup) f(false);
  }
};

}  // namespace spiketlm
