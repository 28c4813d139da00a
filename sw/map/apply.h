// spiketlm: running a mapping file in the cycle-level model (`spiketlm run ... -c mapping=F`):
// the mapping's groups and time batches become the platform's dataflow (dataflow.mapped,
// hw/compute/dataflow_mapped.h). See map.md, "Running a mapping".
#pragma once

namespace spiketlm {

class Params;

namespace map {

// If the configuration sets `mapping`, reads the mapping file against the bundle at run.trace
// and sets <top>.dataflow.kind and .groups. Fusion and on-chip or removed state are not executed
// by the cycle-level model (one-line errors naming the file and field); removed state (none) is.
void apply_mapping(Params& p);

}  // namespace map
}  // namespace spiketlm
