// Total order broadcast with Lamport timestamps over FIFO links (lecture
// notes 002, "Totally order broadcast via Lamport clocks"; Lamport 1978,
// "Time, Clocks, and the Ordering of Events", the state machine example).
//
// Every node keeps a Lamport clock (increment before each event, take the
// maximum on receipt). To broadcast m a node stamps it with its clock t,
// queues it and sends Data(t, m) to every other node; a receiver queues it
// and acknowledges to every other node with an Ack carrying its (now larger)
// clock. Queues are ordered by (timestamp, origin). A node delivers the front
// message (t, o) once it has received, from every other node j but o, a
// message stamped (t', j) > (t, o): FIFO links then guarantee that no earlier
// message of j is still in transit (the notes' "how do I know a message with
// timestamp 4 won't arrive later?").
//
// System model: closed static group of `nodes` nodes; asynchronous; reliable
// FIFO 1-to-1 links; no crashes (a crashed node stops sending and blocks
// every delivery after its last message; the algorithm assumes none).
// Properties: integrity, total-order, validity, agreement.
//
// Buggy variants (the notes' "problem" and its "solution"):
//   kNoWait   deliver the front of the queue without waiting to hear from
//             every node (total-order)
//   the entry lamport-broadcast:unordered-links runs the correct protocol
//   over unordered links: an Ack overtakes the Data sent before it
//   (total-order)
#ifndef FAULTLINE_PROTOCOLS_LAMPORT_BROADCAST_H_
#define FAULTLINE_PROTOCOLS_LAMPORT_BROADCAST_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/broadcast.h"

namespace faultline {

struct LamportBroadcast {
  enum class Bug { kNone, kNoWait };
  enum Kind : int8_t { kData, kAck };
  struct Msg {
    Kind kind;
    int8_t ts;  // the sender's clock
    int8_t origin = 0;  // Data only
    int8_t id = 0;      // Data only
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.ts, m.origin, m.id);
    }
    std::string ToString() const {
      return kind == kAck ? absl::StrCat("Ack(t=", ts, ")")
                          : absl::StrCat("Data(t=", ts, " m", id, ")");
    }
  };
  struct Node {
    int8_t clock = 0;
    std::vector<int8_t> latest;  // per node: largest timestamp received
    std::vector<Msg> queue;      // Data not yet delivered, by (ts, origin)
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.clock, n.latest, n.queue);
    }
    std::string ToString() const {
      return absl::StrCat("clock=", clock, " queued=", queue.size());
    }
  };
  using Op = int;
  using Obs = Cast;
  using O = Out<LamportBroadcast>;

  int nodes = 3;
  int messages = 2;
  int senders = 2;  // message k is broadcast by node k % senders
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  Node Init(NodeId) const {
    Node n;
    n.latest.assign(nodes, 0);
    return n;
  }
  std::vector<ClientRequest<Op>> Requests() const {
    return BroadcastRequests(messages, senders);
  }

  void OnStart(Node&, O&) const {}
  void OnRequest(Node& n, const Op& id, O& out) const {
    ++n.clock;
    const Msg m{kData, n.clock, static_cast<int8_t>(out.self()),
                static_cast<int8_t>(id)};
    out.Observe({Cast::kBroadcast, m.origin, m.id});
    Enqueue(n, m);
    out.Broadcast(m);
    DeliverReady(n, out);
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    n.clock = static_cast<int8_t>(std::max(n.clock, m.ts) + 1);
    n.latest[from] = std::max(n.latest[from], m.ts);
    if (m.kind == kData) {
      Enqueue(n, m);
      out.Broadcast({kAck, n.clock});
    }
    DeliverReady(n, out);
  }
  void OnTimer(Node&, TimerId, O&) const {}
  void OnRecover(Node&, O&) const {}

  std::vector<Property<World<LamportBroadcast>>> Properties() const {
    using P = LamportBroadcast;
    return {Integrity<P>("integrity"),
            TotalOrder<P>("total-order"),
            QuiescentValidity<P>("quiescent-validity", Requests()),
            QuiescentAgreement<P>("quiescent-agreement", Requests()),
            Validity<P>("validity", Requests()),
            Agreement<P>("agreement", Requests()),
            SometimesAllDelivered<P>("all-delivered", messages)};
  }

 private:
  static bool Before(const Msg& a, const Msg& b) {
    return std::pair(a.ts, a.origin) < std::pair(b.ts, b.origin);
  }
  static void Enqueue(Node& n, const Msg& m) {
    n.queue.insert(std::upper_bound(n.queue.begin(), n.queue.end(), m, Before),
                   m);
  }

  // Every node but self and the origin has sent something later than `m`.
  bool Stable(const Node& n, const Msg& m, NodeId self) const {
    if (bug == Bug::kNoWait) return true;
    for (NodeId j = 0; j < nodes; ++j) {
      if (j == self || j == m.origin) continue;
      if (std::pair<int, int>(n.latest[j], j) <= std::pair<int, int>(m.ts, m.origin)) {
        return false;
      }
    }
    return true;
  }

  void DeliverReady(Node& n, O& out) const {
    while (!n.queue.empty() && Stable(n, n.queue.front(), out.self())) {
      const Msg& m = n.queue.front();
      out.Observe({Cast::kDeliver, m.origin, m.id});
      n.queue.erase(n.queue.begin());
    }
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_LAMPORT_BROADCAST_H_
