// Shrinking: a shrunk trace replays and fails the same property, cannot lose
// any single further step, and shrinking it again changes nothing.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/checker.h"
#include "harness/shrink.h"
#include "harness/trace.h"
#include "protocols/paxos.h"
#include "protocols/two_generals.h"
#include "protocols/two_phase_spec.h"
#include "rapidcheck/gtest.h"

namespace faultline {
namespace {

// Noise a random walk can wander through: extra drops and duplicates. Not
// partitions: with synchronous timers a partition lets a deadline pass while
// a messenger waits, another 1-minimal counterexample of 6 steps (partition,
// A's deadline, heal, ...) that this test's first version found.
WorldOptions NoisyGenerals() {
  WorldOptions w;
  w.timers = TimerModel::kSynchronous;
  w.drops_max = 2;
  w.duplicates_max = 3;
  return w;
}

// The first violation random walks from `seed` find, as a trace.
std::optional<Trace> Sampled(const Checker& checker, uint64_t seed,
                             int64_t depth_max) {
  ExploreOptions o;
  o.strategy = Strategy::kRandom;
  o.seed = seed;
  o.limits.depth_max = depth_max;
  o.limits.runs_max = 500;
  const Outcome out = checker.Explore(o);
  if (out.stop != Stop::kViolation) return std::nullopt;
  Trace trace = checker.Record(out.tape);
  trace.protocol = "test";
  trace.property = checker.Properties()[out.violated].name;
  trace.found_by = "random";
  return trace;
}

std::vector<std::string> Events(const Trace& t) {
  std::vector<std::string> out;
  for (const TraceStep& s : t.steps) out.push_back(s.event);
  return out;
}

// No single event can be removed: checked here by re-running every
// candidate, independently of the shrinker's own bookkeeping.
bool OneMinimal(const Checker& checker, const Trace& t) {
  const std::vector<std::string> events = Events(t);
  for (size_t i = 0; i < events.size(); ++i) {
    std::vector<std::string> fewer = events;
    fewer.erase(fewer.begin() + i);
    if (checker.RunEvents(t.init, fewer, t.property)) return false;
  }
  return true;
}

TEST(RunEvents, SkipsEventsThatAreNotEnabled) {
  WorldOptions w;
  w.timers = TimerModel::kSynchronous;
  w.drops_max = 1;
  const auto checker = MakeActorChecker(TwoGenerals{.messengers = 1}, w);
  // Messenger(5) does not exist and Messenger(1) is gone once dropped.
  const std::vector<std::string> wanted = {
      "deliver Messenger(5) A->B", "drop Messenger(1) A->B",
      "deliver Messenger(1) A->B", "timer 0 fires at A", "timer 0 fires at B",
      "timer 0 fires at A"};
  const std::optional<Tape> tape = checker->RunEvents(0, wanted, "agreement");
  ASSERT_TRUE(tape.has_value());
  EXPECT_EQ(Events(checker->Record(*tape)),
            (std::vector<std::string>{"drop Messenger(1) A->B",
                                      "timer 0 fires at A",
                                      "timer 0 fires at B"}));
  // Without the drop, B receives its messenger and both attack.
  EXPECT_FALSE(checker->RunEvents(0, {"deliver Messenger(1) A->B",
                                      "timer 0 fires at A", "timer 0 fires at B"},
                                  "agreement"));
  EXPECT_FALSE(checker->RunEvents(0, wanted, "no-such-property"));
}

TEST(Shrink, NoisyTwoGeneralsRunShrinksToTheLastMessengerLost) {
  // Any disagreement needs messengers 1..k-1 delivered, messenger k lost and
  // both deadlines: k + 2 steps, and every 1-minimal run has exactly those.
  const auto checker =
      MakeActorChecker(TwoGenerals{.messengers = 3}, NoisyGenerals());
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const std::optional<Trace> found = Sampled(*checker, seed, 60);
    ASSERT_TRUE(found.has_value()) << "seed " << seed;
    const absl::StatusOr<ShrinkResult> r = ShrinkTrace(*checker, *found, {});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->minimal);
    EXPECT_EQ(r->trace.steps.size(), 5u) << FormatTrace(r->trace);
    EXPECT_EQ(Events(r->trace)[2], "drop Messenger(3) A->B");
    EXPECT_EQ(checker->Replay(r->trace, nullptr).kind,
              ReplayResult::Kind::kReproduced);
  }
}

TEST(Shrink, NoisyPaxosRunsGetShorter) {
  Paxos p;
  p.bug = Paxos::Bug::kForgetAccepted;
  WorldOptions w;
  w.crashes_max = 1;
  w.duplicates_max = 2;
  w.drops_max = 2;
  const auto checker = MakeActorChecker(p, w);
  int shorter = 0;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const std::optional<Trace> found = Sampled(*checker, seed, 100);
    ASSERT_TRUE(found.has_value());
    const absl::StatusOr<ShrinkResult> r = ShrinkTrace(*checker, *found, {});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(OneMinimal(*checker, r->trace));
    if (r->trace.steps.size() < found->steps.size()) ++shorter;
  }
  EXPECT_GT(shorter, 0);  // the walks did wander: shrinking did work
}

TEST(Shrink, IsIdempotentAndKeepsTheHeader) {
  Paxos p;
  p.bug = Paxos::Bug::kForgetAccepted;
  WorldOptions w;
  w.crashes_max = 1;
  w.duplicates_max = 2;
  w.drops_max = 1;
  const auto checker = MakeActorChecker(p, w);
  const std::optional<Trace> found = Sampled(*checker, 11, 80);
  ASSERT_TRUE(found.has_value());
  const absl::StatusOr<ShrinkResult> once = ShrinkTrace(*checker, *found, {});
  ASSERT_TRUE(once.ok()) << once.status();
  EXPECT_LE(once->trace.steps.size(), found->steps.size());
  EXPECT_EQ(once->trace.property, found->property);
  EXPECT_EQ(once->trace.protocol, found->protocol);
  EXPECT_TRUE(OneMinimal(*checker, once->trace));
  const absl::StatusOr<ShrinkResult> twice =
      ShrinkTrace(*checker, once->trace, {});
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->trace, once->trace);
}

TEST(Shrink, WorksOnATransitionSystem) {
  const auto checker =
      MakeChecker<TwoPhaseSpec>(std::make_unique<const TwoPhaseSpec>(3, true));
  const std::optional<Trace> found = Sampled(*checker, 5, 100);
  ASSERT_TRUE(found.has_value());
  const absl::StatusOr<ShrinkResult> r = ShrinkTrace(*checker, *found, {});
  ASSERT_TRUE(r.ok()) << r.status();
  // BFS's shortest is 3 steps (TMCommit, an RM aborts, another commits).
  EXPECT_EQ(r->trace.steps.size(), 3u) << FormatTrace(r->trace);
  EXPECT_TRUE(OneMinimal(*checker, r->trace));
}

TEST(Shrink, RefusesATraceThatDoesNotReproduce) {
  const auto checker = MakeActorChecker(TwoGenerals{}, NoisyGenerals());
  Trace t;
  t.property = "agreement";
  t.init_digest = 1;  // wrong
  const absl::StatusOr<ShrinkResult> r = ShrinkTrace(*checker, t, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("reproduces"), std::string::npos);
}

TEST(Shrink, ABoundStopsItAndSaysSo) {
  const auto checker =
      MakeActorChecker(TwoGenerals{.messengers = 3}, NoisyGenerals());
  const std::optional<Trace> found = Sampled(*checker, 2, 60);
  ASSERT_TRUE(found.has_value());
  ShrinkOptions options;
  options.runs_max = 2;
  const absl::StatusOr<ShrinkResult> r = ShrinkTrace(*checker, *found, options);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->minimal);
  EXPECT_LE(r->runs, 2);
  EXPECT_EQ(checker->Replay(r->trace, nullptr).kind,
            ReplayResult::Kind::kReproduced);
}

// Over random buggy runs of Paxos and Two Generals with faults on: the shrunk
// trace replays, fails the same property, is no longer than the found one,
// is 1-minimal and is a fixpoint; for Two Generals it has at least the k + 2
// steps every disagreement needs. (Not exactly k + 2: this property found
// 1-minimal 6-step runs for k = 2 with duplicates, local minima of delta
// debugging.)
RC_GTEST_PROP(ShrinkProperty, ShrunkRunsReproduceAndAreFixpoints, ()) {
  const bool paxos = *rc::gen::arbitrary<bool>();
  const uint64_t seed = *rc::gen::inRange<uint64_t>(0, 1'000'000);
  const int messengers = *rc::gen::inRange(1, 6);
  std::unique_ptr<Checker> checker;
  if (paxos) {
    WorldOptions w;
    w.crashes_max = 1;
    w.drops_max = 1;
    w.duplicates_max = 1;
    Paxos p;
    p.bug = *rc::gen::element(Paxos::Bug::kForgetAccepted,
                              Paxos::Bug::kIgnoreAccepted);
    checker = MakeActorChecker(p, w);
  } else {
    checker = MakeActorChecker(TwoGenerals{.messengers = messengers},
                               NoisyGenerals());
  }
  const std::optional<Trace> found = Sampled(*checker, seed, 70);
  RC_PRE(found.has_value());
  const absl::StatusOr<ShrinkResult> r = ShrinkTrace(*checker, *found, {});
  RC_ASSERT(r.ok());
  RC_ASSERT(r->minimal);
  RC_ASSERT(r->trace.property == found->property);
  RC_ASSERT(r->trace.steps.size() <= found->steps.size());
  RC_ASSERT(checker->Replay(r->trace, nullptr).kind ==
            ReplayResult::Kind::kReproduced);
  if (!paxos) {
    RC_ASSERT(r->trace.steps.size() >= static_cast<size_t>(messengers) + 2);
  }
  RC_ASSERT(OneMinimal(*checker, r->trace));
  const absl::StatusOr<ShrinkResult> again = ShrinkTrace(*checker, r->trace, {});
  RC_ASSERT(again.ok());
  RC_ASSERT(again->trace == r->trace);
}

}  // namespace
}  // namespace faultline
