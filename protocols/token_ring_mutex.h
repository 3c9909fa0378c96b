// Token-ring mutual exclusion (lecture notes 001, "Ring-based algorithm";
// Coulouris, Dollimore & Kindberg, Distributed Systems, section 15.2).
//
// The nodes form a logical ring, node i passing to node (i + 1) mod N. One
// token circulates; node 0 holds it at the start and passes it on. A node that
// receives the token enters the critical section (CS) if it wants to and
// otherwise passes the token to its successor at once; it leaves the CS after
// an arbitrary time (its exit timer) and passes the token on. A node that asks
// again must wait for the token to come round: no node enters twice while
// another waits. The token circulates forever, even when nobody asks.
//
// System model (the notes' table): asynchronous; reliable links (order does
// not matter: one message is in flight at a time); no process failures. Each
// node asks once and the last node `again` more times (client requests). The
// circulating token is endless, so the causality clocks count only observing
// events (WorldOptions::causality_observations_only) and stay finite.
//
// Buggy variant (the notes' "Problems with the ring-based algorithm"):
//   kRegenerate  node 0 regenerates the token when it has not come back
//                before a timeout. In an asynchronous system a late token
//                cannot be told from a lost one: the timeout fires while the
//                token is merely slow (or held in a long CS), and two tokens
//                let two nodes into the CS (violates mutual-exclusion).
// Losing the token (entry token-ring-mutex:lost-token, a drops budget) is the
// other pitfall the notes name: it violates liveness (granted).
#ifndef FAULTLINE_PROTOCOLS_TOKEN_RING_MUTEX_H_
#define FAULTLINE_PROTOCOLS_TOKEN_RING_MUTEX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "protocols/mutex_election_properties.h"

namespace faultline {

struct TokenRingMutex {
  enum class Bug { kNone, kRegenerate };
  static constexpr TimerId kExitTimer = 0;
  static constexpr TimerId kTokenLostTimer = 1;  // kRegenerate only

  struct Msg {
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg&) { return H::combine(std::move(h), 0); }
    std::string ToString() const { return "Token"; }
  };
  struct Node {
    CsState state = CsState::kReleased;
    int8_t backlog = 0;  // client requests waiting for the current one
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.state, n.backlog);
    }
    std::string ToString() const {
      return absl::StrCat(CsStateName(state),
                          backlog > 0 ? absl::StrCat(" backlog=", backlog) : "");
    }
  };
  using Op = int;
  using Obs = MutexObs;
  using O = Out<TokenRingMutex>;

  int nodes = 3;
  int again = 1;
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const {
    return MutexRequests<Op>(0, nodes, again);
  }

  void OnStart(Node&, O& out) const {
    if (out.self() == 0) PassToken(out);
  }
  void OnRecover(Node&, O&) const {}
  void OnRequest(Node& n, const Op&, O& out) const {
    if (n.state != CsState::kReleased) {
      ++n.backlog;
      return;
    }
    n.state = CsState::kWanted;
    out.Observe({MutexObs::kRequest});
  }
  void OnMessage(Node& n, NodeId, const Msg&, O& out) const {
    OnToken(n, out);
  }
  void OnTimer(Node& n, TimerId id, O& out) const {
    if (id == kTokenLostTimer) {
      FL_CHECK(bug == Bug::kRegenerate);
      return OnToken(n, out);  // "the token is lost": make a new one
    }
    FL_CHECK(id == kExitTimer);
    FL_CHECK(n.state == CsState::kHeld);
    n.state = CsState::kReleased;
    out.Observe({MutexObs::kExit});
    PassToken(out);
    if (n.backlog > 0) {
      --n.backlog;
      n.state = CsState::kWanted;
      out.Observe({MutexObs::kRequest});
    }
  }

  std::vector<Property<World<TokenRingMutex>>> Properties() const {
    return MutexProperties<TokenRingMutex>(static_cast<int>(Requests().size()));
  }

 private:
  void OnToken(Node& n, O& out) const {
    if (bug == Bug::kRegenerate && out.self() == 0) out.CancelTimer(kTokenLostTimer);
    if (n.state != CsState::kWanted) return PassToken(out);
    n.state = CsState::kHeld;
    out.Observe({MutexObs::kEnter});
    out.SetTimer(kExitTimer);
  }
  void PassToken(O& out) const {
    out.Send((out.self() + 1) % nodes, {});
    // Node 0 expects the token back within a round trip.
    if (bug == Bug::kRegenerate && out.self() == 0) out.SetTimer(kTokenLostTimer);
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_TOKEN_RING_MUTEX_H_
