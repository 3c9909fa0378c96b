// Tests of the Byzantine adversary (harness/byzantine.h): every strategy
// produces the messages it should, budgets hold, signatures cannot be forged.
#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/byzantine.h"
#include "harness/executor.h"
#include "harness/explore.h"
#include "harness/world.h"

namespace faultline {
namespace {

using ::testing::ElementsAre;

// Node 0 signs and sends Val(origin 0, value 1) to everyone at start; a node
// that receives a value forwards it once to the others (origin's signature
// kept) and observes it. A client request at node 1 makes it sign and send
// its own Val(origin 1, value op).
struct Gossip {
  struct Msg {
    int8_t origin;
    int8_t value;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.origin, m.value);
    }
    std::string ToString() const {
      return absl::StrCat("Val(", origin, ":", value, ")");
    }
  };
  struct Node {
    std::vector<Msg> got;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) { return H::combine(std::move(h), n.got); }
    std::string ToString() const { return absl::StrCat(got.size(), " values"); }
  };
  using Op = int;
  using Obs = int;
  using O = Out<Gossip>;
  int nodes = 3;
  int NodeCount() const { return nodes; }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const { return {{1, 5}, {1, 6}}; }
  void OnStart(Node&, O& out) const {
    if (out.self() == 0) out.Broadcast({0, 1});
    out.SetTimer(out.self());  // node n's timer belongs to round n
  }
  void OnMessage(Node& n, NodeId, const Msg& m, O& out) const {
    if (std::find(n.got.begin(), n.got.end(), m) != n.got.end()) return;
    n.got.push_back(m);
    out.Observe(m.value);
    for (NodeId to = 0; to < nodes; ++to) {
      if (to != out.self() && to != m.origin) out.Send(to, m);
    }
  }
  void OnTimer(Node&, TimerId, O&) const {}
  void OnRequest(Node&, const Op& op, O& out) const {
    out.Broadcast({static_cast<int8_t>(out.self()), static_cast<int8_t>(op)});
  }
  void OnRecover(Node&, O&) const {}
  std::vector<Msg> Mutations(const Msg& m) const {
    return {{m.origin, static_cast<int8_t>(m.value + 10)}};
  }
  std::vector<Signature> Signatures(const Msg& m) const {
    return {{m.origin, static_cast<uint64_t>(m.value)}};
  }
  std::vector<Property<World<Gossip>>> Properties() const { return {}; }
};

using Model = ActorModel<Gossip>;

WorldOptions Traitors(uint64_t mask) {
  WorldOptions o;
  o.traitors = mask;
  o.byzantine_max = std::popcount(mask);
  return o;
}

std::vector<std::string> Described(const Model& m, const World<Gossip>& w,
                                   EventKind kind) {
  std::vector<Event> events;
  m.Actions(w, events);
  std::vector<std::string> out;
  for (const Event& e : events) {
    if (e.kind == kind) out.push_back(m.Describe(w, e));
  }
  return out;
}

// Applies the first enabled event whose description is `what`.
void Do(const Model& m, World<Gossip>& w, const std::string& what) {
  std::vector<Event> events;
  m.Actions(w, events);
  for (const Event& e : events) {
    if (m.Describe(w, e) == what) return m.Step(w, e, nullptr);
  }
  ADD_FAILURE() << "not enabled: " << what;
}

TEST(Adversary, TraitorSetsAreEveryChoiceOfExactlyF) {
  WorldOptions o;
  o.byzantine_max = 1;
  EXPECT_THAT(Adversary<Gossip>::TraitorSets(o, 4), ElementsAre(1, 2, 4, 8));
  o.byzantine_max = 2;
  EXPECT_EQ(Adversary<Gossip>::TraitorSets(o, 4).size(), 6u);
  EXPECT_THAT(Adversary<Gossip>::TraitorSets(Traitors(5), 4), ElementsAre(5));
  EXPECT_THAT(Adversary<Gossip>::TraitorSets(WorldOptions{}, 4), ElementsAre(0));
  o.byzantine_max = 1;
  Model m(Gossip{}, o);
  ASSERT_EQ(m.InitCount(), 3);
  for (int i = 0; i < 3; ++i) {
    const World<Gossip> w = m.Init(i);
    EXPECT_EQ(std::popcount(w.byz.traitors), 1);  // the budget holds
    EXPECT_TRUE(w.traitor(i));
  }
}

TEST(Adversary, WithoutTraitorsTheWorldIsUnchanged) {
  Model plain(Gossip{}, WorldOptions{});
  const World<Gossip> w = plain.Init(0);
  EXPECT_EQ(w.network.size(), 2u);
  EXPECT_TRUE(Described(plain, w, EventKind::kByzantine).empty());
}

TEST(Adversary, SilenceATraitorsSendsAreHeldNotSent) {
  Model m(Gossip{}, Traitors(1));
  const World<Gossip> w = m.Init(0);
  EXPECT_TRUE(w.network.empty());
  ASSERT_EQ(w.byz.outbox.size(), 2u);
  EXPECT_TRUE(Described(m, w, EventKind::kDeliver).empty());
  // Never releasing is silence: the run can end with nothing delivered.
  std::vector<Event> events;
  m.Actions(w, events);
  for (const Event& e : events) EXPECT_NE(e.kind, EventKind::kDeliver);
}

TEST(Adversary, ReleaseAndMutateEquivocate) {
  Model m(Gossip{}, Traitors(1));
  World<Gossip> w = m.Init(0);
  EXPECT_THAT(Described(m, w, EventKind::kByzantine),
              ElementsAre("byzantine n0: send Val(0:1) to n1",
                          "byzantine n0: send Val(0:11) (mutated from Val(0:1)) to n1",
                          "byzantine n0: send Val(0:1) to n2",
                          "byzantine n0: send Val(0:11) (mutated from Val(0:1)) to n2"));
  Do(m, w, "byzantine n0: send Val(0:1) to n1");
  Do(m, w, "byzantine n0: send Val(0:11) (mutated from Val(0:1)) to n2");
  EXPECT_TRUE(w.byz.outbox.empty());
  Do(m, w, "deliver Val(0:1) n0->n1");
  Do(m, w, "deliver Val(0:11) n0->n2");
  EXPECT_THAT(w.node(1).got, ElementsAre(Gossip::Msg{0, 1}));
  EXPECT_THAT(w.node(2).got, ElementsAre(Gossip::Msg{0, 11}));
}

TEST(Adversary, SignaturesCannotBeForged) {
  // n1 is the traitor; n0 is loyal and signs Val(0:1).
  Model m(Gossip{}, Traitors(2));
  World<Gossip> w = m.Init(0);
  Do(m, w, "deliver Val(0:1) n0->n1");
  // The shadow forwards Val(0:1) to n2; changing the value would need n0's
  // signature on 11, which nobody has seen.
  EXPECT_THAT(Described(m, w, EventKind::kByzantine),
              ElementsAre("byzantine n1: send Val(0:1) to n2"));
  // Its own requests it may sign as it likes.
  Do(m, w, "client request 5 at n1");
  EXPECT_EQ(Described(m, w, EventKind::kByzantine).size(), 5u);
  // Without signatures the forwarded value can be changed too.
  WorldOptions oral = Traitors(2);
  oral.signatures = false;
  Model m2(Gossip{}, oral);
  World<Gossip> w2 = m2.Init(0);
  Do(m2, w2, "deliver Val(0:1) n0->n1");
  EXPECT_THAT(Described(m2, w2, EventKind::kByzantine),
              ElementsAre("byzantine n1: send Val(0:1) to n2",
                          "byzantine n1: send Val(0:11) (mutated from Val(0:1)) to n2"));
}

TEST(Adversary, TraitorObservationsAreNotRecorded) {
  Model m(Gossip{}, Traitors(2));
  World<Gossip> w = m.Init(0);
  Do(m, w, "deliver Val(0:1) n0->n1");  // the traitor observes: not recorded
  EXPECT_TRUE(w.history.empty());
  Do(m, w, "deliver Val(0:1) n0->n2");
  EXPECT_EQ(w.history.size(), 1u);
}

TEST(Adversary, ReplaysSendSeenMessagesWithinTheBudget) {
  WorldOptions o = Traitors(2);
  o.replays_max = 1;
  Model m(Gossip{}, o);
  World<Gossip> w = m.Init(0);
  EXPECT_TRUE(Described(m, w, EventKind::kByzantine).empty());  // seen nothing
  Do(m, w, "deliver Val(0:1) n0->n1");
  Do(m, w, "byzantine n1: replay Val(0:1) to n0");
  ASSERT_EQ(w.network.size(), 2u);  // n0->n2, and the replay n1->n0
  EXPECT_EQ(w.byz.replays, 1);
  for (const std::string& d : Described(m, w, EventKind::kByzantine)) {
    EXPECT_EQ(d.find("replay"), std::string::npos) << d;  // budget spent
  }
}

TEST(Adversary, TwinsAreHonestCopiesFedDifferentInputs) {
  WorldOptions o = Traitors(2);
  o.twins = true;
  Model m(Gossip{}, o);
  World<Gossip> w = m.Init(0);
  ASSERT_EQ(w.byz.twins.size(), 1u);
  Do(m, w, "client request 5 at n1");
  Do(m, w, "byzantine n1: twin gets client request 6");
  // Each copy signed its own request: n0 and n2 may get different ones.
  std::vector<std::string> sends;
  for (const auto& e : w.byz.outbox) sends.push_back(absl::StrCat(e.msg.ToString(), "->", e.to));
  EXPECT_THAT(sends, ElementsAre("Val(1:5)->0", "Val(1:6)->0", "Val(1:5)->2", "Val(1:6)->2"));
  // The twin can take n0's message instead of n1's own copy.
  Do(m, w, "byzantine n1: twin receives Val(0:1) from n0");
  EXPECT_TRUE(w.node(1).got.empty());
  EXPECT_EQ(w.byz.twins[0].got.size(), 1u);
}

TEST(Adversary, EagerActsAtOnce) {
  WorldOptions o = Traitors(2);
  o.eager = true;
  Model m(Gossip{}, o);
  World<Gossip> w = m.Init(0);
  std::vector<Event> events;
  m.Actions(w, events);
  ASSERT_EQ(events.size(), 1u);  // rushing: the traitor hears first
  EXPECT_EQ(m.Describe(w, events[0]), "deliver Val(0:1) n0->n1");
  m.Step(w, events[0], nullptr);
  // Its forward must be decided now: send, (no signable mutation,) or never.
  EXPECT_THAT(Described(m, w, EventKind::kByzantine),
              ElementsAre("byzantine n1: send Val(0:1) to n2",
                          "byzantine n1: never sends Val(0:1) to n2"));
  Do(m, w, "byzantine n1: never sends Val(0:1) to n2");
  EXPECT_TRUE(w.byz.outbox.empty());
  EXPECT_EQ(w.network.size(), 1u);
}

TEST(Adversary, DigestOfAnAdversaryFreeWorldIgnoresIt) {
  Model m(Gossip{}, WorldOptions{});
  World<Gossip> a = m.Init(0);
  World<Gossip> b = a;
  b.byz.seen.push_back({0, 1});  // not hashed while there are no traitors
  EXPECT_EQ(m.Digest(a), m.Digest(b));
}

TEST(Rounds, TimersFireInLockStep) {
  WorldOptions o;
  o.timers = TimerModel::kRounds;
  Model m(Gossip{}, o);
  World<Gossip> w = m.Init(0);
  // Messages in flight: no timer. Then only round 0's timer, then round 1's.
  EXPECT_TRUE(Described(m, w, EventKind::kFire).empty());
  Do(m, w, "deliver Val(0:1) n0->n1");
  Do(m, w, "deliver Val(0:1) n0->n2");
  Do(m, w, "deliver Val(0:1) n1->n2");
  Do(m, w, "deliver Val(0:1) n2->n1");
  EXPECT_THAT(Described(m, w, EventKind::kFire), ElementsAre("timer 0 fires at n0"));
  Do(m, w, "timer 0 fires at n0");
  EXPECT_THAT(Described(m, w, EventKind::kFire), ElementsAre("timer 1 fires at n1"));
}

}  // namespace
}  // namespace faultline
