// Helpers of the mapping-explorer tests (test_map.cpp, test_map_run.cpp): the platform's
// hierarchy, cycle-level runs and their reports, the model's per-layer bytes, energy agreement.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sw/map/hierarchy.h"
#include "sw/map/network_run.h"
#include "sw/map/search.h"
#include "tests/cli.h"
#include "traces/src/trace.h"

namespace spiketlm::maptest {

using namespace spiketlm::map;
using namespace spiketlm::test;

inline std::string src(const std::string& p) { return source_dir() + "/" + p; }

inline Hierarchy sata(const std::string& yaml, const std::string& trace) {
  return hierarchy_of({src("platforms/sata/" + yaml), {}, src(trace)});
}

// The cycle-level run's report (one sample).
inline Json tlm_run(const std::string& yaml, const std::string& trace) {
  const std::string out = scratch("map_tlm") + "/r.json";
  const CliResult r =
      cli("run " + src("platforms/sata/" + yaml) + " --trace " + src(trace) + " --samples 1 --json " + out + " -q");
  EXPECT_EQ(r.code, 0) << r.err;
  return load_json(out);
}

// Per-layer DRAM bytes of the model (flatten layers have no row in the run's table); `all`
// (if given) gets the mapping's cost.
inline std::vector<double> model_dram(const CostModel& m, const Mapping& mp, Cost* all = nullptr) {
  std::vector<Cost> per;
  const Cost c = m.evaluate(mp, &per);
  EXPECT_TRUE(c.fits()) << c.infeasible;
  if (all) *all = c;
  std::vector<double> v;
  for (size_t l = 0; l < per.size(); ++l)
    if (m.network().layers[l].name != "flatten") v.push_back(double(per[l].offchip_bytes()));
  return v;
}

// The model's energy per component and its latency against the cycle-level run's (per
// inference): every component and the total within 2 %, latency within 10 % (issue 21).
inline void expect_energy_agrees(const Json& j, const Cost& c, const Hierarchy& h, const std::string& what) {
  auto dyn = [&](const char* unit) { return table_cell(j, "energy_by_component", unit, "dynamic_uj"); };
  const struct {
    const char* part;
    double model, tlm;
  } parts[] = {
      {"dram", c.e_dram * 1e-6, dyn("dram")},
      {"glb", c.e_glb * 1e-6, dyn("glb_weight") + dyn("glb_ifmap") + dyn("glb_ofmap")},
      {"scratchpads", c.e_spad * 1e-6, dyn("scratchpads")},
      {"compute", c.e_compute * 1e-6, dyn("accumulate")},
      {"neuron", c.e_neuron * 1e-6, dyn("lif")},
      {"leakage", c.e_leak * 1e-6, summary(j, "leakage_energy_uj")},
      {"total", c.energy_pj() * 1e-6, summary(j, "energy_uj")},
  };
  for (const auto& p : parts) EXPECT_NEAR(p.model, p.tlm, 0.02 * p.tlm) << what << ": " << p.part << " (uJ)";
  const double us = summary(j, "latency_us");
  EXPECT_NEAR(c.latency_s(h.clock_hz) * 1e6, us, 0.10 * us) << what << ": latency (us)";
}


inline std::string write_mapping(const std::string& dir, const std::string& groups, const std::string& extra = "") {
  const std::string f = dir + "/m.yaml";
  std::ofstream(f) << "format: spiketlm-mapping\ngroups:\n" << groups << extra;
  return f;
}

// The run a functional bundle's energy is checked on: one sample, as the model counts sample 0's
// accumulates (accumulates.h; over 8 Fashion-MNIST samples the run has 7 % more).
inline Json one_sample(const std::string& trace, const std::string& mapping, const std::string& extra, const std::string& dir) {
  const std::string out = dir + "/one.json";
  const CliResult r = cli("run " + src("platforms/sata/sata.yaml") + " --trace " + src(trace) + " -c mapping=" + mapping +
                          extra + " --samples 1 --json " + out + " -q");
  EXPECT_EQ(r.code, 0) << r.err;
  return load_json(out);
}


}  // namespace spiketlm::maptest
