// Total order broadcast by a sequencer (lecture notes 002, "Totally Ordered
// Multicast (Sequencer)"; Défago, Schiper & Urbán 2004, "fixed sequencer").
//
// Node 0 is the sequencer. To broadcast m a node sends Submit(m) to the
// sequencer (or, being the sequencer, skips that step). The sequencer gives
// each message the next global sequence number s and sends Order(s, m) to
// every other node, delivering m itself at once. A node holds Orders back and
// delivers them in sequence-number order without gaps; the sender delivers
// its own message when its Order comes back.
//
// System model: closed static group of `nodes` nodes; asynchronous; reliable
// unordered 1-to-1 links; the sequencer does not crash (the notes: it "is a
// single point of failure"), by default nobody does. Properties: integrity,
// total-order, validity, agreement. Not FIFO: two Submits of one sender may
// reach the sequencer in either order.
//
// Buggy variants:
//   kNoHoldBack  deliver an Order when it arrives, not in sequence order
//                (total-order)
//   (the entry sequencer-broadcast:sequencer-crash runs the correct protocol
//   with one crash: the sequencer fails and correct senders' messages are
//   never delivered, the notes' single point of failure (quiescent-validity))
#ifndef FAULTLINE_PROTOCOLS_SEQUENCER_BROADCAST_H_
#define FAULTLINE_PROTOCOLS_SEQUENCER_BROADCAST_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/broadcast.h"

namespace faultline {

struct SequencerBroadcast {
  enum class Bug { kNone, kNoHoldBack };
  static constexpr NodeId kSequencer = 0;
  enum Kind : int8_t { kSubmit, kOrder };
  struct Msg {
    Kind kind;
    int8_t seq;  // Order only
    int8_t origin;
    int8_t id;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.seq, m.origin, m.id);
    }
    std::string ToString() const {
      return kind == kSubmit
                 ? absl::StrCat("Submit(m", id, ")")
                 : absl::StrCat("Order(s=", seq, " m", id, " of n", origin, ")");
    }
  };
  struct Node {
    int8_t next = 0;        // sequence number of the next delivery
    int8_t assigned = 0;    // sequencer: numbers given out
    std::vector<Msg> held;  // Orders not yet delivered; sorted by seq
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.next, n.assigned, n.held);
    }
    std::string ToString() const {
      return absl::StrCat("next=", next, " held=", held.size());
    }
  };
  using Op = int;
  using Obs = Cast;
  using O = Out<SequencerBroadcast>;

  int nodes = 3;
  int messages = 2;
  int senders = 2;  // message k is broadcast by node k % senders
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  std::string NodeName(NodeId n) const {
    return n == kSequencer ? "seq0" : absl::StrCat("n", n);
  }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const {
    return BroadcastRequests(messages, senders);
  }

  void OnStart(Node&, O&) const {}
  void OnRequest(Node& n, const Op& id, O& out) const {
    const Msg submit{kSubmit, -1, static_cast<int8_t>(out.self()),
                     static_cast<int8_t>(id)};
    out.Observe({Cast::kBroadcast, submit.origin, submit.id});
    if (out.self() == kSequencer) return Sequence(n, submit, out);
    out.Send(kSequencer, submit);
  }
  void OnMessage(Node& n, NodeId, const Msg& m, O& out) const {
    if (m.kind == kSubmit) return Sequence(n, m, out);
    FL_CHECK(out.self() != kSequencer);
    if (bug == Bug::kNoHoldBack) return Deliver(n, m, out);
    n.held.insert(std::upper_bound(n.held.begin(), n.held.end(), m), m);
    while (!n.held.empty() && n.held.front().seq == n.next) {
      const Msg head = n.held.front();
      n.held.erase(n.held.begin());
      Deliver(n, head, out);
    }
  }
  void OnTimer(Node&, TimerId, O&) const {}
  void OnRecover(Node&, O&) const {}

  std::vector<Property<World<SequencerBroadcast>>> Properties() const {
    using P = SequencerBroadcast;
    return {Integrity<P>("integrity"),
            TotalOrder<P>("total-order"),
            QuiescentValidity<P>("quiescent-validity", Requests()),
            QuiescentAgreement<P>("quiescent-agreement", Requests()),
            Validity<P>("validity", Requests()),
            Agreement<P>("agreement", Requests()),
            SometimesAllDelivered<P>("all-delivered", messages)};
  }

 private:
  // The sequencer numbers a submitted message, orders it and delivers it.
  void Sequence(Node& n, const Msg& submit, O& out) const {
    FL_CHECK(out.self() == kSequencer);
    FL_CHECK(n.assigned == n.next);  // it delivers as it numbers
    const Msg order{kOrder, n.assigned++, submit.origin, submit.id};
    out.Broadcast(order);
    Deliver(n, order, out);
  }
  static void Deliver(Node& n, const Msg& order, O& out) {
    n.next = std::max<int8_t>(n.next, order.seq + 1);
    out.Observe({Cast::kDeliver, order.origin, order.id});
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_SEQUENCER_BROADCAST_H_
