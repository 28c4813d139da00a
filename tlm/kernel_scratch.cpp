#include "tlm/kernel_scratch.h"

#include <systemc>

namespace spiketlm {

void shrink_concat_scratch() {
  if (sc_core::sc_temp_heap.length() > k_concat_scratch_bytes) sc_core::sc_temp_heap.initialize(k_concat_scratch_bytes);
}

std::size_t concat_scratch_bytes() { return sc_core::sc_temp_heap.length(); }

}  // namespace spiketlm
