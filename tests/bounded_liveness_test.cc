// Bounded liveness in sampling modes (the VOPR pattern): a fault phase, then
// heal and stop faults, and every owed Eventually goal within a budget.
// Correct protocols meet their goals after the heal; known-bad ones are
// caught with a trace labelled as a bounded-liveness miss that replay
// re-checks; bad usage is one line and exit code 2.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/cli.h"
#include "harness/registry.h"
#include "harness/strategies.h"
#include "harness/trace.h"
#include "harness/verdict.h"

namespace faultline {
namespace {

using ::testing::HasSubstr;

ExploreOptions Bounded(uint64_t seed, int64_t runs, int64_t fault_steps,
                       int64_t liveness_steps) {
  ExploreOptions o;
  o.strategy = Strategy::kRandom;
  o.seed = seed;
  o.limits.runs_max = runs;
  o.limits.seconds_max = 30;
  o.fault_steps = fault_steps;
  o.liveness_steps = liveness_steps;
  return o;
}

struct Sampled {
  std::unique_ptr<Checker> checker;
  Outcome outcome;
  Verdict verdict;
};

Sampled Sample(const std::string& name, const ExploreOptions& o,
               const std::vector<std::pair<std::string, std::string>>& set = {}) {
  const Entry* e = FindEntry(name);
  FL_CHECK(e != nullptr);
  Config c = DefaultConfig(*e);
  for (const auto& [k, v] : set) FL_CHECK(SetConfigValue(*e, c, k, v).ok());
  Sampled s{e->make(c), {}, {}};
  s.outcome = s.checker->Explore(o);
  s.verdict = Judge(*s.checker, s.outcome);
  return s;
}

Trace Recorded(const Sampled& s, const std::string& name) {
  Trace t = s.checker->Record(s.outcome.tape);
  t.protocol = name;
  t.property = s.verdict.property;
  t.heal_step = s.outcome.heal_step;
  t.liveness_steps = s.outcome.liveness_steps;
  return t;
}

// Obligations on a counter: Eventually(x >= 3) and LeadsTo(odd, x % 4 == 0).
TEST(Obligations, DeadlinesCountFromTheHealAndFromLaterTriggers) {
  const std::vector<Property<int>> props = {
      Eventually<int>("three", [](const int& x) { return x >= 3; }),
      LeadsTo<int>("odd-to-four", [](const int& x) { return x % 2 == 1; },
                   [](const int& x) { return x % 4 == 0; }),
      Always<int>("small", [](const int& x) { return x < 100; })};
  Obligations owed(props.size(), 2);
  owed.Observe(props, 0, 0);
  EXPECT_EQ(owed.since(0), 0);    // owed from the initial state
  EXPECT_EQ(owed.since(1), -1);   // 0 is divisible by 4: nothing owed
  owed.Observe(props, 1, 1);
  EXPECT_EQ(owed.since(1), 1);    // odd: 4 is owed from step 1
  EXPECT_FALSE(owed.Missed(0, 50));  // no deadline before the heal
  owed.SetHeal(2);
  owed.Observe(props, 1, 2);
  EXPECT_FALSE(owed.Missed(0, 3));
  EXPECT_TRUE(owed.Missed(0, 4));  // heal 2 + budget 2
  EXPECT_EQ(owed.FirstMissed(4), 0);
  owed.Observe(props, 4, 3);       // pays both
  EXPECT_EQ(owed.FirstPending(), -1);
  owed.Observe(props, 5, 4);       // a trigger after the heal: its own deadline
  EXPECT_EQ(owed.since(1), 4);
  EXPECT_FALSE(owed.Missed(1, 5));
  EXPECT_TRUE(owed.Missed(1, 6));
  EXPECT_EQ(owed.since(2), -1);    // Always properties owe nothing
}

TEST(Obligations, TriggersAfterTheWindowAreNotCounted) {
  const std::vector<Property<int>> props = {LeadsTo<int>(
      "odd-to-four", [](const int& x) { return x % 2 == 1; },
      [](const int& x) { return x % 4 == 0; })};
  Obligations owed(props.size(), 2);
  owed.SetHeal(0);
  owed.Observe(props, 0, 0);
  owed.Observe(props, 1, 3);  // step 3 > heal 0 + budget 2
  EXPECT_EQ(owed.FirstPending(), -1);
}

// Known-bad: the 2PC coordinator crashes (crash-stop) and participants that
// voted yes block forever; the heal cannot bring it back.
TEST(BoundedLiveness, CoordinatorCrashIsABoundedLivenessMissThatReplays) {
  const Sampled s = Sample("two-phase-commit:coordinator-crash", Bounded(1, 500, 8, 30));
  ASSERT_EQ(s.outcome.stop, Stop::kViolation) << s.verdict.detail;
  EXPECT_EQ(s.verdict.name, "bounded-liveness-violation");
  EXPECT_EQ(s.verdict.property, "termination");
  EXPECT_GE(s.outcome.heal_step, 0);
  EXPECT_LE(s.outcome.heal_step, 8);  // crash-stop: nothing to repair
  EXPECT_THAT(s.outcome.found_by, HasSubstr("fault-steps=8 liveness-steps=30"));
  const Trace t = Recorded(s, "two-phase-commit:coordinator-crash");
  const ReplayResult r = s.checker->Replay(t, nullptr);
  EXPECT_EQ(r.kind, ReplayResult::Kind::kReproduced) << r.message;
  EXPECT_THAT(r.message, HasSubstr("bounded-liveness violation"));
  // The crash is in the fault phase; the steps after the heal are calm.
  bool crashed = false;
  for (int64_t k = 0; k < t.heal_step; ++k) crashed |= t.steps[k].event.rfind("crash ", 0) == 0;
  EXPECT_TRUE(crashed);
}

// Replay does not trust the label: a budget larger than the run shows, or a
// heal placed before a fault, is refused. P without resetting its alive set
// never suspects the crashed node: a deadline miss, the run going on.
TEST(BoundedLiveness, ReplayRechecksTheMiss) {
  const std::string name = "perfect-failure-detector:no-reset";
  const Sampled s = Sample(name, Bounded(1, 1000, 10, 50));
  ASSERT_EQ(s.outcome.stop, Stop::kViolation);
  EXPECT_EQ(s.verdict.property, "strong-completeness");
  const Trace t = Recorded(s, name);
  const ReplayResult ok = s.checker->Replay(t, nullptr);
  ASSERT_EQ(ok.kind, ReplayResult::Kind::kReproduced);
  EXPECT_THAT(ok.message, HasSubstr("not reached within 50 steps after the heal"));
  EXPECT_EQ(static_cast<int64_t>(t.steps.size()), t.heal_step + 50);
  Trace longer = t;  // the budget would not be used up: not a miss yet
  longer.liveness_steps = 51;
  const ReplayResult r1 = s.checker->Replay(longer, nullptr);
  EXPECT_EQ(r1.kind, ReplayResult::Kind::kNotViolated);
  EXPECT_THAT(r1.message, HasSubstr("not missed"));
  Trace early = t;  // the crash would come after the "heal"
  early.heal_step = 0;
  const ReplayResult r2 = s.checker->Replay(early, nullptr);
  EXPECT_EQ(r2.kind, ReplayResult::Kind::kNotViolated);
  EXPECT_THAT(r2.message, HasSubstr("injects a fault after the heal"));
  // The correct detector meets the same budget on the same seed.
  const Sampled good = Sample("perfect-failure-detector", Bounded(1, 1000, 10, 50));
  EXPECT_EQ(good.outcome.stop, Stop::kRuns);
}

// A partition left in place at the claimed heal is refused too.
TEST(BoundedLiveness, ReplayRefusesAHealThatLeavesAPartition) {
  const Entry* e = FindEntry("cap-register:consistent");
  ASSERT_NE(e, nullptr);
  const auto checker = e->make(DefaultConfig(*e));
  // As traces/cap-register.consistent.trace: write, read, partition.
  absl::StatusOr<Trace> t = checker->Record(Tape{0, {0, 1, 1}});
  ASSERT_EQ(t->steps.back().event, "partition {r0} {r1}");
  t->protocol = e->name;
  t->property = "answered";
  t->loop_start = Trace::kSafety;
  t->heal_step = static_cast<int64_t>(t->steps.size());
  t->liveness_steps = 5;
  const ReplayResult r = checker->Replay(*t, nullptr);
  EXPECT_EQ(r.kind, ReplayResult::Kind::kNotViolated);
  EXPECT_THAT(r.message, HasSubstr("still to repair"));
}

// Correct protocols meet their goals within the budget after the heal, under
// crash-stop (3PC, bully: survivors decide) and partitions that heal (CAP's
// waiting register answers once healed).
TEST(BoundedLiveness, CorrectProtocolsMeetTheirGoalsAfterTheHeal) {
  for (const char* name : {"three-phase-commit", "bully", "reliable-broadcast",
                           "cap-register:consistent", "two-phase-commit"}) {
    const Sampled s = Sample(name, Bounded(3, 300, 10, 60));
    EXPECT_EQ(s.outcome.stop, Stop::kRuns) << name << ": " << s.verdict.name << " "
                                           << s.verdict.property << " " << s.verdict.detail;
    EXPECT_EQ(s.verdict.name, "bounds-exhausted") << name;
    EXPECT_THAT(s.verdict.detail, HasSubstr("bounded liveness")) << name;
  }
}

// The repair differs by crash model: under crash-stop a crashed ring member
// of Chang-Roberts stays down and the election stalls (a miss whose trace
// crashes and never recovers); under crash-recovery the same runs recover it
// at the heal and every run elects.
TEST(BoundedLiveness, CrashStopStaysDownCrashRecoveryRecoversAtTheHeal) {
  const Sampled stop = Sample("chang-roberts", Bounded(1, 2000, 10, 80), {{"crashes", "1"}});
  ASSERT_EQ(stop.outcome.stop, Stop::kViolation) << stop.verdict.detail;
  EXPECT_EQ(stop.verdict.name, "bounded-liveness-violation");
  EXPECT_EQ(stop.verdict.property, "elected");
  const Trace t = Recorded(stop, "chang-roberts");
  int crashes = 0, recoveries = 0;
  for (const TraceStep& step : t.steps) {
    crashes += step.event.rfind("crash ", 0) == 0;
    recoveries += step.event.rfind("recover ", 0) == 0;
  }
  EXPECT_EQ(crashes, 1);
  EXPECT_EQ(recoveries, 0);
  EXPECT_EQ(stop.checker->Replay(t, nullptr).kind, ReplayResult::Kind::kReproduced);
  const Sampled recover = Sample("chang-roberts", Bounded(1, 2000, 10, 80),
                                 {{"crashes", "1"}, {"crash", "recover"}});
  EXPECT_EQ(recover.outcome.stop, Stop::kRuns) << recover.verdict.name << " "
                                               << recover.verdict.property;
}

TEST(BoundedLiveness, SameSeedSameRun) {
  const Sampled a = Sample("two-phase-commit:coordinator-crash", Bounded(9, 500, 8, 30));
  const Sampled b = Sample("two-phase-commit:coordinator-crash", Bounded(9, 500, 8, 30));
  EXPECT_EQ(a.outcome.tape, b.outcome.tape);
  EXPECT_EQ(a.outcome.found_by, b.outcome.found_by);
  EXPECT_EQ(a.outcome.heal_step, b.outcome.heal_step);
}

// Without the liveness phase the same sampling finds nothing: the mode is
// what catches it (the table in docs/sampling.md had no sampling column for
// liveness variants before).
TEST(BoundedLiveness, PlainSamplingChecksOnlySafety) {
  ExploreOptions o = Bounded(1, 300, 0, 0);
  o.fault_steps = 0;
  const Sampled s = Sample("two-phase-commit:coordinator-crash", o);
  EXPECT_EQ(s.outcome.stop, Stop::kRuns);
}

int Cli(const std::vector<std::string>& args, std::string* out_text = nullptr,
        std::string* err_text = nullptr) {
  std::ostringstream out, err;
  const int code = RunCli(args, out, err);
  if (out_text) *out_text = out.str();
  if (err_text) *err_text = err.str();
  return code;
}

TEST(BoundedLivenessCli, MissIsLabelledWrittenReplayedShownAndNotShrunk) {
  const std::string dir = testing::TempDir() + "/bounded_cli";
  std::filesystem::remove_all(dir);
  const std::string path = dir + "-coordinator.trace";
  std::filesystem::remove(path);
  std::string out, err;
  ASSERT_EQ(Cli({"simulate", "two-phase-commit:coordinator-crash", "--seed", "1",
                 "--runs", "500", "--fault-steps", "8", "--liveness-steps", "30",
                 "-o", path},
                &out, &err),
            1)
      << out << err;
  EXPECT_THAT(out, HasSubstr("verdict: bounded-liveness-violation (termination)"));
  EXPECT_THAT(out, HasSubstr("fault-steps=8 liveness-steps=30"));
  EXPECT_THAT(out, HasSubstr("bounded-liveness traces are not shrunk"));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("property termination (bounded: 30 steps after heal at step "));
  const absl::StatusOr<Trace> parsed = ParseTrace(text.str());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->property, "termination");
  EXPECT_EQ(parsed->liveness_steps, 30);
  EXPECT_EQ(FormatTrace(*parsed), text.str());
  EXPECT_EQ(Cli({"replay", path}, &out, &err), 1) << err;
  EXPECT_THAT(out, HasSubstr("reproduced: termination "));
  EXPECT_THAT(out, HasSubstr("(bounded-liveness violation)"));
  EXPECT_EQ(Cli({"show", path, "--color", "never"}, &out, &err), 0) << err;
  EXPECT_EQ(Cli({"shrink", path}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("bounded-liveness traces are not shrunk"));
}

TEST(BoundedLivenessCli, CorrectProtocolIsBoundsExhaustedNeverPass) {
  std::string out, err;
  EXPECT_EQ(Cli({"simulate", "three-phase-commit", "--strategy", "swarm", "--seed", "2",
                 "--runs", "200", "--fault-steps", "10", "--liveness-steps", "60"},
                &out, &err),
            0)
      << out << err;
  EXPECT_THAT(out, HasSubstr("verdict: bounds-exhausted"));
  EXPECT_THAT(out, HasSubstr("within 60 steps after the heal"));
}

TEST(BoundedLivenessCli, BadUsageIsOneLineAndExitTwo) {
  const std::vector<std::vector<std::string>> bad = {
      {"simulate", "two-phase-commit", "--liveness-steps", "10"},
      {"simulate", "two-phase-commit", "--fault-steps", "10"},
      {"simulate", "two-phase-commit", "--fault-steps", "-1", "--liveness-steps", "5"},
      {"simulate", "two-phase-commit", "--fault-steps", "5", "--liveness-steps", "0"},
      {"check", "two-phase-commit", "--fault-steps", "5", "--liveness-steps", "5"},
      {"simulate", "paxos", "--fault-steps", "5", "--liveness-steps", "5"},
  };
  for (const auto& args : bad) {
    std::string out, err;
    EXPECT_EQ(Cli(args, &out, &err), 2) << args[1] << " " << args[2] << " " << args[3];
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

}  // namespace
}  // namespace faultline
