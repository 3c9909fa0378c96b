// Opaque nodes: a node that cannot be copied (here, state behind a C-style
// heap buffer, as an adapter around an existing library would hold it) is
// explored by re-executing the decision tape. Its results must match a
// value-node twin of the same protocol exactly.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/checker.h"
#include "harness/explore.h"
#include "harness/stable_hash.h"

namespace faultline {
namespace {

// Voters 1..3 each send Vote(id) to the collector 0, which appends the voter
// to its log and acks. Bug under test: the first vote must not come from
// voter 2 ("first-vote"), which some interleaving violates.
struct Vote {
  int32_t voter;
  bool ack = false;
  auto operator<=>(const Vote&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const Vote& v) { return H::combine(std::move(h), v.voter, v.ack); }
  std::string ToString() const { return absl::StrCat(ack ? "Ack(" : "Vote(", voter, ")"); }
};

// The behaviour both twins share, over any node type with Append/At/Size.
template <typename Self, typename NodeT>
struct TallyLogic {
  using Msg = Vote;
  using Op = int;
  using Obs = int;
  bool check_first_vote = true;  // off: nothing fails, the whole space is seen
  int NodeCount() const { return 4; }
  std::vector<ClientRequest<Op>> Requests() const { return {}; }
  void OnStart(NodeT& n, Out<Self>& out) const {
    if (out.self() != 0) out.Send(0, {out.self()});
    (void)n;
  }
  void OnMessage(NodeT& n, NodeId from, const Vote& v, Out<Self>& out) const {
    n.Append(v.voter);
    if (!v.ack) out.Send(from, {v.voter, true});
  }
  void OnTimer(NodeT&, TimerId, Out<Self>&) const {}
  void OnRequest(NodeT&, const Op&, Out<Self>&) const {}
  void OnRecover(NodeT&, Out<Self>&) const {}
  std::vector<Property<World<Self>>> Properties() const {
    std::vector<Property<World<Self>>> out{
        Sometimes<World<Self>>("all-voted", [](const World<Self>& w) {
          return w.node(0).Size() == 3;
        })};
    if (check_first_vote) {
      out.push_back(Always<World<Self>>("first-vote", [](const World<Self>& w) {
        const auto& c = w.node(0);
        return c.Size() == 0 || c.At(0) != 2;
      }));
    }
    return out;
  }
};

struct ValueNode {
  std::vector<int32_t> log;
  void Append(int32_t v) { log.push_back(v); }
  int32_t At(size_t i) const { return log[i]; }
  size_t Size() const { return log.size(); }
  auto operator<=>(const ValueNode&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const ValueNode& n) { return H::combine(std::move(h), n.log); }
  std::string ToString() const { return absl::StrCat("log size ", log.size()); }
};

// Not copyable: its state lives in a malloc'd buffer it owns.
class OpaqueNode {
 public:
  OpaqueNode() : buffer_(std::make_unique<int32_t[]>(kCapacity)) {}
  OpaqueNode(const OpaqueNode&) = delete;
  OpaqueNode& operator=(const OpaqueNode&) = delete;
  void Append(int32_t v) {
    FL_CHECK(size_ < kCapacity);
    buffer_[size_++] = v;
  }
  int32_t At(size_t i) const { return buffer_[i]; }
  size_t Size() const { return size_; }
  std::string ToString() const { return absl::StrCat("log size ", size_); }
  uint64_t FingerprintImpl() const {
    return StableHash(std::vector<int32_t>(buffer_.get(), buffer_.get() + size_));
  }

 private:
  static constexpr size_t kCapacity = 16;
  std::unique_ptr<int32_t[]> buffer_;
  size_t size_ = 0;
};

struct FingerprintedNode : OpaqueNode {
  uint64_t Fingerprint() const { return FingerprintImpl(); }
};

struct ValueTally : TallyLogic<ValueTally, ValueNode> {
  using Node = ValueNode;
  Node Init(NodeId) const { return {}; }
};

template <typename NodeT>
struct OpaqueTally : TallyLogic<OpaqueTally<NodeT>, NodeT> {
  using Node = NodeT;
  std::unique_ptr<Node> Init(NodeId) const { return std::make_unique<Node>(); }
};

static_assert(World<ValueTally>::kValueNodes);
static_assert(!World<OpaqueTally<OpaqueNode>>::kValueNodes);
static_assert(!std::copyable<World<OpaqueTally<OpaqueNode>>>);

template <typename P>
Outcome Check(Strategy strategy, bool check_first_vote = true) {
  P protocol;
  protocol.check_first_vote = check_first_vote;
  ActorModel<P> model(protocol, WorldOptions{});
  ExploreOptions options;
  options.strategy = strategy;
  return Search(model, options);
}

TEST(Opaque, FingerprintedOpaqueNodesMatchTheValueTwin) {
  for (Strategy s : {Strategy::kBfs, Strategy::kDfs}) {
    const Outcome value = Check<ValueTally>(s);
    const Outcome opaque = Check<OpaqueTally<FingerprintedNode>>(s);
    ASSERT_EQ(value.stop, Stop::kViolation);
    ASSERT_EQ(opaque.stop, Stop::kViolation);
    EXPECT_EQ(opaque.tape, value.tape);
    EXPECT_EQ(opaque.states, value.states);
    EXPECT_EQ(opaque.transitions, value.transitions);
  }
}

TEST(Opaque, WithoutFingerprintSearchIsATreeAndStillFindsTheBug) {
  const Outcome value = Check<ValueTally>(Strategy::kBfs);
  const Outcome opaque = Check<OpaqueTally<OpaqueNode>>(Strategy::kBfs);
  ASSERT_EQ(opaque.stop, Stop::kViolation);
  EXPECT_EQ(opaque.tape.choices.size(), value.tape.choices.size());
}

TEST(Opaque, TracesOfOpaqueNodesRecordAndReplay) {
  auto checker = MakeActorChecker(OpaqueTally<FingerprintedNode>{}, WorldOptions{});
  const Outcome o = checker->Explore(ExploreOptions{});
  ASSERT_EQ(o.stop, Stop::kViolation);
  Trace trace = checker->Record(o.tape);
  trace.property = "first-vote";
  std::string narration;
  const ReplayResult r = checker->Replay(trace, &narration);
  EXPECT_EQ(r.kind, ReplayResult::Kind::kReproduced) << r.message;
  EXPECT_NE(narration.find("deliver Vote(2) n2->n0"), std::string::npos) << narration;
}

TEST(Opaque, ExhaustiveStateCountsAgreeWithoutTheBug) {
  const Outcome value = Check<ValueTally>(Strategy::kBfs, false);
  const Outcome opaque = Check<OpaqueTally<FingerprintedNode>>(Strategy::kBfs, false);
  ASSERT_EQ(value.stop, Stop::kComplete);
  ASSERT_EQ(opaque.stop, Stop::kComplete);
  EXPECT_EQ(opaque.states, value.states);
  EXPECT_EQ(opaque.transitions, value.transitions);
  EXPECT_EQ(opaque.sometimes_reached, value.sometimes_reached);
  EXPECT_TRUE(value.sometimes_reached[0]);
  // Without a fingerprint every path is its own state: a tree, bounded by
  // depth, with strictly more nodes than the deduplicated graph.
  const Outcome tree = Check<OpaqueTally<OpaqueNode>>(Strategy::kBfs, false);
  ASSERT_EQ(tree.stop, Stop::kComplete);
  EXPECT_GT(tree.states, value.states);
  EXPECT_EQ(tree.depth, value.depth);
}

}  // namespace
}  // namespace faultline
