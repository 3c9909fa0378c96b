// Centralised mutual exclusion (lecture notes 001, "Solution strategies:
// centralized strategy"; Coulouris, Dollimore & Kindberg, Distributed
// Systems, section 15.2, "The central server algorithm").
//
// Node 0 is the server; nodes 1..clients are clients. A client that wants the
// critical section (CS) sends Request to the server. The server grants at once
// if nobody holds the CS and otherwise appends the client to a FIFO queue; on
// Release it grants to the head of the queue. A client leaves the CS after an
// arbitrary time (its exit timer fires) and sends Release.
//
// Because clients talk only to the server, any happens-before chain from one
// request to another passes through the server after it received the first
// request, so its FIFO queue grants in happens-before order (Coulouris' counter
// example to that order needs a message between clients outside the protocol).
//
// System model: asynchronous; reliable unordered links; no crashes (the notes
// let inactive clients crash, which changes nothing, but a crash of the server
// or of the holder blocks everyone, so the default world has none). Each
// client asks once and the last client `again` more times (client requests).
//
// Buggy variant:
//   kLifo  the server grants the newest queued request first (a stack instead
//          of a queue): a client can enter twice while an earlier request
//          waits (violates no-starvation, and hb-order).
#ifndef FAULTLINE_PROTOCOLS_CENTRAL_MUTEX_H_
#define FAULTLINE_PROTOCOLS_CENTRAL_MUTEX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/world.h"
#include "protocols/mutex_election_properties.h"

namespace faultline {

struct CentralMutex {
  enum class Bug { kNone, kLifo };
  enum Kind : int8_t { kRequest, kGrant, kRelease };
  static constexpr NodeId kServer = 0;
  static constexpr TimerId kExitTimer = 0;

  struct Msg {
    Kind kind;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind);
    }
    std::string ToString() const {
      return kind == kRequest ? "Request" : kind == kGrant ? "Grant" : "Release";
    }
  };
  struct Node {
    // Client.
    CsState state = CsState::kReleased;
    int8_t backlog = 0;  // client requests waiting for the current one
    // Server.
    int8_t holder = -1;         // the client in the CS, -1 if none
    std::vector<int8_t> queue;  // waiting clients, oldest first
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.state, n.backlog, n.holder, n.queue);
    }
    std::string ToString() const {
      if (holder >= 0 || !queue.empty()) {
        return absl::StrCat("holder=", holder, " queue=[",
                            absl::StrJoin(queue, ","), "]");
      }
      return absl::StrCat(CsStateName(state),
                          backlog > 0 ? absl::StrCat(" backlog=", backlog) : "");
    }
  };
  using Op = int;
  using Obs = MutexObs;
  using O = Out<CentralMutex>;

  int clients = 3;
  int again = 1;
  Bug bug = Bug::kNone;

  int NodeCount() const { return clients + 1; }
  std::string NodeName(NodeId n) const {
    return n == kServer ? "server" : absl::StrCat("c", n);
  }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const {
    return MutexRequests<Op>(1, NodeCount(), again);
  }

  void OnStart(Node&, O&) const {}
  void OnRecover(Node&, O&) const {}
  void OnRequest(Node& n, const Op&, O& out) const {
    FL_CHECK(out.self() != kServer);
    if (n.state != CsState::kReleased) {
      ++n.backlog;
      return;
    }
    Ask(n, out);
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    switch (m.kind) {
      case kRequest: return OnClientRequest(n, from, out);
      case kGrant: return OnGrant(n, out);
      case kRelease: return OnRelease(n, from, out);
    }
  }
  // The client leaves the CS.
  void OnTimer(Node& n, TimerId id, O& out) const {
    FL_CHECK(id == kExitTimer);
    FL_CHECK(n.state == CsState::kHeld);
    n.state = CsState::kReleased;
    out.Observe({MutexObs::kExit});
    out.Send(kServer, {kRelease});
    if (n.backlog > 0) {
      --n.backlog;
      Ask(n, out);
    }
  }

  std::vector<Property<World<CentralMutex>>> Properties() const {
    return MutexProperties<CentralMutex>(static_cast<int>(Requests().size()));
  }

 private:
  void Ask(Node& n, O& out) const {
    FL_CHECK(n.state == CsState::kReleased);
    n.state = CsState::kWanted;
    out.Observe({MutexObs::kRequest});
    out.Send(kServer, {kRequest});
  }
  void OnClientRequest(Node& n, NodeId from, O& out) const {
    FL_CHECK(out.self() == kServer);
    if (n.holder >= 0) {
      n.queue.push_back(static_cast<int8_t>(from));
      return;
    }
    n.holder = static_cast<int8_t>(from);
    out.Send(from, {kGrant});
  }
  void OnGrant(Node& n, O& out) const {
    FL_CHECK(n.state == CsState::kWanted);
    n.state = CsState::kHeld;
    out.Observe({MutexObs::kEnter});
    out.SetTimer(kExitTimer);
  }
  void OnRelease(Node& n, NodeId from, O& out) const {
    FL_CHECK(out.self() == kServer);
    FL_CHECK(n.holder == from);
    n.holder = -1;
    if (n.queue.empty()) return;
    const auto next = bug == Bug::kLifo ? n.queue.end() - 1 : n.queue.begin();
    n.holder = *next;
    n.queue.erase(next);
    out.Send(n.holder, {kGrant});
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_CENTRAL_MUTEX_H_
