// spiketlm sweep: the values along one axis (a stepped range, a log range, an interval).
#pragma once
#include <cstdint>
#include <string>

#include "sw/dse/spec.h"

namespace spiketlm::dse {

struct RangeSpec {
  double from = 0, to = 0;
  double step = 0;        // linear: > 0 gives discrete values from, from+step, ... <= to
  int64_t points = 0;     // log: > 0 gives that many geometric values from..to
  bool log_scale = false;
  bool integer = false;   // from, to (and step) written as integers: values are integers
};

// The axis values of `r` (discrete when step/points are given, else a continuous interval for
// random/LHS sampling). `where` ("file:line: axes[0].log") prefixes errors: a log range whose
// integer values repeat, more than a million values.
AxisKey range_values(const RangeSpec& r, const std::string& where);

// A number as `-c` text: integers exactly; other values with `digits` significant digits.
std::string number_text(double v, bool integer, int digits = 10);
// Whether YAML scalar text is an integer literal ("32", "-4"; not "32.0", "1e3").
bool is_integer_text(const std::string& s);
// `p` made absolute against directory `dir` (unless already absolute), normalised.
std::string absolute_from(const std::string& dir, const std::string& p);

}  // namespace spiketlm::dse
