#include "platforms/sata/sata_sim_accounting.h"

#include <string>
#include <vector>

namespace spiketlm {

namespace {

struct Row {
  std::string unit, charge;
  double count;        // operations, PE-cycles, bytes or cycles
  double pj_each;      // pJ per count
  double pj;           // the row's energy
};

class Rows {
 public:
  Rows(const TechTable& t, const SataSimCounts& c) : m_t(t), m_c(c) {}
  // gated x `ops` + ungated x cycles x PEs + leakage x cycles / f x PEs, of a PE unit.
  void pe_unit(const std::string& unit, const std::string& comp, double ops) {
    const double pe_cycles = m_c.cycles * m_c.pes;
    add(unit, "gated x operations", ops, pj(comp, "op"));
    add(unit, "ungated x cycles x PEs", pe_cycles, pj(comp, "cycle"));
    leak(unit, "leakage x time x PEs", m_t.component(comp, kWho), pe_cycles);
  }
  // The per-byte energy of `act` x bytes, and (if the component has one) its leakage over the span.
  void memory(const std::string& unit, const std::string& comp, const std::string& act, double bytes) {
    add(unit, "CACTI access energy x bytes", bytes, pj(comp, act));
    const TechComponent& k = m_t.component(comp, kWho);
    if (k.has_leakage) leak(unit, "leakage x time", k, m_c.cycles);
  }
  std::vector<Row> rows;

 private:
  static constexpr const char* kWho = "sata.accounting: sata_sim";
  double pj(const std::string& comp, const std::string& act) const { return m_t.action(comp, act, kWho).energy_pj; }
  void add(const std::string& unit, const std::string& charge, double n, double pj) {
    rows.push_back({unit, charge, n, pj, n * pj});
  }
  void leak(const std::string& unit, const std::string& charge, const TechComponent& k, double cycles) {
    const double pj = k.leakage_mw / m_c.clock_mhz * 1e3;  // mW over one cycle: mW / MHz = nJ
    rows.push_back({unit, charge, cycles, pj, pj * cycles});
  }
  const TechTable& m_t;
  const SataSimCounts& m_c;
};

}  // namespace

void report_sata_sim_accounting(const SataSimCounts& c, const TechTable& tech, int samples, Report& r) {
  Rows x(tech, c);
  x.pe_unit("spike-MAC", "sata_sim_spike_mac", double(c.accumulates));
  x.pe_unit("PE register files", "sata_sim_spad", double(c.accumulates));
  x.pe_unit("LIF", "sata_sim_lif", double(c.lif_updates));
  x.memory("DRAM", "sata_sim_dram", "byte", double(c.dram_bytes));
  x.memory("GLB ifmap reads", "sata_sim_glb_ifmap", "read_byte", double(c.ifmap_read_bytes));
  x.memory("GLB weight reads", "sata_sim_glb_weight", "read_byte", double(c.weight_read_bytes));
  x.memory("GLB ofmap writes", "sata_sim_glb_ofmap", "write_byte", double(c.ofmap_write_bytes));
  const double per = samples > 0 ? 1.0 / samples : 0.0;
  auto& t = r.table("sata_sim_accounting", "SATA_Sim's accounting of this run's counts (per inference)",
                    {"unit", "charge", "count", "pj_each", "energy_uj"}, "more");
  double total = 0;
  for (const Row& w : x.rows) {
    t.add_row({w.unit, w.charge, w.count * per, w.pj_each, w.pj * per * 1e-6});
    total += w.pj;
  }
  r.set("sata_sim", "sata_sim_energy_uj", total * per * 1e-6, "uJ/inference");
}

}  // namespace spiketlm
