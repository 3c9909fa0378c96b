// Causal broadcast with vector clocks (lecture notes 002, "Vector Clocks, as
// used for CO Multicast"; Birman, Schiper & Stephenson 1991; Cachin,
// Guerraoui & Rodrigues 2011, algorithm 3.15 "Waiting Causal Broadcast").
//
// Node j keeps V_j, where V_j[i] counts the messages of node i it delivered
// (its own included). To broadcast, j increments V_j[j] and sends m with
// Vm = V_j. A node that receives m from origin i relays it on first receipt
// (eager reliable broadcast, for agreement) and holds it back until
//   (1) Vm[i] = V_j[i] + 1   (m is the next message of i), and
//   (2) Vm[k] <= V_j[k] for every k != i   (j delivered everything i had
//       delivered when it sent m);
// then delivers it and sets V_j[i] = Vm[i], and retries the held messages.
//
// System model: closed static group of `nodes` nodes; asynchronous; reliable
// unordered 1-to-1 links; crash-stop, a crash may fall between the copies of
// one broadcast (broadcast_outbox.h). Properties: integrity, causal-order
// (happens-before over the broadcast and deliver events, properties/
// broadcast.h), fifo-order (implied), validity, agreement.
//
// Buggy variants (the two conditions of the notes):
//   kNoWait    deliver on first receipt, no vector condition (causal-order)
//   kFifoOnly  check only condition (1): FIFO per origin but not causal
//              (causal-order)
#ifndef FAULTLINE_PROTOCOLS_CAUSAL_BROADCAST_H_
#define FAULTLINE_PROTOCOLS_CAUSAL_BROADCAST_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/world.h"
#include "properties/broadcast.h"
#include "protocols/broadcast_outbox.h"

namespace faultline {

struct CausalBroadcast {
  enum class Bug { kNone, kNoWait, kFifoOnly };
  static std::string ClockString(const std::vector<uint8_t>& clock) {
    return absl::StrCat(
        "[",
        absl::StrJoin(clock, ",",
                      [](std::string* s, uint8_t v) { absl::StrAppend(s, int{v}); }),
        "]");
  }
  struct Msg {
    int8_t origin;
    int8_t id;
    std::vector<uint8_t> clock;  // Vm
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.origin, m.id, m.clock);
    }
    std::string ToString() const {
      return absl::StrCat("Data(m", id, " of n", origin, " V=", ClockString(clock),
                          ")");
    }
  };
  struct Node {
    std::vector<uint8_t> clock;  // V_j: deliveries per origin
    uint32_t seen = 0;           // bit per message id: received or sent
    std::vector<Msg> held;       // received, not yet delivered; sorted
    Outbox<Msg> outbox;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.clock, n.seen, n.held, n.outbox);
    }
    std::string ToString() const {
      return absl::StrCat("V=", ClockString(clock), " held=", held.size(),
                          outbox.ToString());
    }
  };
  using Op = int;
  using Obs = Cast;
  using O = Out<CausalBroadcast>;

  int nodes = 3;
  int messages = 2;
  int senders = 2;  // message k is broadcast by node k % senders
  bool relay_loop = false;  // relays one copy per step, too
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  Node Init(NodeId) const {
    Node n;
    n.clock.assign(nodes, 0);
    return n;
  }
  std::vector<ClientRequest<Op>> Requests() const {
    return BroadcastRequests(messages, senders);
  }

  void OnStart(Node&, O&) const {}
  void OnRequest(Node& n, const Op& id, O& out) const {
    const NodeId self = out.self();
    ++n.clock[self];
    const Msg m{static_cast<int8_t>(self), static_cast<int8_t>(id), n.clock};
    n.seen |= uint32_t{1} << m.id;
    out.Observe({Cast::kBroadcast, m.origin, m.id});
    out.Observe({Cast::kDeliver, m.origin, m.id});
    n.outbox.QueueToAll(m, 0, true, out);
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    if ((n.seen & (uint32_t{1} << m.id)) != 0) return;
    n.seen |= uint32_t{1} << m.id;
    n.outbox.QueueToAll(m, (uint64_t{1} << from) | (uint64_t{1} << m.origin),
                        relay_loop, out);
    n.held.insert(std::upper_bound(n.held.begin(), n.held.end(), m), m);
    DeliverReady(n, out);
  }
  void OnTimer(Node& n, TimerId t, O& out) const {
    FL_CHECK(t == kSendTimer);
    n.outbox.SendNext(out);
  }
  void OnRecover(Node&, O&) const {}

  std::vector<Property<World<CausalBroadcast>>> Properties() const {
    using P = CausalBroadcast;
    return {Integrity<P>("integrity"),
            CausalOrder<P>("causal-order"),
            FifoOrder<P>("fifo-order"),
            QuiescentValidity<P>("quiescent-validity", Requests()),
            QuiescentAgreement<P>("quiescent-agreement", Requests()),
            Validity<P>("validity", Requests()),
            Agreement<P>("agreement", Requests()),
            SometimesAllDelivered<P>("all-delivered", messages)};
  }

 private:
  // The notes' delivery condition, weakened by the buggy variants.
  bool Deliverable(const Node& n, const Msg& m) const {
    if (bug == Bug::kNoWait) return true;
    const int i = m.origin;
    if (m.clock[i] != n.clock[i] + 1) return false;
    if (bug == Bug::kFifoOnly) return true;
    for (int k = 0; k < nodes; ++k) {
      if (k != i && m.clock[k] > n.clock[k]) return false;
    }
    return true;
  }

  void DeliverReady(Node& n, O& out) const {
    for (bool progress = true; progress;) {
      progress = false;
      for (auto it = n.held.begin(); it != n.held.end(); ++it) {
        if (!Deliverable(n, *it)) continue;
        uint8_t& entry = n.clock[it->origin];
        FL_CHECK(bug == Bug::kNoWait || it->clock[it->origin] == entry + 1);
        entry = std::max(entry, it->clock[it->origin]);
        out.Observe({Cast::kDeliver, it->origin, it->id});
        n.held.erase(it);
        progress = true;
        break;
      }
    }
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_CAUSAL_BROADCAST_H_
