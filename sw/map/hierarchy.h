// spiketlm: the memory hierarchy of a platform as the mapping explorer's cost model sees it,
// read from the elaborated platform: the same parameters and technology-table energies the
// TLM units use (never a second copy of a constant). See map.md.
#pragma once
#include <string>
#include <vector>

#include "sw/map/cost_model.h"

namespace spiketlm::map {

struct PlatformRequest {
  std::string config;                  // platform YAML
  std::vector<std::string> overrides;  // -c key=value
  std::string trace;                   // the bundle the platform is elaborated with
};

// Elaborates the platform (no run) and reads its hierarchy. SATA-shaped platforms only
// (platform.sata): others are a one-line error naming the kind.
Hierarchy hierarchy_of(const PlatformRequest& req);

}  // namespace spiketlm::map
