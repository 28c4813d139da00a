// spiketlm: `spiketlm import model.nir -o bundle/`: a NIR graph to a functional trace bundle
// (traces/nir/README.md). Reads and checks the graph (network.h), maps it onto bundle layers
// (plan.h), quantizes it (quantize.h), makes or reads the inputs, runs the importer's float
// reference (float_ref.h) and the integer golden model on them, and reports how often their
// predicted classes agree. The bundle's labels are the float reference's classes unless a
// labels file is given, so a platform's reported accuracy is its agreement with the float graph.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "traces/nir/quantize.h"
#include "traces/src/trace.h"

namespace spiketlm::nir {

inline constexpr double k_default_dt = 1e-4;  // snnTorch's NIR export/import step (README.md)

struct import_options {
  double dt = k_default_dt;
  int timesteps = 8;              // T (a spike inputs file sets its own)
  bool timesteps_given = false;
  int samples = 100;              // generated inputs
  std::uint64_t seed = 1;         // generated inputs and the poisson / rate encoders
  std::string encoding = "poisson";  // of value inputs and generated images: poisson, rate, direct
  double input_scale = 0;         // direct uint8 inputs: real value of one unit (0: 1/255)
  std::string inputs_file, labels_file;
  int membrane_bits = 32;         // the platform's (spiketlm import --config)
  bool per_tensor = false;
  int calibration_samples = 0;    // float-reference samples whose peak membranes choose Theta
  std::string name;               // bundle name (default: the file's stem)
  bool dt_given = false;
  // A file exported by spiketlm (export.h) whose graph still matches the bundle it embeds is
  // re-imported as that bundle, unless options change it (inputs, labels, timesteps, samples,
  // encoding, membrane bits, per-tensor, calibration: the caller then sets this false).
  bool exact_reimport = true;
};

struct import_result {
  bundle b;                       // as the bundle reader reads it back
  std::string version;            // the NIR file's
  std::size_t nir_nodes = 0, nir_edges = 0, weights = 0;
  std::vector<quant_info> layers;
  std::vector<int> float_pred, int_pred;
  double agreement = 0;           // fraction of samples whose classes agree
  double float_accuracy = -1, int_accuracy = -1;  // against a labels file (-1: none)
  std::string inputs_note;        // where the inputs come from
  bool reimported = false;        // the bundle embedded by `spiketlm export`, as it was
};

// Imports `path` into a new bundle directory `out` (written complete or not at all; an
// existing bundle there is replaced). Every fault is a one-line error; nothing is written then.
import_result import_nir(const std::string& path, const std::string& out, const import_options& o);

}  // namespace spiketlm::nir
