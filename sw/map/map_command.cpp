#include "sw/map/map_command.h"

#include <iostream>
#include <stdexcept>

#include "sw/map/hierarchy.h"
#include "sw/map/map_report.h"
#include "sw/map/network_run.h"
#include "tlm/error.h"
#include "tlm/output.h"
#include "traces/src/trace.h"

namespace spiketlm::map {

namespace {

const char* kUsage =
    "usage: spiketlm map CONFIG.yaml --trace DIR [options]\n"
    "  Searches mappings of the bundle's network on the platform's memory hierarchy (sw/map/map.md).\n"
    "  --objective energy|latency|edp|offchip   what 'best' minimises (default energy)\n"
    "  --seed N, --iterations N                  annealing (large spaces); default 1, 20000\n"
    "  --exhaustive-limit N                      search exhaustively up to N mappings (default 200000)\n"
    "  --state-budget-kb N                       on-chip neuron state budget (default: the ofmap GLB)\n"
    "  --state-removal                           also try state: none (changes the network's function)\n"
    "  --no-fuse                                 no layer fusion\n"
    "  --executable                              (kept for scripts: every mapping runs with `spiketlm run -c mapping=`)\n"
    "  --evaluate MAPPING.yaml|baseline|time-inner   cost of one mapping instead of a search\n"
    "  --out BEST.yaml                           write the best mapping\n"
    "  --full                                    print the comparison, per-layer and Pareto tables\n"
    "  --json FILE, --csv FILE, -c key=value, --quiet\n";

}  // namespace

const char* map_usage() { return kUsage; }

namespace {

struct MapArgs {
  PlatformRequest platform;
  SearchOptions opt;
  long state_budget_kb = -1;
  std::string evaluate, out, json, csv;
  bool quiet = false, full = false;
};

[[noreturn]] void usage(const std::string& msg) { usage_error("map", msg); }

uint64_t number(const std::string& opt, const std::string& v, uint64_t lo) {
  try {
    size_t used = 0;
    const unsigned long long x = std::stoull(v, &used);
    if (used == v.size() && x >= lo && v[0] != '-') return x;
  } catch (const std::exception&) {}
  usage(opt + ": expected an integer >= " + std::to_string(lo) + ", got '" + v + "'");
}

MapArgs parse(int argc, char** argv) {
  MapArgs a;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) usage(std::string(argv[i]) + ": missing value");
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "-h" || s == "--help") { std::cout << kUsage; std::exit(0); }
    else if (s == "-c") a.platform.overrides.push_back(value(i));
    else if (s == "--trace") a.platform.trace = value(i);
    else if (s == "--objective") {
      try {
        a.opt.objective = objective_of(value(i));
      } catch (const std::exception& e) { usage(e.what()); }
    }
    else if (s == "--seed") a.opt.seed = number(s, value(i), 0);
    else if (s == "--iterations") a.opt.iterations = number(s, value(i), 1);
    else if (s == "--exhaustive-limit") a.opt.exhaustive_limit = number(s, value(i), 0);
    else if (s == "--state-budget-kb") a.state_budget_kb = long(number(s, value(i), 0));
    else if (s == "--state-removal") a.opt.state_removal = true;
    else if (s == "--no-fuse") a.opt.allow_fuse = false;
    else if (s == "--executable") {}  // every mapping runs in the cycle-level model now
    else if (s == "--evaluate") a.evaluate = value(i);
    else if (s == "--out") a.out = value(i);
    else if (s == "--json") a.json = value(i);
    else if (s == "--csv") a.csv = value(i);
    else if (s == "--quiet" || s == "-q") a.quiet = true;
    else if (s == "--full") a.full = true;
    else if (!s.empty() && s[0] == '-') usage(s + ": unknown option");
    else if (a.platform.config.empty()) a.platform.config = s;
    else usage(s + ": unexpected argument, expected one CONFIG.yaml (got " + a.platform.config + " already)");
  }
  if (a.platform.config.empty()) usage("missing CONFIG.yaml, expected spiketlm map CONFIG.yaml --trace DIR [options]");
  if (a.platform.trace.empty()) usage("missing --trace DIR, expected spiketlm map CONFIG.yaml --trace DIR [options]");
  return a;
}

void emit(const Report& rep, const MapArgs& a) {
  if (!a.json.empty()) rep.save(a.json, "json");
  if (!a.csv.empty()) rep.save(a.csv, "csv");
  OutputSet::process().commit();  // with --out: every output in place together, or none
  if (!a.quiet) rep.write_text(std::cout, a.full);
}

int run(const MapArgs& a) {
  OutputSet& outs = OutputSet::process();  // checked before anything runs (tlm/output.h)
  if (!a.json.empty()) outs.claim(a.json, "--json");
  if (!a.csv.empty()) outs.claim(a.csv, "--csv");
  if (!a.out.empty()) outs.claim(a.out, "--out");
  const bundle b = read_bundle(a.platform.trace);
  if (b.ann())
    throw std::runtime_error(a.platform.trace + ": network: expected an SNN bundle (the mapping explorer maps neuron state "
                             "and time), got 'ann'");
  Hierarchy h = hierarchy_of(a.platform);
  if (a.state_budget_kb >= 0) h.state_budget = uint64_t(a.state_budget_kb) * 1024;
  const Network net = network_as_run(b, h.array);
  const CostModel model(net, h);
  const Mapping base = baseline(net);
  SearchResult r;
  if (!a.evaluate.empty()) {
    const Mapping m = a.evaluate == "baseline" ? base : a.evaluate == "time-inner" ? time_inner(net) : read_mapping(a.evaluate, net);
    const Cost c = model.evaluate(m);
    if (!c.fits()) throw std::runtime_error(a.evaluate + ": " + c.infeasible);
    r.method = "evaluate";
    r.space = r.evaluated = r.feasible = 1;
    r.best = {m, c};
    r.pareto.push_back(r.best);
  } else {
    r = search(model, a.opt);
  }
  Report rep = map_report(model, base, r, a.opt);
  if (r.best.mapping.state != base.state && a.opt.state_removal)
    for (State s : r.best.mapping.state)
      if (s == State::none) {
        rep.set("best", "note", "state removal changes the network's function: accuracy not measured by spiketlm map");
        break;
      }
  if (!a.out.empty()) OutputSet::process().write(a.out, to_yaml(r.best.mapping, net));
  emit(rep, a);
  return 0;
}

}  // namespace

int map_main(int argc, char** argv) {
  const MapArgs a = parse(argc, argv);
  try {
    return run(a);
  } catch (const std::exception& e) {
    OutputSet::process().discard();
    std::cerr << "spiketlm: error: " << error_text(e) << "\n";
    return 1;
  }
}

}  // namespace spiketlm::map
