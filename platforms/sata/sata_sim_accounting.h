// spiketlm: SATA_Sim's accounting of a SATA run (`sata.accounting: sata_sim`, issue 22). See
// sata_sim_accounting.md.
//
// The run's own counts (cycles of the span, non-zero accumulates, LIF updates, bytes at the
// DRAM and the global buffers) priced as SATA_Sim's inference-energy-cal prices its SCALE-Sim
// counts: per unit (spike-MAC, PE register files, LIF) gated power per operation + ungated
// power and leakage over every cycle on every PE; DRAM and global-buffer energies per byte
// (SATA_Sim charges its CACTI per-access energy per element of 8 bits); buffer leakage over the
// cycles. Constants: the sata_sim_* components of platforms/tech/sata_28nm.yaml, each cited.
// A report table beside the physical ledger, which it does not change.
#pragma once
#include <cstdint>

#include "tlm/energy.h"
#include "tlm/report.h"

namespace spiketlm {

struct SataSimCounts {
  double cycles = 0;        // span cycles of every sample
  double pes = 0;           // PE array rows x cols
  double clock_mhz = 400;   // the array's clock (power x 1 / f per cycle)
  uint64_t accumulates = 0, lif_updates = 0;
  uint64_t dram_bytes = 0;  // read + written
  uint64_t ifmap_read_bytes = 0, weight_read_bytes = 0, ofmap_write_bytes = 0;
};

// Adds the table `sata_sim_accounting` (per inference) and `sata_sim.sata_sim_energy_uj`.
void report_sata_sim_accounting(const SataSimCounts& c, const TechTable& tech, int samples, Report& r);

}  // namespace spiketlm
