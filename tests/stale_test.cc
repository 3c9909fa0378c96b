// Stale-message pruning (docs/stale.md): a protocol's Stale() declaration
// keeps its contract on every state a search reaches, a wrong declaration is
// caught, and `--prune-stale` merges states exactly (the same counts in any
// order, on any number of threads) where the world lets it. Registry-wide
// verdicts are in tests/protocols_test.cc, the command line in
// tests/cli_test.cc.
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/explore.h"
#include "harness/symmetry.h"
#include "harness/world.h"
#include "protocols/paxos.h"
#include "protocols/raft.h"

namespace faultline {
namespace {

using RaftModel = ActorModel<Raft>;
using RaftState = World<Raft>;
template <typename P>
using StaleOf = std::function<bool(const typename P::Node&, NodeId,
                                   const typename P::Msg&)>;
using StaleFn = StaleOf<Raft>;

// The node a message to n meets: n itself, or its disk while it is down and
// may recover (the world restarts it from there).
template <typename P>
const typename P::Node& Receiver(const World<P>& w, NodeId n) {
  return !w.up(n) && !w.disk.empty() ? w.disk[n] : w.node(n);
}

// The first breach of the stale contract by `stale` on state w, or "":
// a stale message's delivery must change nothing but its own absence, and
// it must stay stale after every action that leaves it in flight. With
// pruning on, a stale delivery must also stutter (the same fingerprint).
template <typename P>
std::string BreachAt(const ActorModel<P>& model, const StaleOf<P>& stale,
                     const World<P>& w, std::vector<Event>& actions) {
  std::vector<Envelope<typename P::Msg>> stale_now;
  for (const auto& e : w.network) {
    if (stale(Receiver(w, e.to), e.from, e.msg)) stale_now.push_back(e);
  }
  model.Actions(w, actions);
  for (const Event& a : actions) {
    World<P> t = w;
    model.Step(t, a, nullptr);
    const std::string what = model.Describe(w, a);
    if (a.kind == EventKind::kDeliver &&
        stale(Receiver(w, w.network[a.arg].to), w.network[a.arg].from,
              w.network[a.arg].msg)) {
      World<P> expected = w;
      expected.network.erase(expected.network.begin() + a.arg);
      if (model.Digest(t) != model.Digest(expected)) {
        return absl::StrCat(what,
                            ": a stale message's delivery changed the world\n",
                            model.DescribeState(w));
      }
      if (model.stale().active &&
          (!model.Stutters(w, a) ||
           model.CanonicalDigest(t) != model.CanonicalDigest(w))) {
        return absl::StrCat(what, ": a pruned delivery does not stutter");
      }
    }
    for (const auto& e : t.network) {
      if (std::find(stale_now.begin(), stale_now.end(), e) != stale_now.end() &&
          !stale(Receiver(t, e.to), e.from, e.msg)) {
        return absl::StrCat(what, ": ", e.msg.ToString(), " to ", e.to,
                            " was stale before and is not after\n",
                            model.DescribeState(t));
      }
    }
  }
  return "";
}

// Visits up to states_max states reached breadth first from the initial
// states, without reduction, until visit() returns false; the count visited.
template <typename P, typename Visit>
int64_t WalkBreadthFirst(const ActorModel<P>& model, int64_t states_max,
                         Visit visit) {
  absl::flat_hash_set<uint64_t> seen;
  std::deque<World<P>> frontier;
  for (int i = 0; i < model.InitCount(); ++i) {
    frontier.push_back(model.Init(i));
    seen.insert(model.Digest(frontier.back()));
  }
  std::vector<Event> actions;
  int64_t visited = 0;
  while (!frontier.empty() && visited < states_max) {
    const World<P> w = std::move(frontier.front());
    frontier.pop_front();
    ++visited;
    if (!visit(w)) break;
    model.Actions(w, actions);
    for (const Event& a : actions) {
      World<P> t = w;
      model.Step(t, a, nullptr);
      if (seen.insert(model.Digest(t)).second) frontier.push_back(std::move(t));
    }
  }
  return visited;
}

// Checks the contract on up to states_max states reached breadth first
// without reduction; the first breach or "". `explored` gets the count.
template <typename P>
std::string StaleBreach(const ActorModel<P>& model, const StaleOf<P>& stale,
                        int64_t states_max, int64_t* explored) {
  std::string breach;
  std::vector<Event> actions;
  *explored = WalkBreadthFirst(model, states_max, [&](const World<P>& w) {
    breach = BreachAt(model, stale, w, actions);
    return breach.empty();
  });
  return breach;
}

template <typename P>
StaleOf<P> Declared(const P& protocol) {
  return [protocol](const typename P::Node& n, NodeId from,
                    const typename P::Msg& m) {
    return protocol.Stale(n, from, m);
  };
}

// The protocol's own declaration keeps the contract on the first `states`
// states, and there are that many.
template <typename P>
void ExpectContract(const ActorModel<P>& model, int64_t states) {
  int64_t explored = 0;
  EXPECT_EQ(StaleBreach(model, Declared(model.protocol()), states, &explored),
            "");
  EXPECT_EQ(explored, states);
}

WorldOptions RaftWorld(bool prune) {
  WorldOptions w;
  w.crash = CrashModel::kRecover;
  w.crashes_max = 1;
  w.prune_stale = prune;
  return w;
}

Raft SmallRaft(RaftBug bug = RaftBug::kNone) {
  Raft raft;
  raft.servers = 3;
  raft.candidates = 2;
  raft.max_term = 2;
  raft.requests = 0;
  raft.bug = bug;
  return raft;
}

// ---- The declaration keeps its contract ----

TEST(RaftStale, KeepsTheContractAtTheDefaults) {
  const RaftModel model(SmallRaft(), RaftWorld(/*prune=*/true));
  ASSERT_TRUE(model.stale().active) << model.stale().note;
  ExpectContract(model, 150000);
}

// Loss, duplication, a partition, three candidates, three terms and client
// commands: every kind of message, stale in every way.
TEST(RaftStale, KeepsTheContractUnderEveryFault) {
  Raft raft = SmallRaft();
  raft.candidates = 3;
  raft.max_term = 3;
  raft.requests = 2;
  WorldOptions w = RaftWorld(/*prune=*/true);
  w.drops_max = 1;
  w.duplicates_max = 1;
  w.partitions_max = 1;
  const RaftModel model(raft, w);
  ExpectContract(model, 100000);
}

TEST(RaftStale, KeepsTheContractInEveryBuggyVariant) {
  for (RaftBug bug : {RaftBug::kNoLogCheck, RaftBug::kCommitOldTerm,
                      RaftBug::kForgetVote, RaftBug::kNoPrevCheck}) {
    const RaftModel model(SmallRaft(bug), RaftWorld(/*prune=*/true));
    SCOPED_TRACE(static_cast<int>(bug));
    ExpectContract(model, 30000);
  }
}

// Known-bad declarations: one whose delivery is not a no-op (a RequestVote
// of the receiver's term grants a vote), and one that is a no-op now but
// not for good (a refused RequestVote is granted after a restart that
// forgot the vote, in the forget-vote variant).
TEST(RaftStale, CatchesADeliveryThatChangesTheReceiver) {
  const RaftModel model(SmallRaft(), RaftWorld(/*prune=*/false));
  const StaleFn wrong = [raft = model.protocol()](
                            const RaftNode& n, NodeId from, const RaftMsg& m) {
    return raft.Stale(n, from, m) ||
           (m.kind == RaftMsg::kRequestVote && m.term == n.term);
  };
  int64_t explored = 0;
  EXPECT_THAT(
      StaleBreach(model, wrong, 150000, &explored),
      testing::HasSubstr("a stale message's delivery changed the world"));
}

TEST(RaftStale, CatchesAMessageThatStopsBeingStale) {
  const auto refused = [](const Raft& raft) -> StaleFn {
    return [raft](const RaftNode& n, NodeId from, const RaftMsg& m) {
      return raft.Stale(n, from, m) ||
             (m.kind == RaftMsg::kRequestVote && m.term == n.term &&
              n.voted_for >= 0 && n.voted_for != from);
    };
  };
  const RaftModel forgets(SmallRaft(RaftBug::kForgetVote),
                          RaftWorld(/*prune=*/false));
  int64_t explored = 0;
  const std::string breach =
      StaleBreach(forgets, refused(forgets.protocol()), 150000, &explored);
  EXPECT_THAT(breach, testing::HasSubstr("was stale before and is not after"));
  EXPECT_THAT(breach, testing::HasSubstr("recover"));
  // With votedFor persisted the same rule holds: the breach was the bug's.
  const RaftModel keeps(SmallRaft(), RaftWorld(/*prune=*/false));
  EXPECT_EQ(StaleBreach(keeps, refused(keeps.protocol()), 150000, &explored),
            "");
}

// Paxos declares stale what an acceptor's promise covers; under
// crash-recovery with loss and duplication, and with two rounds.
TEST(PaxosStale, KeepsTheContract) {
  WorldOptions w;
  w.crash = CrashModel::kRecover;
  w.crashes_max = 1;
  w.drops_max = 1;
  w.duplicates_max = 1;
  w.prune_stale = true;
  const ActorModel<Paxos> model(Paxos{.acceptors = 3, .rounds = 2}, w);
  ASSERT_TRUE(model.stale().active) << model.stale().note;
  ExpectContract(model, 100000);
}

// Without the no-persist exception, a Prepare below a promise the restart
// forgets would be declared stale and then not be.
TEST(PaxosStale, CatchesAPromiseTheRestartForgets) {
  WorldOptions w;
  w.crash = CrashModel::kRecover;
  w.crashes_max = 1;
  const ActorModel<Paxos> model(
      Paxos{.acceptors = 3, .rounds = 2, .bug = Paxos::Bug::kNoPersist}, w);
  const StaleOf<Paxos> wrong = [](const Paxos::Node& n, NodeId,
                                  const Paxos::Msg& m) {
    return m.kind == Paxos::kPrepare && m.ballot <= n.promised;
  };
  int64_t explored = 0;
  EXPECT_THAT(StaleBreach(model, wrong, 150000, &explored),
              testing::HasSubstr("was stale before and is not after"));
  EXPECT_EQ(model.protocol().Stale(Paxos::Node{.promised = 3}, 0,
                                   Paxos::Msg{Paxos::kPrepare, 1}),
            false);
}

// Under crash-stop a message to a crashed node is never delivered: pruned
// whatever the protocol says of it.
TEST(RaftStale, PrunesMessagesToANodeDownForGood) {
  WorldOptions w;
  w.crashes_max = 1;
  w.prune_stale = true;
  const RaftModel model(SmallRaft(), w);
  RaftState s = model.Init(0);
  std::vector<Event> actions;
  model.Actions(s, actions);  // s0 stands: RequestVotes to s1 and s2
  for (const Event& a : actions) {
    if (a.kind == EventKind::kFire) {
      model.Step(s, a, nullptr);
      break;
    }
  }
  ASSERT_EQ(s.network.size(), 2u);
  EXPECT_FALSE(model.Pruned(s, s.network[0]));
  model.Actions(s, actions);
  for (const Event& a : actions) {
    if (a.kind == EventKind::kCrash && a.node == s.network[0].to) {
      model.Step(s, a, nullptr);
      break;
    }
  }
  ASSERT_FALSE(s.up(s.network[0].to));
  EXPECT_TRUE(model.Pruned(s, s.network[0]));
  EXPECT_FALSE(model.Pruned(s, s.network[1]));
}

// Under --symmetry the pruned messages of a renamed state are the renamed
// pruned messages: a state and each of its renamings share one canonical
// fingerprint, on the first 20,000 states (three interchangeable servers).
TEST(RaftStale, PrunesTheSameUnderRenaming) {
  Raft raft = SmallRaft();
  raft.candidates = 3;
  WorldOptions w = RaftWorld(/*prune=*/true);
  w.symmetry = true;
  const RaftModel model(raft, w);
  ASSERT_TRUE(model.symmetry().active) << model.symmetry().note;
  int pruned = 0;
  WalkBreadthFirst(model, 20000, [&](const RaftState& s) {
    for (const auto& e : s.network) pruned += model.Pruned(s, e);
    ForEachPermutation(model.symmetry().classes, 3,
                       [&](const NodePermutation& p) {
                         EXPECT_EQ(model.CanonicalDigest(model.Permute(s, p)),
                                   model.CanonicalDigest(s));
                       });
    return true;
  });
  EXPECT_GT(pruned, 1000);
}

// ---- Where the world lets pruning work ----

TEST(RaftStale, IsOffWhereAStaleMessageStillMatters) {
  const auto note = [](WorldOptions w) {
    w.prune_stale = true;
    return RaftModel(SmallRaft(), w).stale().note;
  };
  WorldOptions fifo;
  fifo.links = LinkOrder::kFifo;
  EXPECT_EQ(note(fifo),
            "off: links are FIFO, and a stale message still holds back "
            "the later ones of its link");
  WorldOptions sync;
  sync.timers = TimerModel::kSynchronous;
  EXPECT_EQ(note(sync),
            "off: synchronous timers wait for every deliverable "
            "message, stale ones too");
  WorldOptions causal;
  causal.causality = true;
  EXPECT_EQ(note(causal), "off: a delivery merges vector clocks, stale or not");
  EXPECT_EQ(note(WorldOptions{}), "on");
  EXPECT_FALSE(RaftModel(SmallRaft(), WorldOptions{}).stale().requested);
}

// ---- Merging is exact ----

template <typename M>
Outcome Check(const M& model, Strategy strategy, int threads) {
  ExploreOptions o;
  o.strategy = strategy;
  o.threads = threads;
  o.limits.depth_max = 200;
  o.limits.states_max = 10'000'000;
  return Explore(model, o);
}

// Breadth first, depth first and on two threads the same states: a state's
// class has the same successors whichever member the search met first.
// Unpruned: 719,851 states; 3 servers, 2 candidates, terms to 2, 1 crash.
TEST(PaxosStale, MergesTheSameStatesInEveryOrder) {
  WorldOptions w;
  w.crashes_max = 1;
  w.prune_stale = true;
  const ActorModel<Paxos> model(Paxos{}, w);  // unpruned: 984,606 states
  const Outcome bfs = Check(model, Strategy::kBfs, 1);
  EXPECT_EQ(bfs.stop, Stop::kComplete);
  EXPECT_EQ(bfs.states, 202100);
  EXPECT_EQ(Check(model, Strategy::kDfs, 1).states, bfs.states);
  EXPECT_EQ(Check(model, Strategy::kBfs, 2).states, bfs.states);
}

TEST(RaftStale, MergesTheSameStatesInEveryOrder) {
  const RaftModel model(SmallRaft(), RaftWorld(/*prune=*/true));
  const Outcome bfs = Check(model, Strategy::kBfs, 1);
  const Outcome dfs = Check(model, Strategy::kDfs, 1);
  const Outcome two = Check(model, Strategy::kBfs, 2);
  EXPECT_EQ(bfs.stop, Stop::kComplete);
  EXPECT_EQ(bfs.violated, -1);
  EXPECT_EQ(bfs.states, 13769);
  EXPECT_EQ(dfs.states, bfs.states);
  EXPECT_EQ(two.states, bfs.states);
  EXPECT_EQ(two.transitions, bfs.transitions);
}

// The known-bad variants keep their verdicts, and their traces replay on
// the unpruned model (pruning is not part of the world).
TEST(RaftStale, StillFindsEveryBuggyVariant) {
  const std::vector<std::pair<RaftBug, std::string>> bugs = {
      {RaftBug::kNoLogCheck, "leader-completeness"},
      {RaftBug::kCommitOldTerm, "leader-completeness"},
      {RaftBug::kForgetVote, "election-safety"},
      {RaftBug::kNoPrevCheck, "log-matching"}};
  for (const auto& [bug, property] : bugs) {
    Raft raft = SmallRaft(bug);
    if (bug == RaftBug::kCommitOldTerm || bug == RaftBug::kNoPrevCheck) {
      raft.max_term = bug == RaftBug::kCommitOldTerm ? 4 : 3;
    }
    WorldOptions w = RaftWorld(/*prune=*/true);
    if (bug == RaftBug::kCommitOldTerm || bug == RaftBug::kNoPrevCheck)
      w.crashes_max = 0;
    const RaftModel pruned(raft, w);
    const Outcome o = Check(pruned, Strategy::kBfs, 1);
    ASSERT_GE(o.violated, 0) << property;
    EXPECT_EQ(pruned.properties()[o.violated].name, property);
    w.prune_stale = false;
    const RaftModel plain(raft, w);
    RaftState s = plain.Init(o.tape.init);
    std::vector<Event> actions;
    for (uint32_t choice : o.tape.choices) {
      plain.Actions(s, actions);
      ASSERT_LT(choice, actions.size());
      plain.Step(s, actions[choice], nullptr);
    }
    EXPECT_FALSE(plain.properties()[o.violated].holds(s)) << property;
  }
}

}  // namespace
}  // namespace faultline
