// read_graph(): the NIR file is read by libhdf5 in a forked child with a time limit
// (graph_guard.md); the graph comes back over a pipe in a flat binary form.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <new>
#include <sstream>
#include <systemc>

#include "tlm/cleanup.h"
#include "tlm/error.h"
#include "tlm/fdio.h"
#include "traces/nir/graph.h"
#include "traces/nir/h5.h"

namespace spiketlm::nir {

namespace {

// The flat form: integers as 8 host-order bytes (parent and child are one program), strings
// and arrays length-first. A first pass with `count_only` sizes the buffer, so the bytes are
// copied once (a 1 M-weight graph is 8 MB of doubles).
class wire_out {
 public:
  explicit wire_out(bool count_only = false) : m_count_only(count_only) {}
  void u64(std::uint64_t v) { put(&v, 8); }
  void str(const std::string& s) {
    u64(s.size());
    put(s.data(), s.size());
  }
  void val(const h5::value& v) {
    u64(std::uint64_t(v.type == h5::value::kind::string) | std::uint64_t(v.integer) << 1 |
        std::uint64_t(v.float64) << 2 | std::uint64_t(v.uint8) << 3);
    u64(v.shape.size());
    for (const std::size_t d : v.shape) u64(d);
    u64(v.numbers.size());
    put(v.numbers.data(), v.numbers.size() * sizeof(double));
    u64(v.strings.size());
    for (const std::string& s : v.strings) str(s);
  }
  void fields(const field_map& m) {
    u64(m.size());
    for (const auto& [k, v] : m) {
      str(k);
      val(v);
    }
  }
  std::string& buffer() { return m_buf; }
  std::size_t size() const { return m_count_only ? m_size : m_buf.size(); }

 private:
  void put(const void* p, std::size_t n) {
    if (m_count_only) m_size += n;
    else m_buf.append(static_cast<const char*>(p), n);
  }
  bool m_count_only;
  std::size_t m_size = 0;
  std::string m_buf;
};

// Reads the flat form back; every count is checked against the bytes left before anything of
// its size is allocated.
class wire_in {
 public:
  wire_in(const std::string& buf, std::size_t from, const std::string& file) : m_buf(buf), m_file(file), m_pos(from) {}
  std::uint64_t u64() {
    need(1, 8);
    std::uint64_t v = 0;
    std::memcpy(&v, m_buf.data() + m_pos, 8);
    m_pos += 8;
    return v;
  }
  std::uint64_t count(std::uint64_t min_bytes_each) {
    const std::uint64_t n = u64();
    need(n, min_bytes_each);
    return n;
  }
  std::string str() {
    const std::uint64_t n = count(1);
    std::string s = m_buf.substr(m_pos, n);
    m_pos += n;
    return s;
  }
  h5::value val() {
    h5::value v;
    const std::uint64_t flags = u64();
    v.type = (flags & 1) ? h5::value::kind::string : h5::value::kind::number;
    v.integer = flags & 2;
    v.float64 = flags & 4;
    v.uint8 = flags & 8;
    v.shape.resize(count(8));
    for (std::size_t& d : v.shape) d = u64();
    v.numbers.resize(count(sizeof(double)));
    // memcpy from or to an empty vector's null data() is undefined, even for 0 bytes (UBSan)
    if (!v.numbers.empty()) std::memcpy(v.numbers.data(), m_buf.data() + m_pos, v.numbers.size() * sizeof(double));
    m_pos += v.numbers.size() * sizeof(double);
    v.strings.resize(count(8));
    for (std::string& s : v.strings) s = str();
    return v;
  }
  field_map fields() {
    field_map m;
    for (std::uint64_t n = count(16); n > 0; --n) {
      std::string k = str();
      m[k] = val();
    }
    return m;
  }
  bool done() const { return m_pos == m_buf.size(); }

 private:
  void need(std::uint64_t n, std::uint64_t each) const {
    const std::uint64_t left = m_buf.size() - m_pos;
    if (each != 0 && n > left / each)
      fail("nir", m_file + ": file: the reader process sent a malformed graph (expected " + std::to_string(n) +
                      " items, got " + std::to_string(left) + " bytes)");
  }
  const std::string& m_buf;
  const std::string m_file;
  std::size_t m_pos;
};

void encode(const graph& g, wire_out& w) {
  w.str(g.version);
  w.u64(g.nodes.size());
  for (const node& n : g.nodes) {
    w.str(n.name);
    w.str(n.type);
    w.fields(n.fields);
    w.fields(n.metadata);
  }
  w.u64(g.edges.size());
  for (const auto& [a, b] : g.edges) {
    w.str(a);
    w.str(b);
  }
  w.fields(g.metadata);
}

// The graph in buf from byte `from` on.
graph decode(const std::string& buf, std::size_t from, const std::string& file) {
  wire_in r(buf, from, file);
  graph g;
  g.file = file;
  g.version = r.str();
  g.nodes.resize(r.count(32));
  for (node& n : g.nodes) {
    n.name = r.str();
    n.type = r.str();
    n.fields = r.fields();
    n.metadata = r.fields();
  }
  g.edges.resize(r.count(16));
  for (auto& [a, b] : g.edges) {
    a = r.str();
    b = r.str();
  }
  g.metadata = r.fields();
  if (!r.done()) fail("nir", file + ": file: the reader process sent bytes after the graph");
  return g;
}

// Length (of what follows), 'E', the unit and the message.
wire_out error_reply(const std::string& unit, const std::string& msg) {
  wire_out w;
  w.u64(1 + 16 + unit.size() + msg.size());
  w.buffer() += 'E';
  w.str(unit);
  w.str(msg);
  return w;
}

// The child: reads the file, sends the length of the rest, then 'G' and the graph, or 'E', the
// unit and the one-line message of the error it raised; never returns.
[[noreturn]] void child(const std::string& path, int fd, graph (*read)(const std::string&)) {
  cleanup::reset_after_fork();
  struct stat st {};
  const std::uintmax_t bytes = ::stat(path.c_str(), &st) == 0 ? std::uintmax_t(st.st_size) : 0;
  limit_read_memory(bytes);
  wire_out w;
  try {
    const graph g = read(path);
    wire_out sizing(true);
    encode(g, sizing);
    w.buffer().reserve(9 + sizing.size());
    w.u64(1 + sizing.size());
    w.buffer() += 'G';
    encode(g, w);
  } catch (const sc_core::sc_report& e) {
    const std::string type = e.get_msg_type();
    w = error_reply(type.rfind("spiketlm/", 0) == 0 ? type.substr(9) : std::string("nir"), e.get_msg());
  } catch (const std::bad_alloc&) {
    w = error_reply("nir", path + ": file: expected an HDF5 file that reads within " +
                               std::to_string((k_read_memory_base + k_read_memory_per_byte * bytes) >> 20) +
                               " MiB (1 GiB + 16 x its size), got one whose reading asked for more (a damaged size)");
  } catch (const std::exception& e) {
    w = error_reply("nir", path + ": file: reading failed (" + e.what() + ")");
  }
  _exit(write_full(fd, w.buffer().data(), w.buffer().size()) ? 0 : 3);
}

// Everything the child writes until it closes the pipe; false if `limit_s` passed first.
bool read_until_eof(int fd, std::string& out, double limit_s) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::duration<double>(limit_s);
  char chunk[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, int(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) return false;
    if (ready <= 0) continue;
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n == 0) return true;
    if (n > 0 && out.size() < 8 && out.size() + std::size_t(n) >= 8) {  // the length: room for all of it at once
      std::uint64_t len = 0;
      std::string head = out + std::string(chunk, std::size_t(n));
      std::memcpy(&len, head.data(), 8);
      out.reserve(8 + std::size_t(std::min<std::uint64_t>(len, std::uint64_t(1) << 32)));
    }
    if (n > 0) out.append(chunk, std::size_t(n));
    else if (errno != EINTR && errno != EAGAIN) return true;
  }
}

std::string limit_text(double s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

double default_limit(const std::string& path) {
  struct stat st {};
  const double mib = ::stat(path.c_str(), &st) == 0 ? double(st.st_size) / (1 << 20) : 0;
  return k_read_limit_s + k_read_limit_s_per_mib * std::ceil(mib);
}

[[noreturn]] void child_failed(const std::string& path, int status, double limit_s, bool finished) {
  if (!finished)
    fail("nir", path + ": file: expected an HDF5 file libhdf5 reads within " + limit_text(limit_s) +
                    " s, got one it was still reading (stopped; a corrupted HDF5 structure can make libhdf5 "
                    "loop)");
  const std::string how = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                              : "exit status " + std::to_string(WEXITSTATUS(status));
  fail("nir", path + ": file: expected an HDF5 file libhdf5 can read, got one its reader process died on (" + how + ")");
}

}  // namespace

graph read_graph(const std::string& path, double limit_s) {
  h5::load_backend();  // here, not in the child: its memory cap and time limit are the file's alone
  return read_graph_guarded(path, limit_s, read_graph_in_process);
}

graph read_graph_guarded(const std::string& path, double limit_s, graph (*read)(const std::string&)) {
  if (!(limit_s > 0)) limit_s = default_limit(path);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    fail("nir", path + ": file: could not start its reader process (pipe: " + std::strerror(errno) + ")");
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(fds[0]);
    close(fds[1]);
    fail("nir", path + ": file: could not start its reader process (fork: " + std::strerror(e) + ")");
  }
  if (pid == 0) {
    close(fds[0]);
    child(path, fds[1], read);
  }
  cleanup::add_child(pid, cleanup::ChildPolicy::kill);
  close(fds[1]);
  std::string data;
  const bool finished = read_until_eof(fds[0], data, limit_s);
  close(fds[0]);
  if (!finished) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  cleanup::forget_child(pid);
  if (!finished || !WIFEXITED(status) || WEXITSTATUS(status) != 0) child_failed(path, status, limit_s, finished);
  wire_in head(data, 0, path);
  if (head.count(1) != data.size() - 8 || data.size() < 9)
    fail("nir", path + ": file: the reader process sent a malformed reply (length)");
  if (data[8] == 'E') {
    wire_in r(data, 9, path);
    const std::string unit = r.str();
    fail(unit, r.str());
  }
  if (data[8] != 'G') fail("nir", path + ": file: the reader process sent a malformed reply");
  return decode(data, 9, path);
}

}  // namespace spiketlm::nir
