// spiketlm: the mapping explorer's results as a report (the one report writer, tlm/report.h):
// the search, baseline-vs-best per metric, per layer, and the Pareto set. See map.md.
#pragma once
#include "sw/map/search.h"
#include "tlm/report.h"

namespace spiketlm::map {

Report map_report(const CostModel& model, const Mapping& base, const SearchResult& r, const SearchOptions& o);

}  // namespace spiketlm::map
