// The Byzantine adversary: up to f traitor nodes whose sends the explorer
// controls, event by event, instead of the protocol.
//
// A traitor keeps an honest "shadow": its handlers run as usual on every
// input, so the adversary always knows what the protocol would have it say,
// but what the shadow sends is captured into the adversary's outbox instead of
// the network. From then on every choice is an ordinary world event,
// Byzantine(node, action), drawn from the decision tape like any other:
//
//   release k      send outbox entry k as the protocol wrote it
//   mutate k j     send mutation j of entry k (the protocol lists a few small
//                  field mutations of a message, as in ByzzFuzz) to the same
//                  receiver; different mutations to different receivers are
//                  equivocation
//   replay i to    send message i of what the traitors have seen (received,
//                  and sent) to any node, at most `replays` times in all
//   twin-deliver   (twins option) deliver an in-flight message for traitor n
//                  to its twin instead: a second honest copy of n with the
//                  same identity, as in Twins; both copies' sends go to the
//                  outbox, so honest copies fed different inputs equivocate
//   twin-request r (twins option) client request r to the twin
//
// Silence and omission need no event: an outbox entry that is never released
// is a message the traitor did not send. Observations of traitors are not
// recorded, so properties speak of loyal nodes only.
//
// Eager adversary (WorldOptions::eager, for asynchronous protocols whose
// interleavings would otherwise explode): the adversary acts at once. While a
// message for a traitor is deliverable, the only event is its delivery (the
// first such, rushing: the traitors learn everything as soon as it is sent);
// while the outbox holds an entry, the only events are the choices for its
// first entry: release, a mutation, or
//   discard k      never send entry k (silence)
// In an asynchronous network this loses only timing the network already
// supplies (a released message may stay in flight arbitrarily long); what it
// does lose is a mutation that becomes signable only with knowledge that
// arrives after the shadow wrote the message, and twins (eager needs twins
// off). Under lock-step rounds a late send is a different behaviour, so
// synchronous protocols keep the lazy default.
//
// Who is a traitor: WorldOptions::traitors fixes the set; otherwise the
// adversary picks it within the budget, as the initial state: one initial
// state per set of exactly `byzantine_max` nodes (a traitor can always behave
// loyally, so smaller sets add nothing). The set is static for a run.
//
// Signatures (WorldOptions::signatures, on by default): a protocol whose
// messages carry signatures lists them (Signatures(msg)); a traitor may then
// send a message only if every signature in it is a traitor's own or one it
// has seen in a message a traitor received. Links are authenticated always:
// the world stamps every envelope with its true sender.
//
// Left out on purpose: forging the sender of a message (links are
// authenticated), messages the protocol's shadow never wrote and that no
// mutation reaches (the adversary is as strong as the protocol's mutation
// list), adaptive corruption during a run, timers of twins (a fired timer
// runs at both copies; the twin's own timer changes are ignored), twins of
// opaque nodes, and unbounded replay (the budget keeps the search finite).
//
// Protocol hooks, both optional:
//   std::vector<Msg> Mutations(const Msg&) const;
//   std::vector<Signature> Signatures(const Msg&) const;
#ifndef FAULTLINE_HARNESS_BYZANTINE_H_
#define FAULTLINE_HARNESS_BYZANTINE_H_

#include <algorithm>
#include <bit>
#include <compare>
#include <concepts>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/assert.h"
#include "harness/world.h"

namespace faultline {

// `signer` vouches for `content`, a protocol-chosen encoding of what it
// signed (e.g. value and chain position). Unforgeable: see above.
struct Signature {
  NodeId signer;
  uint64_t content;
  auto operator<=>(const Signature&) const = default;
};

template <typename P>
concept HasMutations = requires(const P& p, const typename P::Msg& m) {
  { p.Mutations(m) } -> std::convertible_to<std::vector<typename P::Msg>>;
};

template <typename P>
concept HasSignatures = requires(const P& p, const typename P::Msg& m) {
  { p.Signatures(m) } -> std::convertible_to<std::vector<Signature>>;
};

// A sequence of at most 8 node ids below 16, 4 bits each: a relay path (oral
// messages) or a signature chain (Dolev-Strong). Ordered and hashable.
struct NodePath {
  uint32_t code = 0;
  int8_t len = 0;

  NodeId at(int k) const { return static_cast<NodeId>((code >> (4 * k)) & 15); }
  NodeId last() const { return at(len - 1); }
  bool Contains(NodeId n) const {
    for (int k = 0; k < len; ++k) {
      if (at(k) == n) return true;
    }
    return false;
  }
  NodePath Plus(NodeId n) const {
    FL_CHECK(len < 8 && n < 16);
    return {code | (static_cast<uint32_t>(n) << (4 * len)),
            static_cast<int8_t>(len + 1)};
  }
  auto operator<=>(const NodePath&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const NodePath& p) {
    return H::combine(std::move(h), p.code, p.len);
  }
  std::string ToString() const {
    std::string s;
    for (int k = 0; k < len; ++k) absl::StrAppend(&s, k ? "," : "", at(k));
    return s;
  }
};

enum class ByzantineKind : uint8_t {
  kRelease,
  kMutate,
  kReplay,
  kTwinDeliver,
  kTwinRequest,
  kDiscard,
};

// One adversary choice, packed into Event::arg (kind: bits 24..27, a: bits
// 12..23, b: bits 0..11).
struct ByzantineAction {
  ByzantineKind kind;
  int32_t a = 0;  // outbox, seen, network or request index
  int32_t b = 0;  // mutation index or replay receiver

  int32_t Pack() const {
    FL_CHECK(a >= 0 && a < 4096);
    FL_CHECK(b >= 0 && b < 4096);
    return (static_cast<int32_t>(kind) << 24) | (a << 12) | b;
  }
  static ByzantineAction Unpack(int32_t arg) {
    return {static_cast<ByzantineKind>(arg >> 24), (arg >> 12) & 4095,
            arg & 4095};
  }
};

// The adversary's part of the world. Hashed into the world only when there
// are traitors, so worlds without an adversary keep their digests.
template <typename P>
struct ByzantineState {
  using Msg = typename P::Msg;
  using Node = typename P::Node;
  using TwinSlot = std::conditional_t<std::copyable<Node>, Node, int>;

  uint64_t traitors = 0;              // bit n: node n is a traitor
  std::vector<Envelope<Msg>> outbox;  // what shadows wrote, sorted
  std::vector<Msg> seen;  // sorted set: received (and, with replays, sent)
  std::vector<TwinSlot> twins;        // one per traitor, in id order
  uint64_t twin_requested = 0;        // bit r: request r went to a twin
  uint8_t replays = 0;

  bool traitor(NodeId n) const { return ((traitors >> n) & 1) != 0; }
  auto operator<=>(const ByzantineState&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const ByzantineState& s) {
    return H::combine(std::move(h), s.traitors, s.outbox, s.seen, s.twins,
                      s.twin_requested, s.replays);
  }
};

// The adversary's events, run by ActorModel (it is a friend there, so that
// its sends and twin handlers take the world's one stepping path).
template <typename P>
class Adversary {
 public:
  using Model = ActorModel<P>;
  using State = World<P>;
  using Msg = typename P::Msg;
  using Node = typename P::Node;

  // The initial traitor sets: the fixed one, or every set of exactly f nodes
  // in increasing bitmask order; {0} without an adversary.
  static std::vector<uint64_t> TraitorSets(const WorldOptions& o, int nodes) {
    if (o.traitors != 0) {
      FL_CHECK(static_cast<int>(std::bit_width(o.traitors)) <= nodes);
      return {o.traitors};
    }
    if (o.byzantine_max == 0) return {0};
    FL_CHECK(nodes <= 20);
    std::vector<uint64_t> sets;
    for (uint64_t s = 1; s < (uint64_t{1} << nodes); ++s) {
      if (std::popcount(s) == o.byzantine_max) sets.push_back(s);
    }
    return sets;
  }

  // After every node started: each traitor gets its twin (a copy of itself).
  static void AfterStart(const Model& m, State& w) {
    if (!m.options_.twins) return;
    if constexpr (std::copyable<Node>) {
      for (NodeId n = 0; n < w.node_count(); ++n) {
        if (w.byz.traitor(n)) w.byz.twins.push_back(w.node(n));
      }
    }
  }

  static void Capture(State& w, Envelope<Msg> e) {
    auto& box = w.byz.outbox;
    box.insert(std::upper_bound(box.begin(), box.end(), e), std::move(e));
  }

  static void Learn(State& w, const Msg& msg) {
    auto& seen = w.byz.seen;
    auto it = std::lower_bound(seen.begin(), seen.end(), msg);
    if (it == seen.end() || !(*it == msg)) seen.insert(it, msg);
  }

  static void Actions(const Model& m, const State& w, std::vector<Event>& out) {
    if (w.byz.traitors == 0) return;
    if (m.options_.eager && EagerActions(m, w, out)) return;
    const auto& box = w.byz.outbox;
    for (int k = 0; k < static_cast<int>(box.size()); ++k) {
      if (k > 0 && box[k - 1] == box[k]) continue;  // equal copies: one choice
      OutboxActions(m, w, k, out);
    }
    ReplayActions(m, w, out);
    TwinActions(m, w, out);
  }

  static void Step(const Model& m, State& w, const Event& e,
                   std::string* narration) {
    const ByzantineAction a = ByzantineAction::Unpack(e.arg);
    switch (a.kind) {
      case ByzantineKind::kRelease:
      case ByzantineKind::kMutate: {
        FL_CHECK(a.a < static_cast<int>(w.byz.outbox.size()));
        Envelope<Msg> env = std::move(w.byz.outbox[a.a]);
        w.byz.outbox.erase(w.byz.outbox.begin() + a.a);
        if (a.kind == ByzantineKind::kMutate) {
          env.msg = Mutations(m, env.msg).at(a.b);
          FL_CHECK(MaySend(m, w, env.msg));
        }
        return Send(m, w, std::move(env));
      }
      case ByzantineKind::kReplay:
        FL_CHECK(w.byz.replays < m.options_.replays_max);
        ++w.byz.replays;
        return Send(m, w, {e.node, a.b, w.byz.seen.at(a.a), {}});
      case ByzantineKind::kTwinDeliver:
        return TwinDeliver(m, w, a.a, narration);
      case ByzantineKind::kTwinRequest:
        return TwinRequest(m, w, a.a, narration);
      case ByzantineKind::kDiscard:
        FL_CHECK(m.options_.eager);
        w.byz.outbox.erase(w.byz.outbox.begin() + a.a);
        return;
    }
  }

  // A fired timer runs at the twin too (after the traitor's copy).
  static void AfterFire(const Model& m, State& w, const Event& e,
                        std::string* narration) {
    if (!HasTwin(m, w, e.node)) return;
    RunAtTwin(m, w, e.node, nullptr, narration,
              [&](Node& twin, Out<P>& out) {
                m.protocol_.OnTimer(twin, e.arg, out);
              });
  }

  static std::string Describe(const Model& m, const State& w, const Event& e) {
    const ByzantineAction a = ByzantineAction::Unpack(e.arg);
    const std::string who = absl::StrCat("byzantine ", m.Name(e.node), ": ");
    switch (a.kind) {
      case ByzantineKind::kRelease:
        return absl::StrCat(who, "send ", Show(w.byz.outbox[a.a].msg), " to ",
                            m.Name(w.byz.outbox[a.a].to));
      case ByzantineKind::kMutate: {
        const Envelope<Msg>& env = w.byz.outbox[a.a];
        return absl::StrCat(who, "send ", Show(Mutations(m, env.msg).at(a.b)),
                            " (mutated from ", Show(env.msg), ") to ",
                            m.Name(env.to));
      }
      case ByzantineKind::kReplay:
        return absl::StrCat(who, "replay ", Show(w.byz.seen[a.a]), " to ",
                            m.Name(a.b));
      case ByzantineKind::kTwinDeliver:
        return absl::StrCat(who, "twin receives ", Show(w.network[a.a].msg),
                            " from ", m.Name(w.network[a.a].from));
      case ByzantineKind::kTwinRequest:
        return absl::StrCat(who, "twin gets client request ",
                            Show(m.requests_[a.a].op));
      case ByzantineKind::kDiscard:
        return absl::StrCat(who, "never sends ", Show(w.byz.outbox[a.a].msg),
                            " to ", m.Name(w.byz.outbox[a.a].to));
    }
    return "?";
  }

  // Signatures: every signature in `msg` is a traitor's or one the traitors
  // have seen. Always true without signatures.
  static bool MaySend(const Model& m, const State& w, const Msg& msg) {
    if constexpr (HasSignatures<P>) {
      if (!m.options_.signatures) return true;
      for (const Signature& s : m.protocol_.Signatures(msg)) {
        if (!w.byz.traitor(s.signer) && !Known(m, w, s)) return false;
      }
    }
    return true;
  }

 private:
  static void Push(std::vector<Event>& out, NodeId node, ByzantineAction a) {
    out.push_back({EventKind::kByzantine, node, a.Pack()});
  }

  static void OutboxActions(const Model& m, const State& w, int k,
                            std::vector<Event>& out) {
    const Envelope<Msg>& e = w.byz.outbox[k];
    Push(out, e.from, {ByzantineKind::kRelease, k, 0});
    const std::vector<Msg> mutations = Mutations(m, e.msg);
    for (int j = 0; j < static_cast<int>(mutations.size()); ++j) {
      if (MaySend(m, w, mutations[j])) {
        Push(out, e.from, {ByzantineKind::kMutate, k, j});
      }
    }
    if (m.options_.eager) Push(out, e.from, {ByzantineKind::kDiscard, k, 0});
  }

  // The eager adversary's forced moves; false when it has none pending.
  static bool EagerActions(const Model& m, const State& w,
                           std::vector<Event>& out) {
    FL_CHECK(!m.options_.twins);
    for (int i = 0; i < static_cast<int>(w.network.size()); ++i) {
      if (w.traitor(w.network[i].to) && m.Deliverable(w, i)) {
        out.clear();
        out.push_back({EventKind::kDeliver, 0, i});
        return true;
      }
    }
    if (w.byz.outbox.empty()) return false;
    out.clear();
    OutboxActions(m, w, 0, out);
    return true;
  }

  static std::vector<Msg> Mutations(const Model& m, const Msg& msg) {
    if constexpr (HasMutations<P>) {
      return m.protocol_.Mutations(msg);
    } else {
      return {};
    }
  }

  static bool Known(const Model& m, const State& w, const Signature& s) {
    for (const Msg& seen : w.byz.seen) {
      for (const Signature& t : m.protocol_.Signatures(seen)) {
        if (t == s) return true;
      }
    }
    return false;
  }

  static void ReplayActions(const Model& m, const State& w,
                            std::vector<Event>& out) {
    if (w.byz.replays >= m.options_.replays_max) return;
    const int nodes = w.node_count();
    for (NodeId t = 0; t < nodes; ++t) {
      if (!w.byz.traitor(t)) continue;
      for (int i = 0; i < static_cast<int>(w.byz.seen.size()); ++i) {
        for (NodeId to = 0; to < nodes; ++to) {
          if (to != t) Push(out, t, {ByzantineKind::kReplay, i, to});
        }
      }
    }
  }

  static void TwinActions(const Model& m, const State& w,
                          std::vector<Event>& out) {
    if (w.byz.twins.empty()) return;
    const auto& net = w.network;
    for (int i = 0; i < static_cast<int>(net.size()); ++i) {
      if (i > 0 && net[i - 1] == net[i]) continue;
      if (HasTwin(m, w, net[i].to) && w.deliverable(net[i])) {
        Push(out, net[i].to, {ByzantineKind::kTwinDeliver, i, 0});
      }
    }
    const auto& requests = m.requests_;
    for (int r = 0; r < static_cast<int>(requests.size()); ++r) {
      const NodeId n = requests[r].node;
      if (HasTwin(m, w, n) && ((w.byz.twin_requested >> r) & 1) == 0) {
        Push(out, n, {ByzantineKind::kTwinRequest, r, 0});
      }
    }
  }

  static bool HasTwin(const Model&, const State& w, NodeId n) {
    return !w.byz.twins.empty() && w.byz.traitor(n) && w.up(n);
  }

  // A traitor's own messages are remembered only for replay: their loyal
  // signatures came from received messages, and remembering every choice
  // made would keep apart states that differ in nothing else.
  static void Send(const Model& m, State& w, Envelope<Msg> env) {
    FL_CHECK(w.byz.traitor(env.from));
    FL_CHECK(env.to >= 0 && env.to < w.node_count());
    if (m.options_.replays_max > 0) Learn(w, env.msg);
    if (m.options_.causality) env.stamp = w.clocks[env.from];
    m.Insert(w, std::move(env));
  }

  static void TwinDeliver(const Model& m, State& w, int index,
                          std::string* narration) {
    Envelope<Msg> env = std::move(w.network.at(index));
    w.network.erase(w.network.begin() + index);
    FL_CHECK(HasTwin(m, w, env.to));
    Learn(w, env.msg);
    RunAtTwin(m, w, env.to, &env.stamp, narration,
              [&](Node& twin, Out<P>& out) {
                m.protocol_.OnMessage(twin, env.from, env.msg, out);
              });
  }

  static void TwinRequest(const Model& m, State& w, int r,
                          std::string* narration) {
    FL_CHECK(((w.byz.twin_requested >> r) & 1) == 0);
    w.byz.twin_requested |= uint64_t{1} << r;
    RunAtTwin(m, w, m.requests_[r].node, nullptr, narration,
              [&](Node& twin, Out<P>& out) {
                m.protocol_.OnRequest(twin, m.requests_[r].op, out);
              });
  }

  // Runs a handler on n's twin through the world's handler path; the twin's
  // sends land in the outbox like n's, its timer and disk changes are dropped
  // (n's copy owns them).
  template <typename Handler>
  static void RunAtTwin(const Model& m, State& w, NodeId n,
                        const VectorClock* received, std::string* narration,
                        Handler&& handler) {
    FL_CHECK(HasTwin(m, w, n));
    if constexpr (std::copyable<Node>) {
      const int slot = std::popcount(w.byz.traitors & ((uint64_t{1} << n) - 1));
      m.RunHandler(w, n, received, narration, [&](Node&, Out<P>& out) {
        handler(w.byz.twins.at(slot), out);
        out.timer_ops_.clear();
        out.persist_ = false;
      });
    }
  }
};

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_BYZANTINE_H_
