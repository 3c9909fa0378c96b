// Single-decree Paxos (Lamport, "Paxos Made Simple", 2001; lecture notes 001
// and 004, "Paxos consensus algorithm").
//
// Proposers pick unique ballots b = round * proposers + id. Phase 1: a
// proposer sends Prepare(b); an acceptor that has promised nothing higher
// promises b and returns the highest-ballot proposal it accepted. Phase 2:
// with promises from a majority, the proposer sends Accept(b, v), where v is
// the value of the highest-ballot proposal among the promises, or its client's
// value if there is none. An acceptor accepts unless it promised a higher
// ballot, persists, and tells the learner. A learner decides v once a
// majority accepted the same ballot. Each proposer is the distinguished
// learner of its own ballots ("Paxos Made Simple", section 2.3), which keeps
// messages few: Accepted(b, v) goes only to the proposer of b.
//
// System model: asynchronous; unordered links that may lose or duplicate
// messages (budgets); crash-stop, or crash-recovery with acceptors persisting
// promises and acceptances before they answer; retry timers start a new
// ballot, at most `rounds` ballots per proposer so exhaustive search ends.
//
// Buggy variants (pitfalls named in the literature):
//   kForgetAccepted  a promise does not carry the acceptor's accepted value
//   kIgnoreAccepted  the proposer proposes its own value regardless
//   kNoPersist       acceptors do not persist: a restart forgets promises
#ifndef FAULTLINE_PROTOCOLS_PAXOS_H_
#define FAULTLINE_PROTOCOLS_PAXOS_H_

#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/history.h"

namespace faultline {

struct Paxos {
  enum class Bug { kNone, kForgetAccepted, kIgnoreAccepted, kNoPersist };
  static constexpr int kProposers = 2;
  static constexpr int kBallotsMax = 8;
  enum Kind : int8_t { kPrepare, kPromise, kAccept, kAccepted };

  struct Msg {
    Kind kind;
    int8_t ballot;
    int8_t prior_ballot = -1;  // Promise: highest accepted ballot, -1 if none
    int8_t value = 0;          // Promise: its value; Accept(ed): the value
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.ballot, m.prior_ballot, m.value);
    }
    std::string ToString() const;
  };
  struct Decided {
    int8_t value;
    auto operator<=>(const Decided&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Decided& d) { return H::combine(std::move(h), d.value); }
    std::string ToString() const { return absl::StrCat("decided(", value, ")"); }
  };
  struct Node {
    // Proposer and learner.
    int8_t round = -1;  // -1: no client request yet
    int8_t value = 0;   // the client's value
    bool accepting = false;  // phase 2 of the current ballot
    uint8_t promises = 0;    // acceptors (bit per node id) that promised
    int8_t best_ballot = -1;
    int8_t best_value = 0;
    std::array<uint8_t, kBallotsMax> votes{};  // acceptors per ballot
    int8_t decided = 0;
    // Acceptor.
    int8_t promised = -1;
    int8_t accepted_ballot = -1;
    int8_t accepted_value = 0;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.round, n.value, n.accepting, n.promises,
                        n.best_ballot, n.best_value, n.votes, n.decided,
                        n.promised, n.accepted_ballot, n.accepted_value);
    }
    std::string ToString() const;
  };
  using Op = int;
  using Obs = Decided;
  using O = Out<Paxos>;

  int acceptors = 3;
  int rounds = 1;
  Bug bug = Bug::kNone;

  int NodeCount() const { return kProposers + acceptors; }
  bool IsAcceptor(NodeId n) const { return n >= kProposers; }
  int Majority() const { return acceptors / 2 + 1; }
  std::string NodeName(NodeId n) const {
    return IsAcceptor(n) ? absl::StrCat("a", n - kProposers) : absl::StrCat("p", n);
  }
  Node Init(NodeId) const { return {}; }
  // Proposer i is asked to propose value i + 1.
  std::vector<ClientRequest<Op>> Requests() const { return {{0, 1}, {1, 2}}; }

  void OnStart(Node&, O&) const {}
  void OnRequest(Node& n, const Op& v, O& out) const {
    if (n.round >= 0) return;
    n.value = static_cast<int8_t>(v);
    StartBallot(n, 0, out);
  }
  void OnTimer(Node& n, TimerId, O& out) const {
    if (n.decided == 0 && n.round + 1 < rounds) StartBallot(n, n.round + 1, out);
  }
  void OnRecover(Node&, O&) const {}
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    switch (m.kind) {
      case kPrepare: return OnPrepare(n, from, m, out);
      case kPromise: return OnPromise(n, from, m, out);
      case kAccept: return OnAccept(n, m, out);
      case kAccepted: return OnAccepted(n, from, m, out);
    }
  }

  std::vector<Property<World<Paxos>>> Properties() const;

  // Messages whose delivery changes nothing, now or later (docs/stale.md):
  // a Prepare an acceptor's promise already covers, and an Accept below it.
  // A promise only grows and is persisted before any answer, so a restart
  // keeps it, except in the no-persist variant, whose bug that is. Nothing
  // is declared stale at a proposer: it persists nothing, and a restarted
  // proposer may run its first ballot again.
  bool Stale(const Node& n, NodeId, const Msg& m) const {
    if (bug == Bug::kNoPersist) return false;
    switch (m.kind) {
      case kPrepare:
        return m.ballot <= n.promised;
      case kAccept:
        return m.ballot < n.promised;
      default:
        return false;
    }
  }

  // Symmetry (harness/symmetry.h): the acceptors are interchangeable; the
  // proposers are not (a ballot names its proposer, a request its value).
  SymmetryClasses SymmetricNodes() const {
    std::vector<NodeId> ids;
    for (NodeId a = kProposers; a < NodeCount(); ++a) ids.push_back(a);
    return {ids};
  }
  // A proposer's promise and vote sets hold acceptor ids.
  void PermuteNode(Node& n, const NodePermutation& p) const {
    n.promises = static_cast<uint8_t>(p.Mask(n.promises, kProposers));
    for (uint8_t& v : n.votes) v = static_cast<uint8_t>(p.Mask(v, kProposers));
  }
  uint64_t SymmetryKey(const Node& n) const {
    int votes = 0;
    for (uint8_t v : n.votes) votes = votes * 8 + std::popcount(v);
    return FastHash(std::tuple(n.round, n.value, n.accepting,
                                 std::popcount(n.promises), n.best_ballot,
                                 n.best_value, votes, n.decided, n.promised,
                                 n.accepted_ballot, n.accepted_value));
  }

 private:
  int8_t Ballot(const Node& n, NodeId self) const {
    return static_cast<int8_t>(n.round * kProposers + self);
  }
  void StartBallot(Node& n, int round, O& out) const;
  void OnPrepare(Node& n, NodeId from, const Msg& m, O& out) const;
  void OnPromise(Node& n, NodeId from, const Msg& m, O& out) const;
  void OnAccept(Node& n, const Msg& m, O& out) const;
  void OnAccepted(Node& n, NodeId from, const Msg& m, O& out) const;
};

inline std::string Paxos::Msg::ToString() const {
  switch (kind) {
    case kPrepare: return absl::StrCat("Prepare(b=", ballot, ")");
    case kPromise:
      return prior_ballot < 0
                 ? absl::StrCat("Promise(b=", ballot, ", none)")
                 : absl::StrCat("Promise(b=", ballot, ", accepted b=",
                                prior_ballot, " v=", value, ")");
    case kAccept: return absl::StrCat("Accept(b=", ballot, ", v=", value, ")");
    case kAccepted: return absl::StrCat("Accepted(b=", ballot, ", v=", value, ")");
  }
  return "?";
}

inline std::string Paxos::Node::ToString() const {
  std::string s;
  if (round >= 0) {
    absl::StrAppend(&s, "round=", round, accepting ? " accepting" : " preparing",
                    " promises=", std::popcount(promises));
  }
  if (decided != 0) absl::StrAppend(&s, " decided=", decided);
  if (promised >= 0) absl::StrAppend(&s, "promised=", promised);
  if (accepted_ballot >= 0) {
    absl::StrAppend(&s, " accepted=(b=", accepted_ballot, " v=", accepted_value, ")");
  }
  return s.empty() ? "idle" : s;
}

inline void Paxos::StartBallot(Node& n, int round, O& out) const {
  FL_CHECK(round < rounds);
  n.round = static_cast<int8_t>(round);
  n.accepting = false;
  n.promises = 0;
  n.best_ballot = -1;
  const int8_t b = Ballot(n, out.self());
  FL_CHECK(b < kBallotsMax);
  for (NodeId a = kProposers; a < NodeCount(); ++a) out.Send(a, {kPrepare, b});
  if (round + 1 < rounds) out.SetTimer(0);
}

inline void Paxos::OnPrepare(Node& n, NodeId from, const Msg& m, O& out) const {
  if (m.ballot <= n.promised) return;
  n.promised = m.ballot;
  if (bug != Bug::kNoPersist) out.Persist();
  Msg promise{kPromise, m.ballot, n.accepted_ballot, n.accepted_value};
  if (bug == Bug::kForgetAccepted) promise = {kPromise, m.ballot};
  out.Send(from, promise);
}

inline void Paxos::OnPromise(Node& n, NodeId from, const Msg& m, O& out) const {
  if (n.accepting || n.round < 0 || m.ballot != Ballot(n, out.self())) return;
  n.promises |= uint8_t{1} << (from - kProposers);
  if (m.prior_ballot > n.best_ballot) {
    n.best_ballot = m.prior_ballot;
    n.best_value = m.value;
  }
  if (std::popcount(n.promises) < Majority()) return;
  n.accepting = true;
  const bool adopt = n.best_ballot >= 0 && bug != Bug::kIgnoreAccepted;
  const int8_t v = adopt ? n.best_value : n.value;
  for (NodeId a = kProposers; a < NodeCount(); ++a) {
    out.Send(a, {kAccept, m.ballot, -1, v});
  }
}

inline void Paxos::OnAccept(Node& n, const Msg& m, O& out) const {
  if (m.ballot < n.promised) return;
  n.promised = m.ballot;
  n.accepted_ballot = m.ballot;
  n.accepted_value = m.value;
  if (bug != Bug::kNoPersist) out.Persist();
  out.Send(m.ballot % kProposers, {kAccepted, m.ballot, -1, m.value});
}

inline void Paxos::OnAccepted(Node& n, NodeId from, const Msg& m, O& out) const {
  uint8_t& votes = n.votes[m.ballot];
  votes |= uint8_t{1} << (from - kProposers);
  if (n.decided != 0 || std::popcount(votes) < Majority()) return;
  n.decided = m.value;
  out.Observe({m.value});
}

inline std::vector<Property<World<Paxos>>> Paxos::Properties() const {
  const std::vector<ClientRequest<Op>> requests = Requests();
  return {
      ObservationsAgree<Paxos>("agreement"),
      EveryObservation<Paxos>(
          "validity",
          [requests](const World<Paxos>& w, const Decided& d) {
            for (size_t r = 0; r < requests.size(); ++r) {
              if (((w.requested >> r) & 1) && requests[r].op == d.value) return true;
            }
            return false;
          }),
      SometimesObserved<Paxos>("decided", 1),
  };
}

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_PAXOS_H_
