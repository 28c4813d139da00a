#include "sw/python/request.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include "sw/run/simulation.h"
#include "tlm/output.h"


namespace spiketlm {

namespace {

void put(std::string& out, const std::string& s) {
  const uint64_t n = s.size();
  out.append(reinterpret_cast<const char*>(&n), 8);
  out += s;
}

void put_list(std::string& out, const std::vector<std::string>& v) {
  put(out, std::to_string(v.size()));
  for (const auto& s : v) put(out, s);
}

struct Reader {
  const std::string& b;
  size_t pos = 0;
  std::string get() {
    uint64_t n = 0;
    if (b.size() - pos < 8) throw std::runtime_error("request: truncated");
    std::memcpy(&n, b.data() + pos, 8);
    pos += 8;
    if (b.size() - pos < n) throw std::runtime_error("request: truncated");
    std::string s = b.substr(pos, n);
    pos += n;
    return s;
  }
  std::vector<std::string> get_list() {
    const size_t n = std::stoul(get());
    std::vector<std::string> v;
    for (size_t i = 0; i < n; ++i) v.push_back(get());
    return v;
  }
};

// A list argument packed into one string (run's overrides, plugins...): "\x1f"-separated.
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> v;
  if (s.empty()) return v;
  size_t a = 0;
  while (true) {
    const size_t b = s.find('\x1f', a);
    v.push_back(s.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos) return v;
    a = b + 1;
  }
}

void quiet_kernel() {
  if (!std::getenv("SC_COPYRIGHT_MESSAGE")) setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
}

std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

std::string kind_json(const KindInfo& k) {
  return "{\"kind\": " + json_escape(k.kind) + ", \"family\": " + json_escape(k.family) +
         ", \"doc\": " + json_escape(k.doc) + ", \"origin\": " + json_escape(k.origin) + "}";
}

// args: config, overrides, run params (name, value, name, value...), plugins, vcd, trace filters.
std::string run_json(const std::vector<std::string>& a) {
  if (a.size() != 6) throw std::runtime_error("request: run needs 6 arguments");
  RunRequest req;
  req.config = a[0];
  req.overrides = split(a[1]);
  const auto kv = split(a[2]);
  for (size_t i = 0; i + 1 < kv.size(); i += 2) req.run_params.push_back({kv[i], kv[i + 1]});
  req.plugins = split(a[3]);
  req.vcd = a[4];
  req.trace_filters = split(a[5]);
  quiet_kernel();
  Simulation sim;
  sim.configure(req);
  sim.elaborate();
  sim.run();
  std::ostringstream os;
  sim.report().write_json(os);
  OutputSet::process().commit();  // the VCD, transaction log... of a run that succeeded
  return os.str();
}

std::string list_json(const std::vector<std::string>& a) {
  for (const auto& p : split(a.at(0))) Factory::instance().load_plugin(p);
  std::string s = "[";
  for (const KindInfo* k : Factory::instance().all()) s += (s.size() > 1 ? ", " : "") + kind_json(*k);
  return s + "]";
}

// What `spiketlm list KIND` prints, as JSON. args: kind, plugins, tech tables.
std::string params_json(const std::vector<std::string>& a) {
  quiet_kernel();
  for (const auto& p : split(a.at(1))) Factory::instance().load_plugin(p);
  const KindDescription d = describe_kind(a.at(0), split(a.at(2)));
  std::string s = kind_json(*d.info);
  s.pop_back();
  s += ", \"error\": " + (d.error.empty() ? std::string("null") : json_escape(d.error)) + ", \"params\": [";
  for (size_t i = 0; i < d.params.size(); ++i) {
    const ParamDecl& p = d.params[i];
    std::string choices = "[";
    for (const auto& c : p.spec.choices) choices += (choices.size() > 1 ? ", " : "") + json_escape(c);
    s += std::string(i ? ", " : "") + "{\"key\": " + json_escape(p.key) + ", \"type\": " + json_escape(p.type) +
         ", \"default\": " + json_escape(p.default_value) + ", \"unit\": " + json_escape(p.spec.unit) +
         ", \"min\": " + num(p.spec.min) + ", \"max\": " + num(p.spec.max) + ", \"choices\": " + choices +
         "], \"doc\": " + json_escape(p.spec.doc) + "}";
  }
  return s + "]}";
}

}  // namespace

std::string encode(const Request& r) {
  std::string out;
  put(out, r.kind);
  put_list(out, r.args);
  put(out, r.cwd);
  put_list(out, r.env);
  return out;
}

Request decode(const std::string& bytes) {
  Reader rd{bytes};
  Request r;
  r.kind = rd.get();
  r.args = rd.get_list();
  r.cwd = rd.get();
  r.env = rd.get_list();
  return r;
}

std::string do_work(const Request& r) {
  if (!r.cwd.empty() && ::chdir(r.cwd.c_str()) != 0)
    throw std::runtime_error(r.cwd + ": expected the caller's working directory, got " + std::strerror(errno));
  if (!r.env.empty()) {
    clearenv();
    for (const auto& e : r.env) putenv(const_cast<char*>(e.c_str()));   // r outlives the work
  }
  if (r.kind == "run") return run_json(r.args);
  if (r.kind == "list") return list_json(r.args);
  if (r.kind == "params") return params_json(r.args);
  throw std::runtime_error("request: unknown kind '" + r.kind + "'");
}

}  // namespace spiketlm
