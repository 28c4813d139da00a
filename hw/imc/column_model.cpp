#include "hw/imc/column_model.h"

#include <vector>

namespace spiketlm {

void IdealColumn::currents(const XbarProgram& x, const uint64_t* mask, const CellConfig& c, const DeviceConfig& d,
                           double* out) const {
  std::vector<int32_t> acc(size_t(x.pcols), 0), neg(size_t(x.wcols), 0);
  accumulate_levels(x, mask, acc.data(), neg.data());
  const double u = d.unit_current_a(c);
  for (int j = 0; j < x.pcols; ++j) out[j] += double(acc[size_t(j)]) * u;
}

SPIKETLM_REGISTER_KIND(IdealColumn, "imc.column.ideal", "imc_column",
                       "ideal crossbar columns: exact integer sum of the active cells' levels");

}  // namespace spiketlm
