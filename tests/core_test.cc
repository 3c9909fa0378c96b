// Unit tests of the world, the executor and the explorers.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/hash/hash.h"
#include "harness/executor.h"
#include "harness/explore.h"
#include "harness/random.h"
#include "harness/stable_hash.h"
#include "harness/world.h"
#include "protocols/two_phase_spec.h"

namespace faultline {
namespace {

using ::testing::ElementsAre;

// A tiny protocol: node 0 sends Ping(1..pings) to node 1, which echoes each.
struct PingPong {
  struct Msg {
    int32_t n;
    bool echo;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) { return H::combine(std::move(h), m.n, m.echo); }
    std::string ToString() const { return absl::StrCat(echo ? "Echo(" : "Ping(", n, ")"); }
  };
  struct Node {
    int32_t got = 0;
    int32_t timer_fired = 0;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) { return H::combine(std::move(h), n.got, n.timer_fired); }
    std::string ToString() const { return absl::StrCat("got=", got); }
  };
  using Op = int;
  using Obs = int;
  using O = Out<PingPong>;
  int pings = 2;
  int nodes = 2;
  int NodeCount() const { return nodes; }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const { return {{0, 7}}; }
  void OnStart(Node&, O& out) const {
    if (out.self() != 0) return;
    for (int i = 1; i <= pings; ++i) out.Send(1, {i, false});
    out.SetTimer(3);
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    ++n.got;
    if (!m.echo) out.Send(from, {m.n, true});
    out.Observe(m.n);
    out.Persist();
  }
  void OnTimer(Node& n, TimerId, O&) const { ++n.timer_fired; }
  void OnRequest(Node& n, const Op& op, O& out) const {
    n.got += op;
    out.Observe(-op);
  }
  void OnRecover(Node& n, O&) const { n.timer_fired = 100; }
  std::vector<Property<World<PingPong>>> Properties() const { return {}; }
};

std::vector<EventKind> Kinds(const std::vector<Event>& events) {
  std::vector<EventKind> out;
  for (const Event& e : events) out.push_back(e.kind);
  return out;
}

TEST(World, InitRunsStartAndListsEventsInOrder) {
  WorldOptions o;
  o.drops_max = 1;
  o.crashes_max = 1;
  ActorModel<PingPong> m(PingPong{}, o);
  World<PingPong> w = m.Init(0);
  EXPECT_EQ(w.network.size(), 2u);
  EXPECT_THAT(w.timers, ElementsAre(TimerKey{0, 3}));
  std::vector<Event> events;
  m.Actions(w, events);
  EXPECT_THAT(Kinds(events),
              ElementsAre(EventKind::kDeliver, EventKind::kDeliver,
                          EventKind::kFire, EventKind::kRequest, EventKind::kDrop,
                          EventKind::kDrop, EventKind::kCrash, EventKind::kCrash));
  EXPECT_EQ(m.Describe(w, events[0]), "deliver Ping(1) n0->n1");
  EXPECT_EQ(m.Describe(w, events[2]), "timer 3 fires at n0");
}

TEST(World, FifoOffersOnlyTheOldestMessageOfALink) {
  WorldOptions o;
  o.links = LinkOrder::kFifo;
  ActorModel<PingPong> m(PingPong{.pings = 3}, o);
  World<PingPong> w = m.Init(0);
  std::vector<Event> events;
  m.Actions(w, events);
  ASSERT_EQ(events[0].kind, EventKind::kDeliver);
  EXPECT_EQ(m.Describe(w, events[0]), "deliver Ping(1) n0->n1");
  EXPECT_NE(events[1].kind, EventKind::kDeliver);
}

TEST(World, UnorderedOffersEveryDistinctMessage) {
  ActorModel<PingPong> m(PingPong{.pings = 3}, WorldOptions{});
  World<PingPong> w = m.Init(0);
  std::vector<Event> events;
  m.Actions(w, events);
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const Event& e) { return e.kind == EventKind::kDeliver; }),
            3);
}

TEST(World, DuplicateAndDropAreBudgeted) {
  WorldOptions o;
  o.duplicates_max = 1;
  o.drops_max = 1;
  ActorModel<PingPong> m(PingPong{.pings = 1}, o);
  World<PingPong> w = m.Init(0);
  std::vector<Event> events;
  m.Actions(w, events);
  auto find = [&](EventKind k) {
    m.Actions(w, events);
    for (const Event& e : events) if (e.kind == k) return e;
    ADD_FAILURE() << "no event of that kind";
    return Event{k};
  };
  m.Step(w, find(EventKind::kDuplicate), nullptr);
  EXPECT_EQ(w.network.size(), 2u);
  m.Actions(w, events);
  // Two identical copies are one delivery choice; no second duplicate.
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const Event& e) { return e.kind == EventKind::kDeliver; }), 1);
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const Event& e) { return e.kind == EventKind::kDuplicate; }), 0);
  m.Step(w, find(EventKind::kDrop), nullptr);
  EXPECT_EQ(w.network.size(), 1u);
  m.Actions(w, events);
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const Event& e) { return e.kind == EventKind::kDrop; }), 0);
}

TEST(World, CrashStopsDeliveryAndTimersAndRecoveryRestoresDisk) {
  WorldOptions o;
  o.crashes_max = 1;
  o.crash = CrashModel::kRecover;
  ActorModel<PingPong> m(PingPong{.pings = 1}, o);
  World<PingPong> w = m.Init(0);
  // n1 receives Ping(1) (persists got=1), then a request bumps got unpersisted.
  m.Step(w, {EventKind::kDeliver, 0, 0}, nullptr);
  EXPECT_EQ(w.node(1).got, 1);
  EXPECT_EQ(w.disk[1].got, 1);
  m.Step(w, {EventKind::kCrash, 0, 0}, nullptr);
  EXPECT_FALSE(w.up(0));
  EXPECT_TRUE(w.timers.empty());
  std::vector<Event> events;
  m.Actions(w, events);
  // The Echo to n0 waits; the request at n0 waits; n0 can recover.
  EXPECT_THAT(Kinds(events), ElementsAre(EventKind::kRecover));
  m.Step(w, events[0], nullptr);
  EXPECT_TRUE(w.up(0));
  EXPECT_EQ(w.node(0).timer_fired, 100);  // OnRecover ran on the disk copy
  EXPECT_EQ(w.node(0).got, 0);
}

TEST(World, UnpersistedWriteIsLostOnCrash) {
  WorldOptions o;
  o.crashes_max = 1;
  o.crash = CrashModel::kRecover;
  ActorModel<PingPong> m(PingPong{.pings = 1}, o);
  World<PingPong> w = m.Init(0);
  m.Step(w, {EventKind::kRequest, 0, 0}, nullptr);  // got += 7, not persisted
  EXPECT_EQ(w.node(0).got, 7);
  m.Step(w, {EventKind::kCrash, 0, 0}, nullptr);
  m.Step(w, {EventKind::kRecover, 0, 0}, nullptr);
  EXPECT_EQ(w.node(0).got, 0);
  EXPECT_EQ(w.history.size(), 1u);  // what was observed stays observed
}

TEST(World, PartitionBlocksCrossGroupDeliveryUntilHeal) {
  WorldOptions o;
  o.partitions_max = 1;
  ActorModel<PingPong> m(PingPong{.pings = 1}, o);
  World<PingPong> w = m.Init(0);
  std::vector<Event> events;
  m.Actions(w, events);
  const auto it = std::find_if(events.begin(), events.end(), [](const Event& e) {
    return e.kind == EventKind::kPartition;
  });
  ASSERT_NE(it, events.end());
  EXPECT_EQ(m.Describe(w, *it), "partition {n0} {n1}");
  m.Step(w, *it, nullptr);
  m.Actions(w, events);
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const Event& e) { return e.kind == EventKind::kDeliver; }), 0);
  EXPECT_EQ(events.back().kind, EventKind::kHeal);
  m.Step(w, events.back(), nullptr);
  m.Actions(w, events);
  EXPECT_EQ(events[0].kind, EventKind::kDeliver);
  // The budget is spent: no second partition.
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const Event& e) { return e.kind == EventKind::kPartition; }), 0);
}

TEST(World, SynchronousTimersWaitForDeliverableMessages) {
  WorldOptions o;
  o.timers = TimerModel::kSynchronous;
  ActorModel<PingPong> m(PingPong{.pings = 1}, o);
  World<PingPong> w = m.Init(0);
  std::vector<Event> events;
  m.Actions(w, events);
  EXPECT_THAT(Kinds(events), ElementsAre(EventKind::kDeliver, EventKind::kRequest));
}

TEST(World, AllSplitsOfThreeNodes) {
  WorldOptions o;
  o.partitions_max = 1;
  // Bell(3) - 1 = 4 splits into two or more groups.
  ActorModel<PingPong> m(PingPong{.nodes = 3}, o);
  World<PingPong> w = m.Init(0);
  std::vector<Event> events;
  m.Actions(w, events);
  std::vector<std::string> splits;
  for (const Event& e : events) {
    if (e.kind == EventKind::kPartition) splits.push_back(m.Describe(w, e));
  }
  EXPECT_THAT(splits, ElementsAre("partition {n0,n1} {n2}", "partition {n0,n2} {n1}",
                                  "partition {n0} {n1,n2}", "partition {n0} {n1} {n2}"));
}

// A stamp skips copying only when both sides are empty: a clock over an
// empty stamp, and an empty stamp over a clock, still copy.
TEST(World, StampsCopyLikeClocks) {
  Stamp a, b;
  b = a;
  EXPECT_TRUE(b.empty());
  a = VectorClock{1, 2};
  b = a;
  EXPECT_EQ(b, VectorClock({1, 2}));
  b = Stamp{};
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(absl::Hash<Stamp>{}(a),
            absl::Hash<VectorClock>{}(VectorClock{1, 2}));
}

TEST(StableHash, IsFixedAcrossProcesses) {
  // Pinned values: a change here changes every trace digest ever written.
  EXPECT_EQ(StableHash(uint64_t{0}), 0x43448db13f03b0bcULL);
  EXPECT_EQ(StableHash(std::string("faultline")), StableHash(std::string("faultline")));
  EXPECT_NE(StableHash(std::vector<int>{1, 2}), StableHash(std::vector<int>{2, 1}));
}

TEST(Rng, SequenceIsPinnedAndBelowIsInRange) {
  Rng rng(1);
  EXPECT_EQ(rng.Next(), 0xb3f2af6d0fc710c5ULL);
  Rng r(7);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < 6000; ++i) ++counts[r.Below(6)];
  for (int c : counts) EXPECT_GT(c, 850);
}

TEST(Explore, TwoPhaseSpecHasTlcsStateCount) {
  TwoPhaseSpec spec(3, false);
  ExploreOptions o;
  const Outcome bfs = Search(spec, o);
  EXPECT_EQ(bfs.stop, Stop::kComplete);
  EXPECT_FALSE(bfs.depth_cut);
  EXPECT_EQ(bfs.states, 288);  // TLC's count for TwoPhase with 3 RMs
  EXPECT_THAT(bfs.sometimes_reached, ElementsAre(false, true));
  o.strategy = Strategy::kDfs;
  const Outcome dfs = Search(spec, o);
  EXPECT_EQ(dfs.states, 288);
  EXPECT_EQ(dfs.transitions, bfs.transitions);
}

TEST(Explore, BfsFindsAShortestCounterexample) {
  TwoPhaseSpec spec(3, true);
  const Outcome o = Search(spec, ExploreOptions{});
  ASSERT_EQ(o.stop, Stop::kViolation);
  EXPECT_EQ(spec.properties()[o.violated].name, "TCConsistent");
  // TMCommit, one RM aborts, another receives Commit: three steps.
  EXPECT_EQ(o.tape.choices.size(), 3u);
  Executor<TwoPhaseSpec> ex(spec);
  ex.Reset(o.tape.init);
  std::vector<TwoPhaseSpec::Action> actions;
  for (uint32_t c : o.tape.choices) {
    ex.Actions(actions);
    ex.Apply(c, actions[c]);
  }
  EXPECT_FALSE(spec.properties()[0].holds(ex.state()));
}

// A restored copy drops the tape instead of growing it by every transition
// of a search (it grew without bound before: 29 of Raft's 46 resident bytes
// per state under DFS); reading it then is an error, not a wrong path.
TEST(Executor, RestoringACopyForgetsTheTape) {
  TwoPhaseSpec spec(3, false);
  Executor<TwoPhaseSpec> ex(spec);
  ex.Reset(0);
  std::vector<TwoPhaseSpec::Action> actions;
  ex.Actions(actions);
  ASSERT_FALSE(actions.empty());
  const TwoPhaseSpec::State start = ex.state();
  ex.Apply(0, actions[0]);
  EXPECT_EQ(ex.tape().choices, std::vector<uint32_t>{0});
  ex.Restore(start);
  EXPECT_DEATH(ex.tape(), "tape_valid_");
  ex.Reset(0);
  EXPECT_TRUE(ex.tape().choices.empty());
}

TEST(Explore, LimitsAreReportedNotPassed) {
  TwoPhaseSpec spec(3, false);
  ExploreOptions o;
  o.limits.depth_max = 2;
  Outcome out = Search(spec, o);
  EXPECT_EQ(out.stop, Stop::kComplete);
  EXPECT_TRUE(out.depth_cut);
  o.limits.depth_max = 100;
  o.limits.states_max = 50;
  out = Search(spec, o);
  EXPECT_EQ(out.stop, Stop::kStates);
  EXPECT_EQ(out.states, 50);
}

TEST(Explore, RandomWalksAreReproducibleFromTheSeed) {
  TwoPhaseSpec spec(3, true);
  ExploreOptions o;
  o.strategy = Strategy::kRandom;
  o.seed = 99;
  const Outcome a = RandomWalks(spec, o);
  const Outcome b = RandomWalks(spec, o);
  ASSERT_EQ(a.stop, Stop::kViolation);
  EXPECT_EQ(a.tape, b.tape);
  EXPECT_EQ(a.transitions, b.transitions);
}

}  // namespace
}  // namespace faultline
