// Shrinking: a shorter trace that still violates the same property.
//
// Delta debugging over the events of a trace (Zeller & Hildebrandt, 2002):
// remove a chunk of events (faults, client requests, deliveries, timer
// firings alike), halving the chunk size down to single events, and keep a
// removal whenever the rest still violates the property. The rest is
// repaired by re-running it (Checker::RunEvents): a wanted event that is no
// longer enabled is skipped, so removing a send makes its deliveries vanish,
// and the run stops at the first violating state. Passes repeat until one
// whole pass removes nothing, so the result is 1-minimal (no single event can
// be removed) and shrinking it again returns it unchanged.
//
//   absl::StatusOr<ShrinkResult> r = ShrinkTrace(*checker, trace, {});
//   if (r.ok()) WriteFileAtomically(path, FormatTrace(r->trace));
//
// Cost: a pass re-runs the trace about twice per event, each run is linear in
// its length times the enabled events per step; runs_max and seconds_max
// bound it (the result is then shorter but not proven 1-minimal).
#ifndef FAULTLINE_HARNESS_SHRINK_H_
#define FAULTLINE_HARNESS_SHRINK_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "harness/checker.h"
#include "harness/trace.h"

namespace faultline {

struct ShrinkOptions {
  int64_t runs_max = 100'000;  // re-runs of candidate event lists
  double seconds_max = 60;
};

struct ShrinkResult {
  Trace trace;              // replays and violates the same property
  size_t steps_before = 0;
  int64_t runs = 0;         // candidate event lists tried
  double seconds = 0;
  bool minimal = false;     // false: a bound stopped it before the fixpoint
};

// Shrinks a trace that reproduces on `checker`; an error if it does not.
absl::StatusOr<ShrinkResult> ShrinkTrace(const Checker& checker,
                                         const Trace& trace,
                                         const ShrinkOptions& options);

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_SHRINK_H_
