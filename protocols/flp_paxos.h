// Single-decree Paxos driven by messages only, for the FLP adversary
// (Lamport, "Paxos Made Simple", 2001; lecture notes 004; FLP 1985).
//
// Three processes p0, p1, p2 are the acceptors; p0 and p1 are also the
// proposers and hold binary inputs (a proposer's own acceptor answers it at
// once, without a message, which keeps the state space small). A proposer
// starts with its first ballot; ballots are b = round * 2 + id. An acceptor
// promises a Prepare(b)
// above its promise and returns the proposal it accepted, or answers
// Nack(b, promised); it accepts Accept(b, v) unless it promised a higher
// ballot, and tells the proposer of b. With a majority of promises the
// proposer sends Accept(b, v), v the value of the highest-ballot proposal
// among them or its own input; with a majority of Accepted(b) it decides v.
// A Nack for its current ballot makes it retry with its next ballot above
// the promise it was told: there are no timers, so a step of this protocol
// is a message delivery, as in the FLP model, and two proposers that keep
// pre-empting each other (duelling) never decide.
//
// System model: asynchronous, reliable unordered links, crash-stop. Safe with
// any schedule; FLP says no schedule-independent termination. Ballots are
// bounded (`ballots`: a proposer stops retrying at the bound) so that the
// state space is finite; bounded runs are runs of the unbounded protocol, so
// a value reachable here is reachable there (valence is under-approximated).
#ifndef FAULTLINE_PROTOCOLS_FLP_PAXOS_H_
#define FAULTLINE_PROTOCOLS_FLP_PAXOS_H_

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/history.h"
#include "protocols/flp_votes.h"  // FlpDecision

namespace faultline {

struct FlpPaxos {
  static constexpr int kProposers = 2;
  static constexpr int kAcceptors = 3;  // every process
  static constexpr int kBallotsMax = 126;  // int8 ballots
  enum Kind : int8_t { kPrepare, kPromise, kAccept, kAccepted, kNack };

  struct Msg {
    Kind kind;
    int8_t ballot = -1;
    int8_t other = -1;  // Promise: accepted ballot (-1 none); Nack: promise
    int8_t value = 0;   // Promise: accepted value; Accept(ed): the value
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.ballot, m.other, m.value);
    }
    std::string ToString() const;
  };
  struct Node {
    int8_t input = 0;
    // Proposer and learner of its own ballots.
    int8_t ballot = -1;  // current ballot, -1 before its first step
    bool accepting = false;
    uint8_t promises = 0;  // acceptors (bit per acceptor) for `ballot`
    uint8_t accepts = 0;   // acceptors that accepted `ballot`
    int8_t best_ballot = -1;
    int8_t best_value = 0;
    int8_t decided = -1;
    // Acceptor.
    int8_t promised = -1;
    int8_t accepted_ballot = -1;
    int8_t accepted_value = 0;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.input, n.ballot, n.accepting, n.promises,
                        n.accepts, n.best_ballot, n.best_value, n.decided,
                        n.promised, n.accepted_ballot, n.accepted_value);
    }
    std::string ToString() const;
  };
  using Op = int;
  using Obs = FlpDecision;
  using O = Out<FlpPaxos>;

  int ballots = 2;      // ballot numbers 0..ballots-1
  uint32_t inputs = 0;  // bit p: proposer p's input

  int NodeCount() const { return kAcceptors; }
  int InputCount() const { return kProposers; }
  static bool IsProposer(NodeId n) { return n < kProposers; }
  static int Majority() { return kAcceptors / 2 + 1; }
  std::string NodeName(NodeId n) const { return absl::StrCat("p", n); }
  Node Init(NodeId n) const {
    Node node;
    if (IsProposer(n)) node.input = static_cast<int8_t>((inputs >> n) & 1);
    return node;
  }
  std::vector<ClientRequest<Op>> Requests() const { return {}; }

  void OnStart(Node& n, O& out) const {
    if (IsProposer(out.self())) Prepare(n, NextBallot(out.self(), -1), out);
  }
  void OnTimer(Node&, TimerId, O&) const {}
  void OnRequest(Node&, const Op&, O&) const {}
  void OnRecover(Node&, O&) const {}
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    switch (m.kind) {
      case kPrepare: return OnPrepare(n, from, m, out);
      case kPromise: return OnPromise(n, from, m, out);
      case kAccept: return OnAccept(n, from, m, out);
      case kAccepted: return OnAccepted(n, from, m, out);
      case kNack: return OnNack(n, m, out);
    }
  }

  std::vector<Property<World<FlpPaxos>>> Properties() const;

 private:
  // The proposer's first ballot above `above`, or -1 past the bound.
  int8_t NextBallot(NodeId self, int above) const {
    int b = self;
    while (b <= above) b += kProposers;
    return b < ballots ? static_cast<int8_t>(b) : int8_t{-1};
  }
  void Prepare(Node& n, int8_t b, O& out) const;
  void OnPrepare(Node& n, NodeId from, const Msg& m, O& out) const;
  void OnPromise(Node& n, NodeId from, const Msg& m, O& out) const;
  void OnAccept(Node& n, NodeId from, const Msg& m, O& out) const;
  void OnAccepted(Node& n, NodeId from, const Msg& m, O& out) const;
  void OnNack(Node& n, const Msg& m, O& out) const;
  // Sends, or handles at once when `to` is the sender itself.
  void Tell(Node& n, NodeId to, const Msg& m, O& out) const {
    if (to == out.self()) {
      OnMessage(n, to, m, out);
    } else {
      out.Send(to, m);
    }
  }
};

inline std::string FlpPaxos::Msg::ToString() const {
  switch (kind) {
    case kPrepare: return absl::StrCat("Prepare(", ballot, ")");
    case kPromise:
      return other < 0 ? absl::StrCat("Promise(", ballot, ")")
                       : absl::StrCat("Promise(", ballot, ", had ", other, ":", value, ")");
    case kAccept: return absl::StrCat("Accept(", ballot, ", ", value, ")");
    case kAccepted: return absl::StrCat("Accepted(", ballot, ", ", value, ")");
    case kNack: return absl::StrCat("Nack(", ballot, ", promised ", other, ")");
  }
  return "?";
}

inline std::string FlpPaxos::Node::ToString() const {
  std::string s;
  if (ballot >= 0) {
    absl::StrAppend(&s, "input=", input, " ballot=", ballot,
                    accepting ? " accepting=" : " promises=",
                    std::popcount(accepting ? accepts : promises));
  } else if (promised < 0 && accepted_ballot < 0) {
    absl::StrAppend(&s, "input=", input);
  }
  if (decided >= 0) absl::StrAppend(&s, " decided=", decided);
  if (promised >= 0) absl::StrAppend(&s, s.empty() ? "" : " ", "promised=", promised);
  if (accepted_ballot >= 0) {
    absl::StrAppend(&s, " accepted=", accepted_ballot, ":", accepted_value);
  }
  return s;
}

inline void FlpPaxos::Prepare(Node& n, int8_t b, O& out) const {
  FL_CHECK(b >= 0 && b < ballots);
  FL_CHECK(b % kProposers == out.self());
  n.ballot = b;
  n.accepting = false;
  n.promises = 0;
  n.accepts = 0;
  n.best_ballot = -1;
  for (NodeId a = 0; a < NodeCount(); ++a) Tell(n, a, {kPrepare, b}, out);
}

inline void FlpPaxos::OnPrepare(Node& n, NodeId from, const Msg& m, O& out) const {
  if (m.ballot <= n.promised) {
    Tell(n, from, {kNack, m.ballot, n.promised}, out);
    return;
  }
  n.promised = m.ballot;
  Tell(n, from, {kPromise, m.ballot, n.accepted_ballot, n.accepted_value}, out);
}

inline void FlpPaxos::OnPromise(Node& n, NodeId from, const Msg& m, O& out) const {
  if (n.accepting || m.ballot != n.ballot || n.decided >= 0) return;
  n.promises |= uint8_t{1} << from;
  if (m.other > n.best_ballot) {
    n.best_ballot = m.other;
    n.best_value = m.value;
  }
  if (std::popcount(n.promises) < Majority()) return;
  n.accepting = true;
  const int8_t v = n.best_ballot >= 0 ? n.best_value : n.input;
  // Own acceptor's Nack may start a new ballot mid-loop: keep this one's number.
  const int8_t b = n.ballot;
  for (NodeId a = 0; a < NodeCount(); ++a) Tell(n, a, {kAccept, b, -1, v}, out);
}

inline void FlpPaxos::OnAccept(Node& n, NodeId from, const Msg& m, O& out) const {
  if (m.ballot < n.promised) {
    Tell(n, from, {kNack, m.ballot, n.promised}, out);
    return;
  }
  n.promised = m.ballot;
  n.accepted_ballot = m.ballot;
  n.accepted_value = m.value;
  Tell(n, from, {kAccepted, m.ballot, -1, m.value}, out);
}

inline void FlpPaxos::OnAccepted(Node& n, NodeId from, const Msg& m, O& out) const {
  if (m.ballot != n.ballot || n.decided >= 0) return;
  n.accepts |= uint8_t{1} << from;
  if (std::popcount(n.accepts) < Majority()) return;
  n.decided = m.value;
  out.Observe({m.value});
}

inline void FlpPaxos::OnNack(Node& n, const Msg& m, O& out) const {
  // Only the first Nack of the current ballot retries; later ones are stale.
  if (m.ballot != n.ballot || n.decided >= 0) return;
  const int8_t next = NextBallot(out.self(), std::max(m.other, n.ballot));
  if (next < 0) {
    n.ballot = static_cast<int8_t>(ballots);  // out of ballots: gives up
    return;
  }
  Prepare(n, next, out);
}

inline std::vector<Property<World<FlpPaxos>>> FlpPaxos::Properties() const {
  return {
      ObservationsAgree<FlpPaxos>("agreement"),
      EveryObservation<FlpPaxos>(
          "validity",
          [](const World<FlpPaxos>& w, const FlpDecision& d) {
            for (NodeId p = 0; p < kProposers; ++p) {
              if (w.node(p).input == d.value) return true;
            }
            return false;
          }),
      SometimesObserved<FlpPaxos>("decided", 1),
  };
}

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_FLP_PAXOS_H_
