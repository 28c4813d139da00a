// spiketlm: SystemC's own scratch memory, sized for a model (tlm/kernel_scratch.md).
#pragma once
#include <cstddef>

namespace spiketlm {

// The size SystemC's concatenation scratch heap is given (sc_core::sc_temp_heap).
constexpr std::size_t k_concat_scratch_bytes = 0x10000;

// Shrinks SystemC's concatenation scratch heap (sc_core::sc_temp_heap, which libsystemc 2.3.4
// allocates and zero-fills with 3 MiB when it is loaded) to k_concat_scratch_bytes, returning
// the 3 MiB to the system. Idempotent: a heap already that small is left alone. Call it before
// a simulation starts: a concatenation temporary taken before the call would be freed.
void shrink_concat_scratch();

// The scratch heap's current size in bytes.
std::size_t concat_scratch_bytes();

}  // namespace spiketlm
