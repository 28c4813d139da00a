#include "hw/imc/imc_controller.h"

namespace spiketlm {

ImcController::ImcController(sc_core::sc_module_name nm, Context& ctx)
    : Controller(nm, ctx, Options{}),  // the PE clock is known once connected; no control energy (SpikeSim)
      m_runs(counter("runs", "", "inferences run")),
      m_accumulates(counter("accumulates", "", "driven rows x output columns, per input plane (a digital design's accumulates)")) {
  ImcDatapath::Config& dp = m_cfg.dp;
  dp.dense = param_bool("dense_spikesim", false,
                        {"count energy and time exactly as SpikeSim's dense formulas (every PE cycle of every mapped PE, "
                         "SpikeSim's per-PE-cycle composition and its output-serial pipeline)"});
  dp.zero_skip = param_bool("zero_skip", true,
                            {"a crossbar with no driven row draws no current: its read (and a PE cycle without any) is not charged"});
  m_cfg.fraction = param_double("pipeline_fraction", 0.75,
                                {"the next layer starts after this fraction of the previous layer's work (SpikeSim: 0.75)", "", 0, 1});
  m_cfg.program_row_ns = param_double("program_row_ns", 0,
                                      {"time to program one crossbar row at network load (SpikeSim ignores programming)", "ns", 0, 1e12});
  dp.dense_factor = int(param_int("dense_pe_factor", 8,
                                  {"SpikeSim's xbar_size/8 multiplier of PE, subtractor and temp-buffer energy per PE cycle", "", 1, 1 << 20}));
  dp.dense_hops = int(param_int("dense_htree_hops", 8, {"H-tree hops charged per PE cycle in dense mode (SpikeSim: 19.64 pJ x 8)", "", 0, 1 << 20}));
  dp.dense_neuron = int(param_int("dense_neuron_updates", 4, {"neuron updates charged per PE cycle in dense mode (SpikeSim: 1.274 pJ x 4)", "", 0, 1 << 20}));
  const std::string packing = param_string("packing", "spikesim",
                                           {"PE placement: spikesim (layers packed across tiles) or layer_per_tile", "", -1e300, 1e300,
                                            {"spikesim", "layer_per_tile"}});
  const std::string lin = param_string("linear_mapping", "spikesim",
                                       {"linear layers: spikesim (a 1x1 convolution, ceil(in/64) x ceil(out/64) PEs) or packed "
                                        "(rows fill all k x k crossbars of a PE)", "", -1e300, 1e300, {"spikesim", "packed"}});
  m_cfg.map.layer_per_tile = packing == "layer_per_tile";
  m_cfg.map.linear_packed = lin == "packed";
  m_cfg.map.rows_used = int(param_int("rows_per_xbar", 0, {"crossbar rows the mapping fills (0 = every row of the crossbar)", "", 0, 1 << 20}));
}

void ImcController::connect(const Wiring& w) {
  ImcPe& pe = w.tile->pe();
  const int xrows = pe.xbar().rows();
  if (m_cfg.map.rows_used == 0) m_cfg.map.rows_used = xrows;
  if (m_cfg.map.rows_used > xrows)
    fail("imc", ctx().params.origin(path() + ".rows_per_xbar") + ": " + path() + ".rows_per_xbar: expected at most the " +
                    std::to_string(xrows) + " rows of a crossbar (" + pe.xbar().path() + ".rows), got " +
                    std::to_string(m_cfg.map.rows_used));
  m_cfg.map.wcols = pe.xbar().weight_cols();
  m_cfg.map.kernel = pe.kernel();
  m_cfg.map.pes_per_tile = w.tile->pes();
  m_cfg.dp.rows_used = m_cfg.map.rows_used;
  ImcExecutor::Wiring xw;
  xw.dma = w.dma;
  xw.tile = w.tile;
  xw.noc = w.noc;
  xw.glb = w.glb;
  xw.bus = &out;
  m_ex = std::make_unique<ImcExecutor>(ctx(), m_cfg, xw, m_accumulates, m_runs);
  set_clock(m_ex->clock());
  attach(*m_ex, *w.csr, w.exit);
}

SPIKETLM_REGISTER_KIND(ImcController, "controller.imc", "control",
                       "IMC chip controller: descriptors, crossbar programming, timestep loop, SpikeSim pipeline timing");

}  // namespace spiketlm
