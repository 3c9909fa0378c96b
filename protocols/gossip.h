// Push gossip (rumor mongering) with a fan-out (lecture notes 002, "Reliable
// Multicast": "each node forwards a message to a few random peers"; notes
// 001, "Gossiping protocols"; Demers et al. 1987, "Epidemic algorithms for
// replicated database maintenance").
//
// A node that learns a rumor (its own broadcast, or the first Push of it)
// delivers it and then pushes it to `fanout` peers it picks at random among
// those it does not know to have it. Every Push carries the list of nodes
// known to have the rumor (the sender's list plus the target), so the
// receiver does not push it back to them.
//
// The random choice is the harness's, never a PRNG in a handler: a node that
// must pick arms one timer per candidate peer (timer id = rumor * nodes +
// peer), and whichever the explorer fires first is the pick; after `fanout`
// picks the rest are cancelled. Exhaustive search therefore checks every
// choice, as an adversary would make them, not only likely ones: what random
// gossip achieves "with high probability" shows up here as the executions in
// which it fails.
//
// System model: closed static group of `nodes` nodes; asynchronous; reliable
// unordered 1-to-1 links; crash-stop. A node that crashes before pushing cuts
// its branch of the epidemic; only redundancy repairs that: with 4 nodes,
// fanout 2 survives one crash in every execution, fanout 1 does not (the
// chain breaks at the crashed node; `faultline check gossip --fanout=1`).
// Properties: integrity, validity, agreement.
//
// Buggy variant (the notes' plain "forward to a few random peers"):
//   kNoList  Pushes carry no list; a node picks among all other peers, so
//            the picks can go back and forth between informed nodes and the
//            rumor dies out before reaching everyone (quiescent-agreement)
#ifndef FAULTLINE_PROTOCOLS_GOSSIP_H_
#define FAULTLINE_PROTOCOLS_GOSSIP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/broadcast.h"

namespace faultline {

struct Gossip {
  enum class Bug { kNone, kNoList };
  struct Msg {
    int8_t origin;
    int8_t id;
    uint16_t known;  // bit per node: known to have the rumor
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.origin, m.id, m.known);
    }
    std::string ToString() const {
      return absl::StrCat("Push(m", id, " known=", known, ")");
    }
  };
  struct Rumor {
    int8_t origin = -1;  // -1: not learned yet
    int8_t pushes_left = 0;
    uint16_t known = 0;
    auto operator<=>(const Rumor&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Rumor& r) {
      return H::combine(std::move(h), r.origin, r.pushes_left, r.known);
    }
  };
  struct Node {
    std::vector<Rumor> rumors;  // by message id
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.rumors);
    }
    std::string ToString() const {
      std::string s;
      for (size_t id = 0; id < rumors.size(); ++id) {
        if (rumors[id].origin < 0) continue;
        absl::StrAppend(&s, s.empty() ? "" : " ", "m", id, ":known=",
                        rumors[id].known, ",left=", rumors[id].pushes_left);
      }
      return s.empty() ? "uninformed" : s;
    }
  };
  using Op = int;
  using Obs = Cast;
  using O = Out<Gossip>;

  int nodes = 3;
  int messages = 1;
  int senders = 1;  // message k is broadcast by node k % senders
  int fanout = 1;
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  Node Init(NodeId) const {
    FL_CHECK(nodes <= 16);
    Node n;
    n.rumors.resize(messages);
    return n;
  }
  std::vector<ClientRequest<Op>> Requests() const {
    return BroadcastRequests(messages, senders);
  }

  void OnStart(Node&, O&) const {}
  void OnRequest(Node& n, const Op& id, O& out) const {
    const Msg m{static_cast<int8_t>(out.self()), static_cast<int8_t>(id), 0};
    out.Observe({Cast::kBroadcast, m.origin, m.id});
    Learn(n, m, out);
  }
  void OnMessage(Node& n, NodeId, const Msg& m, O& out) const {
    Rumor& r = n.rumors[m.id];
    if (r.origin < 0) return Learn(n, m, out);
    if (bug == Bug::kNoList) return;
    r.known |= m.known;  // peers it need not pick any more
    CancelKnown(r, m.id, out);
  }
  void OnTimer(Node& n, TimerId t, O& out) const {
    const int id = t / nodes;
    const NodeId peer = t % nodes;
    Rumor& r = n.rumors[id];
    FL_CHECK(r.pushes_left > 0 && ((r.known >> peer) & 1) == 0);
    r.known |= uint16_t{1} << peer;
    --r.pushes_left;
    out.Send(peer, {r.origin, static_cast<int8_t>(id),
                    bug == Bug::kNoList ? uint16_t{0} : r.known});
    if (r.pushes_left == 0) CancelKnown(r, id, out);
  }
  void OnRecover(Node&, O&) const {}

  std::vector<Property<World<Gossip>>> Properties() const {
    using P = Gossip;
    return {Integrity<P>("integrity"),
            QuiescentValidity<P>("quiescent-validity", Requests()),
            QuiescentAgreement<P>("quiescent-agreement", Requests()),
            Validity<P>("validity", Requests()),
            Agreement<P>("agreement", Requests()),
            SometimesAllDelivered<P>("all-delivered", messages)};
  }

 private:
  TimerId PickTimer(int id, NodeId peer) const { return id * nodes + peer; }

  // First news of the rumor: deliver, then arm one timer per candidate peer.
  void Learn(Node& n, const Msg& m, O& out) const {
    Rumor& r = n.rumors[m.id];
    r.origin = m.origin;
    r.known = static_cast<uint16_t>(m.known | (uint16_t{1} << out.self()));
    r.pushes_left = static_cast<int8_t>(fanout);
    out.Observe({Cast::kDeliver, m.origin, m.id});
    for (NodeId peer = 0; peer < nodes; ++peer) {
      if (((r.known >> peer) & 1) == 0) out.SetTimer(PickTimer(m.id, peer));
    }
  }

  // Disarms the picks that are no longer candidates (all, once none is left).
  void CancelKnown(const Rumor& r, int id, O& out) const {
    for (NodeId peer = 0; peer < nodes; ++peer) {
      if (r.pushes_left == 0 || ((r.known >> peer) & 1) != 0) {
        out.CancelTimer(PickTimer(id, peer));
      }
    }
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_GOSSIP_H_
