#include "sw/cli/nir_commands.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "tlm/output.h"
#include "tlm/error.h"
#include "tlm/report.h"
#include "traces/nir/export.h"
#include "traces/nir/import.h"
#include "traces/nir/temp_import.h"

namespace spiketlm {

namespace {

const char* kImportUsage =
    "usage: spiketlm import MODEL.nir -o BUNDLE [--config PLATFORM.yaml [-c key=value]...] [--dt SECONDS]\n"
    "                       [--timesteps T] [--inputs X.npy] [--labels Y.npy] [--encoding poisson|rate|direct]\n"
    "                       [--input-scale S] [--samples N] [--seed S] [--membrane-bits B] [--per-tensor]\n"
    "                       [--calibration N] [--name NAME] [--json FILE] [--quiet]\n"
    "       spiketlm export --nir BUNDLE -o MODEL.nir [--dt SECONDS]\n"
    "       spiketlm run CONFIG.yaml --nir MODEL.nir [import options] [run options]\n";

// The command whose options are being parsed (import, export or run --nir), for usage errors.
std::string g_command = "import";

[[noreturn]] void usage(const std::string& msg) { usage_error(g_command, msg); }

const std::string& value(const std::vector<std::string>& a, std::size_t& i) {
  if (i + 1 >= a.size()) usage(a[i] + ": missing value");
  return a[++i];
}

double number(const std::vector<std::string>& a, std::size_t& i) {
  const std::string& opt = a[i];
  const std::string& v = value(a, i);
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end) usage(opt + ": expected a number, got '" + v + "'");
  return x;
}

long integer(const std::vector<std::string>& a, std::size_t& i) {
  const std::string& opt = a[i];
  const std::string& v = value(a, i);
  char* end = nullptr;
  const long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end) usage(opt + ": expected an integer, got '" + v + "'");
  return x;
}

// One import option at a[i] (its value consumed); false if a[i] is none. Options that change
// what an exported file's embedded bundle holds turn its exact re-import off (import.h).
bool import_option(const std::vector<std::string>& a, std::size_t& i, nir::import_options& o, bool& bits_given) {
  const std::string& s = a[i];
  static const std::set<std::string> changing = {"--inputs", "--labels", "--encoding", "--input-scale", "--seed",
                                                 "--membrane-bits", "--per-tensor", "--calibration"};
  if (s == "--dt") {
    o.dt = number(a, i);
    o.dt_given = true;
    return true;
  }
  if (s == "--name") {
    o.name = value(a, i);
    return true;
  }
  if (!changing.count(s)) return false;
  o.exact_reimport = false;
  if (s == "--inputs") o.inputs_file = value(a, i);
  else if (s == "--labels") o.labels_file = value(a, i);
  else if (s == "--encoding") o.encoding = value(a, i);
  else if (s == "--input-scale") o.input_scale = number(a, i);
  else if (s == "--seed") o.seed = std::uint64_t(integer(a, i));
  else if (s == "--membrane-bits") o.membrane_bits = int(integer(a, i)), bits_given = true;
  else if (s == "--per-tensor") o.per_tensor = true;
  else o.calibration_samples = int(integer(a, i));
  return true;
}

Report import_report(const nir::import_result& r, const nir::import_options& o, const std::string& model) {
  Report rep("spiketlm import " + model);
  rep.set("import", "model", model);
  rep.set("import", "nir_version", r.version);
  rep.set("import", "nir_nodes", int64_t(r.nir_nodes));
  rep.set("import", "nir_edges", int64_t(r.nir_edges));
  rep.set("import", "bundle", r.b.dir);
  rep.set("import", "layers", int64_t(r.b.layers.size()));
  rep.set("import", "weights", int64_t(r.weights));
  rep.set("import", "dt_s", o.dt, "s (forward Euler)");
  rep.set("import", "timesteps", int64_t(r.b.timesteps));
  rep.set("import", "samples", int64_t(r.b.samples));
  rep.set("import", "inputs", r.inputs_note);
  rep.set("import", "membrane_bits", int64_t(r.b.membrane_bits));
  rep.set("agreement", "classes_agree_pct", 100.0 * r.agreement, "% of samples: integer model vs float reference");
  if (r.float_accuracy >= 0) {
    rep.set("agreement", "float_accuracy_pct", 100.0 * r.float_accuracy, "%");
    rep.set("agreement", "integer_accuracy_pct", 100.0 * r.int_accuracy, "%");
  }
  auto& t = rep.table("layers", "Bundle layers and the NIR nodes they run",
                      {"layer", "nir_nodes", "neuron", "threshold", "leak", "leak_exact", "reset", "weights"});
  for (const auto& q : r.layers) {
    std::ostringstream leak, exact;
    leak << q.leak_num << "/2^" << q.leak_shift;
    exact << q.beta;
    t.add_row({q.layer, q.nodes, q.neuron, int64_t(q.threshold), q.threshold ? leak.str() : "-", q.threshold ? exact.str() : "-",
               q.reset.empty() ? "-" : q.reset, int64_t(q.weights)});
  }
  return rep;
}

}  // namespace

int cmd_import(const std::vector<std::string>& a) {
  g_command = "import";
  nir::import_options o;
  std::string model, out, json, config;
  std::vector<std::string> overrides;
  bool quiet = false, bits_given = false;
  for (std::size_t i = 1; i < a.size(); ++i) {
    const std::string& s = a[i];
    if (import_option(a, i, o, bits_given)) continue;
    if (s == "-o" || s == "--out") out = value(a, i);
    else if (s == "--timesteps") o.timesteps = int(integer(a, i)), o.timesteps_given = true, o.exact_reimport = false;
    else if (s == "--samples") o.samples = int(integer(a, i)), o.exact_reimport = false;
    else if (s == "-h" || s == "--help") {
      std::cout << kImportUsage;
      return 0;
    }
    else if (s == "--config") config = value(a, i);
    else if (s == "-c") overrides.push_back(value(a, i));
    else if (s == "--json") json = value(a, i);
    else if (s == "--quiet" || s == "-q") quiet = true;
    else if (!s.empty() && s[0] == '-') usage(s + ": unknown option");
    else if (model.empty()) model = s;
    else usage(s + ": unexpected argument, expected one MODEL.nir (got " + model + " already)");
  }
  if (model.empty() || out.empty())
    usage(std::string("missing ") + (model.empty() ? "MODEL.nir" : "-o BUNDLE") + ", expected spiketlm import MODEL.nir -o BUNDLE [options]");
  if (!json.empty()) OutputSet::process().claim(json, "--json");
  if (!config.empty() && !bits_given) o.membrane_bits = nir::platform_membrane_bits(config, overrides);
  const nir::import_result r = nir::import_nir(model, out, o);
  const Report rep = import_report(r, o, model);
  if (!json.empty()) rep.save(json, "json");
  OutputSet::process().commit();
  if (!quiet) rep.write_text(std::cout);
  return 0;
}

int cmd_export(const std::vector<std::string>& a) {
  g_command = "export";
  std::string bundle_dir, out;
  double dt = nir::k_default_dt;
  for (std::size_t i = 1; i < a.size(); ++i) {
    const std::string& s = a[i];
    if (s == "--nir") bundle_dir = value(a, i);
    else if (s == "-o" || s == "--out") out = value(a, i);
    else if (s == "--dt") dt = number(a, i);
    else usage(s + ": unknown option");
  }
  if (bundle_dir.empty() || out.empty())
    usage(std::string("missing ") + (bundle_dir.empty() ? "--nir BUNDLE" : "-o MODEL.nir") +
          ", expected spiketlm export --nir BUNDLE -o MODEL.nir [--dt SECONDS]");
  nir::export_nir(read_bundle(bundle_dir), out, dt);
  return 0;
}

namespace {
std::unique_ptr<nir::temp_import> g_run_import;  // the bundle of `run --nir`, removed at exit
}  // namespace

std::vector<std::string> nir_run_args(const std::vector<std::string>& a) {
  g_command = "run";
  std::vector<std::string> rest;
  std::string model, config;
  std::vector<std::string> overrides;
  nir::import_options o;
  bool bits_given = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string& s = a[i];
    if (s == "--nir") model = value(a, i);
    else if (i >= 1 && import_option(a, i, o, bits_given)) continue;
    else {
      rest.push_back(s);
      if ((s == "-c" || s == "--samples") && i + 1 < a.size()) {
        rest.push_back(a[i + 1]);
        if (s == "-c") overrides.push_back(a[i + 1]);
        else o.samples = std::max(1, std::atoi(a[i + 1].c_str()));
        ++i;
      } else if (i >= 1 && config.empty() && !s.empty() && s[0] != '-') {
        config = s;
      }
    }
  }
  if (model.empty()) return a;
  if (!bits_given && !config.empty()) o.membrane_bits = nir::platform_membrane_bits(config, overrides);
  g_run_import = std::make_unique<nir::temp_import>(model, o);
  const nir::import_result& r = g_run_import->result();
  if (std::find(a.begin(), a.end(), "--quiet") == a.end())
    std::cout << "imported " << model << ": " << r.b.layers.size() << " layers, " << r.weights << " weights; integer and float "
            << "classes agree on " << 100.0 * r.agreement << " % of " << r.b.samples << " samples\n";
  rest.push_back("--trace");
  rest.push_back(g_run_import->bundle_dir());
  return rest;
}

}  // namespace spiketlm
