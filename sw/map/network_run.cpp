#include "sw/map/network_run.h"

#include "sw/fw/runtime.h"
#include "sw/hal/null_hal.h"
#include "sw/map/accumulates.h"
#include "traces/src/trace.h"

namespace spiketlm::map {

namespace {

// The addresses the runtime firmware gives every layer's tensors (its descriptors).
void place(const bundle& b, const ArrayShape& a, Network& n) {
  NullHal hal;
  FirmwareTarget t;
  t.dram_size = uint64_t(1) << 62;  // the layout only (the run checks the fit)
  t.pe_cols = int(a.cols);
  t.membrane_bytes = a.membrane_bytes;
  Runtime rt(hal, b, t);
  rt.lay_out();
  for (size_t i = 0; i < rt.descriptors().size(); ++i) {
    const LayerDesc& d = rt.descriptors()[i];
    MapLayer& m = n.layers[size_t(rt.layer_of_desc()[i])];
    m.in_addr = spiketlm_desc_addr(d.in_addr_lo, d.in_addr_hi), m.in2_addr = spiketlm_desc_addr(d.in2_addr_lo, d.in2_addr_hi);
    m.out_addr = spiketlm_desc_addr(d.out_addr_lo, d.out_addr_hi), m.w_addr = spiketlm_desc_addr(d.w_addr_lo, d.w_addr_hi);
    m.mem_addr = spiketlm_desc_addr(d.mem_addr_lo, d.mem_addr_hi);
    m.input_per_t = d.flags & DESC_INPUT_PER_T;
    m.in2_spikes = d.flags & DESC_IN2_SPIKES;
    m.in2_planes = int(d.in_planes);
  }
}

}  // namespace

Network network_as_run(const bundle& b, const ArrayShape& a) {
  Network n = network_of(b, a);
  place(b, a, n);
  count_accumulates(b, n);
  return n;
}

}  // namespace spiketlm::map
