// faultline in a user's own GoogleTest suite: check a protocol, match the
// verdict, and run property tests over generated fault plans (RapidCheck).
//
//   #include "harness/testing.h"
//   using namespace faultline::testing;
//
//   TEST(TicketLock, NoViolation) {
//     CheckOptions o;
//     o.name = "ticket-lock";
//     o.world.duplicates_max = 1;
//     o.limits.depth_max = 40;
//     EXPECT_THAT(CheckProtocol(TicketLock{}, o), HasNoViolation());
//   }
//
//   RC_GTEST_PROP(TicketLock, SafeUnderFaultPlans, ()) {
//     ProtocolCheck<TicketLock> check(TicketLock{}, o);
//     const FaultPlan plan = *GenFaultPlan(check.FaultClasses(), 30, 4);
//     RC_ASSERT(check.RunPlan(plan).verdict.name != "violation");
//   }
//
// On failure the matcher prints the verdict, the trace path, the command
// that replays it (the same test binary with FAULTLINE_REPLAY=PATH: a user's
// protocol is not in faultline's registry, so `faultline replay` cannot
// build it) and a step-by-step summary: which node did what, in order.
// RunPlan writes the trace of every violating plan to the same file, so
// after RapidCheck has shrunk, the file holds the smallest plan's run.
//
// Cost: CheckProtocol explores as `faultline check` does (bounded by
// CheckOptions::limits); RunPlan is one run of at most depth_max steps.
#ifndef FAULTLINE_HARNESS_TESTING_H_
#define FAULTLINE_HARNESS_TESTING_H_

#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/checker.h"
#include "harness/executor.h"
#include "harness/explore.h"
#include "harness/strategies.h"
#include "harness/trace.h"
#include "harness/verdict.h"
#include "harness/world.h"
#include "rapidcheck.h"

namespace faultline::testing {

struct CheckOptions {
  std::string name = "user-protocol";  // in trace files and their names
  WorldOptions world;                  // links, timers, fault budgets
  Limits limits;                       // bounds: hitting one is not a pass
  Strategy strategy = Strategy::kBfs;  // or kDfs, kRandom, kSwarm, kPct
  uint64_t seed = 1;                   // sampling strategies
  // Where traces go: this, else $FAULTLINE_TRACE_DIR (set by
  // faultline_add_check), else GoogleTest's temporary directory.
  std::string trace_dir;
};

struct CheckReport {
  std::string name;
  Verdict verdict;
  Outcome outcome;
  std::string trace_path;      // set when a violation was found
  std::string replay_command;  // re-runs the trace in this test binary
  std::string summary;         // the counterexample, one line per step
};

inline std::ostream& operator<<(std::ostream& os, const CheckReport& r) {
  os << r.name << ": verdict " << r.verdict.name;
  if (!r.verdict.property.empty()) os << " (" << r.verdict.property << ")";
  if (!r.verdict.detail.empty()) os << ": " << r.verdict.detail;
  os << absl::StrFormat("\n  explored: %d states, %d transitions, depth %d, %.2f s",
                        r.outcome.states, r.outcome.transitions, r.outcome.depth,
                        r.outcome.seconds);
  if (!r.trace_path.empty()) {
    os << "\n  trace: " << r.trace_path << "\n  replay: " << r.replay_command
       << "\n" << r.summary;
  }
  return os;
}

namespace internal {

inline std::string TraceDir(const CheckOptions& o) {
  std::string dir = o.trace_dir;
  if (dir.empty()) {
    const char* env = std::getenv("FAULTLINE_TRACE_DIR");
    dir = env && *env ? env : ::testing::TempDir() + "faultline-traces";
  }
  mkdir(dir.c_str(), 0755);
  return dir;
}

inline std::string ReplayCommand(const std::string& path) {
  std::string command = absl::StrCat("FAULTLINE_REPLAY=", path, " ");
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    absl::StrAppend(&command, ::testing::internal::GetArgvs().empty()
                                  ? "TEST_BINARY"
                                  : ::testing::internal::GetArgvs()[0],
                    " --gtest_filter=", info->test_suite_name(), ".", info->name());
  }
  return command;
}

// One line per step: "  3. deliver Release c1->server".
inline std::string Summary(const Trace& trace) {
  std::string s = absl::StrCat("  ", trace.steps.size(), " steps to ", trace.property,
                               " (found by ", trace.found_by, "):\n");
  for (size_t k = 0; k < trace.steps.size(); ++k) {
    absl::StrAppend(&s, absl::StrFormat("  %3d. %s\n", k + 1, trace.steps[k].event));
  }
  return s;
}

// Writes the violation in `r.outcome` as a trace at `path` and fills the
// report's trace fields.
inline void WriteViolation(const Checker& checker, const CheckOptions& o,
                           const std::string& found_by, const std::string& path,
                           CheckReport& r) {
  Trace trace = checker.Record(r.outcome.tape);
  trace.protocol = o.name;
  trace.property = r.verdict.property;
  trace.loop_start = r.outcome.loop_start;
  trace.found_by = found_by;
  const absl::Status st = WriteFileAtomically(path, FormatTrace(trace));
  r.trace_path = st.ok() ? path : absl::StrCat("(not written: ", st.message(), ")");
  r.replay_command = ReplayCommand(path);
  r.summary = Summary(trace);
}

// FAULTLINE_REPLAY=PATH: re-run that trace instead of exploring.
inline bool MaybeReplay(const Checker& checker, const CheckOptions& o, CheckReport& r) {
  const char* path = std::getenv("FAULTLINE_REPLAY");
  if (path == nullptr || *path == '\0') return false;
  absl::StatusOr<Trace> trace = ReadTraceFile(path);
  if (!trace.ok() || trace->protocol != o.name) return false;
  std::string narration;
  const ReplayResult replay = checker.Replay(*trace, &narration);
  const bool reproduced = replay.kind == ReplayResult::Kind::kReproduced;
  r.verdict.name = reproduced ? "violation" : "replay-failed";
  r.verdict.property = trace->property;
  r.verdict.detail = replay.message;
  r.trace_path = path;
  r.replay_command = ReplayCommand(path);
  r.summary = narration;
  return true;
}

}  // namespace internal

// Explores `checker` as `faultline check` would and writes a trace of any
// violation.
inline CheckReport CheckWith(const Checker& checker, const CheckOptions& o) {
  CheckReport r;
  r.name = o.name;
  if (internal::MaybeReplay(checker, o, r)) return r;
  ExploreOptions explore;
  explore.strategy = o.strategy;
  explore.limits = o.limits;
  explore.seed = o.seed;
  r.outcome = checker.Explore(explore);
  r.verdict = Judge(checker, r.outcome);
  if (r.verdict.name == "violation") {
    const std::string path = UnusedPath(absl::StrCat(
        internal::TraceDir(o), "/", o.name, ".", r.verdict.property, ".trace"));
    const std::string by = r.outcome.found_by.empty()
                               ? absl::StrCat("testing seed=", o.seed)
                               : r.outcome.found_by;
    internal::WriteViolation(checker, o, by, path, r);
  }
  return r;
}

template <typename P>
CheckReport CheckProtocol(P protocol, const CheckOptions& o) {
  return CheckWith(*MakeActorChecker(std::move(protocol), o.world), o);
}

// ---- Matchers ----

// No violation within the bounds (a bounds-exhausted run matches: use
// PassesExhaustively() to require that every reachable state was seen).
MATCHER(HasNoViolation, "has no violation within its bounds") {
  *result_listener << arg;
  return arg.verdict.name == "pass" || arg.verdict.name == "bounds-exhausted";
}

MATCHER(PassesExhaustively, "passes: every reachable state explored") {
  *result_listener << arg;
  return arg.verdict.name == "pass";
}

// For known-bad variants: the check must find a violation of `property`.
MATCHER_P(ViolatesProperty, property,
          absl::StrCat("violates ", ::testing::PrintToString(property))) {
  *result_listener << arg;
  return arg.verdict.name == "violation" && arg.verdict.property == property;
}

// ---- Fault plans (RapidCheck) ----

// A fault at a step: the `pick`-th enabled fault of class `fault_class`
// (an index into the model's FaultClassNames(), modulo the enabled ones).
struct PlannedFault {
  uint32_t step = 0;
  uint32_t fault_class = 0;
  uint32_t pick = 0;
  bool operator==(const PlannedFault&) const = default;
};

// Which faults at which steps. Every other step takes the harmless choice:
// the first ordinary event (the oldest deliverable message, then timers and
// requests), so a plan alone decides the run.
struct FaultPlan {
  std::vector<PlannedFault> faults;
};

inline std::ostream& operator<<(std::ostream& os, const FaultPlan& plan) {
  os << "FaultPlan{";
  for (const PlannedFault& f : plan.faults) {
    os << " step " << f.step << ": class " << f.fault_class << " #" << f.pick << ";";
  }
  return os << " }";
}

// Plans of at most `faults_max` faults of the given classes at steps below
// `steps_max`. Shrinks by dropping faults and moving them to earlier steps,
// earlier classes in the list and lower picks.
inline rc::Gen<FaultPlan> GenFaultPlan(std::vector<uint32_t> fault_classes,
                                       int steps_max, int faults_max) {
  FL_CHECK(!fault_classes.empty() && steps_max >= 1 && faults_max >= 0);
  // Fixed size for a fault's fields: RapidCheck scales inRange by the test
  // size, which would keep early tests' faults at the first steps.
  auto one = rc::gen::resize(100, rc::gen::build<PlannedFault>(
      rc::gen::set(&PlannedFault::step, rc::gen::inRange<uint32_t>(0, steps_max)),
      rc::gen::set(&PlannedFault::fault_class,
                   rc::gen::elementOf(std::move(fault_classes))),
      rc::gen::set(&PlannedFault::pick, rc::gen::inRange<uint32_t>(0, 8))));
  return rc::gen::map(rc::gen::container<std::vector<PlannedFault>>(one),
                      [faults_max](std::vector<PlannedFault> faults) {
                        if (faults.size() > static_cast<size_t>(faults_max)) {
                          faults.resize(faults_max);
                        }
                        return FaultPlan{std::move(faults)};
                      });
}

// A protocol under test: exploration, and single runs under fault plans.
template <typename P>
class ProtocolCheck {
 public:
  ProtocolCheck(P protocol, CheckOptions options)
      : options_(std::move(options)),
        model_(std::make_unique<const ActorModel<P>>(protocol, options_.world)),
        checker_(MakeActorChecker(std::move(protocol), options_.world)) {}

  CheckReport Check() const { return CheckWith(*checker_, options_); }

  // The fault classes the world's budgets allow (indexes into
  // ActorModel::FaultClassNames(): drop, duplicate, crash, partition,
  // byzantine); plans of other classes would do nothing.
  std::vector<uint32_t> FaultClasses() const {
    const WorldOptions& w = options_.world;
    const bool on[] = {w.drops_max > 0, w.duplicates_max > 0, w.crashes_max > 0,
                       w.partitions_max > 0, w.byzantine_max > 0 || w.traitors != 0};
    std::vector<uint32_t> out;
    for (uint32_t c = 0; c < std::size(on); ++c) {
      if (on[c]) out.push_back(c);
    }
    FL_CHECK(FaultClassNamesOf(*model_).size() == std::size(on));
    return out;
  }

  // One run under `plan`. A violation is written to NAME.plan.trace in the
  // trace directory, replacing the previous one: RapidCheck's last failing
  // plan is its shrunk one.
  CheckReport RunPlan(const FaultPlan& plan) const {
    CheckReport r;
    r.name = options_.name;
    r.outcome = Run(plan);
    r.verdict = Judge(*checker_, r.outcome);
    if (r.verdict.name == "violation") {
      std::ostringstream shown;
      shown << plan;
      internal::WriteViolation(*checker_, options_, absl::StrCat("fault-plan ", shown.str()),
                               absl::StrCat(internal::TraceDir(options_), "/",
                                            options_.name, ".plan.trace"),
                               r);
    }
    return r;
  }

 private:
  using M = ActorModel<P>;

  // The index of the action a plan takes at `step`, or -1 to stop.
  int64_t Choose(const FaultPlan& plan, const typename M::State& s,
                 const std::vector<Event>& actions, uint32_t step) const {
    for (const PlannedFault& f : plan.faults) {
      if (f.step != step) continue;
      std::vector<uint32_t> of_class;
      for (uint32_t i = 0; i < actions.size(); ++i) {
        if (FaultClassOf(*model_, s, actions[i]) == static_cast<int>(f.fault_class)) {
          of_class.push_back(i);
        }
      }
      if (!of_class.empty()) return of_class[f.pick % of_class.size()];
    }
    for (uint32_t i = 0; i < actions.size(); ++i) {
      if (FaultClassOf(*model_, s, actions[i]) < 0) return i;
    }
    return -1;  // only faults are enabled, and the plan has none here
  }

  Outcome Run(const FaultPlan& plan) const {
    Outcome out;
    out.stop = Stop::kRuns;
    Executor<M> ex(*model_);
    PropertyTracker<typename M::State> tracker(model_->properties());
    ex.Reset(0);
    std::vector<Event> actions;
    for (int64_t depth = 0;; ++depth) {
      out.depth = depth;
      ++out.states;
      out.violated = tracker.Check(ex.state());
      if (out.violated >= 0) {
        out.stop = Stop::kViolation;
        out.tape = ex.tape();
        break;
      }
      ex.Actions(actions);
      if (actions.empty()) break;
      if (depth >= options_.limits.depth_max) {
        out.depth_cut = true;
        break;
      }
      const int64_t choice = Choose(plan, ex.state(), actions, static_cast<uint32_t>(depth));
      if (choice < 0) break;
      ex.Apply(static_cast<uint32_t>(choice), actions[choice]);
      ++out.transitions;
    }
    out.sometimes_reached = tracker.reached();
    return out;
  }

  CheckOptions options_;
  std::unique_ptr<const ActorModel<P>> model_;  // for stepping plans
  std::unique_ptr<Checker> checker_;           // the same model, type-erased
};

}  // namespace faultline::testing

#endif  // FAULTLINE_HARNESS_TESTING_H_
