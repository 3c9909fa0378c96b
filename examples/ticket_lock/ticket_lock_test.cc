// The ticket lock checked as a user would in their own suite: exhaustive
// search with a matcher, sampling, the buggy variant caught with its trace,
// and a RapidCheck property over fault plans that shrinks to a small plan.
#include "examples/ticket_lock/ticket_lock.h"

#include <fstream>
#include <sstream>

#include "harness/testing.h"
#include "rapidcheck/gtest.h"

namespace ticket_lock {
namespace {

using faultline::Strategy;
using faultline::testing::CheckOptions;
using faultline::testing::CheckProtocol;
using faultline::testing::FaultPlan;
using faultline::testing::GenFaultPlan;
using faultline::testing::HasNoViolation;
using faultline::testing::PassesExhaustively;
using faultline::testing::ProtocolCheck;
using faultline::testing::ViolatesProperty;
using ::testing::HasSubstr;
using ::testing::Not;

CheckOptions Options(const std::string& name) {
  CheckOptions o;
  o.name = name;
  o.world.duplicates_max = 1;
  o.limits.depth_max = 40;
  o.limits.seconds_max = 30;
  return o;
}

// Fault plans get a budget of four duplicates: with one, a duplicate planned
// early would use it up and hide the rest of the plan.
CheckOptions PlanOptions(const std::string& name) {
  CheckOptions o = Options(name);
  o.world.duplicates_max = 4;
  return o;
}

TicketLock Buggy() {
  TicketLock p;
  p.bug = TicketLock::Bug::kBlindRelease;
  return p;
}

TEST(TicketLock, PassesExhaustivelyWithADuplicate) {
  EXPECT_THAT(CheckProtocol(TicketLock{}, Options("ticket-lock")), PassesExhaustively());
}

TEST(TicketLock, SamplingFindsNothingInTheCorrectLock) {
  for (Strategy s : {Strategy::kRandom, Strategy::kSwarm, Strategy::kPct}) {
    CheckOptions o = Options("ticket-lock");
    o.strategy = s;
    o.limits.runs_max = 300;
    EXPECT_THAT(CheckProtocol(TicketLock{}, o), HasNoViolation());
  }
}

TEST(TicketLock, BlindReleaseIsCaughtWithATraceAndReplayCommand) {
  const auto report = CheckProtocol(Buggy(), Options("ticket-lock-blind"));
  EXPECT_THAT(report, ViolatesProperty("mutual-exclusion"));
  EXPECT_THAT(report, Not(HasNoViolation()));
  std::ifstream in(report.trace_path);
  ASSERT_TRUE(in.good()) << report.trace_path;
  EXPECT_THAT(report.replay_command, HasSubstr("FAULTLINE_REPLAY="));
  EXPECT_THAT(report.summary, HasSubstr("duplicate Release"));
  // What a failing EXPECT_THAT prints: verdict, trace, replay command, steps.
  std::ostringstream printed;
  printed << report;
  EXPECT_THAT(printed.str(), HasSubstr("trace: " + report.trace_path));
  EXPECT_THAT(printed.str(), HasSubstr("replay: FAULTLINE_REPLAY="));
  EXPECT_THAT(printed.str(), HasSubstr("deliver Release c"));
}

TEST(TicketLock, SwarmAndPctCatchTheBlindRelease) {
  for (Strategy s : {Strategy::kSwarm, Strategy::kPct}) {
    CheckOptions o = Options("ticket-lock-blind");
    o.strategy = s;
    o.limits.runs_max = 20000;
    EXPECT_THAT(CheckProtocol(Buggy(), o), ViolatesProperty("mutual-exclusion"));
  }
}

// The property test a user writes. The correct lock holds for every plan.
RC_GTEST_PROP(TicketLockPlans, CorrectLockIsSafeUnderEveryPlan, ()) {
  static const ProtocolCheck<TicketLock> check(TicketLock{}, PlanOptions("ticket-lock"));
  const FaultPlan plan = *GenFaultPlan(check.FaultClasses(), 8, 4);
  RC_ASSERT(check.RunPlan(plan).verdict.name != "violation");
}

// The buggy lock fails for some plan, RapidCheck shrinks it to one or two
// duplicates, and the plan's trace replays.
TEST(TicketLockPlans, BuggyLockFailsAndShrinksToOneDuplicate) {
  const ProtocolCheck<TicketLock> check(Buggy(), PlanOptions("ticket-lock-blind"));
  FaultPlan last_failing;
  const auto result = rc::check("blind release", [&] {
    const FaultPlan plan = *GenFaultPlan(check.FaultClasses(), 8, 4);
    const auto report = check.RunPlan(plan);
    if (report.verdict.name == "violation") last_failing = plan;
    RC_ASSERT(report.verdict.name != "violation");
  });
  EXPECT_FALSE(result) << "RapidCheck found no failing fault plan";
  // Shrinking is local: a plan whose second duplicate only shifts the first
  // one onto the Release can be a local minimum, so "small" is at most two.
  ASSERT_GE(last_failing.faults.size(), 1u) << last_failing;
  ASSERT_LE(last_failing.faults.size(), 2u) << last_failing;
  for (const auto& f : last_failing.faults) {
    EXPECT_EQ(f.fault_class, 1u) << "expected only duplicates: " << last_failing;
  }
  // The trace of the shrunk plan is the one on disk, and it replays.
  const auto report = check.RunPlan(last_failing);
  ASSERT_EQ(report.verdict.name, "violation");
  setenv("FAULTLINE_REPLAY", report.trace_path.c_str(), 1);
  const auto replayed = CheckProtocol(Buggy(), PlanOptions("ticket-lock-blind"));
  unsetenv("FAULTLINE_REPLAY");
  EXPECT_EQ(replayed.verdict.name, "violation") << replayed.verdict.detail;
  EXPECT_THAT(replayed.summary, HasSubstr("duplicate"));
}

}  // namespace
}  // namespace ticket_lock
