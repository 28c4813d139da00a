// spiketlm: the IMC tile (kind "imc.tile"). See tile.md.
//
// `pes` PEs (child pe, kind imc.pe: every PE of the chip is identical), the tile buffer
// (partial-sum accumulation across PEs, SpikeSim's 1 KB tile buffer), the input memory fetch,
// the accumulators and the LIF/IF units with their membrane memory (child lif, kind
// neuron.imc). The unit models every tile of the chip: `count` is the chip's tile count
// (0 = as many as the mapping needs, as SpikeSim sizes its chip). Area is declared per tile
// once the platform knows the tile count (declare_area).
#pragma once
#include "hw/imc/pe.h"
#include "hw/neuron/imc_neuron.h"

namespace spiketlm {

class ImcTile : public Module {
 public:
  ImcTile(sc_core::sc_module_name name, Context& ctx);
  ImcPe& pe() { return *m_pe; }
  ImcNeuron& lif() { return *m_lif; }
  int pes() const { return m_pes; }
  int count() const { return m_count; }
  double buffer_kb() const { return m_buffer_kb; }
  const std::string& buffer_tech() const { return m_buf_tech; }
  // Counts of tile buffer accesses and input fetches.
  void count_buffer(uint64_t n) { Module::count(m_e_buf, n); m_buffer_accesses += n; }
  void count_fetch(uint64_t n) { Module::count(m_e_fetch, n); m_fetches += n; }
  // Area of `tiles` tiles: per tile `pes` x (k^2 crossbars + adcs x (ADC + mux)), the
  // subtractors (one per ADC of a PE, SpikeSim), the temp buffer and the tile buffer.
  void declare_area(int tiles);

 private:
  int m_pes, m_count;
  double m_buffer_kb;
  ImcPe* m_pe;
  ImcNeuron* m_lif;
  std::string m_buf_tech, m_fetch_tech;
  ActionId m_e_buf, m_e_fetch;
  uint64_t &m_buffer_accesses, &m_fetches;
};

}  // namespace spiketlm
