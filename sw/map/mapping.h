// spiketlm: a mapping of an SNN onto a memory hierarchy (STEMS-style: time is a loop
// dimension, neuron state an operand with its own placement). Serialisable as YAML. See map.md.
//
// The schedule is a sequence of layer groups in network order. A group runs
//   for each batch of `time_batch` timesteps:  for each layer of the group:  that batch
// so time_batch 1 is time-outer (output-stationary order) and time_batch T is time-inner
// (tick-batch order). `fuse` keeps the spikes a group's layers pass to each other on chip (in
// the ifmap buffer, one batch at a time); without it every layer output goes to DRAM.
// Per firing layer, `state` says where the neuron state waits between two batches: `dram`,
// `glb` (on chip, counted against the state budget) or `none` (state removal: the membrane
// does not carry over between timesteps; this changes the network's function).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sw/map/network_view.h"

namespace spiketlm::map {

enum class State { dram, glb, none };
const char* state_name(State s);

struct Group {
  int first = 0, last = 0;  // layers [first, last]
  int time_batch = 1;
  bool fuse = false;
};

struct Mapping {
  std::vector<Group> groups;       // cover every layer once, in order
  std::vector<State> state;        // per layer (ignored for layers without a state)

  bool operator==(const Mapping& o) const;
};

// Output-stationary order (one group, time_batch 1, states in DRAM): SATA's default schedule.
Mapping baseline(const Network& n);
// Each layer once for all timesteps (tick-batch order).
Mapping time_inner(const Network& n);

// YAML text of a mapping, with layer names (loads back unchanged with read_mapping).
std::string to_yaml(const Mapping& m, const Network& n);
// Reads and validates (structure only; fit is the cost model's check): one-line errors
// "<file>: groups[2].time_batch: expected 1..4, got 0" naming the group, layer and field.
Mapping read_mapping(const std::string& path, const Network& n);
Mapping parse_mapping(const std::string& yaml, const std::string& origin, const Network& n);

}  // namespace spiketlm::map
