// spiketlm: DRAM (kinds dram.sata, dram.lpddr4, dram.ddr4). See dram.md.
//
// One class; the three kinds differ only in the defaults of their parameters (a preset).
// Channels x banks with one row buffer per bank (open-page policy); JEDEC timing in clock
// cycles; a shared data bus per channel; optional all-bank refresh. Energy per activate,
// precharge, read burst, write burst and refresh from the tech table; background power as
// the component's leakage (per channel) where the table gives one.
#pragma once
#include "hw/memory/memory_target.h"

namespace spiketlm {

struct DramPreset {
  const char* name;
  const char* tech;        // tech-table component
  int64_t capacity_mb, channels, banks, bus_bits, burst_length, data_rate, row_bytes;
  double tck_ns;
  int64_t cl, cwl, trcd, trp, tras, twr, trtp, trefi, trfc;
};
// "sata", "lpddr4" or "ddr4"; anything else is an error.
const DramPreset& dram_preset(const std::string& name);

class Dram : public MemoryTarget {
 public:
  Dram(sc_core::sc_module_name name, Context& ctx, const DramPreset& preset = dram_preset("sata"));

  struct Location {
    uint64_t channel, bank, row, column;
  };
  // Address mapping row:bank:channel:column (column = offset within a row buffer).
  Location decode(uint64_t offset) const {
    Location l;
    l.column = m_row_div.mod(offset);
    uint64_t r = m_row_div.div(offset);
    l.channel = m_channel_div.mod(r);
    r = m_channel_div.div(r);
    l.bank = m_bank_div.mod(r);
    l.row = m_bank_div.div(r);
    return l;
  }
  uint64_t offset_of(uint64_t channel, uint64_t bank, uint64_t row, uint64_t column = 0) const;
  int64_t open_row(uint64_t channel, uint64_t bank) const { return m_ch[channel].banks[bank].open_row; }

  sc_core::sc_time tck() const { return m_tck; }
  sc_core::sc_time burst_time() const { return m_tburst; }   // BL / data_rate cycles
  uint64_t burst_bytes() const { return m_burst_bytes; }
  uint64_t row_bytes() const { return m_row_bytes; }
  uint64_t channels() const { return m_ch.size(); }
  uint64_t banks() const { return m_banks; }

 protected:
  sc_core::sc_time access(bool write, uint64_t offset, uint64_t len, const sc_core::sc_time& arrival,
                          const tlm::tlm_generic_payload& p) override;

 private:
  struct Bank {
    int64_t open_row = -1;
    sc_core::sc_time ready;     // earliest next column or activate command
    sc_core::sc_time pre_ok;    // earliest precharge (tRTP after a read, tWR after write data)
    sc_core::sc_time act;       // last activate (for tRAS)
    uint64_t epoch = 0;         // refreshes seen
  };
  struct Channel {
    sc_core::sc_time bus_free;  // data bus free from
    uint64_t refreshes = 0;
    std::vector<Bank> banks;
  };
  sc_core::sc_time segment(bool write, const Location& l, uint64_t bursts, const sc_core::sc_time& arrival);
  sc_core::sc_time after_refresh(Channel& c, Bank& b, sc_core::sc_time t);
  // At an inference boundary (tlm/boundary.h): a precharge-all at `t`.
  // Returns when every bank may activate again.
  sc_core::sc_time precharge_all(const sc_core::sc_time& t);

  uint64_t m_banks, m_bus_bytes, m_burst_bytes, m_row_bytes;
  Divisor m_row_div, m_channel_div, m_bank_div, m_burst_div;
  sc_core::sc_time m_tck, m_tburst, m_cl, m_cwl, m_trcd, m_trp, m_tras, m_twr, m_trtp, m_trefi, m_trfc;
  bool m_refresh;
  std::vector<Channel> m_ch;
  std::vector<sc_core::sc_time> m_tburst_n;  // m_tburst x n for n up to a row's bursts (same expression)
  ActionId m_e_act, m_e_pre, m_e_rd, m_e_wr, m_e_ref;
  uint64_t &m_hits, &m_misses, &m_empty, &m_activates, &m_precharges, &m_refreshes, &m_bursts;
  uint64_t& m_bus_busy_ns;  // kernel ticks (time_stat)
};

}  // namespace spiketlm
