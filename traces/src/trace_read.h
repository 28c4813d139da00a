// spiketlm: reading one layer of trace.yaml (internal to traces/src; FORMAT.md section 2).
//
// trace_read.cpp reads the document (header, input, the layer list, reference) and calls
// read_layer for each entry of `layers`; trace_read_layer.cpp checks the layer's keys, its
// wiring, geometry, neuron and tensors (functional) or input rates (workload).
#pragma once
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "traces/src/trace.h"
#include "traces/src/trace_fields.h"

namespace spiketlm {
namespace trace_read {

// What the layers after a layer need to know about its output values.
struct layer_out {
  double scale = 1.0;   // scale of the output values
  bool binary = false;  // a neuron map (0/1 spikes; ann: relu activations)
  int bits = 32;        // width of the output values (layer::in_bits of a reader)
};

// The state of reading the layer list of one bundle.
struct layer_list {
  bundle& b;
  std::string dir;
  trace_fields::where wl;  // the `layers` key
  bool fn = false, ann = false;
  int input_bits = 8;
  std::map<std::string, int> by_name;
  std::vector<layer_out> outs;
};

// Reads layers[i] and appends it to L.b.layers.
void read_layer(layer_list& L, const YAML::Node& ls, std::size_t i);

}  // namespace trace_read
}  // namespace spiketlm
