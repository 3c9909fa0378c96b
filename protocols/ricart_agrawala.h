// Ricart & Agrawala's mutual exclusion (Ricart & Agrawala, "An optimal
// algorithm for mutual exclusion in computer networks", CACM 1981; lecture
// notes 001, "Ricart & Agrawala, 1981, algorithm").
//
// Each node is Released, Wanted or Held. To enter the critical section (CS) a
// node stamps its request with its Lamport clock, <T, id>, broadcasts it and
// enters once all N-1 others replied. A node receiving request <T, j> replies
// at once unless it is Held, or Wanted with an earlier request (<T', i> <
// <T, j>): then it defers the reply until it leaves the CS. Every message
// carries its sender's Lamport clock and the receiver merges it, so a request
// that happened after another carries a larger timestamp and waits for it.
//
// System model: asynchronous; reliable unordered links (no FIFO needed); no
// crashes (a crashed node never replies). Each node asks once and the last
// node `again` more times (client requests); leaving the CS is a timer.
//
// Buggy variants:
//   kReplyInHeld    a node that is Held replies instead of deferring (the
//                   notes' rule omitted): two nodes in the CS
//                   (mutual-exclusion)
//   kNoClockMerge   receivers do not merge the sender's timestamp into their
//                   Lamport clock: a request that happened after another can
//                   carry a smaller timestamp and go first (hb-order)
//   kDropDeferred   leaving the CS forgets the deferred requests instead of
//                   replying: their senders wait forever (granted, liveness)
#ifndef FAULTLINE_PROTOCOLS_RICART_AGRAWALA_H_
#define FAULTLINE_PROTOCOLS_RICART_AGRAWALA_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "protocols/mutex_election_properties.h"

namespace faultline {

struct RicartAgrawala {
  enum class Bug { kNone, kReplyInHeld, kNoClockMerge, kDropDeferred };
  enum Kind : int8_t { kRequest, kReply };
  static constexpr TimerId kExitTimer = 0;

  struct Msg {
    Kind kind;
    int16_t ts;  // the sender's Lamport clock (kRequest: the request's stamp)
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.ts);
    }
    std::string ToString() const {
      return absl::StrCat(kind == kRequest ? "Request" : "Reply", "(T=", ts, ")");
    }
  };
  struct Node {
    CsState state = CsState::kReleased;
    int8_t backlog = 0;    // client requests waiting for the current one
    int16_t clock = 0;     // Lamport clock
    int16_t request_ts = 0;
    uint64_t replies = 0;   // bit j: node j replied to the current request
    uint64_t deferred = 0;  // bit j: node j's request awaits our reply
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.state, n.backlog, n.clock, n.request_ts,
                        n.replies, n.deferred);
    }
    std::string ToString() const {
      std::string s = absl::StrCat(CsStateName(state), " clock=", clock);
      if (state != CsState::kReleased) absl::StrAppend(&s, " T=", request_ts);
      if (state == CsState::kWanted) {
        absl::StrAppend(&s, " replies=", std::popcount(replies));
      }
      if (deferred != 0) absl::StrAppend(&s, " deferred=", deferred);
      if (backlog > 0) absl::StrAppend(&s, " backlog=", backlog);
      return s;
    }
  };
  using Op = int;
  using Obs = MutexObs;
  using O = Out<RicartAgrawala>;

  int nodes = 3;
  int askers = 3;  // the last `askers` nodes ask; the others only answer
  int again = 1;
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  Node Init(NodeId) const { return {}; }
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
    n.clock = bug == Bug::kNoClockMerge
                  ? static_cast<int16_t>(n.clock + 1)
                  : static_cast<int16_t>(std::max(n.clock, m.ts) + 1);
    if (m.kind == kRequest) return OnPeerRequest(n, from, m.ts, out);
    FL_CHECK(n.state == CsState::kWanted);  // one reply per request
    n.replies |= uint64_t{1} << from;
    if (std::popcount(n.replies) < nodes - 1) return;
    n.state = CsState::kHeld;
    out.Observe({MutexObs::kEnter});
    out.SetTimer(kExitTimer);
  }
  // Leaves the CS and answers the deferred requests.
  void OnTimer(Node& n, TimerId id, O& out) const {
    FL_CHECK(id == kExitTimer);
    FL_CHECK(n.state == CsState::kHeld);
    ++n.clock;
    n.state = CsState::kReleased;
    out.Observe({MutexObs::kExit});
    for (NodeId j = 0; j < nodes && bug != Bug::kDropDeferred; ++j) {
      if ((n.deferred >> j) & 1) out.Send(j, {kReply, n.clock});
    }
    n.deferred = 0;
    if (n.backlog > 0) {
      --n.backlog;
      Ask(n, out);
    }
  }

  std::vector<Property<World<RicartAgrawala>>> Properties() const {
    return MutexProperties<RicartAgrawala>(static_cast<int>(Requests().size()));
  }

 private:
  void Ask(Node& n, O& out) const {
    FL_CHECK(nodes >= 2);
    ++n.clock;
    n.request_ts = n.clock;
    n.replies = 0;
    n.state = CsState::kWanted;
    out.Observe({MutexObs::kRequest});
    out.Broadcast({kRequest, n.request_ts});
  }
  void OnPeerRequest(Node& n, NodeId from, int16_t ts, O& out) const {
    const bool ours_first = std::pair(n.request_ts, out.self()) < std::pair(ts, from);
    const bool held = n.state == CsState::kHeld && bug != Bug::kReplyInHeld;
    const bool defer = held || (n.state == CsState::kWanted && ours_first);
    if (defer) {
      n.deferred |= uint64_t{1} << from;
    } else {
      out.Send(from, {kReply, n.clock});
    }
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_RICART_AGRAWALA_H_
