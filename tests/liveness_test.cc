// Liveness under weak fairness, both ways: what needs fairness passes with it
// and fails without it; an unfair cycle is never reported; a fair cycle that
// misses the goal is found as a lasso that replays.
#include <deque>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/checker.h"
#include "harness/explore.h"
#include "harness/verdict.h"
#include "protocols/central_mutex.h"
#include "protocols/chang_roberts.h"
#include "protocols/two_phase_commit.h"

namespace faultline {
namespace {

using ::testing::HasSubstr;

// Node 0 sends one Hello to node 1. With `ticker`, node 0 also has a timer
// that re-arms itself forever (a cycle that can starve the delivery). With
// `bounce`, the nodes pass the message back and forth forever instead of
// marking it received (a fair cycle that never reaches the goal).
struct Hello {
  struct Msg {
    int32_t hops = 0;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) { return H::combine(std::move(h), m.hops); }
    std::string ToString() const { return absl::StrCat("Hello(", hops, ")"); }
  };
  struct Node {
    bool received = false;
    bool acked = false;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.received, n.acked);
    }
    std::string ToString() const { return received ? "received" : "waiting"; }
  };
  using Op = int;
  using Obs = int;
  using O = Out<Hello>;
  bool ticker = false;
  bool bounce = false;
  bool leads_to = false;  // check received => eventually acked instead
  bool reply = false;     // node 1 acks what it received
  int NodeCount() const { return 2; }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const { return {}; }
  void OnStart(Node&, O& out) const {
    if (out.self() != 0) return;
    out.Send(1, {0});
    if (ticker) out.SetTimer(0);
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    if (bounce) {
      out.Send(from, {1 - m.hops});
    } else if (m.hops == 7) {
      n.acked = true;
    } else {
      n.received = true;
      if (reply) out.Send(from, {7});
    }
  }
  void OnTimer(Node&, TimerId, O& out) const { out.SetTimer(0); }
  void OnRequest(Node&, const Op&, O&) const {}
  void OnRecover(Node&, O&) const {}
  std::vector<Property<World<Hello>>> Properties() const {
    if (leads_to) {
      return {LeadsTo<World<Hello>>(
          "acked", [](const World<Hello>& w) { return w.node(1).received; },
          [](const World<Hello>& w) { return w.node(0).acked; })};
    }
    return {Eventually<World<Hello>>(
        "delivered", [](const World<Hello>& w) { return w.node(1).received; })};
  }
};

struct Checked {
  Outcome outcome;
  Verdict verdict;
  ReplayResult replay;
};

Checked Check(Hello protocol, uint8_t fairness, Strategy strategy = Strategy::kBfs) {
  WorldOptions world;
  world.fairness = fairness;
  const auto checker = MakeActorChecker(protocol, world);
  ExploreOptions options;
  options.strategy = strategy;
  Checked run{checker->Explore(options), {}, {}};
  run.verdict = Judge(*checker, run.outcome);
  if (run.outcome.stop == Stop::kViolation) {
    Trace trace = checker->Record(run.outcome.tape);
    trace.property = protocol.leads_to ? "acked" : "delivered";
    trace.loop_start = run.outcome.loop_start;
    run.replay = checker->Replay(trace, nullptr);
  }
  return run;
}

TEST(Liveness, NeedsFairDeliveryAndHasIt) {
  for (Strategy s : {Strategy::kBfs, Strategy::kDfs}) {
    const Checked fair = Check(Hello{}, WorldOptions::kFairAll, s);
    EXPECT_TRUE(fair.outcome.liveness_checked);
    EXPECT_EQ(fair.verdict.name, "pass") << fair.verdict.detail;
  }
}

TEST(Liveness, WithoutFairnessTheRunMayStop) {
  const Checked r = Check(Hello{}, 0);
  ASSERT_EQ(r.verdict.name, "violation");
  EXPECT_EQ(r.outcome.loop_start, -1);
  EXPECT_TRUE(r.outcome.tape.choices.empty());  // it stops at once
  EXPECT_EQ(r.replay.kind, ReplayResult::Kind::kReproduced) << r.replay.message;
  EXPECT_THAT(r.replay.message, HasSubstr("stops after step 0"));
}

TEST(Liveness, AnUnfairCycleIsNeverAViolation) {
  // The ticker loops forever while Hello stays deliverable: unfair to Hello.
  const Checked r = Check(Hello{.ticker = true}, WorldOptions::kFairAll);
  EXPECT_EQ(r.verdict.name, "pass") << r.verdict.detail;
}

TEST(Liveness, TheSameCycleIsAViolationWhenDeliveryIsNotFair) {
  const Checked r = Check(Hello{.ticker = true}, WorldOptions::kFairTimers);
  ASSERT_EQ(r.verdict.name, "violation");
  EXPECT_EQ(r.outcome.loop_start, 0);
  EXPECT_EQ(r.outcome.tape.choices.size(), 1u);  // the timer fires, re-arms
  EXPECT_EQ(r.replay.kind, ReplayResult::Kind::kReproduced) << r.replay.message;
  EXPECT_THAT(r.replay.message, HasSubstr("repeat forever, fairly"));
}

TEST(Liveness, AFairCycleThatMissesTheGoalIsALasso) {
  const Checked r = Check(Hello{.bounce = true}, WorldOptions::kFairAll);
  ASSERT_EQ(r.verdict.name, "violation");
  EXPECT_THAT(r.verdict.detail, HasSubstr("loops forever"));
  EXPECT_GE(r.outcome.loop_start, 0);
  EXPECT_GT(r.outcome.tape.choices.size(), static_cast<size_t>(r.outcome.loop_start));
  EXPECT_EQ(r.replay.kind, ReplayResult::Kind::kReproduced) << r.replay.message;
}

TEST(Liveness, ReplayRefusesALoopThatDoesNotCloseOrIsUnfair) {
  WorldOptions world;
  const auto checker = MakeActorChecker(Hello{.bounce = true}, world);
  const Outcome o = checker->Explore(ExploreOptions{});
  ASSERT_EQ(o.stop, Stop::kViolation);
  Trace trace = checker->Record(o.tape);
  trace.property = "delivered";
  trace.loop_start = o.loop_start + 1;  // the loop no longer starts where it ends
  EXPECT_EQ(checker->Replay(trace, nullptr).kind, ReplayResult::Kind::kNotViolated);
  trace.loop_start = Trace::kStops;  // a message is still deliverable at the end
  EXPECT_THAT(checker->Replay(trace, nullptr).message, HasSubstr("does not stop"));
  // With the ticker and only timers fair, the lasso is fair; call the
  // delivery fair and the same loop is refused as unfair.
  WorldOptions timers_fair;
  timers_fair.fairness = WorldOptions::kFairTimers;
  const auto ticker = MakeActorChecker(Hello{.ticker = true}, timers_fair);
  const Outcome t = ticker->Explore(ExploreOptions{});
  ASSERT_EQ(t.stop, Stop::kViolation);
  Trace lasso = ticker->Record(t.tape);
  lasso.property = "delivered";
  lasso.loop_start = t.loop_start;
  const auto all_fair = MakeActorChecker(Hello{.ticker = true}, WorldOptions{});
  EXPECT_THAT(all_fair->Replay(lasso, nullptr).message, HasSubstr("loop is unfair"));
}

TEST(Liveness, IncompleteSearchDoesNotDecideLiveness) {
  WorldOptions world;
  const auto checker = MakeActorChecker(Hello{.ticker = true}, world);
  ExploreOptions options;
  options.limits.depth_max = 0;
  const Outcome o = checker->Explore(options);
  EXPECT_FALSE(o.liveness_checked);
  const Verdict v = Judge(*checker, o);
  EXPECT_EQ(v.name, "bounds-exhausted");
  EXPECT_THAT(v.detail, HasSubstr("liveness (delivered) needs a complete search"));
}

TEST(Liveness, LeadsToOwesTheGoalFromEveryTriggerState) {
  const Checked answered = Check(Hello{.leads_to = true, .reply = true}, WorldOptions::kFairAll);
  EXPECT_EQ(answered.verdict.name, "pass") << answered.verdict.detail;
  const Checked silent = Check(Hello{.leads_to = true}, WorldOptions::kFairAll);
  ASSERT_EQ(silent.verdict.name, "violation");
  // Deliver Hello (the trigger), then nothing fair is left: the run stops.
  EXPECT_EQ(silent.outcome.loop_start, -1);
  EXPECT_EQ(silent.outcome.tape.choices.size(), 1u);
  EXPECT_EQ(silent.replay.kind, ReplayResult::Kind::kReproduced) << silent.replay.message;
}

// A transition system without a Fair() hook: every action is fair.
struct Counter {
  using State = int;
  using Action = int;
  std::vector<Property<int>> props{
      Eventually<int>("reaches-3", [](const int& s) { return s == 3; })};
  int modulus = 3;
  int InitCount() const { return 1; }
  int Init(int) const { return 0; }
  void Actions(const int&, std::vector<int>& out) const { out = {1}; }
  void Step(int& s, const int& a, std::string*) const { s = (s + a) % modulus; }
  std::string Describe(const int&, const int&) const { return "inc"; }
  std::string DescribeState(const int& s) const { return absl::StrCat(s); }
  uint64_t Digest(const int& s) const { return StableHash(s); }
  bool Dedupable() const { return true; }
  const std::vector<Property<int>>& properties() const { return props; }
};

TEST(Liveness, TransitionSystemsLoopToo) {
  Counter mod3;
  Outcome o = Search(mod3, ExploreOptions{});
  ASSERT_EQ(o.stop, Stop::kViolation);
  EXPECT_EQ(o.loop_start, 0);
  EXPECT_EQ(o.tape.choices.size(), 3u);
  Counter mod5;
  mod5.modulus = 5;
  o = Search(mod5, ExploreOptions{});
  EXPECT_EQ(o.stop, Stop::kComplete);
  EXPECT_TRUE(o.liveness_checked);
}

// Fair labels are found by ActionKey where the model has one (liveness.h),
// so equal keys must mean equal Describe texts. Checked on every action of
// every reachable state: a ring over FIFO links with duplicates and vector
// clocks, a mutex with client requests, a commit with timers and a crash. (Equal texts may have
// distinct keys, e.g. equal messages with distinct stamps: the label is the
// text's, found through either key.)
template <typename P>
void ExpectKeysNameOneText(P protocol, WorldOptions world) {
  const ActorModel<P> model(protocol, world);
  absl::flat_hash_map<uint64_t, std::string> text_of;
  absl::flat_hash_set<uint64_t> seen;
  std::deque<World<P>> queue;
  for (int i = 0; i < model.InitCount(); ++i) queue.push_back(model.Init(i));
  std::vector<Event> actions;
  int64_t checked = 0;
  while (!queue.empty()) {
    const World<P> s = std::move(queue.front());
    queue.pop_front();
    model.Actions(s, actions);
    for (const Event& a : actions) {
      const std::string text = model.Describe(s, a);
      const auto [it, fresh] = text_of.emplace(model.ActionKey(s, a), text);
      ASSERT_EQ(it->second, text);
      ++checked;
      World<P> next = s;
      model.Step(next, a, nullptr);
      if (seen.insert(model.Digest(next)).second) queue.push_back(std::move(next));
    }
  }
  EXPECT_GT(checked, 1000);
}

TEST(LivenessLabels, EqualActionKeysMeanEqualTexts) {
  WorldOptions ring;
  ring.links = LinkOrder::kFifo;
  ring.duplicates_max = 1;
  ring.causality = true;
  ExpectKeysNameOneText(ChangRoberts{.nodes = 3}, ring);
  WorldOptions mutex;
  mutex.causality = true;
  ExpectKeysNameOneText(CentralMutex{}, mutex);
  WorldOptions commit;
  commit.timers = TimerModel::kSynchronous;
  commit.crashes_max = 1;
  ExpectKeysNameOneText(TwoPhaseCommit{.participants = 2}, commit);
}

}  // namespace
}  // namespace faultline
