#include "hw/memory/dram.h"

#include "tlm/boundary.h"

#include <algorithm>
#include <cmath>

namespace spiketlm {

namespace {
// Timing in clock cycles. DDR4-2400: Micron 4Gb DDR4-2400 x8 (MT40A512M8), as given by the
// DRAMSys memspec MICRON_4Gb_DDR4-2400_8bit_A.json (JESD79-4 speed bin 2400, 16-16-16).
// LPDDR4-3200: JEDEC JESD209-4 8Gb x16 channel, DRAMSys memspec JEDEC_8Gb_LPDDR4-3200_16bit.json.
// SATA: geometry from SATA_Sim (128-B access, 512 MB, 16 banks; FACTS.md s1), which gives no
// DRAM timing; the DDR4-2400 timing above on a 128-bit bus (16 x8 devices, BL8 = 128 B).
const DramPreset kPresets[] = {
    {"sata", "dram_sata", 512, 1, 16, 128, 8, 2, 16384, 0.833, 16, 16, 16, 16, 39, 18, 12, 4680, 313},
    {"ddr4", "dram_ddr4_2400", 512, 1, 16, 64, 8, 2, 8192, 0.833, 16, 16, 16, 16, 39, 18, 12, 4680, 313},
    {"lpddr4", "dram_lpddr4_3200", 512, 1, 8, 16, 16, 2, 2048, 0.625, 28, 14, 29, 29, 68, 29, 12, 6246, 448},
};
}  // namespace

const DramPreset& dram_preset(const std::string& name) {
  for (const auto& p : kPresets)
    if (name == p.name) return p;
  fail("dram", "unknown DRAM preset '" + name + "' (expected sata, ddr4 or lpddr4)");
}

Dram::Dram(sc_core::sc_module_name nm, Context& ctx, const DramPreset& ps)
    : MemoryTarget(nm, ctx, "dram"),
      m_hits(counter("row_hits", "", "bursts segments that found their row open")),
      m_misses(counter("row_misses", "", "segments that found another row open (precharge + activate)")),
      m_empty(counter("row_empty", "", "segments that found the bank precharged (activate)")),
      m_activates(counter("activates", "", "activate commands")),
      m_precharges(counter("precharges", "", "precharge commands")),
      m_refreshes(counter("refreshes", "", "all-bank refreshes (per channel) before the last access")),
      m_bursts(counter("bursts", "", "data bursts")),
      m_bus_busy_ns(time_stat("bus_busy_ns", "data-bus busy time summed over channels")) {
  const std::string tech = param_string("tech", ps.tech, {"tech-table component (actions activate, precharge, read, write, refresh)"});
  const int64_t cap_mb = param_int("capacity_mb", ps.capacity_mb, {"capacity", "MB", 1, 1 << 20});
  const int64_t channels = param_int("channels", ps.channels, {"independent channels (each its own data bus)", "", 1, 64});
  m_banks = param_int("banks", ps.banks, {"banks per channel", "", 1, 1024});
  const int64_t bus_bits = param_int("bus_bits", ps.bus_bits, {"data-bus width per channel", "bit", 8, 4096});
  const int64_t bl = param_int("burst_length", ps.burst_length, {"burst length (beats)", "", 1, 64});
  const int64_t rate = param_int("data_rate", ps.data_rate, {"beats per clock (2 = DDR)", "", 1, 8});
  m_row_bytes = param_int("row_bytes", ps.row_bytes, {"row-buffer (page) size per bank, whole channel", "B", 1, 1 << 24});
  const double tck = param_double("tck_ns", ps.tck_ns, {"clock period", "ns", 0.01, 1000});
  auto cyc = [&](const char* key, int64_t def, const char* doc) {
    return m_tck * double(param_int(key, def, {doc, "cycles", 0, 1e6}));
  };
  m_tck = sc_core::sc_time(tck, sc_core::SC_NS);
  m_cl = cyc("cl", ps.cl, "read latency CL (RL): read command to first data");
  m_cwl = cyc("cwl", ps.cwl, "write latency CWL (WL): write command to first data");
  m_trcd = cyc("trcd", ps.trcd, "activate to read/write tRCD");
  m_trp = cyc("trp", ps.trp, "precharge to activate tRP");
  m_tras = cyc("tras", ps.tras, "activate to precharge tRAS");
  m_twr = cyc("twr", ps.twr, "end of write data to precharge tWR");
  m_trtp = cyc("trtp", ps.trtp, "read to precharge tRTP");
  m_refresh = param_bool("refresh", false, {"model all-bank refresh (tREFI, tRFC)"});
  m_trefi = cyc("trefi", ps.trefi, "refresh interval tREFI");
  m_trfc = cyc("trfc", ps.trfc, "refresh cycle time tRFC");
  if (bus_bits % 8) fail("dram", ctx.params.origin(path() + ".bus_bits") + ": " + path() + ".bus_bits: expected a multiple of 8, got " + std::to_string(bus_bits));
  if (bl % rate) fail("dram", path() + ".burst_length: expected a multiple of data_rate, got " + std::to_string(bl));
  m_bus_bytes = bus_bits / 8;
  m_burst_bytes = m_bus_bytes * bl;
  m_tburst = m_tck * double(bl / rate);
  if (m_row_bytes % m_burst_bytes)
    fail("dram", ctx.params.origin(path() + ".row_bytes") + ": " + path() + ".row_bytes: expected a multiple of the burst size " +
                     std::to_string(m_burst_bytes) + " B, got " + std::to_string(m_row_bytes));
  if (m_refresh && m_trefi <= m_trfc) fail("dram", path() + ".trefi: expected more than trfc");
  const uint64_t cap = uint64_t(cap_mb) << 20;
  const uint64_t stripe = m_row_bytes * m_banks * uint64_t(channels);
  if (cap % stripe)
    fail("dram", ctx.params.origin(path() + ".capacity_mb") + ": " + path() + ".capacity_mb: expected a multiple of row_bytes x banks x channels (" +
                     std::to_string(stripe) + " B), got " + std::to_string(cap_mb) + " MB");
  set_capacity(cap);
  m_ch.resize(channels);
  for (auto& c : m_ch) c.banks.resize(m_banks);
  m_row_div = Divisor(m_row_bytes);
  m_channel_div = Divisor(uint64_t(channels));
  m_bank_div = Divisor(m_banks);
  m_burst_div = Divisor(m_burst_bytes);
  for (uint64_t n = 0; n <= std::min<uint64_t>(m_row_bytes / m_burst_bytes, 4096); ++n)
    m_tburst_n.push_back(m_tburst * double(n));

  m_e_act = action(tech, "activate");
  m_e_pre = action(tech, "precharge");
  m_e_rd = action(tech, "read");
  m_e_wr = action(tech, "write");
  m_e_ref = action(tech, "refresh");
  const TechComponent& tc = ctx.tech.component(tech, path());
  if (tc.has_leakage) leakage(tech, double(channels));
  if (tc.has_area) area(tech, double(channels));
  trace("row_hits", m_hits);
  trace("row_misses", m_misses);
  ctx.attribute<Boundary>().on_start.push_back([this](const sc_core::sc_time& t) { return precharge_all(t); });
}

// Every open bank closes (a precharge each, after tRAS and tRTP/tWR allow it); every bank may
// activate again tRP after the command (or after its own precharge, if later). Returns when all
// banks and the data bus are idle: the firmware waits until then, so the next inference finds
// every bank precharged and idle whatever ran before.
sc_core::sc_time Dram::precharge_all(const sc_core::sc_time& t) {
  sc_core::sc_time idle = t;
  for (auto& c : m_ch)
    for (auto& b : c.banks) {
      sc_core::sc_time pre = t;
      if (b.open_row >= 0) {
        pre = std::max({t, b.pre_ok, b.act + m_tras});
        count(m_e_pre);
        ++m_precharges;
        b.open_row = -1;
      }
      b.ready = std::max(b.ready, pre + m_trp);
      idle = std::max({idle, b.ready, c.bus_free});
    }
  return idle;
}

uint64_t Dram::offset_of(uint64_t channel, uint64_t bank, uint64_t row, uint64_t column) const {
  return ((row * m_banks + bank) * m_ch.size() + channel) * m_row_bytes + column;
}

sc_core::sc_time Dram::after_refresh(Channel& c, Bank& b, sc_core::sc_time t) {
  if (!m_refresh) return t;
  const uint64_t k = uint64_t(std::floor(t / m_trefi));
  if (k >= 1 && t < m_trefi * double(k) + m_trfc) t = m_trefi * double(k) + m_trfc;
  if (k > c.refreshes) {
    count(m_e_ref, k - c.refreshes);
    m_refreshes += k - c.refreshes;
    c.refreshes = k;
  }
  if (k > b.epoch) {  // an all-bank refresh precharged this bank
    b.open_row = -1;
    b.epoch = k;
  }
  return t;
}

// (inlined into access(), its one caller, once per row touched: an out-of-line call of a
// function of a shared library goes through its PLT; simulation speed)
[[gnu::always_inline]] inline sc_core::sc_time Dram::segment(bool write, const Location& l, uint64_t nb, const sc_core::sc_time& arrival) {
  Channel& c = m_ch[l.channel];
  Bank& b = c.banks[l.bank];
  sc_core::sc_time t = std::max(arrival, b.ready);
  if (m_refresh) t = after_refresh(c, b, t);
  sc_core::sc_time col;
  if (b.open_row == int64_t(l.row)) {
    ++m_hits;
    col = t;
  } else {
    sc_core::sc_time act = t;
    if (b.open_row >= 0) {
      ++m_misses;
      const sc_core::sc_time pre = std::max({t, b.pre_ok, b.act + m_tras});
      count(m_e_pre);
      ++m_precharges;
      act = pre + m_trp;
    } else {
      ++m_empty;
    }
    count(m_e_act);
    ++m_activates;
    b.act = act;
    b.open_row = int64_t(l.row);
    col = act + m_trcd;
  }
  const sc_core::sc_time lat = write ? m_cwl : m_cl;
  const sc_core::sc_time data = nb < m_tburst_n.size() ? m_tburst_n[nb] : m_tburst * double(nb);
  const sc_core::sc_time start = std::max(col + lat, c.bus_free);
  const sc_core::sc_time end = start + data;
  c.bus_free = end;
  m_bus_busy_ns += data.value();
  const sc_core::sc_time last_col = end - lat - m_tburst;  // the last column command
  b.ready = end - lat;                                       // = last_col + tCCD (tCCD = burst time)
  b.pre_ok = std::max(b.pre_ok, write ? end + m_twr : last_col + m_trtp);
  count(write ? m_e_wr : m_e_rd, nb);
  m_bursts += nb;
  return end;
}

sc_core::sc_time Dram::access(bool write, uint64_t off, uint64_t len, const sc_core::sc_time& arrival,
                              const tlm::tlm_generic_payload&) {
  sc_core::sc_time done = arrival;
  const uint64_t last = m_burst_div.div(off + len - 1);
  for (uint64_t b = m_burst_div.div(off); b <= last;) {
    const Location l = decode(b * m_burst_bytes);
    const uint64_t nb = std::min(m_burst_div.div(m_row_bytes - l.column), last - b + 1);
    done = std::max(done, segment(write, l, nb, arrival));
    b += nb;
  }
  return done;
}

namespace {
struct DramKinds {
  DramKinds() {
    for (const auto& p : kPresets) {
      const DramPreset* ps = &p;
      Factory::instance().add({std::string("dram.") + p.name, "memory",
                               std::string("DRAM, ") + p.name +
                                   " preset: channels/banks/row buffers, JEDEC timing, energy per command",
                               "", [ps](const char* name, Context& ctx) -> Module* { return new Dram(name, ctx, *ps); }});
    }
  }
} g_dram_kinds;
}  // namespace

}  // namespace spiketlm
