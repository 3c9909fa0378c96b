// Clocks, clock synchronisation and failure detectors: each correct entry
// passes exhaustive checking at its default bounds (state counts pinned),
// each buggy variant violates the property it names and its trace replays.
// As a cross-check of the liveness verdicts independent of the liveness
// explorer, the detectors also run on an explicit fair, adversarial schedule
// of the plain world: the buggy ones loop without meeting their goal, the
// correct ones meet it.
#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/checker.h"
#include "harness/registry.h"
#include "harness/verdict.h"
#include "harness/world.h"
#include "protocols/clocks.h"
#include "protocols/failure_detector.h"

namespace faultline {
namespace {

struct Pinned {
  const char* name;
  int64_t states;
};

// Exhaustive at the defaults: verdict pass (complete, every Sometimes
// reached, liveness checked under weak fairness). A change of these numbers
// is a change of semantics.
TEST(Coordination, CorrectEntriesPassExhaustively) {
  const Pinned pinned[] = {
      {"lamport-clock", 128563},
      {"vector-clock", 128563},
      {"ntp-sync", 911443},
      {"perfect-failure-detector", 5542},
      {"eventually-perfect-failure-detector", 36971},
  };
  for (const Pinned& p : pinned) {
    const Entry* entry = FindEntry(p.name);
    ASSERT_NE(entry, nullptr) << p.name;
    ASSERT_TRUE(entry->expect_pass);
    const auto checker = entry->make(DefaultConfig(*entry));
    ExploreOptions options;
    options.limits = entry->limits;
    const Outcome o = checker->Explore(options);
    const Verdict verdict = Judge(*checker, o);
    EXPECT_EQ(verdict.name, "pass") << p.name << ": " << verdict.detail;
    EXPECT_EQ(o.states, p.states) << p.name;
  }
}

// Every buggy variant violates the property it names (safety or liveness)
// and the recorded trace, a lasso for liveness, reproduces it.
TEST(Coordination, BuggyVariantsViolateTheirPropertyAndReplay) {
  const char* names[] = {
      "lamport-clock:no-max",
      "vector-clock:no-merge",
      "vector-clock:lexicographic",
      "ntp-sync:no-halving",
      "ntp-sync:ignore-delay",
      "ntp-sync:no-delay-filter",
      "perfect-failure-detector:short-timeout",
      "perfect-failure-detector:no-reset",
      "eventually-perfect-failure-detector:no-reset",
      "eventually-perfect-failure-detector:constant-timeout",
  };
  for (const char* name : names) {
    const Entry* entry = FindEntry(name);
    ASSERT_NE(entry, nullptr) << name;
    ASSERT_FALSE(entry->expect_pass);
    const auto checker = entry->make(DefaultConfig(*entry));
    ExploreOptions options;
    options.limits = entry->limits;
    const Outcome o = checker->Explore(options);
    const Verdict verdict = Judge(*checker, o);
    ASSERT_EQ(verdict.name, "violation") << name << ": " << verdict.detail;
    EXPECT_EQ(verdict.property, entry->violates) << name;
    Trace trace = checker->Record(o.tape);
    trace.property = verdict.property;
    trace.loop_start = o.loop_start;  // liveness: the lasso's loop
    const ReplayResult r = checker->Replay(trace, nullptr);
    EXPECT_EQ(r.kind, ReplayResult::Kind::kReproduced) << name << ": " << r.message;
  }
}

TEST(Clocks, LamportClockReceiveTakesTheMaximum) {
  LamportClock a, b;
  EXPECT_EQ(a.Tick(), 1u);
  EXPECT_EQ(a.Tick(), 2u);
  EXPECT_EQ(b.Receive(a.time()), 3u);
  EXPECT_EQ(a.Receive(1), 3u);  // its own clock is larger: t + 1
}

TEST(Clocks, VectorOrderIsCausalNotLexicographic) {
  VectorTimestamp a(3), b(3);
  a.Tick(0);
  b.Tick(1);
  EXPECT_TRUE(Concurrent(a, b));
  EXPECT_TRUE(b < a);  // lexicographic: the pitfall vector-clock:lexicographic
  EXPECT_FALSE(Before(b, a));
  b.Merge(a);
  b.Tick(1);
  EXPECT_TRUE(Before(a, b));
  EXPECT_FALSE(Before(b, a));
  EXPECT_FALSE(Before(a, a));
}

// --- Liveness of the failure detectors, shown on explicit schedules. ---

using Detector = HeartbeatDetector;
using DetectorWorld = World<Detector>;

// A fair, adversarial scheduler: messages are delivered first; every up
// process's timeout fires once per turn, in turn; a reply held by the delay
// model goes out only once its requester's next timeout has fired, so every
// reply that may be late is late. `crash` crashes that process after the
// first turn (-1: none).
class Scheduler {
 public:
  explicit Scheduler(NodeId crash) : crash_(crash) {}

  Event Pick(const DetectorWorld& w, const std::vector<Event>& events) {
    for (const Event& e : events) {
      if (e.kind == EventKind::kDeliver) return e;
    }
    if (crash_ >= 0 && turns_ > 0) {
      for (const Event& e : events) {
        if (e.kind == EventKind::kCrash && e.node == crash_) {
          crash_ = -1;
          return e;
        }
      }
    }
    for (const Event& e : events) {  // late replies whose requester timed out
      if (e.kind == EventKind::kFire && (due_ & HeldBit(w, e.node, e.arg)) != 0) {
        due_ &= ~HeldBit(w, e.node, e.arg);
        return e;
      }
    }
    for (int pass = 0; pass < 2; ++pass) {
      for (const Event& e : events) {  // the next timeout of this turn
        if (e.kind == EventKind::kFire && e.arg == Detector::kTimeout &&
            (fired_ & (1u << e.node)) == 0) {
          fired_ |= 1u << e.node;
          for (const TimerKey& t : w.timers) {
            if (t.id == 1 + e.node) due_ |= HeldBit(w, t.node, t.id);
          }
          return e;
        }
      }
      fired_ = 0;
      ++turns_;
    }
    ADD_FAILURE() << "nothing to schedule";
    return events.front();
  }

  // The scheduler's own state, which decides what comes next.
  std::tuple<int, uint32_t, uint32_t> Key() const {
    return {(crash_ >= 0 ? 2 : 0) + std::min(turns_, 1), fired_, due_};
  }

 private:
  static uint32_t HeldBit(const DetectorWorld& w, NodeId holder, TimerId id) {
    return id == Detector::kTimeout ? 0 : 1u << (holder * w.node_count() + id - 1);
  }

  NodeId crash_;
  uint32_t fired_ = 0;  // processes whose timeout fired in this turn
  uint32_t due_ = 0;    // held replies whose requester has timed out since
  int turns_ = 0;
};

struct Lasso {
  std::vector<DetectorWorld> loop;  // the states of the cycle
  std::vector<Event> loop_events;
};

// Runs the schedule until the scheduler and the world repeat a state.
Lasso RunToLoop(const ActorModel<Detector>& model, NodeId crash) {
  Scheduler scheduler(crash);
  DetectorWorld w = model.Init(0);
  // (world digest, scheduler state) -> index in `states`
  std::map<std::pair<uint64_t, std::tuple<int, uint32_t, uint32_t>>, size_t> seen;
  std::vector<DetectorWorld> states;
  std::vector<Event> events, taken;
  for (int step = 0; step < 2000; ++step) {
    const auto [it, fresh] = seen.emplace(
        std::pair(model.Digest(w), scheduler.Key()), states.size());
    if (!fresh) {
      return {std::vector<DetectorWorld>(states.begin() + it->second, states.end()),
              std::vector<Event>(taken.begin() + it->second, taken.end())};
    }
    states.push_back(w);
    model.Actions(w, events);
    EXPECT_FALSE(events.empty());
    taken.push_back(scheduler.Pick(w, events));
    model.Step(w, taken.back(), nullptr);
  }
  ADD_FAILURE() << "no loop within 2000 steps";
  return {};
}

const Property<DetectorWorld>& PropertyNamed(const ActorModel<Detector>& m,
                                             const std::string& name) {
  for (const auto& p : m.properties()) {
    if (p.name == name) return p;
  }
  ADD_FAILURE() << "no property " << name;
  return m.properties().front();
}

// Strong fairness on the loop: every timer pending (at an up process) in
// some state of the loop fires in the loop, and so does every timeout.
bool Fair(const Lasso& lasso) {
  auto fires = [&](TimerKey t) {
    for (const Event& e : lasso.loop_events) {
      if (e.kind == EventKind::kFire && e.node == t.node && e.arg == t.id) return true;
    }
    return false;
  };
  for (const DetectorWorld& w : lasso.loop) {
    for (const TimerKey& t : w.timers) {
      if (w.up(t.node) && !fires(t)) return false;
    }
  }
  return true;
}

// Whether `goal` holds somewhere on the loop of the schedule.
bool GoalOnLoop(const Entry& entry, const std::string& goal, NodeId crash) {
  Detector d;
  d.kind = entry.name.rfind("perfect", 0) == 0 ? Detector::Kind::kPerfect
                                               : Detector::Kind::kEventuallyPerfect;
  d.bug = entry.name.find(":no-reset") != std::string::npos
              ? Detector::Bug::kNoReset
              : entry.name.find(":constant-timeout") != std::string::npos
                    ? Detector::Bug::kConstantTimeout
                    : Detector::Bug::kNone;
  const Config config = DefaultConfig(entry);
  d.nodes = static_cast<int>(config.params.at("nodes"));
  d.delay_bound = static_cast<int>(config.params.at("delay-bound"));
  d.slow_nodes = static_cast<int>(config.params.at("slow-nodes"));
  d.timeout = static_cast<int>(config.params.at("timeout"));
  d.stable_rounds = static_cast<int>(config.params.at("stable-rounds"));
  ActorModel<Detector> model(d, config.world);
  const Lasso lasso = RunToLoop(model, crash);
  EXPECT_FALSE(lasso.loop.empty());
  EXPECT_TRUE(Fair(lasso)) << entry.name;
  const auto& p = PropertyNamed(model, goal);
  EXPECT_EQ(p.kind, PropertyKind::kEventually);
  for (const DetectorWorld& w : lasso.loop) {
    if (p.holds(w)) return true;
  }
  return false;
}

TEST(FailureDetectorLiveness, PerfectDetectsACrashNoResetNever) {
  EXPECT_TRUE(GoalOnLoop(*FindEntry("perfect-failure-detector"),
                         "strong-completeness", 1));
  EXPECT_FALSE(GoalOnLoop(*FindEntry("perfect-failure-detector:no-reset"),
                          "strong-completeness", 1));
}

TEST(FailureDetectorLiveness, IncreasingTimeoutSettlesConstantTimeoutNever) {
  const Entry& good = *FindEntry("eventually-perfect-failure-detector");
  const Entry& bad = *FindEntry("eventually-perfect-failure-detector:constant-timeout");
  EXPECT_TRUE(GoalOnLoop(good, "eventual-strong-accuracy", -1));
  EXPECT_TRUE(GoalOnLoop(good, "eventual-strong-accuracy", 2));
  EXPECT_TRUE(GoalOnLoop(good, "strong-completeness", 2));
  EXPECT_FALSE(GoalOnLoop(bad, "eventual-strong-accuracy", -1));
}

}  // namespace
}  // namespace faultline
