// Raft: the correct protocol passes exhaustively at its default bounds (state
// count pinned); every buggy variant fails with the property it names and its
// trace replays; each property catches a hand-made bad world.
#include "protocols/raft.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/registry.h"

namespace faultline {
namespace {

Outcome CheckDefault(const std::string& name, const Checker** checker_out,
                     std::unique_ptr<Checker>& holder) {
  const Entry* entry = FindEntry(name);
  FL_CHECK(entry != nullptr);
  holder = entry->make(DefaultConfig(*entry));
  *checker_out = holder.get();
  ExploreOptions options;
  options.limits = entry->limits;
  return holder->Explore(options);
}

std::string PropertyName(const Checker& checker, int index) {
  return index < 0 ? "" : checker.Properties()[index].name;
}

TEST(Raft, PassesExhaustivelyAtDefaultBounds) {
  std::unique_ptr<Checker> holder;
  const Checker* checker = nullptr;
  const Outcome o = CheckDefault("raft", &checker, holder);
  EXPECT_EQ(o.stop, Stop::kComplete);
  EXPECT_FALSE(o.depth_cut);
  EXPECT_EQ(o.states, 719851);
  EXPECT_EQ(o.transitions, 3271612);
  // Sometimes(committed) was reached: the pass is not vacuous.
  const auto properties = checker->Properties();
  for (size_t i = 0; i < properties.size(); ++i) {
    if (properties[i].kind == PropertyKind::kSometimes) {
      EXPECT_TRUE(o.sometimes_reached[i]) << properties[i].name;
    }
  }
}

TEST(RaftKv, IsLinearizableExhaustivelyAtDefaultBounds) {
  std::unique_ptr<Checker> holder;
  const Checker* checker = nullptr;
  const Outcome o = CheckDefault("raft-kv", &checker, holder);
  EXPECT_EQ(o.stop, Stop::kComplete);
  EXPECT_FALSE(o.depth_cut);
  EXPECT_EQ(o.states, 744530);
  EXPECT_EQ(o.transitions, 2616582);
  EXPECT_TRUE(o.sometimes_reached[1]);  // read-answered: not vacuous
}

struct Buggy {
  const char* name;
  const char* property;
  size_t steps;  // BFS: the shortest counterexample
};

class RaftVariant : public testing::TestWithParam<Buggy> {};

TEST_P(RaftVariant, FailsWithItsPropertyAndReplays) {
  const Buggy& bug = GetParam();
  EXPECT_EQ(FindEntry(bug.name)->violates, bug.property);
  std::unique_ptr<Checker> holder;
  const Checker* checker = nullptr;
  const Outcome o = CheckDefault(bug.name, &checker, holder);
  ASSERT_EQ(o.stop, Stop::kViolation) << StopName(o.stop);
  EXPECT_EQ(PropertyName(*checker, o.violated), bug.property);
  EXPECT_EQ(o.tape.choices.size(), bug.steps);
  Trace trace = checker->Record(o.tape);
  trace.property = bug.property;
  const ReplayResult replay = checker->Replay(trace, nullptr);
  EXPECT_EQ(replay.kind, ReplayResult::Kind::kReproduced) << replay.message;
}

INSTANTIATE_TEST_SUITE_P(
    Variants, RaftVariant,
    testing::Values(Buggy{"raft:no-log-check", "leader-completeness", 8},
                    Buggy{"raft:forget-vote", "election-safety", 8},
                    Buggy{"raft:no-prev-check", "log-matching", 11},
                    Buggy{"raft:commit-old-term", "leader-completeness", 22},
                    Buggy{"raft-kv:stale-read", "linearizable", 12}),
    [](const testing::TestParamInfo<Buggy>& info) {
      std::string name = info.param.name;
      for (char& c : name) {
        if (c == '-' || c == ':') c = '_';
      }
      return name;
    });

// Figure 8 needs four terms and about twenty steps; with unordered links BFS
// does not get there in minutes, but seeded random walks do in seconds.
TEST(Raft, RandomWalksFindFigure8WithUnorderedLinks) {
  const Entry* entry = FindEntry("raft:commit-old-term");
  Config config = DefaultConfig(*entry);
  config.world.links = LinkOrder::kUnordered;
  const auto checker = entry->make(config);
  ExploreOptions options;
  options.strategy = Strategy::kRandom;
  options.seed = 0;
  options.limits.depth_max = 40;
  options.limits.runs_max = 1'000'000;
  options.limits.seconds_max = 60;
  const Outcome o = checker->Explore(options);
  ASSERT_EQ(o.stop, Stop::kViolation) << StopName(o.stop);
  EXPECT_EQ(PropertyName(*checker, o.violated), "leader-completeness");
  Trace trace = checker->Record(o.tape);
  trace.property = "leader-completeness";
  EXPECT_EQ(checker->Replay(trace, nullptr).kind, ReplayResult::Kind::kReproduced);
}

// Hand-made worlds: each property holds on a consistent one and fails on one
// broken the way its name says.
class RaftProperties : public testing::Test {
 protected:
  RaftProperties() : properties_(Raft{}.Properties()) {
    world_.nodes.assign(3, RaftNode{});
    // s0 leads term 2 with [t1:0 t2:0 t2:7]; s1 has the first two entries.
    RaftNode& leader = world_.nodes[0];
    leader.term = 2;
    leader.role = RaftNode::kLeader;
    leader.log_len = 3;
    leader.log[0] = {1, 0};
    leader.log[1] = {2, 0};
    leader.log[2] = {2, 7};
    world_.nodes[1].term = 2;
    world_.nodes[1].log_len = 2;
    world_.nodes[1].log[0] = {1, 0};
    world_.nodes[1].log[1] = {2, 0};
    RaftLog elected{};
    elected[0] = {1, 0};
    elected[1] = {2, 0};
    Observe(0, {Raft::Obs::kElected, 2, 0, {}, elected, 2});
    Observe(0, {Raft::Obs::kAppended, 2, 3, {2, 7}});
    Observe(0, {Raft::Obs::kCommitted, 2, 2, {2, 0}});
    Observe(1, {Raft::Obs::kApplied, 2, 2, {2, 0}});
  }
  void Observe(NodeId n, Raft::Obs o) { world_.history.push_back({n, o, {}}); }
  bool Holds(const std::string& name) const {
    for (const auto& p : properties_) {
      if (p.name == name) return p.holds(world_);
    }
    ADD_FAILURE() << "no property " << name;
    return false;
  }
  bool AllSafetyHolds() const {
    for (const auto& p : properties_) {
      if (p.kind == PropertyKind::kAlways && !p.holds(world_)) return false;
    }
    return true;
  }

  std::vector<Property<World<Raft>>> properties_;
  World<Raft> world_;
};

TEST_F(RaftProperties, ConsistentWorldSatisfiesAll) {
  EXPECT_TRUE(AllSafetyHolds());
  EXPECT_TRUE(Holds("committed"));
}

TEST_F(RaftProperties, SecondLeaderOfATermBreaksElectionSafety) {
  Observe(2, {Raft::Obs::kElected, 2, 0, {}, {}, 0});
  EXPECT_FALSE(Holds("election-safety"));
}

TEST_F(RaftProperties, LeaderLosingAnAppendedEntryBreaksAppendOnly) {
  world_.nodes[0].log[2] = {};
  world_.nodes[0].log_len = 2;
  EXPECT_FALSE(Holds("leader-append-only"));
  EXPECT_TRUE(Holds("log-matching"));
}

TEST_F(RaftProperties, LeaderOverwritingItsElectionLogBreaksAppendOnly) {
  world_.nodes[0].log[0] = {1, 5};
  EXPECT_FALSE(Holds("leader-append-only"));
}

TEST_F(RaftProperties, SameIndexAndTermWithDifferentPrefixBreaksLogMatching) {
  world_.nodes[1].log[0] = {1, 9};
  EXPECT_FALSE(Holds("log-matching"));
  world_.crashed = 2;  // a crashed server's memory is not its log
  EXPECT_TRUE(Holds("log-matching"));
}

TEST_F(RaftProperties, LaterLeaderWithoutACommittedEntryBreaksCompleteness) {
  RaftLog log{};
  log[0] = {1, 0};
  log[1] = {3, 0};
  Observe(1, {Raft::Obs::kElected, 3, 0, {}, log, 2});
  EXPECT_FALSE(Holds("leader-completeness"));
  EXPECT_TRUE(Holds("election-safety"));
}

TEST_F(RaftProperties, DifferentEntriesAppliedAtOneIndexBreakStateMachineSafety) {
  Observe(2, {Raft::Obs::kApplied, 3, 2, {3, 0}});
  EXPECT_FALSE(Holds("state-machine-safety"));
}

}  // namespace
}  // namespace faultline
