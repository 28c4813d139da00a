#include "hw/memory/dma.h"

#include <tlm_utils/tlm_quantumkeeper.h>

#include <algorithm>
#include <cstring>
#include <sstream>

#include "hw/memory/memory_target.h"

namespace spiketlm {

namespace {
std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}
}  // namespace

Dma::Dma(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      out("out"),
      m_chunk(param_int("chunk_bytes", 128, {"bytes per transaction (default chunk)", "B", 1, 1 << 24})),
      m_buffers(unsigned(param_int("buffers", 2, {"chunk buffers: 1 = read then write, 2 = double buffering", "", 1, 64}))),
      m_outstanding(size_t(param_int("outstanding", 1, {"reads in flight at once (1: the next read waits for this one)", "", 1, 256}))),
      m_use_dmi(param_bool("dmi", false, {"move bytes by DMI where targets grant it (timing still from the targets)"})),
      m_setup(param_double("setup_ns", 0, {"time from a transfer request to its first read", "ns", 0, 1e9}), sc_core::SC_NS),
      m_transfers(counter("transfers", "", "tile transfers")),
      m_bytes(counter("bytes", "B", "bytes moved")),
      m_chunks(counter("chunks", "", "chunks (one read + one write transaction each)")),
      m_busy_ns(time_stat("busy_ns", "sum of transfer durations")),
      m_read_ns(time_stat("read_ns", "sum of read-transaction latencies (source side)")),
      m_write_ns(time_stat("write_ns", "sum of write-transaction latencies (destination side)")) {
  out.register_invalidate_direct_mem_ptr(this, &Dma::invalidate);
  m_busy_probe = probe("busy", 1, Probe::level);
  trace("bytes", m_bytes);
}

void Dma::connect(Router& r) {
  out.bind(r.in);
  m_router = &r;
}

void Dma::invalidate(sc_dt::uint64 start, sc_dt::uint64 end) {
  m_regions.erase(std::remove_if(m_regions.begin(), m_regions.end(),
                                 [&](const tlm::tlm_dmi& d) {
                                   return d.get_start_address() <= end && start <= d.get_end_address();
                                 }),
                  m_regions.end());
}

uint8_t* Dma::dmi_ptr(bool write, uint64_t addr, uint64_t len) {
  if (!m_use_dmi) return nullptr;
  auto fits = [&](const tlm::tlm_dmi& d) {
    return d.get_start_address() <= addr && addr + len - 1 <= d.get_end_address() &&
           (write ? d.is_write_allowed() : d.is_read_allowed());
  };
  for (const auto& d : m_regions)
    if (fits(d)) return d.get_dmi_ptr() + (addr - d.get_start_address());
  tlm::tlm_generic_payload p;
  p.set_address(addr);
  p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  tlm::tlm_dmi d;
  if (!out->get_direct_mem_ptr(p, d) || !d.get_dmi_ptr()) return nullptr;  // denials are not cached
  m_regions.push_back(d);
  return fits(d) ? d.get_dmi_ptr() + (addr - d.get_start_address()) : nullptr;
}

// (inlined into transfer(), its one caller: an out-of-line call of a function of a shared
// library goes through its PLT; simulation speed)
[[gnu::always_inline]] inline void Dma::move(bool write, uint64_t addr, uint8_t* buf, uint64_t len, sc_core::sc_time& offset) {
  // m_payload carries the transfer's tag (set by transfer()).
  tlm::tlm_generic_payload& p = m_payload;
  p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  p.set_address(addr);
  p.set_data_ptr(buf);
  p.set_data_length(unsigned(len));
  p.set_streaming_width(unsigned(len));
  p.set_byte_enable_ptr(nullptr);
  p.set_dmi_allowed(false);
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  uint8_t* const d = m_use_dmi ? dmi_ptr(write, addr, len) : nullptr;
  if (d) {
    if (write) std::memcpy(d, buf, len);
    else std::memcpy(buf, d, len);
    p.set_extension(&m_timing_only);
    ++m_dmi_transfers;
  }
  const sc_core::sc_time start = offset;
  if (m_router) m_router->forward(p, offset);
  else out->b_transport(p, offset);
  if (d) p.clear_extension(&m_timing_only);
  if (!p.is_response_ok())
    fail("dma", path() + ": " + (write ? "write" : "read") + " of " + std::to_string(len) + " B at " + hex(addr) +
                    " failed: " + p.get_response_string() +
                    (p.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE
                         ? " (no target maps it, or it runs past the end of its target)"
                         : ""));
  (write ? m_write_ns : m_read_ns) += (offset - start).value();
}

sc_core::sc_time Dma::transfer(const DmaCommand& c, sc_core::sc_time& delay) {
  const uint64_t chunk = c.chunk_bytes ? c.chunk_bytes : m_chunk;
  const uint64_t sstride = c.src_stride ? c.src_stride : c.row_bytes;
  const uint64_t dstride = c.dst_stride ? c.dst_stride : c.row_bytes;
  const sc_core::sc_time begin = sc_core::sc_time_stamp() + delay;
  const DetachExtensions<TimingOnlyExt, TileExt> detach{m_payload};
  if (c.tag) {
    m_tag = *c.tag;
    m_payload.set_extension(&m_tag);
  }
  m_busy = true;
  m_buf.resize(std::max<uint64_t>(m_buf.size(), chunk));
  // Stream times are offsets from sc_time_stamp(): `issue` = when the next read may be sent,
  // w = destination side free. A read needs a free chunk buffer (the write that drained it
  // has finished) and, with `outstanding` reads in flight, the completion of the read
  // `outstanding` back; with outstanding = 1 the next read waits for this one's completion.
  sc_core::sc_time issue = delay + m_setup, w = issue;
  auto& wends = m_wends;  // completion of the last `buffers` writes
  auto& rends = m_rends;  // completion of the last `outstanding` reads
  wends.reset(m_buffers);
  rends.reset(m_outstanding);
  const sc_core::sc_time quantum = tlm_utils::tlm_quantumkeeper::get_global_quantum();
  // A target may wait() inside b_transport (an approximately-timed memory behind
  // simple_target_socket's b-to-nb conversion does; hw/README.md): the offsets still held then
  // move back by the time that passed during the call.
  sc_core::sc_time stamp = time_stamp();
  auto resync = [&](sc_core::sc_time& held) {
    if (time_stamp() == stamp) return;
    const sc_core::sc_time dt = time_stamp() - stamp;
    stamp = time_stamp();
    auto back = [&](sc_core::sc_time& x) { x = x > dt ? x - dt : sc_core::SC_ZERO_TIME; };
    back(issue);
    back(w);
    back(held);
    wends.for_each(back);
    rends.for_each(back);
  };
  for (uint64_t row = 0; row < c.rows; ++row) {
    for (uint64_t o = 0; o < c.row_bytes; o += chunk) {
      const uint64_t n = std::min(chunk, c.row_bytes - o);
      sc_core::sc_time t = issue;
      if (wends.full()) t = std::max(t, wends.front());
      if (rends.full()) t = std::max(t, rends.front());
      sc_core::sc_time issued = t;
      move(false, c.src + row * sstride + o, m_buf.data(), n, t);
      resync(issued);
      rends.push(t);
      issue = m_outstanding > 1 ? issued : t;
      t = std::max(t, w);
      move(true, c.dst + row * dstride + o, m_buf.data(), n, t);
      resync(w);
      w = t;
      wends.push(w);
      ++m_chunks;
      m_bytes += n;
      // Quantum keeping: every time still needed is >= m; once m reaches the quantum, sync.
      sc_core::sc_time m = std::min(issue, w);
      if (m < quantum) continue;  // (the minimum below is smaller still)
      wends.for_each([&](const sc_core::sc_time& x) { m = std::min(m, x); });
      rends.for_each([&](const sc_core::sc_time& x) { m = std::min(m, x); });
      if (m > sc_core::SC_ZERO_TIME && m >= quantum) {
        sc_core::wait(m);
        stamp = time_stamp();
        issue -= m;
        w -= m;
        wends.for_each([&](sc_core::sc_time& x) { x -= m; });
        rends.for_each([&](sc_core::sc_time& x) { x -= m; });
      }
    }
  }
  delay = w;
  ++m_transfers;
  const sc_core::sc_time dur = sc_core::sc_time_stamp() + delay - begin;
  m_busy_ns += dur.value();
  m_busy_probe.add(begin, 1);
  m_busy_probe.add(begin + dur, -1);
  m_busy = false;
  return dur;
}

void Dma::debug_write(uint64_t addr, const void* data, uint64_t len) {
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_WRITE_COMMAND);
  p.set_address(addr);
  p.set_data_ptr(static_cast<uint8_t*>(const_cast<void*>(data)));
  p.set_data_length(unsigned(len));
  p.set_streaming_width(unsigned(len));
  if (out->transport_dbg(p) != len)
    fail("dma", path() + ": debug write of " + std::to_string(len) + " B at " + hex(addr) + " is outside every target");
}

void Dma::debug_read(uint64_t addr, void* data, uint64_t len) {
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_READ_COMMAND);
  p.set_address(addr);
  p.set_data_ptr(static_cast<uint8_t*>(data));
  p.set_data_length(unsigned(len));
  p.set_streaming_width(unsigned(len));
  if (out->transport_dbg(p) != len)
    fail("dma", path() + ": debug read of " + std::to_string(len) + " B at " + hex(addr) + " is outside every target");
}

SPIKETLM_REGISTER_KIND(Dma, "dma", "dma", "DMA engine: 1-D/2-D strided tiles in chunks through the router, double-buffered");

}  // namespace spiketlm
