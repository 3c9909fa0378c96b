// Eager reliable broadcast (lecture notes 002, "Reliable Multicast": "a naive
// implementation where everyone forwards to everyone else"; Cachin, Guerraoui
// & Rodrigues 2011, algorithm 3.3 "Eager Reliable Broadcast").
//
// To broadcast m the sender delivers m and sends it to every other node. A
// node that receives m for the first time delivers it and re-broadcasts it to
// every node except the origin and the node it came from; later copies are
// ignored. If the sender crashes after reaching a single correct node, that
// node's relay reaches the rest: agreement survives sender crashes, at the
// cost of O(N^2) messages.
//
// System model: closed static group of `nodes` nodes; asynchronous; reliable
// unordered 1-to-1 links; crash-stop, and a crash may fall between the copies
// of one broadcast (broadcast_outbox.h: one unicast per step). Properties:
// integrity, validity, agreement.
//
// Buggy variant (the notes: best-effort broadcast plus re-transmission is
// what makes a broadcast reliable):
//   kNoRelay  receivers deliver but do not re-broadcast; a sender that crashes
//             after its first copy leaves the other nodes without m
//             (agreement)
#ifndef FAULTLINE_PROTOCOLS_RELIABLE_BROADCAST_H_
#define FAULTLINE_PROTOCOLS_RELIABLE_BROADCAST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/broadcast.h"
#include "protocols/broadcast_outbox.h"

namespace faultline {

struct ReliableBroadcast {
  enum class Bug { kNone, kNoRelay };
  struct Msg {
    int8_t origin;
    int8_t id;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.origin, m.id);
    }
    std::string ToString() const {
      return absl::StrCat("Data(m", id, " of n", origin, ")");
    }
  };
  struct Node {
    uint32_t delivered = 0;  // bit per message id
    Outbox<Msg> outbox;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.delivered, n.outbox);
    }
    std::string ToString() const {
      return absl::StrCat("delivered=", delivered, outbox.ToString());
    }
  };
  using Op = int;
  using Obs = Cast;
  using O = Out<ReliableBroadcast>;

  int nodes = 3;
  int messages = 2;
  int senders = 2;  // message k is broadcast by node k % senders
  bool relay_loop = false;  // relays one copy per step, too
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const {
    return BroadcastRequests(messages, senders);
  }

  void OnStart(Node&, O&) const {}
  void OnRequest(Node& n, const Op& id, O& out) const {
    const Msg m{static_cast<int8_t>(out.self()), static_cast<int8_t>(id)};
    out.Observe({Cast::kBroadcast, m.origin, m.id});
    Deliver(n, m, out);
    n.outbox.QueueToAll(m, 0, true, out);
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    if ((n.delivered & (uint32_t{1} << m.id)) != 0) return;
    Deliver(n, m, out);
    if (bug == Bug::kNoRelay) return;
    n.outbox.QueueToAll(m, (uint64_t{1} << from) | (uint64_t{1} << m.origin),
                        relay_loop, out);
  }
  void OnTimer(Node& n, TimerId t, O& out) const {
    FL_CHECK(t == kSendTimer);
    n.outbox.SendNext(out);
  }
  void OnRecover(Node&, O&) const {}

  std::vector<Property<World<ReliableBroadcast>>> Properties() const {
    using P = ReliableBroadcast;
    return {Integrity<P>("integrity"),
            QuiescentValidity<P>("quiescent-validity", Requests()),
            QuiescentAgreement<P>("quiescent-agreement", Requests()),
            Validity<P>("validity", Requests()),
            Agreement<P>("agreement", Requests()),
            SometimesAllDelivered<P>("all-delivered", messages)};
  }

 private:
  static void Deliver(Node& n, const Msg& m, O& out) {
    n.delivered |= uint32_t{1} << m.id;
    out.Observe({Cast::kDeliver, m.origin, m.id});
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_RELIABLE_BROADCAST_H_
