#include "sw/run/simulation.h"
#include "sw/map/apply.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "tlm/boundary.h"
#include "tlm/kernel_scratch.h"
#include "tlm/sanitizer.h"
#include "traces/nir/temp_import.h"

namespace spiketlm {

namespace fs = std::filesystem;

std::string resolve_path(const std::string& dir, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(dir) / p).lexically_normal().string();
}

#ifndef SPIKETLM_SOURCE_TREE
#define SPIKETLM_SOURCE_TREE "."
#endif

std::vector<std::string> default_tech_files() {
  std::vector<std::string> v;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(SPIKETLM_SOURCE_TREE) / "platforms" / "tech", ec))
    if (e.path().extension() == ".yaml") v.push_back(e.path().string());
  std::sort(v.begin(), v.end());
  return v;
}

namespace {
// A bundled platform YAML (platforms/*/*.yaml) whose instance has `kind`: (file, instance name).
std::pair<std::string, std::string> bundled_platform(const std::string& kind) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(SPIKETLM_SOURCE_TREE) / "platforms", ec))
    if (e.path().extension() == ".yaml" && e.path().parent_path().filename() != "tech") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    try {
      Params q;
      q.load_file(f);
      for (const auto& c : q.children(""))
        if (q.has(c + ".kind") && q.get_string(c + ".kind", "") == kind) return {f, c};
    } catch (const std::exception&) {
    }
  }
  return {};
}
}  // namespace

KindDescription describe_kind(const std::string& kind, std::vector<std::string> tech_files) {
  KindDescription d;
  d.info = &Factory::instance().get(kind, "spiketlm list");
  if (tech_files.empty()) tech_files = default_tech_files();
  static int serial = 0;
  std::string name = "describe_" + std::to_string(serial++);  // a fresh SystemC name
  Context ctx;
  try {
    for (const auto& f : tech_files) ctx.tech.load_file(f);
    if (d.info->family == "platform") {
      // A platform alone has its units at default addresses that overlap: describe it as its
      // bundled YAML configures it, on the bundled trace.
      const auto [file, top] = bundled_platform(kind);
      if (!file.empty()) {
        ctx.params.load_file(file);
        name = top;
      }
      ctx.params.set("run.trace", (fs::path(SPIKETLM_SOURCE_TREE) / "traces" / "fmnist_snn").string(), "describe");
      ctx.params.set("run.samples", "1", "describe");
    }
    std::unique_ptr<Module> m(Factory::instance().create(kind, name, ctx, "describe " + kind));
  } catch (const std::exception& e) {
    d.error = error_text(e);
  }
  const std::string prefix = name + ".";
  for (const auto& p : ctx.params.declarations()) {
    if (p.key.rfind(prefix, 0) != 0) continue;
    ParamDecl q = p;
    q.key = p.key.substr(prefix.size());
    q.value = q.default_value;
    d.params.push_back(q);
  }
  return d;
}

Simulation::Simulation() : m_ctx(std::make_unique<Context>()) {
  shrink_concat_scratch();  // SystemC's 3-MiB scratch heap (tlm/kernel_scratch.md)
}

Simulation::~Simulation() {
  m_top.reset();  // modules before the context they refer to
}

// run.nir: the imported bundle is the run's trace (its samples as many as the run's).
void Simulation::import_nir(const RunRequest& req, const std::string& model) {
  nir::import_options o;
  for (const auto& kv : req.run_params) {
    if (kv.first == "run.samples") o.samples = std::max(1, std::atoi(kv.second.c_str()));
    if (kv.first == "run.trace") fail("run", "nir: expected a NIR file or a trace, got both (" + model + ", " + kv.second + ")");
  }
  o.membrane_bits = nir::platform_membrane_bits(req.config, req.overrides);
  m_nir = std::make_unique<nir::temp_import>(model, o);
  m_ctx->params.set("run.trace", m_nir->bundle_dir(), "--nir");
}

void Simulation::configure(const RunRequest& req) {
  Params& p = m_ctx->params;
  if (req.config_yaml.empty()) p.load_file(req.config);
  else p.load_string(req.config_yaml, req.config);
  m_config_dir = fs::path(req.config).parent_path().string();
  m_host.set_progress(req.progress_delay_s);
  for (const auto& o : req.overrides) p.set_override(o);
  for (const auto& kv : req.run_params) {
    if (kv.first == "run.nir") import_nir(req, kv.second);
    else p.set(kv.first, kv.second, "--" + kv.first.substr(4));
  }
  map::apply_mapping(p);  // -c mapping=FILE: the mapping's groups and time batches as the dataflow

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

  // Read (declared) with or without --vcd, so that a dumped configuration runs either way.
  const double res = p.get_double("sim.vcd_resolution_ns", 1, {"VCD time unit (a power of ten)", "ns", 1e-3, 1e6});
  const double iv = p.get_double("sim.vcd_interval_ns", 1000,
                                 {"VCD interval: bandwidth bins and sampling period of sampled variables", "ns", 1e-3, 1e9});
  if (!req.vcd.empty()) {
    m_ctx->tracer.open(req.vcd, req.trace_filters, sc_core::sc_time(res, sc_core::SC_NS),
                       sc_core::sc_time(iv, sc_core::SC_NS));
    m_vcd = true;
  }
  m_ctx->apply_quantum();
}

Platform& Simulation::elaborate() {
  Params& p = m_ctx->params;
  std::vector<std::string> tops;
  for (const auto& c : p.children(""))
    if (c != "tech" && c != "plugins" && c != "sim" && c != "run" && c != "mapping") tops.push_back(c);
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
  m_host.install(*m_top);
  p.check_unused();
  return *m_top;
}

void Simulation::run() {
  if (!m_top) fail("config", "run() before elaborate()");
  try {
    sc_core::sc_start();
  } catch (...) {
    sanitizer::restore_thread_stack();  // before the error unwinds our frames (tlm/sanitizer.md)
    throw;
  }
  sanitizer::restore_thread_stack();
  m_ctx->attribute<Boundary>().end(sc_core::sc_time_stamp());  // the last inference's open state (tlm/boundary.h)
  m_host.end_progress();
  if (m_vcd) {
    // The tracer writes its own VCD from timed changes (tlm/trace.h), so nothing is lost at
    // the last time step; it is written only after a successful run.
    m_ctx->tracer.close();
  }
}

Report Simulation::report() { return report(m_host.results()); }

Report Simulation::report(const RunResults& results) {
  Report r("spiketlm " + m_top_name + " (" + m_top->unit_kind() + ")");
  m_top->finish(results, r);
  m_ctx->to_report(r);
  return r;
}

}  // namespace spiketlm
