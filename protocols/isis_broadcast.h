// ISIS total order broadcast (lecture notes 002, "Totally Ordered Multicast
// (ISIS)"; Birman & Joseph 1987; Coulouris et al., "Distributed Systems",
// section 15.4.3).
//
// To broadcast m, p sends Propose(m) to the group. Every node q (p included)
// answers with a proposed id one larger than the largest id it has proposed
// or seen agreed, and holds m back, undeliverable, under that id. p takes the
// largest proposal as m's final id and sends Final(m, id); each node moves m
// to its final id, marks it deliverable, and delivers from the front of its
// hold-back queue, ordered by id, while the front is deliverable. Ids are
// (number, proposer) pairs, so two messages never share one.
//
// System model: closed static group of `nodes` nodes; asynchronous; reliable
// unordered 1-to-1 links; no crashes (a sender that crashes between Propose
// and Final leaves its message undeliverable at the front of every queue:
// ISIS needs a membership service to recover, which is out of scope here).
// Properties: integrity, total-order, validity, agreement.
//
// Buggy variant (the notes: p "picks the largest one as the final ID"):
//   kSmallest  p takes the smallest proposal, so a message can be delivered
//              ahead of one whose final id turns out smaller (total-order)
#ifndef FAULTLINE_PROTOCOLS_ISIS_BROADCAST_H_
#define FAULTLINE_PROTOCOLS_ISIS_BROADCAST_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/broadcast.h"

namespace faultline {

struct IsisBroadcast {
  enum class Bug { kNone, kSmallest };
  enum Kind : int8_t { kPropose, kProposal, kFinal };
  struct Msg {
    Kind kind;
    int8_t id;
    int8_t num = 0;   // Proposal, Final: the id's number
    int8_t node = 0;  // Proposal, Final: the id's proposer
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.id, m.num, m.node);
    }
    std::string ToString() const;
  };
  struct Held {
    int8_t num;
    int8_t node;
    int8_t id;
    int8_t origin;
    bool final;
    auto operator<=>(const Held&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Held& e) {
      return H::combine(std::move(h), e.num, e.node, e.id, e.origin, e.final);
    }
  };
  struct Collect {  // a sender's proposals for one of its messages
    int8_t id;
    int8_t num;
    int8_t node;
    int8_t replies;
    auto operator<=>(const Collect&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Collect& c) {
      return H::combine(std::move(h), c.id, c.num, c.node, c.replies);
    }
  };
  struct Node {
    int8_t largest = 0;            // largest number proposed or agreed
    std::vector<Held> queue;       // hold-back queue, sorted by id
    std::vector<Collect> collect;  // own messages awaiting proposals
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.largest, n.queue, n.collect);
    }
    std::string ToString() const {
      return absl::StrCat("largest=", largest, " held=", queue.size(),
                          " collecting=", collect.size());
    }
  };
  using Op = int;
  using Obs = Cast;
  using O = Out<IsisBroadcast>;

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
    const auto self = static_cast<int8_t>(out.self());
    const auto m = static_cast<int8_t>(id);
    out.Observe({Cast::kBroadcast, self, m});
    const int8_t num = Propose(n, m, self, self);
    n.collect.push_back({m, num, self, 1});
    out.Broadcast({kPropose, m});
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    const auto self = static_cast<int8_t>(out.self());
    switch (m.kind) {
      case kPropose:
        out.Send(from, {kProposal, m.id,
                        Propose(n, m.id, static_cast<int8_t>(from), self), self});
        return;
      case kProposal:
        return OnProposal(n, m, out);
      case kFinal:
        return Finish(n, m, out);
    }
  }
  void OnTimer(Node&, TimerId, O&) const {}
  void OnRecover(Node&, O&) const {}

  std::vector<Property<World<IsisBroadcast>>> Properties() const {
    using P = IsisBroadcast;
    return {Integrity<P>("integrity"),
            TotalOrder<P>("total-order"),
            QuiescentValidity<P>("quiescent-validity", Requests()),
            QuiescentAgreement<P>("quiescent-agreement", Requests()),
            Validity<P>("validity", Requests()),
            Agreement<P>("agreement", Requests()),
            SometimesAllDelivered<P>("all-delivered", messages)};
  }

 private:
  // Holds m back under a fresh proposed id; returns its number.
  static int8_t Propose(Node& n, int8_t id, int8_t origin, int8_t self) {
    const Held h{++n.largest, self, id, origin, false};
    n.queue.insert(std::upper_bound(n.queue.begin(), n.queue.end(), h), h);
    return h.num;
  }

  void OnProposal(Node& n, const Msg& m, O& out) const {
    auto c = std::find_if(n.collect.begin(), n.collect.end(),
                          [&](const Collect& x) { return x.id == m.id; });
    FL_CHECK(c != n.collect.end());
    const bool larger = std::pair(m.num, m.node) > std::pair(c->num, c->node);
    if (larger != (bug == Bug::kSmallest)) {
      c->num = m.num;
      c->node = m.node;
    }
    if (++c->replies < nodes) return;
    const Msg final{kFinal, m.id, c->num, c->node};
    n.collect.erase(c);
    out.Broadcast(final);
    Finish(n, final, out);
  }

  // m gets its final id; deliver the deliverable front of the queue.
  static void Finish(Node& n, const Msg& m, O& out) {
    auto it = std::find_if(n.queue.begin(), n.queue.end(),
                           [&](const Held& h) { return h.id == m.id; });
    FL_CHECK(it != n.queue.end() && !it->final);
    Held h = *it;
    n.queue.erase(it);
    h.num = m.num;
    h.node = m.node;
    h.final = true;
    n.queue.insert(std::upper_bound(n.queue.begin(), n.queue.end(), h), h);
    n.largest = std::max(n.largest, m.num);
    while (!n.queue.empty() && n.queue.front().final) {
      out.Observe({Cast::kDeliver, n.queue.front().origin, n.queue.front().id});
      n.queue.erase(n.queue.begin());
    }
  }
};

inline std::string IsisBroadcast::Msg::ToString() const {
  switch (kind) {
    case kPropose: return absl::StrCat("Propose(m", id, ")");
    case kProposal: return absl::StrCat("Proposal(m", id, " id=", num, ".", node, ")");
    case kFinal: return absl::StrCat("Final(m", id, " id=", num, ".", node, ")");
  }
  return "?";
}

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_ISIS_BROADCAST_H_
