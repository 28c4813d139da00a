#include "hw/imc/tile.h"

namespace spiketlm {

ImcTile::ImcTile(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      m_pes(int(param_int("pes", 8, {"PEs per tile", "", 1, 4096}))),
      m_count(int(param_int("count", 0, {"tiles on the chip (0 = as many as the mapping needs)", "", 0, 1 << 24}))),
      m_buffer_kb(param_double("buffer_kb", 1, {"tile buffer capacity (area)", "KB", 0, 1 << 20})),
      m_pe(make_child<ImcPe>("pe", "imc.pe")),
      m_lif(make_child<ImcNeuron>("lif", "neuron.imc")),
      m_buf_tech(param_string("buffer_tech", "tile_buffer", {"tech-table component of the tile buffer (action access, area per KB)"})),
      m_fetch_tech(param_string("fetch_tech", "input_fetch", {"tech-table component of the input memory fetch (action fetch)"})),
      m_e_buf(action(m_buf_tech, "access")),
      m_e_fetch(action(m_fetch_tech, "fetch")),
      m_buffer_accesses(counter("buffer_accesses", "", "tile buffer accesses (one per active PE cycle)")),
      m_fetches(counter("input_fetches", "", "input memory fetches (one per active PE cycle)")) {}

void ImcTile::declare_area(int tiles) {
  if (tiles <= 0) return;
  ImcPe& p = *m_pe;
  const double pes = double(tiles) * m_pes;
  p.xbar().area(p.xbar().tech(), pes * p.xbars());
  p.adc().area(p.adc().tech(), pes * p.adcs());
  p.area(p.mux_tech(), pes * p.adcs());
  p.area(p.shift_add_tech(), double(tiles) * p.adcs());
  p.area(p.temp_tech(), double(tiles));
  area(m_buf_tech, double(tiles) * m_buffer_kb);
}

SPIKETLM_REGISTER_KIND(ImcTile, "imc.tile", "imc",
                       "IMC tile: PEs, tile buffer, input fetch, accumulators, LIF/IF units with membrane memory");

}  // namespace spiketlm
