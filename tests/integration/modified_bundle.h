// A modified copy of a functional trace bundle for a test: cut to its first n samples and
// written to a scratch directory, with reference outputs recomputed by the golden model on the
// bundle as read back (derived shapes and scales).
#pragma once
#include <string>
#include <utility>

#include "tests/cli.h"
#include "traces/src/golden.h"
#include "traces/src/trace.h"

namespace spiketlm::test {

inline std::string write_modified_bundle(bundle b, int n, const std::string& tag) {
  const size_t per_sample = b.inputs.bytes.size() / size_t(b.samples);
  b.samples = n;
  b.labels.resize(size_t(n));
  b.inputs.shape[0] = size_t(n);
  b.inputs.bytes.resize(per_sample * size_t(n));
  b.ref_outputs.assign(size_t(n) * b.timesteps * b.classes, 0);
  b.ref_spike_counts.clear();
  b.ref_nonzero_counts.clear();
  const std::string dir = scratch(tag);
  write_bundle(b, dir);
  bundle r = read_bundle(dir);
  const golden::model m(r);
  r.ref_outputs.clear();
  for (int s = 0; s < n; ++s) {
    const golden::result g = m.run(s);
    r.ref_outputs.insert(r.ref_outputs.end(), g.outputs.begin(), g.outputs.end());
  }
  write_bundle(r, dir);
  return dir;
}

}  // namespace spiketlm::test
