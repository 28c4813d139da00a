// spiketlm: the inputs of an imported network (traces/nir/README.md, "Inputs"):
//   --inputs X.npy of shape [N, T, *input_shape]: 0/1 spikes per timestep (any integer, float
//     or bool dtype; other values are an error);
//   --inputs X.npy of shape [N, *input_shape]: values with an encoding: poisson or rate (uint8
//     0..255 = probability v / 255, or floats in [0, 1] rounded to v = round(255 x)), or direct
//     (uint8 values times --input-scale, default 1/255; floats quantized to uint8 (>= 0) or
//     int8 with scale max|x| / 255 or / 127);
//   none: N images of uniformly drawn bytes (splitmix64 of the seed), with the encoding.
// The float reference gets the same spikes, or the original values for direct coding.
#pragma once
#include <string>
#include <vector>

#include "traces/nir/import.h"
#include "traces/nir/network.h"

namespace spiketlm::nir {

struct input_data {
  std::string encoding;            // the bundle's: spikes, poisson, rate, direct
  npy_array data;                  // the bundle's input.data
  npy_dtype dtype = npy_dtype::u8;
  double scale = 1.0;              // direct: real value of one unit
  int samples = 0, timesteps = 0;
  std::vector<double> raw;         // direct: the original values [N, size] (the float reference's)
  std::string note;
};

input_data make_inputs(const import_options& o, const network& net);
std::vector<std::int32_t> read_labels(const std::string& file, int samples, int classes);

}  // namespace spiketlm::nir
