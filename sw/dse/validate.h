// spiketlm sweep: checking every point through the one parameter system before anything runs.
#pragma once
#include <vector>

#include "sw/dse/plan.h"
#include "sw/dse/spec.h"

namespace spiketlm::dse {

// Elaborates (builds the platform and checks every key, without simulating) a set of points
// that together hold every value of every axis: for each discrete value the first point that
// has it, for an interval the points with its smallest and largest drawn value (the
// parameter system's ranges are intervals, so the values between are checked by these).
// Points are elaborated in this process one after the other. An unknown key, a value out of
// a parameter's range or of its choices, a bad base configuration: one-line error
//   "<sweep file>:<line>: axes: point N (key=value, ...): <the parameter system's message>".
// Returns the number of elaborations.
int validate_plan(const SweepSpec& s, const std::vector<Point>& points);

// Types the intervals of random/LHS axes from the parameter system: a key the base
// configuration declares as an int is drawn as integers, as a double as reals, whatever the
// bounds' literals (a key the base does not declare keeps the literals' rule: integers when
// both bounds are written as integers). One elaboration of the base configuration; if it fails,
// nothing changes (validate_plan() reports the error).
void type_intervals(SweepSpec& s);

// The representative points validate_plan() elaborates (indexes into `points`, ascending).
std::vector<size_t> representatives(const SweepSpec& s, const std::vector<Point>& points);

}  // namespace spiketlm::dse
