#include "sw/map/hierarchy.h"

#include <map>
#include <stdexcept>

#include "sw/run/simulation.h"

namespace spiketlm::map {

namespace {

struct Elaborated {
  std::map<std::string, std::string> params;  // effective value of every declared key
  std::vector<EnergyLedger::Line> lines;      // every declared action, leakage over 1 s
  std::string top;

  const std::string& value(const std::string& key) const {
    const auto it = params.find(top + "." + key);
    if (it == params.end()) throw std::runtime_error("map: platform '" + top + "' has no parameter " + top + "." + key);
    return it->second;
  }
  double num(const std::string& key) const { return std::stod(value(key)); }
  // Energy of one `action` of the unit at `unit` (summed over its components: the LIF's
  // update is the neuron circuit's plus the membrane register's).
  double action(const std::string& unit, const std::string& action) const {
    double pj = 0;
    bool found = false;
    for (const auto& l : lines)
      if (l.module == top + "." + unit && l.action == action) pj += l.per_action_pj, found = true;
    if (!found) throw std::runtime_error("map: platform '" + top + "': unit " + unit + " has no action '" + action + "'");
    return pj;
  }
  double leakage_mw() const {
    double mw = 0;
    for (const auto& l : lines)
      if (l.action == "leakage") mw += l.energy_pj * 1e-9;  // pJ over 1 s -> mW
    return mw;
  }
};

Level glb(const Elaborated& e, const std::string& unit) {
  const double block = e.num(unit + ".block_bytes");
  return {uint64_t(e.num(unit + ".capacity_kb")) * 1024, e.action(unit, "read") / block, e.action(unit, "write") / block};
}

Elaborated elaborate(const PlatformRequest& req) {
  Simulation sim;
  RunRequest r;
  r.config = req.config;
  r.overrides = req.overrides;
  r.run_params.push_back({"run.trace", req.trace});
  sim.configure(r);
  sim.elaborate();
  Elaborated e;
  e.top = sim.top_name();
  for (const ParamDecl& d : sim.ctx().params.declarations()) e.params[d.key] = d.value;
  e.lines = sim.ctx().ledger.lines(1.0);
  return e;
}

}  // namespace

Hierarchy hierarchy_of(const PlatformRequest& req) {
  const Elaborated e = elaborate(req);
  if (e.value("kind") != "platform.sata")
    throw std::runtime_error(req.config + ": " + e.top + ".kind: expected platform.sata (the mapping explorer models "
                             "SATA's hierarchy), got '" + e.value("kind") + "'");
  Hierarchy h;
  h.platform = req.config;
  h.array.rows = uint64_t(e.num("pe_array.rows"));
  h.array.cols = uint64_t(e.num("pe_array.cols"));
  h.array.membrane_bytes = (int(e.num("lif.membrane_bits")) + 7) / 8;
  h.clock_hz = e.num("pe_array.clock_mhz") * 1e6;
  const double burst = e.num("dram.bus_bits") / 8 * e.num("dram.burst_length");
  h.dram = {uint64_t(e.num("dram.capacity_mb")) << 20, e.action("dram", "read") / burst, e.action("dram", "write") / burst};
  const double bytes_per_ns = e.num("dram.channels") * e.num("dram.bus_bits") / 8 * e.num("dram.data_rate") / e.num("dram.tck_ns");
  h.dram_bytes_per_cycle = bytes_per_ns * 1e9 / h.clock_hz;
  h.glb_weight = glb(e, "glb_weight");
  h.glb_ifmap = glb(e, "glb_ifmap");
  h.glb_ofmap = glb(e, "glb_ofmap");
  h.state_budget = h.glb_ofmap.capacity;
  h.max_time_batch = int(e.num("pe_array.psum_spad_bytes")) / 2;
  h.psum_spad_bytes = uint64_t(e.num("pe_array.psum_spad_bytes"));
  h.skip_zero_cycles = e.value("pe_array.skip_zero_cycles") == "true";
  h.op_pj = e.action("pe_array", "accumulate");
  h.pe_cycle_pj = e.action("pe_array", "cycle");
  h.neuron_update_pj = e.action("lif", "update");
  h.neuron_cycle_pj = e.action("lif", "cycle") * e.num("lif.units");  // every unit, every cycle (SATA_Sim's accounting)
  h.leakage_mw = e.leakage_mw();
  h.dma_chunk = uint64_t(e.num("dma.chunk_bytes"));
  h.dram_burst = uint64_t(burst);
  h.dram_burst_read_pj = e.action("dram", "read");
  h.dram_burst_write_pj = e.action("dram", "write");
  const char* glbs[] = {"glb_weight", "glb_ifmap", "glb_ofmap"};
  for (size_t g = 0; g < 3; ++g) {
    h.glb_block[g] = uint64_t(e.num(std::string(glbs[g]) + ".block_bytes"));
    h.glb_block_read_pj[g] = e.action(glbs[g], "read");
    h.glb_block_write_pj[g] = e.action(glbs[g], "write");
    const double cyc = 1e3 / e.num(std::string(glbs[g]) + ".clock_mhz");  // Sram: cycles per block and bank
    h.glb_read_ns[g] = cyc * e.num(std::string(glbs[g]) + ".read_cycles");
    h.glb_write_ns[g] = cyc * e.num(std::string(glbs[g]) + ".write_cycles");
    h.glb_banks[g] = uint64_t(e.num(std::string(glbs[g]) + ".banks"));
  }
  h.bus_ns_per_byte = 1.0 / e.num("bus.bandwidth_gbps");  // Router::forward: latency + bytes / bandwidth
  h.bus_latency_ns = e.num("bus.latency_ns");
  const double tck = e.num("dram.tck_ns");  // Dram: tBURST = burst_length / data_rate clocks
  h.dram_burst_ns = tck * double(int64_t(e.num("dram.burst_length")) / int64_t(e.num("dram.data_rate")));
  h.dram_cl_ns = tck * e.num("dram.cl");
  h.dram_cwl_ns = tck * e.num("dram.cwl");
  h.dram_trcd_ns = tck * e.num("dram.trcd");
  h.dram_trp_ns = tck * e.num("dram.trp");
  h.dram_twr_ns = tck * e.num("dram.twr");
  h.dram_row_bytes = uint64_t(e.num("dram.row_bytes"));
  h.dram_banks = uint64_t(e.num("dram.banks"));
  h.dram_channels = uint64_t(e.num("dram.channels"));
  h.dma_setup_ns = e.num("dma.setup_ns");
  // the PE array's scratchpads (RegisterFile, one register per byte): its only read / write actions
  h.spad_read_pj = e.action("pe_array", "read");
  h.spad_write_pj = e.action("pe_array", "write");
  h.lif_units = uint64_t(e.num("lif.units"));
  h.os_order = e.value("dataflow.kind") == "dataflow.os";
  return h;
}

}  // namespace spiketlm::map
