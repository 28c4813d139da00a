#include "sw/cosim/session.h"

#include <cstring>
#include <limits>

namespace spiketlm {

namespace {
uint32_t get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t get64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
std::string n(uint64_t v) { return std::to_string(v); }
}  // namespace

const char* CosimSession::op_name(uint32_t op) {
  static const char* names[] = {"?", "HELLO", "READ32", "WRITE32", "READ", "WRITE", "WAIT_IRQ",
                                "TIME", "DELAY", "LOAD", "INPUT", "RESULT", "FINISH"};
  return op <= STC_FINISH ? names[op] : "?";
}

void CosimSession::malformed(const std::string& why) const {
  throw CosimFault(STC_ERR_MALFORMED, "malformed message " + n(m_messages) + " from the external firmware: " + why);
}

void CosimSession::need(uint32_t op, uint32_t len, uint64_t want) const {
  if (len != want)
    malformed(std::string(op_name(op)) + " with a payload of " + n(len) + " bytes, expected " + n(want));
}

void CosimSession::check_header(uint32_t op, uint32_t len) const {
  const uint64_t msg = m_messages + 1;
  if (op < STC_HELLO || op > STC_FINISH)
    throw CosimFault(STC_ERR_MALFORMED, "malformed message " + n(msg) + " from the external firmware: unknown op " + n(op) +
                                            ", expected 1..12 (cosim_protocol.h)");
  if (len > STC_MAX_PAYLOAD)
    throw CosimFault(STC_ERR_MALFORMED, "malformed message " + n(msg) + " from the external firmware: " + op_name(op) +
                                            " with a payload of " + n(len) + " bytes, expected at most " + n(STC_MAX_PAYLOAD));
}

void CosimSession::check_result(const stc_result_msg& m, uint32_t len, uint64_t now_ps) const {
  need(STC_RESULT, len, sizeof m + 4ull * m.n_outputs);
  const uint64_t next = uint64_t(m_lim.first_sample) + m_results, last = uint64_t(m_lim.first_sample) + m_lim.samples - 1;
  if (m_results >= m_lim.samples)
    malformed("RESULT number " + n(m_results + 1) + ", expected " + n(m_lim.samples) + " (one per sample of the run)");
  if (m.sample != next)
    malformed("RESULT for sample " + n(m.sample) + ", expected sample " + n(next) + " (the run's samples " +
              n(m_lim.first_sample) + ".." + n(last) + " in order)");
  if (m.prediction >= m_lim.classes)
    malformed("RESULT prediction " + n(m.prediction) + ", expected a class below " + n(m_lim.classes));
  if (m.exit_timestep > m_lim.timesteps)
    malformed("RESULT exit timestep " + n(m.exit_timestep) + ", expected at most " + n(m_lim.timesteps));
  if (m.n_outputs % m_lim.classes != 0 || uint64_t(m.n_outputs) > uint64_t(m_lim.timesteps) * m_lim.classes)
    malformed("RESULT with " + n(m.n_outputs) + " outputs, expected whole timesteps of " + n(m_lim.classes) +
              " classes, at most " + n(m_lim.timesteps));
  if (m.t_irq_ps < m.t_start_ps)
    malformed("RESULT interrupt time " + n(m.t_irq_ps) + " ps before its start time " + n(m.t_start_ps) +
              " ps, expected t_irq_ps >= t_start_ps");
  if (m.t_irq_ps > now_ps)
    malformed("RESULT interrupt time " + n(m.t_irq_ps) + " ps after the simulated time " + n(now_ps) +
              " ps, expected a time already reached");
}

CosimRequest CosimSession::decode(uint32_t op, const uint8_t* p, uint32_t len, uint64_t now_ps) {
  check_header(op, len);
  ++m_messages;
  CosimRequest r;
  r.op = op;
  if (m_finished) malformed(std::string(op_name(op)) + " after FINISH, expected nothing more");
  if (!m_hello && op != STC_HELLO) malformed(std::string("expected HELLO first, got ") + op_name(op));
  switch (op) {
    case STC_HELLO:
      need(op, len, 8);
      if (m_hello) malformed("HELLO twice, expected one");
      if (get32(p) != STC_MAGIC) malformed("HELLO without the protocol's magic number, expected 0x534f4353");
      if (get32(p + 4) != STC_PROTOCOL_VERSION)
        throw CosimFault(STC_ERR_VERSION, "protocol version mismatch: the external firmware speaks version " +
                                              n(get32(p + 4)) + ", expected version " + n(STC_PROTOCOL_VERSION));
      m_hello = true;
      break;
    case STC_READ32:
      need(op, len, 8);
      r.addr = get64(p);
      break;
    case STC_WRITE32:
      need(op, len, 12);
      r.addr = get64(p);
      r.value = get32(p + 8);
      break;
    case STC_READ:
      need(op, len, 16);
      r.addr = get64(p);
      r.bytes = get32(p + 8);
      r.flags = get32(p + 12);
      if (r.bytes > STC_MAX_PAYLOAD) malformed("READ of " + n(r.bytes) + " bytes, expected at most " + n(STC_MAX_PAYLOAD));
      break;
    case STC_WRITE:
      if (len < 16) need(op, len, 16);
      r.addr = get64(p);
      r.bytes = get32(p + 8);
      r.flags = get32(p + 12);
      need(op, len, 16ull + r.bytes);
      r.data = p + 16;
      break;
    case STC_WAIT_IRQ:
    case STC_TIME:
      need(op, len, 0);
      break;
    case STC_DELAY:
      need(op, len, 8);
      r.ps = get64(p);
      if (r.ps > uint64_t(std::numeric_limits<int64_t>::max()))
        malformed("DELAY of " + n(r.ps) + " ps (negative as a signed number), expected a non-negative delay");
      if (now_ps > m_lim.max_time_ps || r.ps > m_lim.max_time_ps - now_ps)
        malformed("DELAY of " + n(r.ps) + " ps at " + n(now_ps) + " ps, expected a delay that keeps simulated time below " +
                  n(m_lim.max_time_ps) + " ps");
      break;
    case STC_LOAD:
      need(op, len, 0);
      if (m_loaded) throw CosimFault(STC_ERR_STATE, "the external firmware sent LOAD twice, expected one LOAD");
      m_loaded = true;
      break;
    case STC_INPUT: {
      need(op, len, 4);
      r.sample = get32(p);
      if (!m_loaded) throw CosimFault(STC_ERR_STATE, "the external firmware sent INPUT before LOAD, expected LOAD first");
      const uint64_t first = m_lim.first_sample, last = first + m_lim.samples - 1;
      if (r.sample < first || r.sample > last)
        malformed("INPUT of sample " + n(r.sample) + ", expected one of the run's samples " + n(first) + ".." + n(last));
      if (m_lim.trace_samples > 0 && r.sample >= m_lim.trace_samples)
        malformed("INPUT of sample " + n(r.sample) + ", expected a sample below " + n(m_lim.trace_samples) + " (the trace's)");
      break;
    }
    case STC_RESULT:
      if (len < sizeof(stc_result_msg)) need(op, len, sizeof(stc_result_msg));
      std::memcpy(&r.result, p, sizeof r.result);
      check_result(r.result, len, now_ps);
      r.data = p + sizeof r.result;
      ++m_results;
      break;
    case STC_FINISH:
      need(op, len, 0);
      if (m_results < m_lim.samples)
        throw CosimFault(STC_ERR_STATE, "the external firmware sent FINISH after " + n(m_results) + " of " +
                                            n(m_lim.samples) + " RESULTs, expected one RESULT per sample of the run (samples " +
                                            n(m_lim.first_sample) + ".." + n(uint64_t(m_lim.first_sample) + m_lim.samples - 1) + ")");
      m_finished = true;
      break;
  }
  return r;
}

void CosimSession::end(bool finished) const {
  if (finished && m_finished) return;
  std::string missing = !m_hello ? "HELLO" : m_results < m_lim.samples
                                                 ? "the RESULTs of samples " + n(uint64_t(m_lim.first_sample) + m_results) +
                                                       ".." + n(uint64_t(m_lim.first_sample) + m_lim.samples - 1) + " and FINISH"
                                                 : "FINISH";
  throw CosimFault(STC_ERR_STATE, "the external firmware disconnected after " + n(m_messages) + " messages, expected " +
                                      missing);
}

}  // namespace spiketlm
