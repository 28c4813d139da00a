#include "platforms/simulation.h"

#include <filesystem>

namespace spiketlm {

namespace fs = std::filesystem;

std::string resolve_path(const std::string& dir, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(dir) / p).lexically_normal().string();
}

Simulation::Simulation() : m_ctx(std::make_unique<Context>()) {}

Simulation::~Simulation() {
  m_top.reset();  // modules before the context they refer to
}

void Simulation::configure(const RunRequest& req) {
  Params& p = m_ctx->params;
  p.load_file(req.config);
  m_config_dir = fs::path(req.config).parent_path().string();
  for (const auto& o : req.overrides) p.set_override(o);
  for (const auto& kv : req.run_params) p.set(kv.first, kv.second, "--" + kv.first.substr(4));

  std::vector<std::string> plugins = p.get_list("plugins", {}, {"shared libraries that register more kinds"});
  for (auto& pl : plugins) pl = resolve_path(m_config_dir, pl);
  for (const auto& pl : req.plugins) plugins.push_back(pl);
  for (const auto& pl : plugins) Factory::instance().load_plugin(pl);

  const auto tech = p.get_list("tech", {}, {"technology tables (YAML), relative to the platform file"});
  if (tech.empty()) fail("config", req.config + ": tech: expected a list of technology table files");
  std::vector<std::string> tech_abs;
  for (const auto& t : tech) {
    tech_abs.push_back(fs::absolute(resolve_path(m_config_dir, t)).lexically_normal().string());
    m_ctx->tech.load_file(tech_abs.back());
  }
  // Record absolute paths, so that --dump-config writes a file that runs from anywhere.
  p.set_list("tech", tech_abs, p.origin("tech"));
  p.get_list("tech", {}, {"technology tables (YAML), relative to the platform file"});
  if (!plugins.empty()) {
    std::vector<std::string> abs;
    for (const auto& pl : plugins) abs.push_back(fs::absolute(pl).lexically_normal().string());
    p.set_list("plugins", abs, p.origin("plugins"));
    p.get_list("plugins", {}, {"shared libraries that register more kinds"});
  }

  if (!req.vcd.empty()) {
    const double res = p.get_double("sim.vcd_resolution_ns", 1, {"VCD time resolution", "ns", 1e-3, 1e6});
    m_ctx->tracer.open(req.vcd, req.trace_filters, sc_core::sc_time(res, sc_core::SC_NS));
    m_vcd = true;
  }
  m_ctx->apply_quantum();
}

Platform& Simulation::elaborate() {
  Params& p = m_ctx->params;
  std::vector<std::string> tops;
  for (const auto& c : p.children(""))
    if (c != "tech" && c != "plugins" && c != "sim" && c != "run") tops.push_back(c);
  if (tops.size() != 1) {
    std::string names;
    for (const auto& t : tops) names += (names.empty() ? "" : ", ") + t;
    fail("config", p.origin(tops.empty() ? "tech" : tops.back()) +
                       ": expected exactly one platform instance at the top level, found " +
                       std::to_string(tops.size()) + (names.empty() ? "" : " (" + names + ")"));
  }
  m_top_name = tops[0];
  const std::string key = m_top_name + ".kind";
  if (!p.has(key)) fail("config", p.origin(m_top_name) + ": " + key + ": expected the platform's kind");
  const std::string kind = p.get_string(key, "", {"kind of the platform"});
  const KindInfo& info = Factory::instance().get(kind, p.origin(key) + ": " + key);
  if (info.family != "platform")
    fail("config", p.origin(key) + ": " + key + ": kind '" + kind + "' is a " + info.family +
                       " unit, not a platform");
  Module* m = Factory::instance().create(kind, m_top_name, *m_ctx, key);
  m_top.reset(dynamic_cast<Platform*>(m));
  if (!m_top) {
    delete m;
    fail("config", key + ": kind '" + kind + "' does not derive from Platform");
  }
  p.check_unused();
  return *m_top;
}

void Simulation::run() {
  if (!m_top) fail("config", "run() before elaborate()");
  sc_core::sc_start();
  if (m_vcd) {
    // A simulation that ends by running out of events drops the last time step's changes:
    // advance once more before closing (DESIGN.md, SystemC pitfalls).
    if (sc_core::sc_get_status() != sc_core::SC_STOPPED) sc_core::sc_start(1, sc_core::SC_NS);
    m_ctx->tracer.close();
  }
}

Report Simulation::report() {
  Report r("spiketlm " + m_top_name + " (" + m_top->unit_kind() + ")");
  m_top->finish(r);
  m_ctx->to_report(r);
  return r;
}

}  // namespace spiketlm
