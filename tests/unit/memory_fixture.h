// Helpers for the memory-hierarchy tests (test_dram, test_sram, test_scratchpad, test_dma,
// test_memdemo): a scripted TLM initiator, tech-table loading, and the CLI's build flow.
#pragma once
#include <gtest/gtest.h>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "../helpers.h"
#include "platforms/platform.h"
#include "tlm/module.h"

namespace spiketlm::test {

inline std::string tech_dir() { return source_dir() + "/platforms/tech"; }
inline void load_memory_tech(Context& ctx) {
  ctx.tech.load_file(tech_dir() + "/sata_28nm.yaml");
  ctx.tech.load_file(tech_dir() + "/dram.yaml");
}

// Picoseconds of an sc_time (the kernel's default resolution is 1 ps).
inline int64_t ps(const sc_core::sc_time& t) { return int64_t(t.value()); }

// An initiator whose SC_THREAD runs `body`. Accesses are blocking b_transport calls with the
// caller's local offset `delay` (temporal decoupling, no sync unless the body waits).
class Initiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Initiator> out;
  std::function<void(Initiator&)> body;
  bool done = false;

  SC_HAS_PROCESS(Initiator);
  explicit Initiator(sc_core::sc_module_name n) : sc_core::sc_module(n), out("out") { SC_THREAD(run); }

  // One access; returns its latency and advances `delay` to its completion.
  sc_core::sc_time access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len, sc_core::sc_time& delay) {
    std::vector<uint8_t> scratch;
    if (!data) {
      scratch.assign(len, 0);
      data = scratch.data();
    }
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(addr);
    p.set_data_ptr(data);
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    const sc_core::sc_time before = delay;
    out->b_transport(p, delay);
    EXPECT_TRUE(p.is_response_ok()) << p.get_response_string() << " at " << addr;
    return delay - before;
  }
  sc_core::sc_time read(uint64_t addr, unsigned len, sc_core::sc_time& delay, uint8_t* data = nullptr) {
    return access(tlm::TLM_READ_COMMAND, addr, data, len, delay);
  }
  sc_core::sc_time write(uint64_t addr, unsigned len, sc_core::sc_time& delay, uint8_t* data = nullptr) {
    return access(tlm::TLM_WRITE_COMMAND, addr, data, len, delay);
  }

 private:
  void run() {
    if (body) body(*this);
    done = true;
  }
};

// The run flow of the CLI (sw/cli), without sc_start: parameters from YAML text, -c
// overrides, tech tables listed under `tech:` (relative to base_dir), the one platform
// instance built by its kind, quantum applied, unknown keys checked.
inline Platform* build_platform(Context& ctx, const std::string& yaml, const std::string& origin,
                                const std::string& base_dir, const std::vector<std::string>& overrides = {}) {
  ctx.params.load_string(yaml, origin);
  for (const auto& o : overrides) ctx.params.set_override(o);
  for (const auto& t : ctx.params.get_list("tech", {}, {"technology tables"}))
    ctx.tech.load_file(!t.empty() && t[0] == '/' ? t : base_dir + "/" + t);
  std::string top;
  for (const auto& k : ctx.params.children(""))
    if (k != "tech" && k != "plugins" && k != "sim" && k != "run") top = k;
  const std::string kind = ctx.params.get_string(top + ".kind", "", {"platform kind"});
  Module* m = Factory::instance().get(kind, top + ".kind").make(top.c_str(), ctx);
  ctx.apply_quantum();          // reads sim.quantum_ns, so it comes before the unused-key check
  ctx.params.check_unused();
  auto* p = dynamic_cast<Platform*>(m);
  if (!p) fail("test", top + ": not a platform");
  return p;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string memdemo_dir() { return source_dir() + "/platforms/memdemo"; }
inline std::string memdemo_yaml() { return read_text(memdemo_dir() + "/memdemo.yaml"); }

// Write a temporary file (for bad tech tables) and return its path.
inline std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path = binary_dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace spiketlm::test
