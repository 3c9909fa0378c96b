// Chang & Roberts' ring election (Chang & Roberts, "An improved algorithm for
// decentralized extrema-finding in circular configurations of processes",
// CACM 1979; lecture notes 001, "Chang & Roberts Ring-based algorithm, 1978").
//
// Nodes sit on a unidirectional ring, each with a distinct identifier. Any
// node may call an election: it becomes a participant and sends Election(id)
// to its successor. A node receiving Election(j) forwards it if j is larger
// than its own id; if j is smaller it sends its own id instead, unless it is
// already a participant, in which case it swallows the message; if j is its
// own id, its message went round the ring unbeaten: it is the leader and sends
// Elected(id) round the ring, and every node records the leader and stops
// participating. Concurrent calls are allowed; only the largest id survives.
//
// System model (the notes' table): asynchronous; reliable per-link FIFO
// links; no failures during the election. Every node may call an election
// once (client requests; a call at a node already taking part does nothing).
// Identifiers are 1..nodes placed round the ring odd ones first (1, 3, 5, ...,
// 2, 4, ...), so the ring is neither sorted nor reversed.
//
// Buggy variants:
//   kForwardSmaller        a node forwards smaller ids instead of replacing
//                          them: every id comes home and several nodes
//                          declare themselves leader (largest-id)
//   kDropWhenParticipant   a participant swallows every Election message, not
//                          only smaller ones: the largest id can be swallowed
//                          and nobody is elected (elected, liveness)
#ifndef FAULTLINE_PROTOCOLS_CHANG_ROBERTS_H_
#define FAULTLINE_PROTOCOLS_CHANG_ROBERTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "protocols/mutex_election_properties.h"

namespace faultline {

struct ChangRoberts {
  enum class Bug { kNone, kForwardSmaller, kDropWhenParticipant };
  enum Kind : int8_t { kElection, kElected };

  struct Msg {
    Kind kind;
    int8_t id;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.id);
    }
    std::string ToString() const {
      return absl::StrCat(kind == kElection ? "Election(" : "Elected(", id, ")");
    }
  };
  struct Node {
    bool participant = false;
    int8_t elected = -1;  // the leader's id, -1 if none yet
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.participant, n.elected);
    }
    std::string ToString() const {
      return absl::StrCat(participant ? "participant" : "idle",
                          elected >= 0 ? absl::StrCat(" elected=", elected) : "");
    }
  };
  using Op = int;
  using Obs = int;  // unused: the properties read node state
  using O = Out<ChangRoberts>;

  int nodes = 3;
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  // Ring position n holds id 1, 3, 5, ... then 2, 4, ...
  int Id(NodeId n) const {
    const int odd = (nodes + 1) / 2;
    return n < odd ? 2 * n + 1 : 2 * (n - odd) + 2;
  }
  std::string NodeName(NodeId n) const { return absl::StrCat("p", Id(n)); }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const {
    std::vector<ClientRequest<Op>> out;
    for (NodeId n = 0; n < nodes; ++n) out.push_back({n, 0});
    return out;
  }

  void OnStart(Node&, O&) const {}
  void OnRecover(Node&, O&) const {}
  void OnTimer(Node&, TimerId, O&) const {}
  // A call for an election.
  void OnRequest(Node& n, const Op&, O& out) const {
    if (n.participant || n.elected >= 0) return;
    n.participant = true;
    Forward(out, {kElection, MyId(out)});
  }
  void OnMessage(Node& n, NodeId, const Msg& m, O& out) const {
    if (m.kind == kElection) return OnElection(n, m.id, out);
    n.participant = false;
    if (m.id == MyId(out)) return;  // the announcement went round
    n.elected = m.id;
    Forward(out, m);
  }

  std::vector<Property<World<ChangRoberts>>> Properties() const {
    return ElectionProperties(*this);
  }

 private:
  int8_t MyId(const O& out) const { return static_cast<int8_t>(Id(out.self())); }
  void Forward(O& out, const Msg& m) const {
    out.Send((out.self() + 1) % nodes, m);
  }
  void OnElection(Node& n, int8_t id, O& out) const {
    const int8_t me = MyId(out);
    if (id == me) {  // unbeaten round the ring
      n.elected = me;
      return Forward(out, {kElected, me});
    }
    if (n.participant && bug == Bug::kDropWhenParticipant) return;
    if (id > me || bug == Bug::kForwardSmaller) {
      n.participant = true;
      return Forward(out, {kElection, id});
    }
    if (n.participant) return;  // our own, larger id is already out
    n.participant = true;
    Forward(out, {kElection, me});
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_CHANG_ROBERTS_H_
