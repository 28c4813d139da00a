#include "sw/dse/command.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>

#include "tlm/error.h"

namespace spiketlm::dse {

RunRequest point_request(const SweepSpec& s, const Point& p) {
  RunRequest r;
  r.config = s.config;
  if (!s.trace.empty()) r.run_params.push_back({"run.trace", s.trace});
  if (s.samples > 0) r.run_params.push_back({"run.samples", std::to_string(s.samples)});
  for (const auto& kv : s.set) r.overrides.push_back(kv.first + "=" + kv.second);
  for (const auto& kv : p.values) r.overrides.push_back(kv.first + "=" + kv.second);
  return r;
}

std::vector<std::string> point_argv(const SweepSpec& s, const Point& p, const std::string& exe) {
  const RunRequest r = point_request(s, p);
  std::vector<std::string> a = {exe, "run", r.config};
  if (!s.trace.empty()) a.insert(a.end(), {"--trace", s.trace});
  if (s.samples > 0) a.insert(a.end(), {"--samples", std::to_string(s.samples)});
  for (const auto& o : r.overrides) a.insert(a.end(), {"-c", o});
  a.insert(a.end(), {"--json", kReportJson, "--csv", kReportCsv});
  // A sharded point (shards: N): N processes and their merge (sw/run/shard.md); the shards'
  // folders, with their exact command lines and states, stay in the point's folder.
  if (s.shards > 1) a.insert(a.end(), {"--shards", std::to_string(s.shards), "--shard-dir", "shards"});
  else a.insert(a.end(), {"--dump-config", kConfigDump});
  a.push_back("-q");
  return a;
}

std::string shell_quote(const std::string& w) {
  bool plain = !w.empty();
  for (char c : w)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_-./=:,+@%", c));
  if (plain) return w;
  std::string q = "'";
  for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& w : argv) s += (s.empty() ? "" : " ") + shell_quote(w);
  return s;
}

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) fail("sweep", std::string("/proc/self/exe: expected this program's path, got ") + std::strerror(errno));
  return std::string(buf, size_t(n));
}

}  // namespace spiketlm::dse
