// libFuzzer harness: the co-simulation protocol's checks (sw/cosim/session.h, CosimSession).
// Input: 16 bytes that choose the run (timesteps, classes, first sample, samples, samples in the
// trace, the simulated-time limit), then messages as the external firmware sends them: an
// 8-byte header {u32 op, u32 payload bytes} and the payload. The harness does what the server
// (sw/cosim/server.cpp) does with each message, without sockets or simulation: check_header,
// then decode once the whole payload is there; DELAY advances simulated time, every other
// request 10 ns. FINISH ends the session; the input's end before it is the firmware
// disconnecting (end(false)), and a few bytes short of a whole message are its server's fault.
// A fault must be one line with a reply status; an accepted request must keep the protocol's
// promises (below), which the server then relies on.
#include <cstring>
#include <limits>

#include "sw/cosim/session.h"
#include "tests/fuzz/fuzz_util.h"

using namespace spiketlm;

namespace {

uint32_t get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

SessionLimits limits_from(const uint8_t* d) {
  SessionLimits l;
  l.timesteps = 1 + d[0] % 16;
  l.classes = 1 + d[1] % 32;
  l.first_sample = d[2] % 4;
  l.samples = 1 + d[3] % 8;
  l.trace_samples = d[4] % 13;  // 0: a workload trace (no inputs)
  uint64_t t;
  std::memcpy(&t, d + 8, 8);
  l.max_time_ps = t == 0 ? ~uint64_t(0) : t;
  return l;
}

struct Before {  // the session's state before a request
  bool finished;
  uint32_t results;
  uint64_t messages, now_ps;
};

// What an accepted request promises (session.h).
void check_accepted(const CosimRequest& q, const SessionLimits& l, const CosimSession& s, const Before& b, uint32_t len,
                    const uint8_t* payload) {
  fuzz::require(!b.finished, "nothing is accepted after FINISH");
  fuzz::require(s.messages() == b.messages + 1, "each request is counted");
  if (q.op == STC_DELAY) {
    fuzz::require(q.ps <= uint64_t(std::numeric_limits<int64_t>::max()), "a DELAY is non-negative as a signed number");
    fuzz::require(b.now_ps <= l.max_time_ps && q.ps <= l.max_time_ps - b.now_ps, "a DELAY keeps time below the limit");
  }
  if (q.op == STC_READ) fuzz::require(q.bytes <= STC_MAX_PAYLOAD, "a READ fits a message");
  if (q.op == STC_WRITE)
    fuzz::require(16ull + q.bytes == len && q.data == payload + 16, "a WRITE's data is its payload after the header");
  if (q.op == STC_INPUT) {
    fuzz::require(q.sample >= l.first_sample && q.sample - l.first_sample < l.samples, "an INPUT is of the run's samples");
    fuzz::require(l.trace_samples == 0 || q.sample < l.trace_samples, "an INPUT is of the trace's samples");
  }
  if (q.op == STC_RESULT) {
    const stc_result_msg& m = q.result;
    fuzz::require(s.results() == b.results + 1 && s.results() <= l.samples, "one RESULT per sample");
    fuzz::require(m.sample == l.first_sample + b.results, "RESULTs in sample order");
    fuzz::require(m.prediction < l.classes && m.exit_timestep <= l.timesteps, "a RESULT's class and exit in range");
    fuzz::require(m.n_outputs % l.classes == 0 && m.n_outputs <= uint64_t(l.timesteps) * l.classes,
                  "a RESULT's outputs are whole timesteps");
    fuzz::require(len == sizeof m + 4ull * m.n_outputs, "a RESULT's outputs fill its payload");
    fuzz::require(m.t_start_ps <= m.t_irq_ps && m.t_irq_ps <= b.now_ps, "a RESULT's times in order and reached");
  } else {
    fuzz::require(s.results() == b.results, "only a RESULT is counted as one");
  }
  if (q.op == STC_FINISH) fuzz::require(s.finished() && s.results() == l.samples, "FINISH only after every RESULT");
}

void check_fault(const CosimFault& f) {
  fuzz::require(f.status == STC_ERR_MALFORMED || f.status == STC_ERR_STATE || f.status == STC_ERR_VERSION,
                "a fault carries a reply status");
  fuzz::require_one_line(f.what());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 16) return 0;
  const SessionLimits lim = limits_from(data);
  CosimSession s(lim);
  uint64_t now = 0;
  size_t at = 16;
  try {
    while (size - at >= 8) {
      const uint32_t op = get32(data + at), len = get32(data + at + 4);
      at += 8;
      s.check_header(op, len);
      if (size - at < len) return 0;  // closed in the middle of a message: the server's fault, not the session's
      const Before b{s.finished(), s.results(), s.messages(), now};
      const CosimRequest q = s.decode(op, data + at, len, now);
      check_accepted(q, lim, s, b, len, data + at);
      if (q.op == STC_FINISH) return 0;  // the server replies and goes on to its report
      at += len;
      now = q.op == STC_DELAY ? now + q.ps : (now > ~uint64_t(0) - 10000 ? now : now + 10000);
    }
    if (at != size) return 0;  // closed in the middle of a header
    s.end(false);               // disconnected without FINISH: always a fault
    fuzz::require(false, "a session without FINISH is a fault");
  } catch (const CosimFault& f) {
    check_fault(f);
  }
  return 0;
}
