// The atomic commit and replication protocols at their registry defaults:
// the correct versions are explored completely with pinned state counts, and
// every buggy variant or fault scenario violates the property it names, with
// a trace that replays.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/assert.h"
#include "harness/registry.h"
#include "harness/verdict.h"

namespace faultline {
namespace {

struct Checked {
  std::unique_ptr<Checker> checker;
  Outcome outcome;
  Verdict verdict;
};

Checked Check(const std::string& name, const Config* config = nullptr) {
  const Entry* entry = FindEntry(name);
  FL_CHECK(entry != nullptr);
  Checked run;
  run.checker = entry->make(config ? *config : DefaultConfig(*entry));
  ExploreOptions options;
  options.limits = entry->limits;
  run.outcome = run.checker->Explore(options);
  run.verdict = Judge(*run.checker, run.outcome);
  return run;
}

struct Pinned {
  const char* name;
  int64_t states;
};

// Golden counts: a change of the protocols' or the world's semantics shows.
TEST(Replication, CorrectVersionsPassWithPinnedStateCounts) {
  const Pinned kPinned[] = {
      {"two-phase-commit", 8369},
      {"three-phase-commit", 123607},
      {"primary-backup", 3403},
      {"active-replication", 14056},
  };
  for (const Pinned& p : kPinned) {
    const Checked run = Check(p.name);
    EXPECT_EQ(run.outcome.stop, Stop::kComplete) << p.name;
    EXPECT_FALSE(run.outcome.depth_cut) << p.name;
    EXPECT_EQ(run.outcome.states, p.states) << p.name;
    EXPECT_EQ(run.verdict.name, "pass") << p.name << ": " << run.verdict.detail;
  }
}

struct Bad {
  const char* name;
  const char* property;
  size_t steps;       // BFS's shortest counterexample; 0: not pinned (lasso)
  const char* event;  // a step the counterexample must contain
};

TEST(Replication, EveryBuggyVariantViolatesItsPropertyAndReplays) {
  const Bad kBad[] = {
      {"two-phase-commit:majority-commit", "validity", 4, "deliver Yes p"},
      {"two-phase-commit:abort-after-yes", "atomicity", 7, "client request Fail"},
      {"two-phase-commit:coordinator-crash", "termination", 0, "crash c"},
      {"two-phase-commit:early-timeout", "commit-when-all-yes", 0,
       "timer 0 fires at c"},
      {"three-phase-commit:partition", "atomicity", 10, "partition {c}"},
      {"three-phase-commit:skip-precommit", "atomicity", 15, "crash c"},
      {"three-phase-commit:commit-on-timeout", "validity", 6, "crash p3"},
      {"three-phase-commit:no-termination", "termination", 0, "crash c"},
      {"primary-backup:ack-before-replicate", "acked-writes-survive", 4,
       "crash n0"},
      {"primary-backup:unordered-links", "replica-order", 3,
       "deliver Replicate(1: 2)"},
      {"active-replication:arrival-order", "total-order", 2, "client request 2"},
      {"active-replication:no-dedup", "integrity", 4, "duplicate Op("},
  };
  for (const Bad& b : kBad) {
    const Entry* entry = FindEntry(b.name);
    ASSERT_NE(entry, nullptr) << b.name;
    EXPECT_FALSE(entry->expect_pass) << b.name;
    EXPECT_EQ(entry->violates, b.property) << b.name;
    const Checked run = Check(b.name);
    ASSERT_EQ(run.verdict.name, "violation") << b.name << ": " << run.verdict.detail;
    EXPECT_EQ(run.verdict.property, b.property) << b.name;
    Trace trace = run.checker->Record(run.outcome.tape);
    trace.property = run.verdict.property;
    trace.loop_start = run.outcome.loop_start;
    if (b.steps != 0) EXPECT_EQ(trace.steps.size(), b.steps) << b.name;
    bool found = false;
    for (const TraceStep& s : trace.steps) found |= s.event.find(b.event) != std::string::npos;
    EXPECT_TRUE(found) << b.name << " has no step with '" << b.event << "'";
    const ReplayResult replay = run.checker->Replay(trace, nullptr);
    EXPECT_EQ(replay.kind, ReplayResult::Kind::kReproduced) << b.name << ": " << replay.message;
  }
}

// 3PC's claim: no blocking even when a participant of the termination
// crashes too (coordinator and one participant down).
TEST(Replication, ThreePhaseCommitTerminatesWithTwoCrashes) {
  const Entry* entry = FindEntry("three-phase-commit");
  Config config = DefaultConfig(*entry);
  config.world.crashes_max = 2;
  const Checked run = Check("three-phase-commit", &config);
  EXPECT_EQ(run.outcome.states, 389605);
  EXPECT_EQ(run.verdict.name, "pass") << run.verdict.detail;
}

TEST(Replication, PrimaryBackupWithTwoReplicasPasses) {
  const Entry* entry = FindEntry("primary-backup");
  Config config = DefaultConfig(*entry);
  config.params["replicas"] = 2;
  const Checked run = Check("primary-backup", &config);
  EXPECT_EQ(run.verdict.name, "pass") << run.verdict.detail;
}

TEST(Replication, ActiveReplicationWithThreeOperationsPasses) {
  const Entry* entry = FindEntry("active-replication");
  Config config = DefaultConfig(*entry);
  config.params["ops"] = 3;
  config.world.duplicates_max = 0;
  const Checked run = Check("active-replication", &config);
  EXPECT_EQ(run.outcome.states, 133888);
  EXPECT_EQ(run.verdict.name, "pass") << run.verdict.detail;
}

}  // namespace
}  // namespace faultline
