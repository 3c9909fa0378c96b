// A ticket lock over messages, written as a user of faultline would write
// their own protocol: outside protocols/, registered nowhere, checked from
// its own test file with harness/testing.h.
//
// Algorithm (Mellor-Crummey & Scott's ticket lock, as a lock server): a
// client asks the server for the lock; the server hands out tickets in
// arrival order and keeps `serving`, the ticket whose holder may enter.
// When a ticket becomes the one served, the server tells its holder (Turn).
// The holder enters the critical section once, leaves it on a timer and
// sends Release; the server then serves the next ticket. Every client asks
// at start, so all three requests race.
//
// System model: asynchronous, unordered links that may duplicate messages
// (a budget); no crashes. Node 0 is the server, nodes 1..clients are clients,
// each asking for the lock once. A first version of this example let a
// client re-enter on a duplicated Turn; faultline found that in BFS, hence
// `done`.
//
// Buggy variant kBlindRelease: the server advances `serving` on every
// Release, not only on one from the current holder, so a duplicated Release
// lets two clients into the critical section.
#ifndef FAULTLINE_EXAMPLES_TICKET_LOCK_TICKET_LOCK_H_
#define FAULTLINE_EXAMPLES_TICKET_LOCK_TICKET_LOCK_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"

namespace ticket_lock {

using faultline::NodeId;

struct TicketLock {
  enum class Bug { kNone, kBlindRelease };
  enum Kind : int8_t { kAcquire, kTurn, kRelease };

  struct Msg {
    Kind kind;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) { return H::combine(std::move(h), m.kind); }
    std::string ToString() const {
      return kind == kAcquire ? "Acquire" : kind == kTurn ? "Turn" : "Release";
    }
  };
  struct Node {
    std::vector<NodeId> owners;  // server: ticket -> client
    int serving = 0;             // server: the ticket being served
    bool in_cs = false;          // client
    bool done = false;           // client: has had its turn
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.owners, n.serving, n.in_cs, n.done);
    }
    std::string ToString() const {
      return absl::StrCat("serving=", serving, " tickets=", owners.size(),
                          in_cs ? " in-cs" : "");
    }
  };
  struct Obs {
    bool enter;
    auto operator<=>(const Obs&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Obs& o) { return H::combine(std::move(h), o.enter); }
    std::string ToString() const { return enter ? "enter" : "exit"; }
  };
  using Op = int;
  using O = faultline::Out<TicketLock>;

  int clients = 3;
  Bug bug = Bug::kNone;

  int NodeCount() const { return clients + 1; }
  std::string NodeName(NodeId n) const {
    return n == 0 ? "server" : absl::StrCat("c", n);
  }
  Node Init(NodeId) const { return {}; }
  std::vector<faultline::ClientRequest<Op>> Requests() const { return {}; }

  void OnStart(Node&, O& out) const {
    if (out.self() != 0) out.Send(0, {kAcquire});
  }
  void OnRequest(Node&, const Op&, O&) const {}
  void OnRecover(Node&, O&) const {}

  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    switch (m.kind) {
      case kAcquire:
        n.owners.push_back(from);
        if (static_cast<int>(n.owners.size()) - 1 == n.serving) out.Send(from, {kTurn});
        return;
      case kTurn:
        if (n.done) return;  // a duplicated Turn
        n.done = true;
        n.in_cs = true;
        out.Observe({true});
        out.SetTimer(0);
        return;
      case kRelease:
        if (bug == Bug::kNone &&
            (n.serving >= static_cast<int>(n.owners.size()) || n.owners[n.serving] != from)) {
          return;  // a stale or duplicated release
        }
        ++n.serving;
        if (n.serving < static_cast<int>(n.owners.size())) {
          out.Send(n.owners[n.serving], {kTurn});
        }
        return;
    }
  }

  void OnTimer(Node& n, faultline::TimerId, O& out) const {
    n.in_cs = false;
    out.Observe({false});
    out.Send(0, {kRelease});
  }

  std::vector<faultline::Property<faultline::World<TicketLock>>> Properties() const {
    using W = faultline::World<TicketLock>;
    return {
        faultline::Always<W>("mutual-exclusion",
                             [](const W& w) {
                               int inside = 0;
                               for (NodeId n = 1; n < w.node_count(); ++n) {
                                 inside += w.node(n).in_cs ? 1 : 0;
                               }
                               return inside <= 1;
                             }),
        faultline::Sometimes<W>("someone-enters",
                                [](const W& w) { return !w.history.empty(); }),
    };
  }
};

}  // namespace ticket_lock

#endif  // FAULTLINE_EXAMPLES_TICKET_LOCK_TICKET_LOCK_H_
