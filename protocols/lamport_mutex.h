// Lamport's mutual exclusion (Lamport, "Time, clocks, and the ordering of
// events in a distributed system", CACM 1978, section 3; lecture notes 001,
// "Non-token-based" strategy, and 002 on Lamport clocks).
//
// Every node keeps a request queue ordered by <timestamp, id>. To enter the
// critical section (CS) a node stamps a request with its Lamport clock, puts
// it in its own queue and broadcasts it. A node receiving a request queues it
// and returns a timestamped acknowledgement. A node enters when its request
// heads its queue and it has received a message stamped later than its
// request from every other node (so no earlier request can still be on its
// way). Leaving, it removes its request and broadcasts Release; receivers
// remove that node's request.
//
// System model: asynchronous; reliable per-link FIFO links (Lamport's stated
// assumption: "messages are received in the order in which they are sent");
// no crashes. Each node asks once and the last node `again` more times
// (client requests); leaving the CS is a timer.
//
// Buggy variants:
//   kEnterAtHead  a node enters as soon as its request heads its own queue,
//                 without waiting for a later message from every node: a
//                 smaller request still in flight goes unseen
//                 (mutual-exclusion)
// The FIFO pitfall is entry lamport-mutex:unordered-links, the correct code
// over unordered links: an acknowledgement overtakes the sender's earlier
// request, and two nodes enter (mutual-exclusion).
#ifndef FAULTLINE_PROTOCOLS_LAMPORT_MUTEX_H_
#define FAULTLINE_PROTOCOLS_LAMPORT_MUTEX_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/world.h"
#include "protocols/mutex_election_properties.h"

namespace faultline {

struct LamportMutex {
  enum class Bug { kNone, kEnterAtHead };
  enum Kind : int8_t { kRequest, kAck, kRelease };
  static constexpr TimerId kExitTimer = 0;

  struct Msg {
    Kind kind;
    int16_t ts;  // the sender's Lamport clock
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.ts);
    }
    std::string ToString() const {
      const char* name = kind == kRequest ? "Request" : kind == kAck ? "Ack" : "Release";
      return absl::StrCat(name, "(T=", ts, ")");
    }
  };
  struct Node {
    CsState state = CsState::kReleased;
    int8_t backlog = 0;          // client requests waiting for the current one
    int16_t clock = 0;           // Lamport clock
    std::vector<int16_t> queue;  // per node: its queued request's stamp, -1
    uint64_t later = 0;  // bit j: j sent a message stamped after our request
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.state, n.backlog, n.clock, n.queue,
                        n.later);
    }
    std::string ToString() const {
      return absl::StrCat(CsStateName(state), " clock=", clock, " queue=[",
                          absl::StrJoin(queue, ","), "] later=", later,
                          backlog > 0 ? absl::StrCat(" backlog=", backlog) : "");
    }
  };
  using Op = int;
  using Obs = MutexObs;
  using O = Out<LamportMutex>;

  int nodes = 3;
  int askers = 3;  // the last `askers` nodes ask; the others only answer
  int again = 1;
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  Node Init(NodeId) const {
    return {.queue = std::vector<int16_t>(nodes, -1)};
  }
  std::vector<ClientRequest<Op>> Requests() const {
    return MutexRequests<Op>(nodes - askers, nodes, again);
  }

  void OnStart(Node&, O&) const {}
  void OnRecover(Node&, O&) const {}
  void OnRequest(Node& n, const Op&, O& out) const {
    if (n.state != CsState::kReleased) {
      ++n.backlog;
      return;
    }
    Ask(n, out);
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    n.clock = static_cast<int16_t>(std::max(n.clock, m.ts) + 1);
    if (n.state == CsState::kWanted && m.ts > n.queue[out.self()]) {
      n.later |= uint64_t{1} << from;
    }
    if (m.kind == kRequest) {
      n.queue[from] = m.ts;
      out.Send(from, {kAck, n.clock});
    } else if (m.kind == kRelease) {
      n.queue[from] = -1;
    }
    MaybeEnter(n, out);
  }
  // Leaves the CS.
  void OnTimer(Node& n, TimerId id, O& out) const {
    FL_CHECK(id == kExitTimer);
    FL_CHECK(n.state == CsState::kHeld);
    ++n.clock;
    n.queue[out.self()] = -1;
    n.state = CsState::kReleased;
    out.Observe({MutexObs::kExit});
    out.Broadcast({kRelease, n.clock});
    if (n.backlog > 0) {
      --n.backlog;
      Ask(n, out);
    }
  }

  std::vector<Property<World<LamportMutex>>> Properties() const {
    return MutexProperties<LamportMutex>(static_cast<int>(Requests().size()));
  }

 private:
  void Ask(Node& n, O& out) const {
    FL_CHECK(n.state == CsState::kReleased);
    ++n.clock;
    n.queue[out.self()] = n.clock;
    n.later = 0;  // everything received so far is stamped earlier
    n.state = CsState::kWanted;
    out.Observe({MutexObs::kRequest});
    out.Broadcast({kRequest, n.clock});
    MaybeEnter(n, out);
  }
  void MaybeEnter(Node& n, O& out) const {
    if (n.state != CsState::kWanted) return;
    const NodeId self = out.self();
    const auto mine = std::pair(n.queue[self], self);
    for (NodeId j = 0; j < nodes; ++j) {
      if (j == self) continue;
      if (n.queue[j] >= 0 && std::pair(n.queue[j], j) < mine) return;
      if (bug != Bug::kEnterAtHead && ((n.later >> j) & 1) == 0) return;
    }
    n.state = CsState::kHeld;
    out.Observe({MutexObs::kEnter});
    out.SetTimer(kExitTimer);
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_LAMPORT_MUTEX_H_
