// Best-effort broadcast (lecture notes 002, "Multicast": the unreliable base
// layer of the hierarchy; Cachin, Guerraoui & Rodrigues 2011, algorithm 3.1
// "Basic Broadcast").
//
// To broadcast m the sender delivers m itself and sends it once to every other
// node; a node delivers m when it first receives it and ignores later copies.
// Nothing is retransmitted or relayed: if the sender crashes part-way, some
// nodes never get m, which is why best-effort broadcast promises no agreement.
//
// System model: closed static group of `nodes` nodes; asynchronous; reliable
// unordered 1-to-1 links that may duplicate a message (duplicates budget);
// crash-stop, the sender may crash. Properties: integrity and validity
// (every correct node delivers what a correct node broadcast).
//
// Buggy variant (the notes' "delivered exactly once" over links that, like
// UDP, may duplicate):
//   kNoDedup  deliver every copy that arrives, so a duplicated packet is
//             delivered twice (integrity)
#ifndef FAULTLINE_PROTOCOLS_BEST_EFFORT_BROADCAST_H_
#define FAULTLINE_PROTOCOLS_BEST_EFFORT_BROADCAST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/broadcast.h"

namespace faultline {

struct BestEffortBroadcast {
  enum class Bug { kNone, kNoDedup };
  struct Msg {
    int8_t origin;
    int8_t id;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.origin, m.id);
    }
    std::string ToString() const { return absl::StrCat("Data(m", id, ")"); }
  };
  struct Node {
    uint32_t delivered = 0;  // bit per message id
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.delivered);
    }
    std::string ToString() const { return absl::StrCat("delivered=", delivered); }
  };
  using Op = int;
  using Obs = Cast;
  using O = Out<BestEffortBroadcast>;

  int nodes = 3;
  int messages = 2;
  int senders = 2;  // message k is broadcast by node k % senders
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
    out.Broadcast(m);
  }
  void OnMessage(Node& n, NodeId, const Msg& m, O& out) const {
    const bool seen = (n.delivered & (uint32_t{1} << m.id)) != 0;
    if (!seen || bug == Bug::kNoDedup) Deliver(n, m, out);
  }
  void OnTimer(Node&, TimerId, O&) const {}
  void OnRecover(Node&, O&) const {}

  std::vector<Property<World<BestEffortBroadcast>>> Properties() const {
    using P = BestEffortBroadcast;
    return {Integrity<P>("integrity"),
            QuiescentValidity<P>("quiescent-validity", Requests()),
            Validity<P>("validity", Requests()),
            SometimesAllDelivered<P>("all-delivered", messages)};
  }

 private:
  static void Deliver(Node& n, const Msg& m, O& out) {
    n.delivered |= uint32_t{1} << m.id;
    out.Observe({Cast::kDeliver, m.origin, m.id});
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_BEST_EFFORT_BROADCAST_H_
