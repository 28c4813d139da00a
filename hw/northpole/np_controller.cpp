#include "hw/northpole/np_controller.h"

namespace spiketlm {

NpController::NpController(sc_core::sc_module_name nm, Context& ctx)
    : Controller(nm, ctx, Options{}),  // clock: the cores' (connect); no control energy of its own
      noc_psum("noc_psum"),
      noc_act("noc_act"),
      noc_model("noc_model"),
      noc_instr("noc_instr") {
  m_cfg.grow = param_bool("spread", true, {"give the spare cores to the slowest layers (more output-channel or row tiles); false: every layer on its smallest split"});
  m_cfg.weight_bits = int(param_int("weight_bits", 0, {"VMM weight width for every layer (0: the narrowest of 2/4/8 that holds the layer's weights); a workload's stand-in weights are int8", "bit", 0, 8}));
  if (m_cfg.weight_bits != 0 && m_cfg.weight_bits != 2 && m_cfg.weight_bits != 4 && m_cfg.weight_bits != 8)
    fail("northpole", ctx.params.origin(path() + ".weight_bits") + ": " + path() + ".weight_bits: expected 0, 2, 4 or 8, got " +
                          std::to_string(m_cfg.weight_bits));
  m_cfg.weight_reuse = int(param_int("weight_reuse_pixels", 8, {"output pixels a core computes per fetch of its weights from core memory (assumption: no public figure)", "pixels", 1, 1 << 20}));
  m_cfg.instr_bytes = int(param_int("instruction_bytes", 64, {"instruction bytes per core per layer pass on the instruction NoC (assumption)", "B", 0, 1 << 20}));
  // Time-multiplexed weights (northpole.md): off by default (a network that does not fit is refused).
  m_cfg.time_multiplex = param_bool("time_multiplex", false, {"a network that does not fit runs in segments of layers whose weights are reloaded from off chip on every frame (else it is refused)"});
  m_cfg.offchip_gbps = param_double("offchip_gbps", 7.88, {"off-chip link rate of a weight reload (assumption: NorthPole is a PCIe card; PCIe Gen3 x8 = 8 GT/s x 8 lanes x 128/130 / 8 = 7.88 GB/s)", "GB/s", 0.001, 1e6});
  m_offchip_tech = param_string("offchip_tech", "dram_ddr4_2400", {"tech-table component whose action `read` prices one off-chip read of offchip_burst_bytes (platforms/tech/dram.yaml: a host DDR4-2400 channel)"});
  m_cfg.offchip_burst = uint64_t(param_int("offchip_burst_bytes", 64, {"bytes per off-chip read action (dram_ddr4_2400 read: one 64-B burst, BL8 x 64 bit)", "B", 1, 1 << 20}));
  if (m_cfg.time_multiplex) m_offchip = action(m_offchip_tech, "read");
}

void NpController::connect(const Wiring& w) {
  NpNoc* n[4] = {w.nocs[0], w.nocs[1], w.nocs[2], w.nocs[3]};
  tlm_utils::simple_initiator_socket<NpController>* s[4] = {&noc_psum, &noc_act, &noc_model, &noc_instr};
  NpExecutor::Wiring xw;
  xw.core = w.core;
  xw.core_mem = w.core_mem;
  xw.core_bank_bytes = w.core_bank_bytes;
  xw.frame = w.frame;
  xw.bus = &out;
  if (m_cfg.time_multiplex) xw.offchip_reads = [this](uint64_t n) { count(m_offchip, n); };
  for (int i = 0; i < 4; ++i) {
    s[i]->bind(n[i]->in);
    xw.nocs[i] = n[i];
    xw.noc[i] = s[i];
  }
  m_ex = std::make_unique<NpExecutor>(ctx(), m_cfg, xw);
  set_clock(sc_core::sc_time(1e3 / w.core->clock_mhz(), sc_core::SC_NS));
  attach(*m_ex, *w.csr, w.exit);
}

SPIKETLM_REGISTER_KIND(NpController, "controller.northpole", "control",
                       "NorthPole controller: descriptors, weights resident in the core grid, layer pipeline");

}  // namespace spiketlm
