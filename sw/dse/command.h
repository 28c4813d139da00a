// spiketlm sweep: a point as an ordinary run (its request and its exact command line).
#pragma once
#include <string>
#include <vector>

#include "sw/run/simulation.h"
#include "sw/dse/plan.h"
#include "sw/dse/spec.h"

namespace spiketlm::dse {

// The files a point's run writes in its own folder (relative names).
inline constexpr const char* kReportJson = "report.json";
inline constexpr const char* kReportCsv = "report.csv";
inline constexpr const char* kConfigDump = "config.yaml";

// The run of point `p` as the CLI would build it: base config, trace, samples, base.set, then
// the point's axis values (later overrides win).
RunRequest point_request(const SweepSpec& s, const Point& p);

// `spiketlm run ...` for point `p`: argv[0] is `exe`; outputs are relative to the point folder.
std::vector<std::string> point_argv(const SweepSpec& s, const Point& p, const std::string& exe);

// POSIX shell quoting ('...' with '\'' for quotes), bare when the word is plainly safe.
std::string shell_quote(const std::string& w);
std::string shell_join(const std::vector<std::string>& argv);

// The absolute path of this executable (/proc/self/exe).
std::string self_exe();

}  // namespace spiketlm::dse
