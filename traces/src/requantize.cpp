#include "traces/src/requantize.h"

#include "tlm/error.h"
#include "traces/src/golden.h"

namespace spiketlm {

int requantize_membrane(bundle& b, int bits) {
  if (bits < 3 || bits > 32) fail("trace", b.dir + ": membrane_bits: expected 3..32, got " + std::to_string(bits));
  if (!b.functional() || b.ann()) return 0;  // an ANN has no membranes
  const int32_t limit = arith::membrane_threshold_limit(bits);
  int changed = 0;
  for (auto& l : b.layers)
    if (l.fires() && l.neuron->threshold > limit) {
      l.neuron->threshold = limit;
      ++changed;
    }
  if (changed) derive_fixed_points(b);
  if (changed || bits < b.membrane_bits) {
    // The reference is now the golden model at this width.
    golden::options o;
    o.membrane_bits = bits;
    const golden::model m(b, o);
    for (int s = 0; s < b.samples; ++s) {
      const golden::result r = m.run(s);
      std::copy(r.outputs.begin(), r.outputs.end(), b.ref_outputs.begin() + ptrdiff_t(s) * b.timesteps * b.classes);
    }
    b.membrane_bits = bits;
    b.ref_spike_counts.clear();
  }
  return changed;
}

}  // namespace spiketlm
