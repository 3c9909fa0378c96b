#include "harness/checker.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace faultline {

ReplayResult ReplayBounded(const Trace& trace, const BoundedWitness& w,
                           std::string* narration) {
  ReplayResult r;
  r.kind = ReplayResult::Kind::kNotViolated;
  const int64_t n = static_cast<int64_t>(trace.steps.size());
  const int64_t h = trace.heal_step;
  const int64_t since = w.owed.since(static_cast<size_t>(w.property));
  if (w.repair_left) {
    r.message = absl::StrCat("not a bounded-liveness run: after the heal at step ", h,
                             " a partition or a crashed node is still to repair");
  } else if (w.fault_after_heal > 0) {
    r.message = absl::StrCat("not a bounded-liveness run: step ", w.fault_after_heal,
                             " injects a fault after the heal at step ", h);
  } else if (w.owed.Missed(static_cast<size_t>(w.property), n)) {
    r.kind = ReplayResult::Kind::kReproduced;
    r.message = absl::StrCat(trace.property, " not reached within ", trace.liveness_steps,
                             " steps after the heal at step ", h, " (owed since step ",
                             since, "; bounded-liveness violation)");
  } else if (since >= 0 && !w.calm_at_end) {
    r.kind = ReplayResult::Kind::kReproduced;
    r.message = absl::StrCat(trace.property, " never holds: after the heal at step ", h,
                             " the run stops at step ", n, " with the goal owed since step ",
                             since, " (bounded-liveness violation)");
  } else {
    r.message = absl::StrCat("every step replayed, but ", trace.property,
                             " is not missed: its goal is not owed past ",
                             trace.liveness_steps, " steps after the heal at step ", h);
  }
  if (narration && r.kind == ReplayResult::Kind::kReproduced) {
    absl::StrAppend(narration, ">>> ", r.message, "\n");
  }
  return r;
}

ReplayResult ReplayLiveness(const Trace& trace, const LoopWitness& loop,
                            const std::vector<std::string>& fair_at_end,
                            std::string* narration) {
  ReplayResult r;
  r.kind = ReplayResult::Kind::kNotViolated;
  const int64_t n = static_cast<int64_t>(trace.steps.size());
  const int64_t start = trace.loop_start;
  if (!loop.GoalOwedForever()) {
    r.message = absl::StrCat("every step replayed, but the goal of ", trace.property,
                             " is reached after it is owed");
  } else if (start == Trace::kSafety) {
    r.message = absl::StrCat(trace.property,
                             " is a liveness property but the trace has no loop line");
  } else if (start == Trace::kStops && !fair_at_end.empty()) {
    r.message = absl::StrCat("the run does not stop: '", fair_at_end.front(),
                             "' is still enabled and fair");
  } else if (start == Trace::kStops) {
    r.kind = ReplayResult::Kind::kReproduced;
    r.message = absl::StrCat(trace.property, " never holds: the run stops after step ",
                             n, " with no fair event enabled");
  } else if (start >= n || loop.digests[n] != loop.digests[start]) {
    r.message = absl::StrCat("the loop does not close: the state after step ", n,
                             " differs from the state after step ", start);
  } else {
    for (const std::string& e : loop.always_enabled) {
      if (std::find(loop.taken.begin(), loop.taken.end(), e) == loop.taken.end()) {
        r.message = absl::StrCat("the loop is unfair: '", e,
                                 "' is enabled throughout it but never happens");
        return r;
      }
    }
    r.kind = ReplayResult::Kind::kReproduced;
    r.message = absl::StrCat(trace.property, " never holds: steps ", start + 1, "..", n,
                             " return to the state after step ", start,
                             " and repeat forever, fairly");
  }
  if (narration && r.kind == ReplayResult::Kind::kReproduced) {
    absl::StrAppend(narration, ">>> ", r.message, "\n");
  }
  return r;
}

}  // namespace faultline
