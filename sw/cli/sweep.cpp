// spiketlm sweep: parses the sweep command's options and runs sw/dse/sweep.h.
#include "sw/cli/sweep.h"

#include <unistd.h>

#include <iostream>
#include <string>

#include "sw/dse/sweep.h"
#include "tlm/error.h"

namespace spiketlm::cli {

namespace {

const char* kSweepUsage =
    "usage: spiketlm sweep SWEEP.yaml [--backend local|slurm|external] [-j N] [--out DIR] [--yes]\n"
    "                      [--collect] [--retry-failed] [--no-wait] [--progress|--no-progress]\n"
    "                      [--time T] [--mem M] [--partition P] [--throttle K] [--poll S]\n";

struct Usage {
  std::string msg;
};

int to_int(const std::string& opt, const std::string& v, int min) {
  size_t pos = 0;
  int n = 0;
  try {
    n = std::stoi(v, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos != v.size() || v.empty() || n < min) throw Usage{opt + " " + v + ": expected an integer >= " + std::to_string(min)};
  return n;
}

void option(dse::SweepOptions& o, std::string& file, const std::string& s, int& i, int argc, char** argv) {
  auto value = [&]() -> std::string {
    if (i + 1 >= argc) throw Usage{s + ": missing value"};
    return argv[++i];
  };
  if (s == "--backend") o.backend = value();
  else if (s == "-j" || s == "--jobs") o.jobs = to_int(s, value(), 1);
  else if (s == "--out") o.out = value();
  else if (s == "--yes" || s == "-y") o.yes = true;
  else if (s == "--collect") o.collect = true;
  else if (s == "--retry-failed") o.retry_failed = true;
  else if (s == "--no-wait") o.wait = false;
  else if (s == "--progress") o.progress = true;
  else if (s == "--no-progress") o.progress = false;
  else if (s == "--time" || s == "--mem" || s == "--partition") o.slurm.push_back({s.substr(2), value()});
  else if (s == "--throttle") o.slurm.push_back({"throttle", std::to_string(to_int(s, value(), 0))});
  else if (s == "--poll") o.slurm.push_back({"poll_s", std::to_string(to_int(s, value(), 1))});
  else if (!s.empty() && s[0] == '-') throw Usage{s + ": unknown option"};
  else if (file.empty()) file = s;
  else throw Usage{s + ": unexpected argument, expected one SWEEP.yaml (got " + file + " already)"};
}

}  // namespace

int sweep_main(int argc, char** argv) {
  dse::SweepOptions o;
  o.progress = isatty(2) != 0;
  std::string file;
  try {
    for (int i = 2; i < argc; ++i) {
      const std::string s = argv[i];
      if (s == "-h" || s == "--help") {
        std::cout << kSweepUsage;
        return 0;
      }
      option(o, file, s, i, argc, argv);
    }
    if (file.empty()) throw Usage{"missing SWEEP.yaml, expected spiketlm sweep SWEEP.yaml [options]"};
    if (o.collect && o.retry_failed) throw Usage{"--collect and --retry-failed: expected one of them"};
  } catch (const Usage& u) {
    usage_error("sweep", u.msg);
  }
  try {
    return dse::run_sweep(file, o);
  } catch (const std::exception& e) {
    std::cerr << "spiketlm: error: " << error_text(e) << "\n";
    return 1;
  }
}

}  // namespace spiketlm::cli
