// Two-phase commit, message passing (Gray 1978; Bernstein, Hadzilacos &
// Goodman, "Concurrency Control and Recovery in Database Systems", 1987,
// ch. 7; lecture notes 001, "2PC").
//
// A coordinator (node c) and participants p1..pN decide together whether a
// transaction commits. Phase 1: the coordinator sends Prepare to every
// participant; a participant whose local work is ready votes Yes and becomes
// uncertain (it may no longer abort on its own), otherwise it votes No and
// aborts. Phase 2: with a Yes from every participant the coordinator decides
// Commit, on any No (or on a timeout: a participant crashed before voting) it
// decides Abort, and it sends the decision to every participant. An uncertain
// participant must wait for that decision: if the coordinator crashes after
// the votes, the participants block, which is why 3PC exists.
//
// The vote is the participant's nondeterministic choice: a client request
// Fail at a participant says its local part of the transaction failed. One
// that gets Fail before Prepare aborts at once and votes No; otherwise it
// votes Yes, and a later Fail must be ignored (it can no longer abort alone).
//
// System model: reliable links, unordered; synchronous timers (the
// coordinator's vote timeout passes only once no vote is still deliverable,
// so it fires only if a participant crashed); crash-stop.
//
// Properties: atomicity (no two nodes decide differently), validity (Commit
// only if every participant voted Yes), commit-when-all-yes (liveness: if all
// vote Yes and nothing crashes, everyone commits), termination (liveness:
// every node that is up decides). Termination fails once the coordinator may
// crash: the blocking of 2PC, found as a final state where the uncertain
// participants wait forever.
//
// Buggy variants:
//   kMajorityCommit  the coordinator commits on a majority of Yes votes
//   kAbortAfterYes   a participant that gets Fail after it voted Yes aborts
//                    unilaterally
#ifndef FAULTLINE_PROTOCOLS_TWO_PHASE_COMMIT_H_
#define FAULTLINE_PROTOCOLS_TWO_PHASE_COMMIT_H_

#include <bit>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/history.h"

namespace faultline {

struct TwoPhaseCommit {
  enum class Bug { kNone, kMajorityCommit, kAbortAfterYes };
  static constexpr NodeId kCoordinator = 0;
  static constexpr int kParticipantsMax = 7;
  enum Kind : int8_t { kPrepare, kYes, kNo, kCommit, kAbort };
  // A node's progress; the coordinator uses kWorking while it collects votes.
  enum Phase : int8_t { kWorking, kUncertain, kCommitted, kAborted };
  enum Ballot : int8_t { kNotVoted, kVotedYes, kVotedNo };

  struct Msg {
    Kind kind;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) { return H::combine(std::move(h), m.kind); }
    std::string ToString() const {
      static constexpr const char* kNames[] = {"Prepare", "Yes", "No", "Commit", "Abort"};
      return kNames[kind];
    }
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
    bool failed = false;        // participant: its local work failed
    Ballot ballot = kNotVoted;  // participant: what it sent the coordinator
    uint8_t yes = 0;            // coordinator: participants that voted Yes
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.phase, n.failed, n.ballot, n.yes);
    }
    std::string ToString() const {
      static constexpr const char* kPhases[] = {"working", "uncertain", "committed",
                                                "aborted"};
      static constexpr const char* kBallots[] = {"", " voted yes", " voted no"};
      return absl::StrCat(kPhases[phase], kBallots[ballot],
                          yes != 0 ? absl::StrCat(" yes=", std::popcount(yes)) : "");
    }
  };
  using Op = Fail;
  using Obs = Decision;
  using O = Out<TwoPhaseCommit>;
  using W = World<TwoPhaseCommit>;

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
    out.Broadcast({kPrepare});
    out.SetTimer(0);
  }
  void OnRequest(Node& n, const Op& v, O& out) const;
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    if (out.self() == kCoordinator) return OnVote(n, from, m, out);
    if (m.kind == kPrepare) return OnPrepare(n, out);
    FL_CHECK(m.kind == kCommit || m.kind == kAbort);
    if (Decided(n)) return;
    // Only a Yes voter can hear Commit; an Abort may overtake the Prepare.
    FL_CHECK(m.kind == kAbort || n.phase == kUncertain ||
             bug == Bug::kMajorityCommit);
    Decide(n, m.kind == kCommit, out);
  }
  // The vote timeout: in the synchronous model a missing vote means a crash.
  void OnTimer(Node& n, TimerId, O& out) const {
    FL_CHECK(out.self() == kCoordinator);
    if (n.phase == kWorking) DecideAndTell(n, false, out);
  }
  void OnRecover(Node&, O&) const {}

  std::vector<Property<W>> Properties() const;

  // Symmetry (harness/symmetry.h): the participants are interchangeable.
  // Off whenever liveness is checked, which is at every registered entry.
  SymmetryClasses SymmetricNodes() const {
    std::vector<NodeId> ids;
    for (NodeId p = 1; p <= participants; ++p) ids.push_back(p);
    return {ids};
  }
  void PermuteNode(Node& n, const NodePermutation& p) const {
    n.yes = static_cast<uint8_t>(p.Mask(n.yes));  // bit per participant id
  }
  uint64_t SymmetryKey(const Node& n) const {
    return FastHash(std::tuple(n.phase, n.failed, n.ballot, std::popcount(n.yes)));
  }

 private:
  static bool Decided(const Node& n) {
    return n.phase == kCommitted || n.phase == kAborted;
  }
  static void Decide(Node& n, bool commit, O& out) {
    FL_CHECK(!Decided(n));
    n.phase = commit ? kCommitted : kAborted;
    out.Observe({commit});
  }
  void DecideAndTell(Node& n, bool commit, O& out) const {
    Decide(n, commit, out);
    out.Broadcast({commit ? kCommit : kAbort});
    out.CancelTimer(0);
  }
  void OnPrepare(Node& n, O& out) const;
  void OnVote(Node& n, NodeId from, const Msg& m, O& out) const;
};

inline void TwoPhaseCommit::OnRequest(Node& n, const Op&, O& out) const {
  FL_CHECK(out.self() != kCoordinator);
  n.failed = true;
  if (bug == Bug::kAbortAfterYes && n.phase == kUncertain) {
    Decide(n, false, out);  // the bug: it gave up that right when it voted Yes
    return;
  }
  // Before voting a participant may abort on its own; it still answers No.
  if (n.phase == kWorking) Decide(n, false, out);
}

inline void TwoPhaseCommit::OnPrepare(Node& n, O& out) const {
  FL_CHECK(n.ballot == kNotVoted);
  if (!n.failed && n.phase == kWorking) {
    n.ballot = kVotedYes;
    n.phase = kUncertain;
    out.Send(kCoordinator, {kYes});
    return;
  }
  n.ballot = kVotedNo;  // it failed, or already heard the outcome
  if (n.phase == kWorking) Decide(n, false, out);
  out.Send(kCoordinator, {kNo});
}

inline void TwoPhaseCommit::OnVote(Node& n, NodeId from, const Msg& m,
                                   O& out) const {
  FL_CHECK(m.kind == kYes || m.kind == kNo);
  if (n.phase != kWorking) return;  // decided already (an abort)
  if (m.kind == kNo) return DecideAndTell(n, false, out);
  n.yes |= uint8_t(1u << from);
  const int count = std::popcount(n.yes);
  const bool enough = bug == Bug::kMajorityCommit ? 2 * count > participants
                                                  : count == participants;
  if (enough) DecideAndTell(n, true, out);
}

inline std::vector<Property<World<TwoPhaseCommit>>> TwoPhaseCommit::Properties()
    const {
  const int count = participants;
  auto all_voted_yes = [count](const W& w) {
    for (NodeId p = 1; p <= count; ++p) {
      if (w.node(p).ballot != kVotedYes) return false;
    }
    return true;
  };
  auto all_committed = [count](const W& w) {
    for (NodeId p = 0; p <= count; ++p) {
      if (w.node(p).phase != kCommitted) return false;
    }
    return true;
  };
  return {
      ObservationsAgree<TwoPhaseCommit>("atomicity"),
      EveryObservation<TwoPhaseCommit>(
          "validity", [all_voted_yes](const W& w, const Decision& d) {
            return !d.commit || all_voted_yes(w);
          }),
      Sometimes<W>("all-committed", all_committed),
      Eventually<W>("commit-when-all-yes",
                    [=](const W& w) {
                      // Reached once the premise is broken (a No vote, a
                      // crash) or once everyone committed.
                      if (w.used.crashes > 0) return true;
                      for (NodeId p = 1; p <= count; ++p) {
                        if (w.node(p).ballot == kVotedNo) return true;
                      }
                      return all_committed(w);
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

#endif  // FAULTLINE_PROTOCOLS_TWO_PHASE_COMMIT_H_
