#include "sw/cosim/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <systemc>
#include <thread>

#include "sw/cosim/cosim_protocol.h"
#include "tlm/cleanup.h"
#include "tlm/module.h"

extern char** environ;

namespace spiketlm {

static_assert(sizeof(stc_hello_reply) == 56, "protocol layout");
static_assert(sizeof(stc_load_reply) == 24, "protocol layout");
static_assert(sizeof(stc_result_msg) == 96, "protocol layout");

namespace {
using clock = std::chrono::steady_clock;
uint32_t get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
std::string secs(double s) {
  std::ostringstream o;
  o << s;
  return o.str();
}
const uint32_t kVersion = STC_PROTOCOL_VERSION;
}  // namespace

CosimServer::CosimServer(CosimOptions o) : m_o(std::move(o)) {}

CosimServer::~CosimServer() { shutdown(true); }

void CosimServer::shutdown(bool kill_child) {
  if (m_conn >= 0) ::close(m_conn);
  if (m_listen >= 0) ::close(m_listen);
  m_conn = m_listen = -1;
  if (m_child > 0) {
    if (kill_child) ::kill(m_child, SIGKILL);
    int st = 0;
    while (::waitpid(m_child, &st, 0) < 0 && errno == EINTR) {}
    cleanup::forget_child(m_child);
    m_child = -1;
  }
  if (!m_unix_path.empty()) {
    // Only the socket this run bound: a path another process took over since stays.
    struct stat st;
    if (::lstat(m_unix_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == m_unix_ino)
      ::unlink(m_unix_path.c_str());
    cleanup::forget(m_unix_path);
  }
  if (!m_tmpdir.empty()) {
    cleanup::remove_tree(m_tmpdir.c_str());
    cleanup::forget(m_tmpdir);
  }
  m_unix_path.clear();
  m_tmpdir.clear();
}

void CosimServer::fault(const std::string& msg) {
  shutdown(true);
  fail("cosim", msg);
}

namespace {
// A Unix socket some process listens on (/proc/net/unix: flag __SO_ACCEPTCON, 0x10000).
bool someone_listens(const std::string& path) {
  std::ifstream in("/proc/net/unix");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string num, refs, proto, flags, type, st, inode, p;
    if (!(ls >> num >> refs >> proto >> flags >> type >> st >> inode >> p)) continue;
    if (p == path && (std::stoul(flags, nullptr, 16) & 0x10000u)) return true;
  }
  return false;
}
}  // namespace

void CosimServer::unix_listen(const std::string& a) {
  std::string path = a.substr(5);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(sa.sun_path))
    fail("config", "run.cosim: expected unix:PATH with a path of 1.." + std::to_string(sizeof(sa.sun_path) - 1) +
                       " characters, got '" + a + "'");
  // Bound by its absolute path when that fits, so that another instance recognises it.
  if (path[0] != '/') {
    const std::string abs = std::filesystem::absolute(path).lexically_normal().string();
    if (abs.size() < sizeof(sa.sun_path)) path = abs;
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      fail("config", "run.cosim: " + a + ": the path exists and is not a socket, expected a free path for the socket");
    if (someone_listens(path))
      fail("config", "run.cosim: " + a + ": another process listens on this socket (a second spiketlm?), expected a free path");
    ::unlink(path.c_str());  // a stale socket: its process is gone
  }
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  m_listen = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (m_listen < 0 || ::bind(m_listen, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0)
    fault("cannot listen on " + a + ": " + std::strerror(errno));
  cleanup::add_file(path);
  m_unix_path = path;
  if (::lstat(path.c_str(), &st) == 0) m_unix_ino = st.st_ino;
  if (::listen(m_listen, 1) < 0) fault("cannot listen on " + a + ": " + std::strerror(errno));
  m_addr = a;
}

void CosimServer::tcp_listen(const std::string& a) {
  const std::string hp = a.substr(4);
  const auto colon = hp.rfind(':');
  const std::string host = colon == std::string::npos ? "" : hp.substr(0, colon);
  const std::string port = colon == std::string::npos ? "" : hp.substr(colon + 1);
  if (host != "127.0.0.1" && host != "localhost")
    fail("config", "run.cosim: expected a loopback address tcp:127.0.0.1:PORT, got '" + a + "'");
  char* end = nullptr;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end || p < 0 || p > 65535)
    fail("config", "run.cosim: expected a port 0..65535 in tcp:127.0.0.1:PORT, got '" + a + "'");
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(p));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (m_listen >= 0) ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (m_listen < 0 || ::bind(m_listen, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 || ::listen(m_listen, 1) < 0)
    fault("cannot listen on " + a + ": " + std::strerror(errno));
  socklen_t len = sizeof sa;
  ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&sa), &len);
  m_addr = "tcp:127.0.0.1:" + std::to_string(ntohs(sa.sin_port));  // the chosen port for port 0
}

void CosimServer::listen_socket() {
  std::string a = m_o.address;
  if (a.empty()) {
    char tmpl[] = "/tmp/spiketlm-cosim-XXXXXX";
    if (!::mkdtemp(tmpl)) fail("cosim", std::string("cannot create a socket directory: ") + std::strerror(errno));
    cleanup::add_dir(tmpl);
    m_tmpdir = tmpl;
    a = "unix:" + m_tmpdir + "/sock";
  }
  if (a.rfind("unix:", 0) == 0) unix_listen(a);
  else if (a.rfind("tcp:", 0) == 0) tcp_listen(a);
  else fail("config", "run.cosim: expected unix:PATH or tcp:127.0.0.1:PORT, got '" + a + "'");
  // A firmware the user starts needs the address (the port the system chose for port 0).
  if (m_o.exec.empty()) std::cerr << "spiketlm: cosim: listening on " << m_addr << " for the external firmware\n";
}

void CosimServer::spawn() {
  if (m_o.exec.empty()) return;
  std::vector<std::string> args;
  std::istringstream is(m_o.exec);
  for (std::string w; is >> w;) args.push_back(w);
  if (args.empty()) fail("config", "run.cosim_exec: expected a program, got an empty string");
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "SPIKETLM_COSIM=", 15) != 0) env_s.push_back(*e);
  env_s.push_back("SPIKETLM_COSIM=" + m_addr);
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  // The firmware's standard output goes to our standard error: our stdout is the report.
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, 2, 1);
  std::cout.flush();
  pid_t pid = -1;
  int rc = 0;
  {
    cleanup::HoldSignals hold;  // registered before a signal can find it unregistered
    rc = ::posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
    if (rc == 0) {
      cleanup::add_child(pid, cleanup::ChildPolicy::kill);
      m_child = pid;
    }
  }
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) fault("cannot start the external firmware '" + args[0] + "': " + std::strerror(rc));
}

void CosimServer::accept_client() {
  const auto deadline = clock::now() + std::chrono::duration<double>(m_o.timeout_s);
  for (;;) {
    pollfd p{m_listen, POLLIN, 0};
    const int r = ::poll(&p, 1, 50);
    if (r > 0) break;
    if (r < 0 && errno != EINTR) fault(std::string("poll: ") + std::strerror(errno));
    if (m_child > 0) {
      int st = 0;
      if (::waitpid(m_child, &st, WNOHANG) == m_child) {
        cleanup::forget_child(m_child);
        m_child = -1;
        fault("the external firmware exited " +
              (WIFEXITED(st) ? "with status " + std::to_string(WEXITSTATUS(st)) : "on signal " + std::to_string(WTERMSIG(st))) +
              " before connecting to " + m_addr + ", expected a connection and HELLO");
      }
    }
    if (clock::now() > deadline)
      fault("no external firmware connected to " + m_addr + " within " + secs(m_o.timeout_s) +
            " s (run.cosim_timeout_s), expected a connection");
  }
  m_conn = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
  if (m_conn < 0) fault(std::string("accept: ") + std::strerror(errno));
  if (m_addr.rfind("tcp:", 0) == 0) {
    const int one = 1;  // small request/response pairs: no Nagle delay
    ::setsockopt(m_conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ::close(m_listen);
  m_listen = -1;
}

bool CosimServer::recv_all(void* buf, size_t n, bool eof_ok) {
  uint8_t* p = static_cast<uint8_t*>(buf);
  size_t got = 0;
  const int ms = int(m_o.timeout_s * 1000);
  while (got < n) {
    pollfd pf{m_conn, POLLIN, 0};
    const int r = ::poll(&pf, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fault(std::string("poll: ") + std::strerror(errno));
    if (r == 0)
      fault("the external firmware sent nothing for " + secs(m_o.timeout_s) +
            " s (run.cosim_timeout_s) after " + std::to_string(m_messages) + " messages: it hangs");
    const ssize_t k = ::recv(m_conn, p + got, n - got, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k == 0 && got == 0 && eof_ok) return false;
    if (k <= 0)
      fault(k == 0 ? "the external firmware closed the connection in the middle of a message (after " +
                         std::to_string(m_messages) + " messages)"
                   : std::string("receive: ") + std::strerror(errno));
    got += size_t(k);
  }
  return true;
}

void CosimServer::send_reply(uint32_t status, const void* payload, uint32_t len) {
  uint8_t h[8];
  std::memcpy(h, &status, 4);
  std::memcpy(h + 4, &len, 4);
  std::vector<uint8_t> buf(h, h + 8);
  if (len) buf.insert(buf.end(), static_cast<const uint8_t*>(payload), static_cast<const uint8_t*>(payload) + len);
  size_t sent = 0;
  while (sent < buf.size()) {
    const ssize_t k = ::send(m_conn, buf.data() + sent, buf.size() - sent, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (status != STC_OK) return;  // the run ends anyway
      fault("the external firmware disconnected (after " + std::to_string(m_messages) + " messages)");
    }
    sent += size_t(k);
  }
}

void CosimServer::run(Hal& hal, FirmwareContext& fc) {
  listen_socket();
  spawn();
  accept_client();
  serve(hal, fc);
  reap_after_finish();
  shutdown(false);
}

void CosimServer::serve(Hal& hal, FirmwareContext& fc) {
  SessionLimits lim;
  lim.timesteps = uint32_t(fc.trace->timesteps);
  lim.classes = uint32_t(fc.trace->classes);
  lim.first_sample = uint32_t(fc.first_sample);
  lim.samples = uint32_t(fc.samples);
  lim.trace_samples = fc.trace->functional() ? uint32_t(fc.trace->samples) : 0;
  // Simulated time ends at the kernel's largest time (2^64 resolution units); a quarter of it
  // leaves room for the accelerator's own time after the firmware's last request.
  lim.max_time_ps = uint64_t(sc_core::sc_max_time().to_seconds() * 1e12 * 0.25);
  CosimSession session(lim);
  std::vector<uint8_t> pl;
  for (;;) {
    uint8_t h[8];
    try {
      if (!recv_all(h, 8, true)) session.end(false);
      const uint32_t op = get32(h), len = get32(h + 4);
      m_messages = session.messages();
      session.check_header(op, len);
      pl.resize(len);
      if (len) recv_all(pl.data(), len, false);
      const CosimRequest q = session.decode(op, pl.data(), len, hal.now_ps());
      m_messages = session.messages();
      if (q.op == STC_FINISH) {
        send_reply(STC_OK, nullptr, 0);
        return;
      }
      act(hal, fc, q);
    } catch (const CosimFault& f) {
      if (m_conn >= 0) send_reply(f.status, f.status == STC_ERR_VERSION ? &kVersion : nullptr, f.status == STC_ERR_VERSION ? 4 : 0);
      fault(f.what());
    }
  }
}

// One checked request: the HAL call it stands for, and the reply.
void CosimServer::act(Hal& hal, FirmwareContext& fc, const CosimRequest& q) {
  switch (q.op) {
    case STC_HELLO: {
      stc_hello_reply r{};
      r.version = STC_PROTOCOL_VERSION;
      r.regmap_version = SPIKETLM_REGMAP_VERSION;
      r.timesteps = uint32_t(fc.trace->timesteps);
      r.classes = uint32_t(fc.trace->classes);
      r.first_sample = uint32_t(fc.first_sample);
      r.samples = uint32_t(fc.samples);
      r.exit_threshold = fc.cfg.exit_threshold;
      r.csr_base = fc.cfg.csr_base;
      r.dram_base = fc.cfg.dram_base;
      r.dram_size = fc.cfg.dram_size;
      return send_reply(STC_OK, &r, sizeof r);
    }
    case STC_READ32: {
      uint32_t v = 0;
      hal.read(q.addr, &v, 4);
      return send_reply(STC_OK, &v, 4);
    }
    case STC_WRITE32:
      hal.write(q.addr, &q.value, 4);
      return send_reply(STC_OK, nullptr, 0);
    case STC_READ: {
      std::vector<uint8_t> d(q.bytes);
      if (q.flags & STC_FLAG_HOST) hal.host_read(q.addr, d.data(), q.bytes);
      else hal.read(q.addr, d.data(), q.bytes);
      return send_reply(STC_OK, d.data(), q.bytes);
    }
    case STC_WRITE:
      if (q.flags & STC_FLAG_HOST) hal.host_write(q.addr, q.data, q.bytes);
      else hal.write(q.addr, q.data, q.bytes);
      return send_reply(STC_OK, nullptr, 0);
    case STC_WAIT_IRQ: {
      hal.wait_irq();
      const uint64_t t = hal.now_ps();
      return send_reply(STC_OK, &t, 8);
    }
    case STC_TIME: {
      const uint64_t t = hal.now_ps();
      return send_reply(STC_OK, &t, 8);
    }
    case STC_DELAY:
      hal.delay_ns(double(q.ps) * 1e-3);
      return send_reply(STC_OK, nullptr, 0);
    case STC_LOAD: {
      fc.runtime->load();
      stc_load_reply r{};
      r.desc_addr = fc.runtime->descriptor_address();
      r.out_addr = fc.runtime->result_address();
      r.num_layers = uint32_t(fc.runtime->descriptors().size());
      return send_reply(STC_OK, &r, sizeof r);
    }
    case STC_INPUT:
      fc.runtime->write_input(int(q.sample));
      return send_reply(STC_OK, nullptr, 0);
    case STC_RESULT: {
      const stc_result_msg& m = q.result;
      SampleResult r;
      r.irq_cause = m.irq_cause;
      r.status = m.status;
      r.err_code = m.err_code;
      r.err_layer = m.err_layer;
      r.err_field = m.err_field;
      r.prediction = m.prediction;
      r.exit_timestep = m.exit_timestep;
      r.cycles = m.cycles;
      r.dram_bytes = m.dram_bytes;
      r.glb_bytes = m.glb_bytes;
      r.spikes = m.spikes;
      r.spikes_in = m.spikes_in;
      // As the in-process firmware computes it (platforms/run_data.h).
      r.seconds = span_seconds(m.t_start_ps, m.t_irq_ps);
      r.outputs.resize(m.n_outputs);
      if (m.n_outputs) std::memcpy(r.outputs.data(), q.data, 4ull * m.n_outputs);
      send_reply(STC_OK, nullptr, 0);
      if (r.status & STATUS_ERROR) shutdown(true);
      check_refused(fc, r);
      fc.results->push_back(std::move(r));
      return;
    }
  }
}

void CosimServer::reap_after_finish() {
  if (m_conn >= 0) {
    ::close(m_conn);
    m_conn = -1;
  }
  if (m_child <= 0) return;
  const auto deadline = clock::now() + std::chrono::duration<double>(m_o.timeout_s);
  int st = 0;
  for (;;) {
    const pid_t r = ::waitpid(m_child, &st, WNOHANG);
    if (r == m_child) break;
    if (r < 0 && errno != EINTR) break;
    if (clock::now() > deadline) fault("the external firmware did not exit within run.cosim_timeout_s after FINISH");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  cleanup::forget_child(m_child);
  m_child = -1;
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    fault("the external firmware " +
          (WIFEXITED(st) ? "exited with status " + std::to_string(WEXITSTATUS(st)) : "died on signal " + std::to_string(WTERMSIG(st))) +
          " after FINISH, expected status 0");
}

namespace {

void external_elaborate(FirmwareContext& fc) {
  Params& p = fc.ctx->params;
  CosimOptions o;
  o.address = p.get_string("run.cosim", "", {"external firmware socket: unix:PATH or tcp:127.0.0.1:PORT (--cosim)"});
  o.exec = p.get_string("run.cosim_exec", "", {"external firmware program to start, with arguments (--cosim-exec)"});
  o.timeout_s = p.get_double("run.cosim_timeout_s", 30,
                             {"longest wait for the external firmware's next message", "s", 0.01, 86400});
  if (o.address.empty() && o.exec.empty())
    fail("config", "run.firmware: 'external' needs --cosim ADDRESS (a firmware you start) or --cosim-exec PROGRAM");
  fc.owned.push_back(std::make_shared<CosimServer>(o));
}

void external_firmware(Hal& hal, FirmwareContext& fc) {
  auto* srv = static_cast<CosimServer*>(fc.owned.front().get());
  srv->run(hal, fc);
}

}  // namespace

static FirmwareRegistrar external_registrar("external",
                                            "an external process (C, native) over a socket: --cosim / --cosim-exec",
                                            external_firmware, external_elaborate);

}  // namespace spiketlm
