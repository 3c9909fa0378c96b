#include "harness/shrink.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/assert.h"

namespace faultline {
namespace {

class Shrinker {
 public:
  Shrinker(const Checker& checker, const Trace& trace,
           const ShrinkOptions& options)
      : checker_(checker),
        trace_(trace),
        options_(options),
        start_(std::chrono::steady_clock::now()) {
    for (const TraceStep& s : trace.steps) events_.push_back(s.event);
  }

  // One pass of chunk removals, chunk sizes n/2, n/4, ..., 1; true if it
  // removed anything.
  bool Pass() {
    bool changed = false;
    for (size_t chunk = std::max<size_t>(events_.size() / 2, 1); chunk >= 1;
         chunk /= 2) {
      for (size_t begin = 0; begin < events_.size() && !OutOfBudget();) {
        std::vector<std::string> candidate(events_.begin(),
                                           events_.begin() + begin);
        const size_t end = std::min(events_.size(), begin + chunk);
        candidate.insert(candidate.end(), events_.begin() + end, events_.end());
        if (Try(candidate)) {
          changed = true;  // the same position now holds later events
        } else {
          begin += chunk;
        }
      }
      if (chunk == 1) break;
    }
    return changed;
  }

  bool OutOfBudget() const {
    return runs_ >= options_.runs_max || Seconds() > options_.seconds_max;
  }
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }
  int64_t runs() const { return runs_; }
  const std::optional<Tape>& best() const { return best_; }

  // Runs the whole trace once, which also proves it violates the property
  // the way RunEvents re-runs events (it may already be shorter: the run
  // stops at the first violating state).
  bool Init() { return Try(events_); }

 private:
  bool Try(const std::vector<std::string>& candidate) {
    ++runs_;
    std::optional<Tape> tape =
        checker_.RunEvents(trace_.init, candidate, trace_.property);
    if (!tape) return false;
    const Trace shorter = checker_.Record(*tape);
    events_.clear();
    for (const TraceStep& s : shorter.steps) events_.push_back(s.event);
    best_ = std::move(tape);
    return true;
  }

  const Checker& checker_;
  const Trace& trace_;
  const ShrinkOptions& options_;
  std::chrono::steady_clock::time_point start_;
  std::vector<std::string> events_;
  std::optional<Tape> best_;
  int64_t runs_ = 0;
};

}  // namespace

absl::StatusOr<ShrinkResult> ShrinkTrace(const Checker& checker,
                                         const Trace& trace,
                                         const ShrinkOptions& options) {
  const ReplayResult replay = checker.Replay(trace, nullptr);
  if (replay.kind != ReplayResult::Kind::kReproduced) {
    return absl::InvalidArgumentError(absl::StrCat(
        "only a trace that reproduces its violation can be shrunk: ",
        replay.message));
  }
  Shrinker shrinker(checker, trace, options);
  if (!shrinker.Init()) {
    return absl::InternalError(absl::StrCat(
        "the trace reproduces on replay but not when its events are re-run "
        "by name: two enabled events of some step share a description"));
  }
  bool minimal = false;
  while (!shrinker.OutOfBudget()) {
    if (!shrinker.Pass()) {
      minimal = !shrinker.OutOfBudget();
      break;
    }
  }
  ShrinkResult result;
  result.trace = checker.Record(*shrinker.best());
  result.trace.protocol = trace.protocol;
  result.trace.config = trace.config;
  result.trace.property = trace.property;
  result.trace.found_by = trace.found_by;
  result.steps_before = trace.steps.size();
  result.runs = shrinker.runs();
  result.seconds = shrinker.Seconds();
  result.minimal = minimal;
  FL_CHECK(result.trace.steps.size() <= trace.steps.size());
  const ReplayResult check = checker.Replay(result.trace, nullptr);
  if (check.kind != ReplayResult::Kind::kReproduced) {
    return absl::InternalError(absl::StrCat(
        "the shrunk trace does not reproduce (nondeterminism?): ",
        check.message));
  }
  return result;
}

}  // namespace faultline
