// Active replication: a replicated state machine over a sequencer-based total
// order broadcast (Schneider, "Implementing Fault-Tolerant Services Using the
// State Machine Approach", 1990; Défago, Schiper & Urbán, "Total Order
// Broadcast and Multicast Algorithms", 2004, fixed sequencer; lecture notes
// 001, "Active Replication").
//
// Every replica executes every client operation, so all must execute them in
// the same order. A client's operation reaches one replica (a client request
// there), which multicasts it to every replica (Op). The sequencer, replica
// n0, gives each operation it hears of the next sequence number and
// broadcasts Order(seq, op). A replica applies operation seq as soon as it
// has applied seq-1 and holds both the Order and the operation itself; until
// then it holds the operation back.
//
// System model: asynchronous; reliable unordered links that may duplicate a
// message (an Order can overtake the Op it orders, two Orders can arrive
// swapped, a copy can come late; copies are ignored); crash-stop. If the
// sequencer crashes, ordering stops (replacing it needs consensus, see
// paxos.h and raft): replicas then stay at a common prefix, which is safe.
//
// Properties: total-order (the sequences of operations any two replicas
// applied are prefixes of one another) and integrity (a replica applies an
// operation at most once, and only one a client issued).
//
// Buggy variants:
//   kArrivalOrder  replicas apply operations in the order they arrive,
//                  without the sequencer; two replicas that receive two
//                  concurrent operations in opposite orders diverge
//   kNoDedup       the sequencer does not recognise a duplicated Op and
//                  orders it twice: replicas apply it twice
#ifndef FAULTLINE_PROTOCOLS_ACTIVE_REPLICATION_H_
#define FAULTLINE_PROTOCOLS_ACTIVE_REPLICATION_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/history.h"

namespace faultline {

struct ActiveReplication {
  enum class Bug { kNone, kArrivalOrder, kNoDedup };
  static constexpr NodeId kSequencer = 0;
  static constexpr int kOpsMax = 7;  // operations are 1..ops
  enum Kind : int8_t { kOp, kOrder };

  struct Msg {
    Kind kind;
    int8_t op;
    int8_t seq = 0;  // Order
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.op, m.seq);
    }
    std::string ToString() const {
      return kind == kOp ? absl::StrCat("Op(", op, ")")
                         : absl::StrCat("Order(#", seq, ": ", op, ")");
    }
  };
  struct Applied {
    int8_t op;
    auto operator<=>(const Applied&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Applied& a) { return H::combine(std::move(h), a.op); }
    std::string ToString() const { return absl::StrCat("apply(", op, ")"); }
  };
  struct Node {
    uint8_t have = 0;                     // bit op: the operation arrived
    std::array<int8_t, kOpsMax> order{};  // seq -> op, 0 while unknown
    int8_t applied = 0;                   // operations applied
    // Sequencer only.
    uint8_t sequenced = 0;  // bit op: got a sequence number
    int8_t next_seq = 0;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.have, n.order, n.applied, n.sequenced,
                        n.next_seq);
    }
    std::string ToString() const {
      return absl::StrCat("applied=", applied, " have=", have,
                          sequenced != 0 ? absl::StrCat(" next#=", next_seq) : "");
    }
  };
  using Op = int;
  using Obs = Applied;
  using O = Out<ActiveReplication>;
  using W = World<ActiveReplication>;

  int replicas = 3;
  int ops = 2;
  Bug bug = Bug::kNone;

  int NodeCount() const { return replicas; }
  Node Init(NodeId) const {
    FL_CHECK(replicas >= 2 && ops >= 1 && ops <= kOpsMax);
    return {};
  }
  // Operation k comes from a client of replica k mod replicas, so the first
  // two come in at two different replicas, n1 and n2.
  std::vector<ClientRequest<Op>> Requests() const {
    std::vector<ClientRequest<Op>> out;
    for (int k = 1; k <= ops; ++k) out.push_back({k % replicas, k});
    return out;
  }

  void OnStart(Node&, O&) const {}
  void OnRequest(Node& n, const Op& op, O& out) const {
    out.Broadcast({kOp, static_cast<int8_t>(op)});
    Receive(n, static_cast<int8_t>(op), out);
  }
  void OnMessage(Node& n, NodeId, const Msg& m, O& out) const {
    if (m.kind == kOp) return Receive(n, m.op, out);
    FL_CHECK(m.seq >= 0 && m.seq < kOpsMax);
    FL_CHECK(n.order[m.seq] == 0 || n.order[m.seq] == m.op);  // or a copy
    n.order[m.seq] = m.op;
    Deliver(n, out);
  }
  void OnTimer(Node&, TimerId, O&) const {}
  void OnRecover(Node&, O&) const {}

  std::vector<Property<W>> Properties() const;

 private:
  void Receive(Node& n, int8_t op, O& out) const {
    const bool copy = ((n.have >> op) & 1) != 0;
    // The bug: the sequencer gives a copy a second sequence number.
    const bool resequence = bug == Bug::kNoDedup && out.self() == kSequencer;
    if (copy && !resequence) return;
    n.have |= uint8_t(1u << op);
    if (bug == Bug::kArrivalOrder) {
      out.Observe({op});  // the bug: no agreement on the order
      ++n.applied;
      return;
    }
    if (out.self() == kSequencer) Sequence(n, op, out);
    Deliver(n, out);
  }
  void Sequence(Node& n, int8_t op, O& out) const {
    FL_CHECK(n.next_seq < kOpsMax);
    FL_CHECK(bug == Bug::kNoDedup || ((n.sequenced >> op) & 1) == 0);
    n.sequenced |= uint8_t(1u << op);
    n.order[n.next_seq] = op;
    out.Broadcast({kOrder, op, n.next_seq});
    ++n.next_seq;
  }
  // Applies, in sequence order, every operation whose turn has come.
  void Deliver(Node& n, O& out) const {
    while (n.applied < kOpsMax && n.order[n.applied] != 0 &&
           ((n.have >> n.order[n.applied]) & 1)) {
      out.Observe({n.order[n.applied]});
      ++n.applied;
    }
  }
};

inline std::vector<Property<World<ActiveReplication>>>
ActiveReplication::Properties() const {
  const int count = replicas;
  const int op_count = ops;
  // The operations node n applied, in order.
  auto applied_by = [](const W& w, NodeId n) {
    std::vector<int8_t> seq;
    for (const auto& o : w.history) {
      if (o.node == n) seq.push_back(o.value.op);
    }
    return seq;
  };
  return {
      Always<W>("total-order",
                [count, applied_by](const W& w) {
                  for (NodeId a = 0; a < count; ++a) {
                    const std::vector<int8_t> x = applied_by(w, a);
                    for (NodeId b = a + 1; b < count; ++b) {
                      const std::vector<int8_t> y = applied_by(w, b);
                      const size_t k = std::min(x.size(), y.size());
                      if (!std::equal(x.begin(), x.begin() + k, y.begin())) return false;
                    }
                  }
                  return true;
                }),
      Always<W>("integrity",
                [count, op_count, applied_by](const W& w) {
                  for (NodeId a = 0; a < count; ++a) {
                    uint32_t seen = 0;
                    for (int8_t op : applied_by(w, a)) {
                      if (op < 1 || op > op_count || ((w.requested >> (op - 1)) & 1) == 0) {
                        return false;
                      }
                      if ((seen >> op) & 1) return false;
                      seen |= 1u << op;
                    }
                  }
                  return true;
                }),
      Sometimes<W>("all-applied",
                   [count, op_count](const W& w) {
                     for (NodeId a = 0; a < count; ++a) {
                       if (w.node(a).applied != op_count) return false;
                     }
                     return true;
                   }),
  };
}

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_ACTIVE_REPLICATION_H_
