// spiketlm: the command line.
//
//   spiketlm run CONFIG.yaml [--trace DIR] [--samples N] [-c key=value]... [--json FILE]
//                [--csv FILE] [--vcd FILE] [--trace-filter GLOB]... [--plugin LIB]...
//                [--dump-config FILE] [--quiet]
//   spiketlm list [--plugin LIB]...
//
// Every error is one line on stderr ("spiketlm: error: <what and where>") and exit code 1;
// usage errors exit 2. No output file is written by a run that fails.
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "platforms/simulation.h"

using namespace spiketlm;

namespace {

const char* kUsage =
    "usage: spiketlm run CONFIG.yaml [--trace DIR] [--samples N] [--timesteps T] [-c key=value]...\n"
    "                    [--json FILE] [--csv FILE] [--vcd FILE] [--trace-filter GLOB]...\n"
    "                    [--plugin LIB]... [--dump-config FILE] [--quiet]\n"
    "       spiketlm list [--plugin LIB]...\n";

[[noreturn]] void usage(const std::string& msg) {
  std::cerr << "spiketlm: " << msg << "\n" << kUsage;
  std::exit(2);
}

struct Args {
  std::string command;
  RunRequest req;
  std::string json, csv, dump_config;
  bool quiet = false;
};

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) usage("missing command");
  a.command = argv[1];
  if (a.command == "-h" || a.command == "--help" || a.command == "help") {
    std::cout << kUsage;
    std::exit(0);
  }
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) usage(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "-c") a.req.overrides.push_back(value(i));
    else if (s == "--trace") a.req.run_params.push_back({"run.trace", value(i)});
    else if (s == "--samples") a.req.run_params.push_back({"run.samples", value(i)});
    else if (s == "--timesteps") a.req.run_params.push_back({"run.timesteps", value(i)});
    else if (s == "--json") a.json = value(i);
    else if (s == "--csv") a.csv = value(i);
    else if (s == "--vcd") a.req.vcd = value(i);
    else if (s == "--trace-filter") a.req.trace_filters.push_back(value(i));
    else if (s == "--plugin") a.req.plugins.push_back(value(i));
    else if (s == "--dump-config") a.dump_config = value(i);
    else if (s == "--quiet" || s == "-q") a.quiet = true;
    else if (!s.empty() && s[0] == '-') usage("unknown option " + s);
    else if (a.req.config.empty()) a.req.config = s;
    else usage("unexpected argument " + s);
  }
  return a;
}

int cmd_list(const Args& a) {
  for (const auto& p : a.req.plugins) Factory::instance().load_plugin(p);
  std::cout << "kinds (" << Factory::instance().all().size() << "):\n";
  for (const KindInfo* k : Factory::instance().all())
    std::cout << "  " << k->kind << "  [" << k->family << "]  " << k->doc
              << (k->origin == "built-in" ? "" : "  (from " + k->origin + ")") << "\n";
  return 0;
}

int cmd_run(const Args& a) {
  if (a.req.config.empty()) usage("run needs a platform YAML");
  Simulation sim;
  sim.configure(a.req);
  sim.elaborate();
  if (!a.dump_config.empty()) write_file_atomic(a.dump_config, sim.ctx().params.dump_yaml());
  sim.run();
  Report r = sim.report();
  if (!a.quiet) r.write_text(std::cout);
  if (!a.json.empty()) r.save(a.json, "json");
  if (!a.csv.empty()) r.save(a.csv, "csv");
  return 0;
}

}  // namespace

int sc_main(int argc, char** argv) {
  Args a = parse(argc, argv);
  try {
    if (a.command == "run") return cmd_run(a);
    if (a.command == "list") return cmd_list(a);
    usage("unknown command '" + a.command + "'");
  } catch (const std::exception& e) {
    std::cerr << "spiketlm: error: " << error_text(e) << "\n";
    if (!a.req.vcd.empty()) {
      // A failed run leaves no partial output file.
      std::error_code ec;
      std::string v = a.req.vcd;
      if (v.size() < 4 || v.substr(v.size() - 4) != ".vcd") v += ".vcd";
      std::filesystem::remove(v, ec);
    }
    return 1;
  }
}

int main(int argc, char** argv) {
  if (!std::getenv("SC_COPYRIGHT_MESSAGE")) setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
