// The bully election (Garcia-Molina, "Elections in a distributed computing
// system", IEEE Trans. Computers 1982; lecture notes 001, "Election algorithm
// requirement" and the table "Bully algorithm: synchronous, process failures,
// reliable messages"; Coulouris, Dollimore & Kindberg, section 15.3).
//
// Node ids are 0..nodes-1; the largest live id must win. A node that calls an
// election sends Election to every larger id and waits T for an Answer. With
// no answer it is the largest live node: it elects itself and sends
// Coordinator to every smaller id. With an answer it waits T' for the
// Coordinator message and calls a new election if none comes (the answerer
// crashed). A node receiving Election from a smaller id answers and calls an
// election of its own unless it is already in one. A node receiving
// Coordinator(c) records c as leader.
//
// System model: synchronous, as lock-step timers (TimerModel::kRounds): a
// timeout fires only when no deliverable message is in flight, so timeouts
// exceed message delays and a missing answer means a crash; and timer ids are
// rounds: T is round 0 and node i's T' round nodes - i, so a T' fires only
// once no node still waits on a T or on a T' of a larger id. T' thus outlasts
// every election it may be waiting for, as the algorithm requires. Reliable unordered links; crash-stop within a budget, at any
// time, including between answering and announcing. Every node calls an
// election when it notices the old coordinator fail (a client request each,
// at any time; ignored by a node already in an election). A coordinator's
// crash after its announcement starts a new run (nodes notice only by
// calling again): largest-id is checked at the moment of each election.
//
// Buggy variants:
//   kNoWait                a node elects itself without waiting for answers
//                          from larger ids (largest-id)
//   kNoCoordinatorTimeout  a node that got an Answer waits for Coordinator
//                          forever: if the answerer crashes first, nobody is
//                          elected (elected, liveness)
#ifndef FAULTLINE_PROTOCOLS_BULLY_H_
#define FAULTLINE_PROTOCOLS_BULLY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "protocols/mutex_election_properties.h"

namespace faultline {

struct Bully {
  enum class Bug { kNone, kNoWait, kNoCoordinatorTimeout };
  enum Kind : int8_t { kElection, kAnswer, kCoordinator };
  static constexpr TimerId kAnswerTimer = 0;  // T; T' is CoordinatorTimer()

  struct Msg {
    Kind kind;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind);
    }
    std::string ToString() const {
      return kind == kElection ? "Election" : kind == kAnswer ? "Answer" : "Coordinator";
    }
  };
  // A node waits for answers (kElecting), then for the coordinator (kAnswered).
  enum class Phase : int8_t { kIdle, kElecting, kAnswered };
  struct Node {
    Phase phase = Phase::kIdle;
    int8_t elected = -1;   // the leader's id, -1 if none yet
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.phase, n.elected);
    }
    std::string ToString() const {
      const char* phase_name = phase == Phase::kIdle       ? "idle"
                               : phase == Phase::kElecting ? "electing"
                                                           : "answered";
      return absl::StrCat(phase_name,
                          elected >= 0 ? absl::StrCat(" elected=", elected) : "");
    }
  };
  using Op = int;
  using Obs = int;  // unused: the properties read node state
  using O = Out<Bully>;

  int nodes = 3;
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  int Id(NodeId n) const { return n; }
  Node Init(NodeId) const { return {}; }
  // Every node notices, at some time, that the old coordinator failed.
  std::vector<ClientRequest<Op>> Requests() const {
    std::vector<ClientRequest<Op>> out;
    for (NodeId n = 0; n < nodes; ++n) out.push_back({n, 0});
    return out;
  }

  void OnStart(Node&, O&) const {}
  void OnRecover(Node&, O&) const {}
  void OnRequest(Node& n, const Op&, O& out) const {
    if (n.phase == Phase::kIdle) CallElection(n, out);
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    switch (m.kind) {
      case kElection:
        FL_CHECK(from < out.self());
        out.Send(from, {kAnswer});
        if (n.phase == Phase::kIdle) CallElection(n, out);
        return;
      case kAnswer:
        if (n.phase != Phase::kElecting) return;  // a late answer
        n.phase = Phase::kAnswered;
        out.CancelTimer(kAnswerTimer);
        if (bug != Bug::kNoCoordinatorTimeout) out.SetTimer(CoordinatorTimer(out));
        return;
      case kCoordinator:
        n.elected = static_cast<int8_t>(from);
        n.phase = Phase::kIdle;
        out.CancelTimer(kAnswerTimer);
        out.CancelTimer(CoordinatorTimer(out));
        return;
    }
  }
  void OnTimer(Node& n, TimerId id, O& out) const {
    if (id == kAnswerTimer) {
      FL_CHECK(n.phase == Phase::kElecting);
      return Win(n, out);  // no larger node answered: all crashed
    }
    FL_CHECK(id == CoordinatorTimer(out));
    FL_CHECK(n.phase == Phase::kAnswered);
    CallElection(n, out);  // the answerer crashed before announcing
  }

  std::vector<Property<World<Bully>>> Properties() const {
    return ElectionProperties(*this);
  }

 private:
  // T' as a round: a node waits for every election above it, so the T' of a
  // larger id comes earlier (and every T before any T').
  TimerId CoordinatorTimer(const O& out) const { return nodes - out.self(); }
  void CallElection(Node& n, O& out) const {
    if (out.self() == nodes - 1 || bug == Bug::kNoWait) {
      for (NodeId j = out.self() + 1; j < nodes; ++j) out.Send(j, {kElection});
      return Win(n, out);
    }
    n.phase = Phase::kElecting;
    for (NodeId j = out.self() + 1; j < nodes; ++j) out.Send(j, {kElection});
    out.SetTimer(kAnswerTimer);
  }
  void Win(Node& n, O& out) const {
    n.phase = Phase::kIdle;
    n.elected = static_cast<int8_t>(out.self());
    for (NodeId j = 0; j < out.self(); ++j) out.Send(j, {kCoordinator});
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_BULLY_H_
