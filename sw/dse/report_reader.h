// spiketlm sweep: a run's JSON report (written by tlm/report) read back into a Report.
#pragma once
#include <string>

#include "tlm/report.h"

namespace spiketlm::dse {

// Sections (with their units) and tables of the JSON report at `path`, with the value types
// the writer gave them (integers, reals, strings, nulls). One-line error on a file that is
// not such a report.
Report read_report_json(const std::string& path);

}  // namespace spiketlm::dse
