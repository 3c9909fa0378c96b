// Symmetry reduction (harness/symmetry.h): declarations are symmetries of
// their models, the canonical fingerprint is exact, and `--symmetry` keeps
// every registered entry's verdict while visiting fewer states. The command
// line's side is in tests/cli_test.cc (Cli.Symmetry*).
#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/executor.h"
#include "harness/explore.h"
#include "harness/random.h"
#include "harness/registry.h"
#include "harness/symmetry.h"
#include "harness/verdict.h"
#include "harness/world.h"
#include "protocols/paxos.h"
#include "protocols/raft.h"
#include "protocols/two_phase_commit.h"
#include "protocols/two_phase_spec.h"

namespace faultline {
namespace {

// ---- Permutations ----

TEST(NodePermutation, MovesIdsMasksAndSlots) {
  NodePermutation p(5);
  EXPECT_TRUE(p.IsIdentity());
  p.Set(2, 4);
  p.Set(4, 2);
  EXPECT_FALSE(p.IsIdentity());
  EXPECT_EQ(p(2), 4);
  EXPECT_EQ(p(0), 0);
  EXPECT_EQ(p.Id(int8_t{-1}), -1);  // "none" stays none
  EXPECT_EQ(p.Id(int8_t{4}), 2);
  EXPECT_EQ(p.Mask(0b00101), 0b10001u);
  EXPECT_EQ(p.Mask(0b001, 2), 0b100u);  // bit i is node i + 2
  std::array<int, 5> slots{10, 11, 12, 13, 14};
  p.Slots(slots);
  EXPECT_EQ(slots, (std::array<int, 5>{10, 11, 14, 13, 12}));
}

TEST(ForEachPermutation, EnumeratesTheGroupOnce) {
  const SymmetryClasses classes = {{1, 2, 3}, {5, 6}};
  EXPECT_EQ(GroupOrder(classes), 12);
  std::vector<std::vector<NodeId>> seen;
  ForEachPermutation(classes, 7, [&](const NodePermutation& p) {
    std::vector<NodeId> image;
    for (NodeId n = 0; n < 7; ++n) image.push_back(p(n));
    EXPECT_EQ(image[0], 0);
    EXPECT_EQ(image[4], 4);
    seen.push_back(image);
  });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(seen.size(), 12u);
}

TEST(ForEachSortingPermutation, TriesOnlyOrdersOfEqualKeys) {
  // Keys 7, 3, 7 on nodes 0..2: node 1 must go first, 0 and 2 in either order.
  const std::vector<uint64_t> keys = {7, 3, 7};
  int count = 0;
  ForEachSortingPermutation({{0, 1, 2}}, keys, 3, [&](const NodePermutation& p) {
    EXPECT_EQ(p(1), 0);
    ++count;
  });
  EXPECT_EQ(count, 2);
}

TEST(RefineClasses, SplitsNodesWithDifferentLabels) {
  const SymmetryClasses refined =
      RefineClasses({{0, 1, 2, 3}}, {"a", "b", "a", "c"});
  EXPECT_EQ(refined, (SymmetryClasses{{0, 2}}));  // singletons dropped
}

// ---- Declarations are symmetries ----

template <typename M>
std::vector<NodePermutation> GroupOf(const M& model, int node_count) {
  std::vector<NodePermutation> group;
  ForEachPermutation(model.symmetry().classes, node_count,
                     [&](const NodePermutation& p) { group.push_back(p); });
  return group;
}

template <typename M>
std::vector<uint64_t> SuccessorKeys(const M& model, const typename M::State& s) {
  std::vector<typename M::Action> actions;
  model.Actions(s, actions);
  std::vector<uint64_t> keys;
  for (const auto& a : actions) {
    typename M::State t = s;
    model.Step(t, a, nullptr);
    keys.push_back(model.SymmetricDigest(t));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Along seeded random walks, for a random permutation p of the declared
// group at every state s: canonical(p(s)) == canonical(s); p undone gives s
// back; every property (and liveness trigger) says the same of s and p(s);
// s and p(s) have the same successors up to symmetry. The first difference,
// or "" if none.
template <typename M>
std::string SymmetryDefect(const M& model, int node_count, int walks, int depth) {
  const std::vector<NodePermutation> group = GroupOf(model, node_count);
  if (group.size() < 2) return "no declared symmetry";
  // The initial states are closed under the group.
  absl::flat_hash_set<uint64_t> inits;
  for (int i = 0; i < model.InitCount(); ++i) inits.insert(model.Digest(model.Init(i)));
  for (int i = 0; i < model.InitCount(); ++i) {
    for (const NodePermutation& p : group) {
      if (!inits.contains(model.Digest(model.Permute(model.Init(i), p)))) {
        return absl::StrCat("initial state ", i, " permuted is not initial");
      }
    }
  }
  Rng rng(20261122);
  std::vector<typename M::Action> actions;
  for (int walk = 0; walk < walks; ++walk) {
    typename M::State s = model.Init(static_cast<int>(rng.Below(model.InitCount())));
    for (int step = 0; step < depth; ++step) {
      const NodePermutation& p = group[rng.Below(group.size())];
      NodePermutation inverse(node_count);
      for (NodeId n = 0; n < node_count; ++n) inverse.Set(p(n), n);
      const typename M::State t = model.Permute(s, p);
      const std::string where = absl::StrCat("walk ", walk, " step ", step);
      if (model.SymmetricDigest(t) != model.SymmetricDigest(s)) {
        return absl::StrCat(where, ": canonical digest differs");
      }
      if (model.Digest(model.Permute(t, inverse)) != model.Digest(s)) {
        return absl::StrCat(where, ": permuting back does not restore the state");
      }
      for (const auto& prop : model.properties()) {
        if (prop.holds(s) != prop.holds(t) ||
            (prop.trigger && prop.trigger(s) != prop.trigger(t))) {
          return absl::StrCat(where, ": property ", prop.name, " is not symmetric");
        }
      }
      if (SuccessorKeys(model, s) != SuccessorKeys(model, t)) {
        return absl::StrCat(where, ": successors differ");
      }
      model.Actions(s, actions);
      if (actions.empty()) break;
      model.Step(s, actions[rng.Below(actions.size())], nullptr);
    }
  }
  return "";
}

WorldOptions Symmetric(WorldOptions w) {
  w.symmetry = true;
  return w;
}

TEST(Declarations, PaxosAcceptorsAreSymmetric) {
  WorldOptions w;
  w.crashes_max = 1;
  w.drops_max = 1;
  w.duplicates_max = 1;
  const ActorModel<Paxos> model(Paxos{.acceptors = 3, .rounds = 2}, Symmetric(w));
  EXPECT_TRUE(model.symmetry().active) << model.symmetry().note;
  EXPECT_EQ(SymmetryDefect(model, 5, 40, 30), "");
}

TEST(Declarations, PaxosSurvivesRecoveryPartitionsFifoAndCausality) {
  WorldOptions w;
  w.links = LinkOrder::kFifo;
  w.crash = CrashModel::kRecover;
  w.crashes_max = 2;
  w.partitions_max = 1;
  w.causality = true;
  const ActorModel<Paxos> model(Paxos{.acceptors = 4, .rounds = 2}, Symmetric(w));
  EXPECT_TRUE(model.symmetry().active) << model.symmetry().note;
  EXPECT_EQ(SymmetryDefect(model, 6, 40, 30), "");
}

TEST(Declarations, RaftServersAreSymmetricWithinTheirClass) {
  WorldOptions w;
  w.crash = CrashModel::kRecover;
  w.crashes_max = 1;
  w.duplicates_max = 1;
  Raft raft;
  raft.servers = 5;
  raft.candidates = 3;
  raft.max_term = 3;
  raft.requests = 0;
  const ActorModel<Raft> model(raft, Symmetric(w));
  EXPECT_EQ(model.symmetry().note, "on: {s0,s1,s2} {s3,s4} (12 permutations)");
  EXPECT_EQ(SymmetryDefect(model, 5, 40, 40), "");
}

TEST(Declarations, RaftServersWithDifferentRequestsAreToldApart) {
  Raft raft;
  raft.servers = 4;
  raft.candidates = 4;
  raft.max_term = 2;
  raft.requests = 2;  // commands 1 and 2 at s0 and s1
  const ActorModel<Raft> model(raft, Symmetric(WorldOptions{}));
  EXPECT_EQ(model.symmetry().note, "on: {s2,s3} (2 permutations)");
  EXPECT_EQ(SymmetryDefect(model, 4, 40, 40), "");
}

// 2PC checks liveness at every registered entry, so --symmetry stays off
// there; its declaration is still a symmetry, liveness goals included.
TEST(Declarations, TwoPhaseCommitParticipantsAreSymmetric) {
  WorldOptions w;
  w.crashes_max = 1;
  const ActorModel<TwoPhaseCommit> model(TwoPhaseCommit{.participants = 3},
                                         Symmetric(w));
  EXPECT_FALSE(model.symmetry().active);
  EXPECT_TRUE(absl::StartsWith(model.symmetry().note, "off: liveness"));
  EXPECT_EQ(model.CanonicalDigest(model.Init(0)), model.FastDigest(model.Init(0)));
  EXPECT_EQ(SymmetryDefect(model, 4, 40, 30), "");
}

TEST(Declarations, TwoPhaseSpecRmsAreSymmetric) {
  const TwoPhaseSpec spec(4, false, TwoPhaseSpec::Reduction::kSymmetry);
  EXPECT_EQ(SymmetryDefect(spec, 4, 40, 20), "");
}

// The check above can fail: a declaration that is not a symmetry is caught.
// Node 0 pings nodes 1 and 2, and only node 1 answers, yet 1 and 2 are
// declared interchangeable.
struct Ping {
  struct Msg {
    bool pong = false;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) { return H::combine(std::move(h), m.pong); }
    std::string ToString() const { return pong ? "Pong" : "Ping"; }
  };
  struct Node {
    bool pinged = false;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) { return H::combine(std::move(h), n.pinged); }
    std::string ToString() const { return pinged ? "pinged" : "idle"; }
  };
  using Op = int;
  using Obs = int;
  int NodeCount() const { return 3; }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const { return {}; }
  void OnStart(Node&, Out<Ping>& out) const {
    if (out.self() == 0) out.Broadcast({});
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, Out<Ping>& out) const {
    n.pinged = true;
    if (!m.pong && out.self() == 1) out.Send(from, {true});
  }
  void OnTimer(Node&, TimerId, Out<Ping>&) const {}
  void OnRequest(Node&, const Op&, Out<Ping>&) const {}
  void OnRecover(Node&, Out<Ping>&) const {}
  std::vector<Property<World<Ping>>> Properties() const { return {}; }
  SymmetryClasses SymmetricNodes() const { return {{1, 2}}; }
};

TEST(Declarations, AWrongDeclarationIsCaught) {
  const ActorModel<Ping> model(Ping{}, Symmetric(WorldOptions{}));
  EXPECT_TRUE(absl::EndsWith(SymmetryDefect(model, 3, 5, 5), ": successors differ"));
}

// ---- The canonical fingerprint is exact ----

// Orbits among the reachable states, by brute force: a plain BFS, and for
// each state the minimum digest over every permutation of the group.
template <typename M>
int64_t CountOrbits(const M& model, int node_count) {
  const std::vector<NodePermutation> group = GroupOf(model, node_count);
  absl::flat_hash_set<uint64_t> seen, orbits;
  std::deque<typename M::State> frontier;
  std::vector<typename M::Action> actions;
  for (int i = 0; i < model.InitCount(); ++i) {
    frontier.push_back(model.Init(i));
    seen.insert(model.Digest(frontier.back()));
  }
  while (!frontier.empty()) {
    const typename M::State s = std::move(frontier.front());
    frontier.pop_front();
    uint64_t least = ~uint64_t{0};
    for (const NodePermutation& p : group) {
      least = std::min(least, model.Digest(model.Permute(s, p)));
    }
    orbits.insert(least);
    model.Actions(s, actions);
    for (const auto& a : actions) {
      typename M::State t = s;
      model.Step(t, a, nullptr);
      if (seen.insert(model.Digest(t)).second) frontier.push_back(std::move(t));
    }
  }
  return static_cast<int64_t>(orbits.size());
}

template <typename M>
Outcome SearchAll(const M& model) {
  ExploreOptions options;
  options.limits.depth_max = 1000;
  return Explore(model, options);
}

TEST(Exact, TwoPhaseSpecVisitsOneStatePerOrbit) {
  const TwoPhaseSpec plain(3, false);
  const TwoPhaseSpec reduced(3, false, TwoPhaseSpec::Reduction::kSymmetry);
  EXPECT_EQ(SearchAll(plain).states, 288);  // TLC's count
  const Outcome o = SearchAll(reduced);
  EXPECT_EQ(o.stop, Stop::kComplete);
  EXPECT_EQ(o.states, CountOrbits(reduced, 3));
  EXPECT_EQ(o.states, 80);
}

TEST(Exact, PaxosVisitsOneStatePerOrbit) {
  const ActorModel<Paxos> model(Paxos{.acceptors = 3, .rounds = 1},
                                Symmetric(WorldOptions{}));
  const Outcome o = SearchAll(model);
  EXPECT_EQ(o.stop, Stop::kComplete);
  EXPECT_EQ(o.states, CountOrbits(model, 5));
  EXPECT_EQ(o.states, 28370);  // of 164101 without symmetry
}

TEST(Exact, RaftVisitsOneStatePerOrbit) {
  WorldOptions w;
  w.crashes_max = 1;
  w.drops_max = 1;
  Raft raft;
  raft.servers = 3;
  raft.candidates = 3;
  raft.max_term = 1;
  raft.requests = 0;
  const ActorModel<Raft> model(raft, Symmetric(w));
  const Outcome o = SearchAll(model);
  EXPECT_EQ(o.stop, Stop::kComplete);
  EXPECT_EQ(o.states, CountOrbits(model, 3));
  EXPECT_EQ(o.states, 1501);
}

// ---- Every registered entry keeps its verdict ----
// (tests/protocols_test.cc, EveryEntry.KeepsItsVerdictWithSymmetry)

// Where the reduction is off, the search is the plain one, state for state,
// including a liveness counterexample.
TEST(Fallback, LivenessEntrySearchesAsWithout) {
  const Entry* entry = FindEntry("two-phase-commit:coordinator-crash");
  ASSERT_NE(entry, nullptr);
  Config config = DefaultConfig(*entry);
  ExploreOptions options;
  options.limits = entry->limits;
  const Outcome plain = entry->make(config)->Explore(options);
  config.world.symmetry = true;
  const auto checker = entry->make(config);
  EXPECT_FALSE(checker->Symmetry().active);
  const Outcome with = checker->Explore(options);
  EXPECT_EQ(with.states, plain.states);
  EXPECT_EQ(with.violated, plain.violated);
  EXPECT_EQ(with.tape, plain.tape);
}

}  // namespace
}  // namespace faultline
