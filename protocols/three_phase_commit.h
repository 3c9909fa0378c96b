// Three-phase commit with a termination protocol (Skeen, "Nonblocking Commit
// Protocols", SIGMOD 1981; Bernstein, Hadzilacos & Goodman 1987, ch. 7;
// lecture notes 001, "3PC").
//
// 2PC blocks because an uncertain participant cannot tell whether anyone
// committed. 3PC inserts a pre-commit phase, so that no state borders on both
// commit and abort. Phase 1 as in 2PC: CanCommit, Yes/No votes (a client
// request Fail at a participant before CanCommit makes it vote No, as in
// two_phase_commit.h). Phase 2: with every Yes the coordinator sends
// PreCommit; a participant becomes pre-committed and acks. Phase 3: with
// every ack (or on a timeout: the missing ones crashed) the coordinator
// commits and sends DoCommit. Any No or a vote timeout aborts. The coordinator sends PreCommit and its decision to
// one participant at a time (a send loop: it messages itself to go on), so it
// can crash half-way through, or after deciding and before telling anyone:
// the failures the pre-commit phase is there for.
//
// Termination: when a participant that voted Yes times out waiting for the
// coordinator, it sends its state to the other participants, and every
// undecided participant that hears of the termination does the same. When
// the reports are in (the collect timeout), each applies Skeen's rule to the
// states reported, its own included: some committed -> commit; some aborted
// or not voted -> abort; some pre-committed -> commit; all uncertain ->
// abort. This is the decentralized form of the rule: a report goes to all
// participants in one step (the world's sends of one handler all leave, and
// survive the sender's crash: a reliable broadcast), and under synchronous
// timers the collect timeout passes only once every report is in, so every
// operational participant applies the rule to the same states and they
// reach the same decision without electing a new coordinator.
//
// System model: synchronous timers (a timeout passes only when no message is
// deliverable, so a timeout is a perfect failure detector), reliable
// unordered links, crash-stop. It is the timing that makes 3PC safe: under a
// network partition a timeout no longer means a crash, and the two sides of
// the partition decide differently: entry three-phase-commit:partition.
//
// Properties: atomicity, validity (commit only if all voted Yes), termination
// (liveness: every node that is up decides, the coordinator's crash included).
//
// Buggy variants:
//   kSkipPreCommit    the coordinator commits right after the votes (2PC with
//                     3PC's termination rule); if it crashes before its
//                     DoCommit reaches anyone, the uncertain participants
//                     terminate with abort
//   kCommitOnTimeout  a coordinator that times out waiting for votes commits
//                     (silence taken for consent): a participant that crashed
//                     before voting is committed for
//   kNoTermination    participants wait for the coordinator forever, as in
//                     2PC: the coordinator's crash blocks them
#ifndef FAULTLINE_PROTOCOLS_THREE_PHASE_COMMIT_H_
#define FAULTLINE_PROTOCOLS_THREE_PHASE_COMMIT_H_

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/history.h"

namespace faultline {

struct ThreePhaseCommit {
  enum class Bug { kNone, kSkipPreCommit, kCommitOnTimeout, kNoTermination };
  static constexpr NodeId kCoordinator = 0;
  static constexpr int kParticipantsMax = 7;
  enum Kind : int8_t { kCanCommit, kYes, kNo, kPreCommit, kAck, kDoCommit, kAbort,
                       kState, kContinue, kNothing };
  // Participants' states in Skeen's state diagram; the coordinator is
  // kWorking while it collects votes and kPreCommitted while it collects acks.
  enum Phase : int8_t { kWorking, kUncertain, kPreCommitted, kCommitted, kAborted };
  enum TimerKind : TimerId { kWait = 0, kCollect = 1 };

  struct Msg {
    Kind kind;
    Phase state = kWorking;  // kState: the sender's state
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.state);
    }
    std::string ToString() const;
  };
  struct Fail {  // a client request: the participant's local work failed
    std::string ToString() const { return "Fail"; }
  };
  struct Decision {
    bool commit;
    auto operator<=>(const Decision&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Decision& d) { return H::combine(std::move(h), d.commit); }
    std::string ToString() const { return commit ? "commit" : "abort"; }
  };
  struct Node {
    Phase phase = kWorking;
    bool failed = false;     // participant: its local work failed
    bool voted_yes = false;  // participant
    bool reported = false;   // participant: sent its state in the termination
    uint8_t seen = 0;        // participant: states reported (bit per Phase)
    uint8_t yes = 0;         // coordinator: Yes voters
    uint8_t acks = 0;        // coordinator: PreCommit acks
    Kind sending = kNothing;  // coordinator: its send loop's message
    int8_t next = 0;          // coordinator: the loop's next participant
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.phase, n.failed, n.voted_yes, n.reported,
                        n.seen, n.yes, n.acks, n.sending, n.next);
    }
    std::string ToString() const;
  };
  using Op = Fail;
  using Obs = Decision;
  using O = Out<ThreePhaseCommit>;
  using W = World<ThreePhaseCommit>;

  int participants = 3;
  Bug bug = Bug::kNone;

  int NodeCount() const { return participants + 1; }
  std::string NodeName(NodeId n) const {
    return n == kCoordinator ? "c" : absl::StrCat("p", n);
  }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const {
    std::vector<ClientRequest<Op>> out;
    for (NodeId p = 1; p <= participants; ++p) out.push_back({p, {}});
    return out;
  }

  void OnStart(Node&, O& out) const {
    FL_CHECK(participants >= 1 && participants <= kParticipantsMax);
    if (out.self() != kCoordinator) return;
    out.Broadcast({kCanCommit});
    out.SetTimer(kWait);
  }
  // Local work failed: abort unless already voted (then it is too late).
  void OnRequest(Node& n, const Op&, O& out) const {
    FL_CHECK(out.self() != kCoordinator);
    n.failed = true;
    if (n.phase == kWorking) Decide(n, false, out);
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const;
  void OnTimer(Node& n, TimerId t, O& out) const;
  void OnRecover(Node&, O&) const {}

  std::vector<Property<W>> Properties() const;

 private:
  static bool Decided(const Node& n) {
    return n.phase == kCommitted || n.phase == kAborted;
  }
  static void Decide(Node& n, bool commit, O& out) {
    FL_CHECK(!Decided(n));
    n.phase = commit ? kCommitted : kAborted;
    out.Observe({commit});
    out.CancelTimer(kWait);
    out.CancelTimer(kCollect);
  }
  // Starts the send loop of `kind` to p1..pN.
  static void SendToAll(Node& n, Kind kind, O& out) {
    FL_CHECK(n.sending == kNothing);
    n.sending = kind;
    n.next = 1;
    out.Send(kCoordinator, {kContinue});
  }
  void CoordinatorDecides(Node& n, bool commit, O& out) const {
    Decide(n, commit, out);
    SendToAll(n, commit ? kDoCommit : kAbort, out);
  }
  void Continue(Node& n, O& out) const {
    FL_CHECK(n.sending != kNothing && n.next >= 1 && n.next <= participants);
    out.Send(n.next, {n.sending});
    if (n.next < participants) {
      ++n.next;
      out.Send(kCoordinator, {kContinue});
    } else {
      n.sending = kNothing;
      n.next = 0;
    }
  }
  void OnCoordinatorMessage(Node& n, NodeId from, const Msg& m, O& out) const;
  void OnCanCommit(Node& n, O& out) const;
  void Report(Node& n, O& out) const;
  void ApplyTerminationRule(Node& n, O& out) const;
};

inline std::string ThreePhaseCommit::Msg::ToString() const {
  static constexpr const char* kNames[] = {
      "CanCommit", "Yes", "No", "PreCommit", "Ack", "DoCommit", "Abort", "State",
      "Continue", "?"};
  static constexpr const char* kStates[] = {"working", "uncertain", "precommitted",
                                            "committed", "aborted"};
  return kind == kState ? absl::StrCat("State(", kStates[state], ")") : kNames[kind];
}

inline std::string ThreePhaseCommit::Node::ToString() const {
  static constexpr const char* kStates[] = {"working", "uncertain", "precommitted",
                                            "committed", "aborted"};
  std::string s = kStates[phase];
  if (yes != 0) absl::StrAppend(&s, " yes=", std::popcount(yes));
  if (acks != 0) absl::StrAppend(&s, " acks=", std::popcount(acks));
  if (reported) absl::StrAppend(&s, " terminating seen=", seen);
  if (sending != kNothing) {
    absl::StrAppend(&s, " sending ", Msg{sending}.ToString(), " to p", next);
  }
  return s;
}

inline void ThreePhaseCommit::OnMessage(Node& n, NodeId from, const Msg& m,
                                        O& out) const {
  if (out.self() == kCoordinator) return OnCoordinatorMessage(n, from, m, out);
  switch (m.kind) {
    case kCanCommit: return OnCanCommit(n, out);
    case kPreCommit:
      if (n.phase != kUncertain) return;  // decided by termination already
      n.phase = kPreCommitted;
      out.Send(kCoordinator, {kAck});
      return;
    case kDoCommit:
    case kAbort:
      if (!Decided(n)) Decide(n, m.kind == kDoCommit, out);
      return;
    case kState:
      n.seen |= uint8_t(1u << m.state);
      if (!n.reported) Report(n, out);
      return;
    default: FL_CHECK(false);
  }
}

inline void ThreePhaseCommit::OnCanCommit(Node& n, O& out) const {
  if (!n.failed && n.phase == kWorking) {
    n.voted_yes = true;
    n.phase = kUncertain;
    out.Send(kCoordinator, {kYes});
    if (bug != Bug::kNoTermination) out.SetTimer(kWait);
    return;
  }
  if (n.phase == kWorking) Decide(n, false, out);
  out.Send(kCoordinator, {kNo});
}

inline void ThreePhaseCommit::OnCoordinatorMessage(Node& n, NodeId from,
                                                   const Msg& m, O& out) const {
  if (m.kind == kContinue) return Continue(n, out);
  if (Decided(n)) return;
  const uint8_t all = uint8_t(((1u << participants) - 1) << 1);
  if (m.kind == kNo) {
    if (n.phase == kWorking) CoordinatorDecides(n, false, out);
    return;
  }
  if (m.kind == kYes) {
    n.yes |= uint8_t(1u << from);
    if (n.yes != all) return;
    if (bug == Bug::kSkipPreCommit) return CoordinatorDecides(n, true, out);
    n.phase = kPreCommitted;
    SendToAll(n, kPreCommit, out);
    return;  // the wait timer, still armed, now bounds the acks
  }
  FL_CHECK(m.kind == kAck && n.phase == kPreCommitted);
  n.acks |= uint8_t(1u << from);
  if (n.acks == all) CoordinatorDecides(n, true, out);
}

inline void ThreePhaseCommit::OnTimer(Node& n, TimerId t, O& out) const {
  if (Decided(n)) return;
  if (out.self() == kCoordinator) {
    // A missing vote or ack means that participant crashed.
    const bool commit = n.phase == kPreCommitted || bug == Bug::kCommitOnTimeout;
    return CoordinatorDecides(n, commit, out);
  }
  if (t == kWait && !n.reported) return Report(n, out);
  if (t == kCollect) ApplyTerminationRule(n, out);
}

// Joins the termination: tells the other participants this node's state.
inline void ThreePhaseCommit::Report(Node& n, O& out) const {
  FL_CHECK(!n.reported);
  // One that has not voted yet can still refuse, and does: it aborts.
  if (n.phase == kWorking) Decide(n, false, out);
  n.reported = true;
  n.seen |= uint8_t(1u << n.phase);
  out.CancelTimer(kWait);
  for (NodeId p = 1; p <= participants; ++p) {
    if (p != out.self()) out.Send(p, {kState, n.phase});
  }
  if (!Decided(n)) out.SetTimer(kCollect);
}

inline void ThreePhaseCommit::ApplyTerminationRule(Node& n, O& out) const {
  FL_CHECK(n.reported);
  auto any = [&](Phase p) { return ((n.seen >> p) & 1) != 0; };
  if (any(kCommitted)) return Decide(n, true, out);
  if (any(kAborted) || any(kWorking)) return Decide(n, false, out);
  Decide(n, any(kPreCommitted), out);
}

inline std::vector<Property<World<ThreePhaseCommit>>>
ThreePhaseCommit::Properties() const {
  const int count = participants;
  return {
      ObservationsAgree<ThreePhaseCommit>("atomicity"),
      EveryObservation<ThreePhaseCommit>(
          "validity",
          [count](const W& w, const Decision& d) {
            for (NodeId p = 1; p <= count && d.commit; ++p) {
              if (!w.node(p).voted_yes) return false;
            }
            return true;
          }),
      Sometimes<W>("all-committed",
                   [count](const W& w) {
                     for (NodeId p = 0; p <= count; ++p) {
                       if (w.node(p).phase != kCommitted) return false;
                     }
                     return true;
                   }),
      Sometimes<W>("terminated-without-coordinator",
                   [count](const W& w) {
                     if (w.up(kCoordinator)) return false;
                     for (NodeId p = 1; p <= count; ++p) {
                       if (w.up(p) && !Decided(w.node(p))) return false;
                     }
                     return w.node(1).reported;
                   }),
      Eventually<W>("termination",
                    [count](const W& w) {
                      for (NodeId n = 0; n <= count; ++n) {
                        if (w.up(n) && !Decided(w.node(n))) return false;
                      }
                      return true;
                    }),
  };
}

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_THREE_PHASE_COMMIT_H_
