// spiketlm sweep: the tidy results of a sweep (one row per point) and its Pareto front.
#pragma once
#include <string>

#include "sw/dse/folder.h"
#include "sw/dse/spec.h"
#include "sw/dse/store.h"
#include "tlm/report.h"

namespace spiketlm::dse {

// Built from the database. Section "sweep": name, points and how many are in each state,
// objectives; section "units": the unit of each metric. Table "points": one row per point:
// point, state, one column per axis key (the `-c` text the point ran with: integers as
// numbers when every value of the key is one, else text), one per summary metric of the reports (their keys:
// energy, latency, accuracy, ...; an objective given as section.key adds that column),
// pareto (1 on the front), seconds, error, dir. Table "pareto": the front's rows, ordered by
// the first objective. Failed and unfinished points have empty metrics and are never on the
// front; an objective no finished point reports leaves the front empty (warning).
Report sweep_results(Store& st, const SweepSpec& s, const SweepFolder& f, const std::vector<Point>& pts);

// results.csv (table "points", plain CSV), results.json (the whole report), pareto.csv.
void write_results(const Report& r, const SweepFolder& f);

}  // namespace spiketlm::dse
