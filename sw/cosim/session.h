// spiketlm: the co-simulation protocol's rules, without sockets or simulation.
//
// A Session checks every request of one external firmware (cosim_protocol.h) before the
// server acts on it: the op and payload size, the order (HELLO first and once, LOAD once,
// INPUT after LOAD, FINISH last), the values (a DELAY that is negative as a signed number or
// would carry simulated time past its end, a READ larger than a message, an INPUT of a
// sample the trace does not have) and the results (one RESULT per sample of the run, in
// order, its prediction < classes, its exit timestep <= timesteps, its outputs a whole number
// of timesteps, its times in order and not in the future). finish() checks that the session
// is complete (every sample reported). Every fault is a CosimFault: the reply status and one
// line. The server (server.cpp) does the I/O; the fuzz harness (tests/fuzz) drives a Session
// directly.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sw/cosim/cosim_protocol.h"

namespace spiketlm {

struct CosimFault : std::runtime_error {
  CosimFault(uint32_t status, const std::string& msg) : std::runtime_error(msg), status(status) {}
  uint32_t status;  // the reply status sent before the run ends (STC_ERR_*)
};

// What the run is: from the trace and run.* parameters.
struct SessionLimits {
  uint32_t timesteps = 1, classes = 1;
  uint32_t first_sample = 0, samples = 1;  // the run's samples
  uint32_t trace_samples = 0;              // samples in the trace (0: a workload trace, no inputs)
  uint64_t max_time_ps = ~uint64_t(0);     // simulated time must stay below
};

// One request, decoded. Fields are those of its op (cosim_protocol.h).
struct CosimRequest {
  uint32_t op = 0;
  uint64_t addr = 0;
  uint32_t value = 0, bytes = 0, flags = 0;
  uint64_t ps = 0;                  // DELAY
  uint32_t sample = 0;              // INPUT
  stc_result_msg result{};          // RESULT
  const uint8_t* data = nullptr;    // WRITE: bytes of data; RESULT: int32 outputs[n_outputs]
};

class CosimSession {
 public:
  explicit CosimSession(const SessionLimits& limits) : m_lim(limits) {}
  // The 8-byte header: a known op and a payload of at most STC_MAX_PAYLOAD bytes.
  void check_header(uint32_t op, uint32_t len) const;
  // The whole request at simulated time now_ps; advances the session's state. A RESULT is
  // counted as reported.
  CosimRequest decode(uint32_t op, const uint8_t* payload, uint32_t len, uint64_t now_ps);
  // The connection ended (finished: after FINISH). Throws what is missing: the HELLO, the
  // FINISH, the RESULTs of the run's samples.
  void end(bool finished) const;

  uint64_t messages() const { return m_messages; }
  uint32_t results() const { return m_results; }
  bool finished() const { return m_finished; }
  static const char* op_name(uint32_t op);

 private:
  [[noreturn]] void malformed(const std::string& why) const;
  void need(uint32_t op, uint32_t len, uint64_t n) const;
  void check_result(const stc_result_msg& m, uint32_t len, uint64_t now_ps) const;
  SessionLimits m_lim;
  uint64_t m_messages = 0;
  bool m_hello = false, m_loaded = false, m_finished = false;
  uint32_t m_results = 0;
};

}  // namespace spiketlm
