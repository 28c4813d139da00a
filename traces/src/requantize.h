// spiketlm: fitting a functional trace's neurons to a narrower membrane register.
//
// A trace's integer neurons count in units of 1/threshold (FORMAT.md 4.3-4.4). A membrane of
// B bits saturates at 2^(B-1) - 1, so a threshold above 2^(B-2) leaves no room to integrate
// past it (threshold 256 never fires in 8 bits). requantize_membrane() rescales every firing
// layer whose threshold exceeds 2^(B-2) to threshold 2^(B-2), re-derives the fixed-point
// constants (derive_fixed_points: the input current is still gain x BN(.) in threshold units,
// now with fewer steps) and recomputes the reference outputs with the golden model at B bits,
// so that a platform with a B-bit membrane and the golden model stay bit-exact. Membrane
// quantization is exactly this loss of resolution.
#pragma once
#include "traces/src/trace.h"

namespace spiketlm {

// An ANN bundle (network ann) has no membranes: nothing changes, returns 0.
// Returns the number of layers whose threshold changed (0: the trace already fits B bits; its
// references are then recomputed only if B is narrower than the reference run's width).
int requantize_membrane(bundle& b, int bits);

}  // namespace spiketlm
