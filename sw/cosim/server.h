// spiketlm: the co-simulation server ("external" firmware). See README.md beside this file.
//
// The CPU's SystemC thread serves one external firmware process over a socket: each request
// (cosim_protocol.h) becomes a HAL call (timed register and buffer accesses, interrupt
// waits), so simulated time advances only through the firmware's requests and in their
// order. While the firmware computes natively the simulation is stopped; it runs ahead of the
// firmware by at most one quantum (the CPU's temporal decoupling) and a WAIT_IRQ blocks the
// firmware until the interrupt. Faults (malformed message, disconnect, no message within
// run.cosim_timeout_s, version mismatch, a value out of range, a session that ends before
// every sample was reported, the firmware process dying) end the run with one line; every
// message is checked by a CosimSession (session.h) before it is acted on. A process it
// started is always killed and reaped, also when spiketlm is ended by a signal
// (tlm/cleanup.h); its standard output goes to spiketlm's standard error, so spiketlm's own
// output (the report) stays clean. A Unix socket path another process listens on is never
// taken over, and only the socket this run created is removed.
#pragma once
#include <sys/types.h>

#include <string>

#include "sw/cosim/session.h"
#include "sw/fw/firmware.h"

namespace spiketlm {

struct CosimOptions {
  std::string address;   // unix:PATH | tcp:127.0.0.1:PORT ("" with exec: a private Unix socket)
  std::string exec;      // program (and space-separated arguments) to start, "" = connect yourself
  double timeout_s = 30;
};

class CosimServer {
 public:
  explicit CosimServer(CosimOptions o);
  ~CosimServer();
  // Listen, start the firmware process if any, accept, serve until FINISH.
  void run(Hal& hal, FirmwareContext& fc);
  const std::string& address() const { return m_addr; }

 private:
  void listen_socket();
  void spawn();
  void accept_client();
  void serve(Hal& hal, FirmwareContext& fc);
  void act(Hal& hal, FirmwareContext& fc, const CosimRequest& q);
  void unix_listen(const std::string& a);
  void tcp_listen(const std::string& a);
  void reap_after_finish();
  bool recv_all(void* buf, size_t n, bool eof_ok);
  void send_reply(uint32_t status, const void* payload, uint32_t len);
  [[noreturn]] void fault(const std::string& msg);
  void shutdown(bool kill_child);

  CosimOptions m_o;
  std::string m_addr, m_unix_path, m_tmpdir;
  ino_t m_unix_ino = 0;   // the socket file this run bound (removed only if still it)
  int m_listen = -1, m_conn = -1;
  pid_t m_child = -1;
  uint64_t m_messages = 0;
};

}  // namespace spiketlm
