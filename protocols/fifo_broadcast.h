// FIFO reliable broadcast (lecture notes 002, "FIFO Broadcast": "the sender
// adds a sequence number to each message; receivers only deliver messages from
// a specific sender in the order of their sequence numbers"; Cachin,
// Guerraoui & Rodrigues 2011, algorithm 3.12).
//
// Eager reliable broadcast (reliable_broadcast.h) of Data(origin, seq, m):
// the sender numbers its broadcasts 0, 1, 2, ...; a node relays a message on
// first receipt and puts it in a hold-back queue, then delivers from the queue
// every message whose seq is the next one it expects from that origin.
//
// System model: closed static group of `nodes` nodes; asynchronous; reliable
// unordered 1-to-1 links (so messages of one sender overtake each other);
// crash-stop, a crash may fall between the copies of one broadcast
// (broadcast_outbox.h). Properties: integrity, fifo-order, validity,
// agreement.
//
// Buggy variant (the reason for the hold-back queue):
//   kNoHoldBack  deliver on first receipt, whatever the sequence number
//                (fifo-order)
#ifndef FAULTLINE_PROTOCOLS_FIFO_BROADCAST_H_
#define FAULTLINE_PROTOCOLS_FIFO_BROADCAST_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/broadcast.h"
#include "protocols/broadcast_outbox.h"

namespace faultline {

struct FifoBroadcast {
  enum class Bug { kNone, kNoHoldBack };
  struct Msg {
    int8_t origin;
    int8_t seq;  // the origin's broadcast count before this one
    int8_t id;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.origin, m.seq, m.id);
    }
    std::string ToString() const {
      return absl::StrCat("Data(m", id, " of n", origin, " seq=", seq, ")");
    }
  };
  struct Node {
    std::vector<int8_t> next;  // per origin: seq of the next delivery
    int8_t sent = 0;           // own broadcasts so far
    uint32_t seen = 0;         // bit per message id: received or sent
    std::vector<Msg> held;     // received, not yet delivered; sorted
    Outbox<Msg> outbox;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.next, n.sent, n.seen, n.held, n.outbox);
    }
    std::string ToString() const {
      return absl::StrCat("seen=", seen, " held=", held.size(),
                          outbox.ToString());
    }
  };
  using Op = int;
  using Obs = Cast;
  using O = Out<FifoBroadcast>;

  int nodes = 3;
  int messages = 2;
  int senders = 1;  // message k is broadcast by node k % senders
  bool relay_loop = false;  // relays one copy per step, too
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  Node Init(NodeId) const {
    Node n;
    n.next.assign(nodes, 0);
    return n;
  }
  std::vector<ClientRequest<Op>> Requests() const {
    return BroadcastRequests(messages, senders);
  }

  void OnStart(Node&, O&) const {}
  void OnRequest(Node& n, const Op& id, O& out) const {
    const Msg m{static_cast<int8_t>(out.self()), n.sent++,
                static_cast<int8_t>(id)};
    out.Observe({Cast::kBroadcast, m.origin, m.id});
    Receive(n, m, 0, true, out);
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    if ((n.seen & (uint32_t{1} << m.id)) != 0) return;
    Receive(n, m, (uint64_t{1} << from) | (uint64_t{1} << m.origin),
            relay_loop, out);
  }
  void OnTimer(Node& n, TimerId t, O& out) const {
    FL_CHECK(t == kSendTimer);
    n.outbox.SendNext(out);
  }
  void OnRecover(Node&, O&) const {}

  std::vector<Property<World<FifoBroadcast>>> Properties() const {
    using P = FifoBroadcast;
    return {Integrity<P>("integrity"),
            FifoOrder<P>("fifo-order"),
            QuiescentValidity<P>("quiescent-validity", Requests()),
            QuiescentAgreement<P>("quiescent-agreement", Requests()),
            Validity<P>("validity", Requests()),
            Agreement<P>("agreement", Requests()),
            SometimesAllDelivered<P>("all-delivered", messages)};
  }

 private:
  // First receipt (or own broadcast): relay to all but `skip` (one copy per
  // step if `loop`), hold back, deliver what is now in order.
  void Receive(Node& n, const Msg& m, uint64_t skip, bool loop, O& out) const {
    n.seen |= uint32_t{1} << m.id;
    n.outbox.QueueToAll(m, skip, loop, out);
    if (bug == Bug::kNoHoldBack) {
      n.next[m.origin] = std::max<int8_t>(n.next[m.origin], m.seq + 1);
      out.Observe({Cast::kDeliver, m.origin, m.id});
      return;
    }
    n.held.insert(std::upper_bound(n.held.begin(), n.held.end(), m), m);
    for (bool progress = true; progress;) {
      progress = false;
      for (auto it = n.held.begin(); it != n.held.end(); ++it) {
        FL_CHECK(it->seq >= n.next[it->origin]);  // else delivered twice
        if (it->seq != n.next[it->origin]) continue;
        ++n.next[it->origin];
        out.Observe({Cast::kDeliver, it->origin, it->id});
        n.held.erase(it);
        progress = true;
        break;
      }
    }
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_FIFO_BROADCAST_H_
