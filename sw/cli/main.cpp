// spiketlm: the command line.
//
//   spiketlm run CONFIG.yaml [--trace DIR] [--samples N] [-c key=value]... [--json FILE]
//                [--csv FILE] [--vcd FILE] [--trace-filter GLOB]... [--plugin LIB]...
//                [--dump-config FILE] [--quiet] [--firmware NAME] [--txlog FILE]
//                [--cosim unix:PATH|tcp:127.0.0.1:PORT] [--cosim-exec PROGRAM]
//   spiketlm list [KIND] [--plugin LIB]... [--tech FILE]...
//        every kind (or one) with the parameters a unit of it declares: key, type, default,
//        unit, range, doc (platforms: their own keys and child slots; `list KIND` shows all)
//
// Every error is one line on stderr ("spiketlm: error: <what and where>", control characters
// escaped) and exit code 1; a usage error too ("spiketlm: <what> (see spiketlm CMD --help)").
// No output file is written by a run that fails.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <systemc>
#include <unistd.h>

#include "sw/map/map_command.h"
#include "tlm/cleanup.h"
#include "tlm/output.h"
#include "sw/run/simulation.h"
#include "sw/cli/compare.h"
#include "sw/cli/help.h"
#include "sw/cli/list_command.h"
#include "sw/cli/nir_commands.h"
#include "sw/cli/plot_command.h"
#include "sw/cli/shard_command.h"
#include "sw/run/shard.h"
#include "sw/cli/sweep.h"

using namespace spiketlm;

namespace {

const char* kUsage =
    "usage: spiketlm run CONFIG.yaml [--trace DIR] [--samples N] [--timesteps T] [--ann BITS] [-c key=value]...\n"
    "                    [--json FILE] [--csv FILE] [--full] [--per-sample] [--vcd FILE] [--trace-filter GLOB]...\n"
    "                    [--plugin LIB]... [--dump-config FILE] [--quiet] [--progress|--no-progress]\n"
    "                    [--firmware NAME] [--txlog FILE] [--cosim ADDRESS] [--cosim-exec PROGRAM]\n"
    "                    [--shards N [--shard-dir DIR]] [--shard-state FILE]\n"
    "       spiketlm list [KIND] [--format text|md] [--plugin LIB]... [--tech FILE]...\n"
    "       spiketlm calibrate CONFIG.yaml --trace DIR --out NEWDIR [--samples N] [run options]\n"
    "       spiketlm map CONFIG.yaml --trace DIR [options]   (mapping explorer: spiketlm map --help)\n"
    "       spiketlm import MODEL.nir -o BUNDLE [options]   (spiketlm import --help)\n"
    "       spiketlm export --nir BUNDLE -o MODEL.nir [--dt SECONDS]\n"
    "       spiketlm sweep SWEEP.yaml [--backend local|slurm|external] [-j N] [--collect] [--retry-failed] ... (--help)\n"
    "       spiketlm run CONFIG.yaml --nir MODEL.nir [import options] [run options]\n"
    "       spiketlm compare --trace SNN_DIR [--ann-trace ANN_DIR | --ann BITS] [--samples N] ... (--help)\n"
    "       spiketlm merge SHARD... [-o DIR] [--json FILE] [--csv FILE]   (shards of a run: spiketlm merge --help)\n"
    "       spiketlm plot REPORT.json [-o DIR] [--html FILE]   (figures and an HTML page of a run's report)\n"
    "       spiketlm --version | --help | help COMMAND    (every command takes --help, with examples)\n"
    "run: --samples defaults to min(100, the trace's samples); --full prints every table; --per-sample adds one row per sample\n";

const char* kCommands = "run, list, calibrate, map, import, export, sweep, merge, compare or plot";

struct Args {
  std::string command;
  RunRequest req;
  std::string json, csv, dump_config;
  int shards = 0;                   // run --shards N
  std::string shard_dir, shard_state;
  bool shard_plan = false;          // run --shards N --shard-dir DIR --shard-plan: write the shard folders only
  std::vector<std::string> shard_words;   // run: the command line the shards run (sw/cli/shard_command.h)
  std::vector<std::string> tech;   // list: technology tables for describing kinds
  std::string format = "text";     // list: text | md
  bool quiet = false, full = false;
  int progress = -1;   // --progress 1, --no-progress 0, -1: when stderr is a terminal
};

int shard_count(const std::string& v) {
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end || n < 1 || n > 4096) usage_error("run", "--shards: expected a number of shards in 1..4096, got '" + v + "'");
  return int(n);
}

// The command line each shard of `run --shards` runs: argv after `run` without the options
// the shards replace (samples, outputs); options that cannot be shared are a usage error.
std::vector<std::string> shard_words(int argc, char** argv) {
  std::vector<std::string> w;
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i], v = i + 1 < argc ? argv[i + 1] : "";
    for (const char* no : {"--vcd", "--txlog", "--dump-config", "--shard-state", "--cosim", "--cosim-exec", "--trace-filter"})
      if (s == no) usage_error("run", s + ": not with --shards (each shard would write it), expected a run without it");
    if (s == "--shards" || s == "--shard-dir" || s == "--json" || s == "--csv" || s == "--samples") ++i;
    else if (s == "--shard-plan") continue;
    else if (s == "-c" && (v.rfind("run.samples=", 0) == 0 || v.rfind("run.first_sample=", 0) == 0)) ++i;
    else if (s == "-q" || s == "--quiet" || s == "--full" || s == "--progress" || s == "--no-progress") continue;
    else w.push_back(s);
  }
  return w;
}

// An option of run and calibrate (calibrate alone: --out) at `s`, its value taken by value();
// false if `s` is none of them.
bool run_option(Args& a, const std::string& s, const std::function<std::string()>& value) {
  auto run_param = [&](const char* key) { a.req.run_params.push_back({key, value()}); };
  if (s == "-c") a.req.overrides.push_back(value());
  else if (s == "--trace") run_param("run.trace");
  else if (s == "--samples") run_param("run.samples");
  else if (s == "--timesteps") run_param("run.timesteps");
  else if (s == "--exit-threshold") run_param("run.exit_threshold");
  else if (s == "--ann") {
    a.req.run_params.push_back({"run.network", "ann"});
    run_param("run.ann_bits");
  }
  else if (s == "--firmware") run_param("run.firmware");
  else if (s == "--txlog") run_param("run.txlog");
  else if (s == "--cosim") run_param("run.cosim");
  else if (s == "--cosim-exec") run_param("run.cosim_exec");
  else if (s == "--json") a.json = value();
  else if (s == "--csv") a.csv = value();
  else if (s == "--vcd") a.req.vcd = value();
  else if (s == "--trace-filter") a.req.trace_filters.push_back(value());
  else if (s == "--plugin") a.req.plugins.push_back(value());
  else if (s == "--dump-config") a.dump_config = value();
  else if (s == "--quiet" || s == "-q") a.quiet = true;
  else if (s == "--full") a.full = true;
  else if (s == "--progress" || s == "--no-progress") a.progress = s == "--progress";
  else if (s == "--per-sample") a.req.run_params.push_back({"run.per_sample", "true"});
  else if (s == "--out" && a.command == "calibrate") run_param("run.calibrate_out");
  else if (s == "--shards" && a.command == "run") a.shards = shard_count(value());
  else if (s == "--shard-dir" && a.command == "run") a.shard_dir = value();
  else if (s == "--shard-state" && a.command == "run") a.shard_state = value();
  else if (s == "--shard-plan" && a.command == "run") a.shard_plan = true;
  else return false;
  return true;
}

// An option of list; false if `s` is none.
bool list_option(Args& a, const std::string& s, const std::function<std::string()>& value) {
  if (s == "--plugin") a.req.plugins.push_back(value());
  else if (s == "--tech") a.tech.push_back(value());
  else if (s == "--format") a.format = value();
  else return false;
  return true;
}

// run, list and calibrate. A usage error is one line and exit code 1 (tlm/error.h).
Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) usage_error("", "missing command, expected " + std::string(kCommands));
  a.command = argv[1];
  if (a.command == "--version" || a.command == "-V") {
    // Version of the CLI, the commit the build was configured from, the SystemC it links.
    std::cout << "spiketlm 0.1 (git " << SPIKETLM_GIT_HASH << "), SystemC " << sc_core::sc_release() << "\n";
    std::exit(0);
  }
  if (a.command == "-h" || a.command == "--help" || a.command == "help") {
    std::cout << kUsage;
    std::exit(0);
  }
  const std::string& cmd = a.command;
  if (cmd != "run" && cmd != "list" && cmd != "calibrate")
    usage_error("", cmd + ": unknown command, expected " + kCommands);
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(cmd, s + ": missing value");
      return argv[++i];
    };
    if (cmd == "list" ? list_option(a, s, value) : run_option(a, s, value)) continue;
    if (!s.empty() && s[0] == '-') usage_error(cmd, s + ": unknown option");
    if (!a.req.config.empty())
      usage_error(cmd, s + ": unexpected argument, expected one " + (cmd == "list" ? "KIND" : "CONFIG.yaml") +
                           " (got " + a.req.config + " already)");
    a.req.config = s;
  }
  // --cosim / --cosim-exec imply the external firmware unless --firmware says otherwise.
  bool fw = false, cosim = false;
  for (const auto& kv : a.req.run_params) {
    fw = fw || kv.first == "run.firmware";
    cosim = cosim || kv.first == "run.cosim" || kv.first == "run.cosim_exec";
  }
  if (cosim && !fw) a.req.run_params.push_back({"run.firmware", "external"});
  // Progress on stderr (sw/run/progress.h): forced from the start, or on a terminal after 2 s.
  if (a.shard_plan && (a.shards == 0 || a.shard_dir.empty()))
    usage_error("run", "--shard-plan: expected --shards N and --shard-dir DIR with it");
  if (a.shards > 0) a.shard_words = shard_words(argc, argv);
  if (a.progress == 1) a.req.progress_delay_s = 0;
  else if (a.progress == -1 && !a.quiet && isatty(2)) a.req.progress_delay_s = 2;
  return a;
}

// `before_output`: a last step on the report before it is written (calibrate).
// Every output is claimed before anything is read or run (the VCD by the tracer, the
// transaction log by the CPU, run.calibrate_out by its platform, during configuration) and
// put in place only after the run succeeded (tlm/output.h).
int cmd_run(const Args& a, const std::function<void(Report&)>& before_output = nullptr) {
  if (a.req.config.empty()) usage_error("run", "missing CONFIG.yaml, expected spiketlm run CONFIG.yaml [options]");
  if (a.shards > 0)
    return cli::run_shards(a.req, a.shard_words, a.shards, a.shard_dir, {a.json, a.csv, "", a.quiet, a.full}, a.shard_plan);
  OutputSet& out = OutputSet::process();
  if (!a.dump_config.empty()) out.claim(a.dump_config, "--dump-config");
  if (!a.json.empty()) out.claim(a.json, "--json");
  if (!a.csv.empty()) out.claim(a.csv, "--csv");
  if (!a.shard_state.empty()) out.claim(a.shard_state, "--shard-state");
  out.refuse_input(a.req.config, "CONFIG");
  Simulation sim;
  sim.configure(a.req);
  sim.elaborate();
  const bool dumps = !a.dump_config.empty() || !a.shard_state.empty();
  const std::string dump = dumps ? sim.ctx().params.dump_yaml() : std::string();
  std::unique_ptr<ShardRecorder> shard;
  if (!a.shard_state.empty()) shard = std::make_unique<ShardRecorder>(sim);
  sim.run();
  Report r = sim.report();
  if (before_output) before_output(r);
  if (shard) out.write(a.shard_state, state_json(shard->state(dump)));
  if (!a.dump_config.empty()) out.write(a.dump_config, dump);
  if (!a.json.empty()) r.save(a.json, "json");
  if (!a.csv.empty()) r.save(a.csv, "csv");
  out.commit();
  if (!a.quiet) r.write_text(std::cout, a.full);
  return 0;
}

// spiketlm calibrate: BN adaptation (FACTS.md s5) layer by layer. A pass runs the calibration
// samples through the configured (non-ideal) platform and re-estimates the running mean and
// variance of every BN layer from its pre-BN values (the platform's run.calibrate_out). The
// pre-BN values of BN layer k depend only on the BN layers before it, so pass k, run on the
// bundle written by pass k-1, leaves layers 1..k final: one pass per BN layer, each behind the
// adapted BN of the layers before it (what a train-mode pass over the calibration set does).
// Each pass is its own process (SystemC elaborates once per process); intermediate bundles go
// to a temporary directory; the last pass writes --out (with its `calibration` record, so later
// runs refuse to evaluate the calibration samples) and the report. A failing pass leaves no --out.
bool same_path(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ea, eb;
  const fs::path pa = fs::weakly_canonical(fs::absolute(a), ea), pb = fs::weakly_canonical(fs::absolute(b), eb);
  if (ea || eb) return false;
  return (pa / "").lexically_normal() == (pb / "").lexically_normal();
}

int cmd_calibrate(const Args& a) {
  std::string trace, out;
  for (const auto& p : a.req.run_params) {
    if (p.first == "run.trace") trace = p.second;
    if (p.first == "run.calibrate_out") out = p.second;
  }
  if (a.req.config.empty() || out.empty() || trace.empty())
    usage_error("calibrate", std::string("missing ") + (a.req.config.empty() ? "CONFIG.yaml" : trace.empty() ? "--trace DIR" : "--out NEWDIR") +
                                 ", expected spiketlm calibrate CONFIG.yaml --trace DIR --out NEWDIR [options]");
  if (same_path(out, trace))
    fail("cli", out + ": --out: is the input --trace (" + trace + "), expected a new directory for the adapted bundle");
  OutputSet& outs = OutputSet::process();
  outs.claim_dir(out, "--out");
  if (!a.dump_config.empty()) outs.claim(a.dump_config, "--dump-config");
  if (!a.json.empty()) outs.claim(a.json, "--json");
  if (!a.csv.empty()) outs.claim(a.csv, "--csv");
  const bundle b0 = read_bundle(trace);
  int passes = 0;
  for (const auto& L : b0.layers) passes += L.bn && L.fires();
  passes = std::max(passes, 1);
  std::string tmpl = (std::filesystem::temp_directory_path() / "spiketlm_calibrate_XXXXXX").string();
  if (!mkdtemp(tmpl.data())) fail("calibrate", tmpl + ": expected a temporary directory, got " + std::strerror(errno));
  const std::string tmp = tmpl;
  cleanup::add_dir(tmp);  // removed also when a signal ends the run
  struct RemoveTmp {
    std::string dir;
    ~RemoveTmp() {
      cleanup::remove_tree(dir.c_str());
      cleanup::forget(dir);
    }
  } remove_tmp{tmp};
  std::string in = trace;
  for (int k = 1; k <= passes; ++k) {
    const bool last = k == passes;
    const std::string pass_out = tmp + "/pass" + std::to_string(k);
    Args c = a;
    for (auto& p : c.req.run_params) {
      if (p.first == "run.trace") p.second = in;
      if (p.first == "run.calibrate_out") p.second = pass_out;
    }
    if (!last) {
      c.quiet = true;
      c.json.clear();
      c.csv.clear();
      c.dump_config.clear();
    }
    std::cout.flush();
    std::cerr.flush();
    const pid_t pid = fork();
    if (pid < 0) fail("calibrate", std::string("fork: expected a child process, got ") + std::strerror(errno));
    if (pid == 0) {
      cleanup::reset_after_fork();
      int rc = 1;
      try {
        rc = cmd_run(c, [&](Report& r) {
          if (!last) return;
          bundle b = read_bundle(OutputSet::process().staged_dir(pass_out));  // in place at the pass's commit
          const int first = int(r.get("calibration", "calibration_first_sample").as_int());
          const int n = int(r.get("calibration", "calibration_samples").as_int());
          b.name = b0.name + "_bn_adapted";
          b.description = b0.description + "; BN running statistics re-estimated layer by layer (" + std::to_string(passes) +
                          " passes) on samples " + std::to_string(first) + ".." + std::to_string(first + n - 1) +
                          " through a non-ideal platform (spiketlm calibrate)";
          write_bundle(b, OutputSet::process().stage_dir(out));  // with the last pass's calibration record
          // The platform's bn_adaptation table compares with the last pass's input; this one
          // compares the final statistics with the trace's own.
          auto& t = r.table("bn_adaptation_total", "BN adaptation: final running statistics against the input trace's",
                            {"layer", "channels", "mean_shift_avg", "var_ratio_avg"});
          for (size_t i = 0; i < b.layers.size() && i < b0.layers.size(); ++i) {
            if (!b.layers[i].bn || !b0.layers[i].bn || !b.layers[i].fires()) continue;
            const batch_norm &nb = *b.layers[i].bn, &ob = *b0.layers[i].bn;
            const size_t K = nb.running_mean.size();
            double shift = 0, ratio = 0;
            for (size_t k = 0; k < K; ++k) {
              const double ov = double(ob.running_var[k]) + ob.eps;
              shift += std::fabs(double(nb.running_mean[k]) - double(ob.running_mean[k])) / std::sqrt(ov);
              ratio += (double(nb.running_var[k]) + nb.eps) / ov;
            }
            t.add_row({b.layers[i].name, int64_t(K), shift / double(K), ratio / double(K)});
          }
          r.set("calibration", "calibration_out", out);
          r.set("calibration", "calibration_passes", int64_t(passes));
        });
      } catch (const std::exception& e) {
        OutputSet::process().discard();
        std::cerr << "spiketlm: error: " << error_text(e) << "\n";
        rc = 1;
      }
      std::cout.flush();
      std::cerr.flush();
      _exit(rc);
    }
    cleanup::add_child(pid, cleanup::ChildPolicy::terminate);  // a signal to us stops the pass too
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    cleanup::forget_child(pid);
    const int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    if (rc != 0) return rc;
    in = pass_out;
  }
  return 0;
}

// `spiketlm help CMD` and `spiketlm CMD --help|-h`: the command's help (with examples) on
// stdout, exit 0; -1 when no help was asked for.
int help_main(int argc, char** argv) {
  if (argc < 2) return -1;
  std::string cmd = argv[1];
  bool asked = cmd == "help" && argc == 3;
  if (asked) cmd = argv[2];
  for (int i = 2; i < argc && !asked; ++i) asked = std::string(argv[i]) == "-h" || std::string(argv[i]) == "--help";
  if (!asked) return -1;
  if (command_help(cmd)) {
    std::cout << command_help(cmd);
    return 0;
  }
  std::vector<std::string> words = {cmd, "--help"};
  if (cmd == "map" || cmd == "import" || cmd == "sweep") {
    std::vector<std::string> sweep_words = {"spiketlm", "sweep", "--help"};
    std::vector<char*> sweep_argv = {sweep_words[0].data(), sweep_words[1].data(), sweep_words[2].data()};
    if (cmd == "map") std::cout << map::map_usage();
    else if (cmd == "sweep") cli::sweep_main(3, sweep_argv.data());
    else if (const int rc = cmd_import(words); rc != 0) return rc;
    std::cout << command_examples(cmd);
    return 0;
  }
  if (argv[1] == std::string("help")) usage_error("", "help: " + cmd + ": unknown command, expected " + kCommands);
  return -1;
}

}  // namespace

int sc_main(int argc, char** argv) {
  if (const int rc = help_main(argc, argv); rc >= 0) return rc;
  cleanup::install_signal_cleanup();
  if (argc > 1 && std::string(argv[1]) == "sweep") return cli::sweep_main(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "compare") return cli::compare_main(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "plot") return cli::plot_main(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "merge") return cli::merge_main(argc, argv);
  if (argc >= 2 && std::string(argv[1]) == "map") return map::map_main(argc - 1, argv + 1);
  // NIR (sw/cli/nir_commands.h): import, export, and run --nir (a run of an imported bundle).
  const std::vector<std::string> words(argv + std::min(argc, 1), argv + argc);
  std::vector<std::string> run_words;
  std::vector<char*> run_argv;
  try {
    if (argc > 1 && words[0] == "import") return cmd_import(words);
    if (argc > 1 && words[0] == "export") return cmd_export(words);
    if (argc > 1 && words[0] == "run") {
      run_words = nir_run_args(words);
      run_argv.push_back(argv[0]);
      for (auto& w : run_words) run_argv.push_back(w.data());
      argc = int(run_argv.size());
      argv = run_argv.data();
    }
  } catch (const std::exception& e) {
    std::cerr << "spiketlm: error: " << error_text(e) << "\n";
    return 1;
  }
  Args a = parse(argc, argv);
  try {
    if (a.command == "run") return cmd_run(a);
    if (a.command == "list") return cmd_list(ListRequest{a.req.config, a.format, a.req.plugins, a.tech});
    if (a.command == "calibrate") return cmd_calibrate(a);
    usage_error("", a.command + ": unknown command, expected " + std::string(kCommands));
  } catch (const std::exception& e) {
    OutputSet::process().discard();  // a failed run writes nothing and changes no file
    std::cerr << "spiketlm: error: " << error_text(e) << "\n";
    return 1;
  }
}

int main(int argc, char** argv) {
  if (!std::getenv("SC_COPYRIGHT_MESSAGE")) setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
