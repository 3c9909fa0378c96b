// Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus
// Algorithm", USENIX ATC 2014, Figures 2 and 3; lecture notes 004, "Raft
// consensus algorithm").
//
// Servers are followers, candidates or leaders, in numbered terms. A follower
// whose election timer fires becomes a candidate of the next term, votes for
// itself and asks the others for votes; a server grants one vote per term, and
// only to a candidate whose log is at least as up to date as its own (last
// term, then length). A candidate with votes from a majority leads its term.
// A new leader appends a no-op (section 8), then client commands, and
// replicates its log with AppendEntries(prevLogIndex, prevLogTerm, entries, leaderCommit); a follower
// accepts only if its log holds prevLogIndex with prevLogTerm, and then
// deletes conflicting entries and appends. A rejected leader retries from an
// earlier index. The leader commits index N once a majority stores N and the
// entry at N is of its current term (earlier entries commit with it, never by
// counting); followers learn the commit index from later AppendEntries. Any
// message of a higher term turns its receiver into a follower of that term.
// currentTerm, votedFor and the log are persisted before the server answers.
//
// System model: asynchronous; unordered links that may delay, lose or
// duplicate messages (budgets); crash-stop or crash-recovery (persistent state
// survives, volatile state is rebuilt). "Randomised timeouts" are the
// harness's nondeterministic timer firing: any follower or candidate may time
// out at any moment, which is a superset of every timing. Bounds that make
// exhaustive search end: `max_term` (no election starts beyond it),
// `candidates` (only servers 0..candidates-1 ever time out), the client
// requests, and at most one entry per AppendEntries (as in Ongaro's TLA+
// spec). Simplifications, all of them message loss Raft must tolerate anyway:
// a refused vote and a reply to a stale-term message are not sent; there are
// no periodic heartbeats, only the AppendEntries a leader sends on election
// (its no-op), on a new command, on a rejection and to catch up a follower.
//
// The machinery is RaftCore<P>, shared by `raft` (below) and `raft-kv`
// (raft_kv.h); P adds what is observed and how client requests become commands.
//
// Buggy variants (RaftBug):
//   kNoLogCheck     votes without the up-to-date-log check: a server missing a
//                   committed entry can win (leader completeness)
//   kCommitOldTerm  counts replicas for entries of earlier terms (Figure 8):
//                   a later leader lacks a "committed" entry (leader
//                   completeness), which it then overwrites
//   kForgetVote     votedFor is not persisted: a restarted server votes twice
//                   in one term (election safety)
//   kNoPrevCheck    followers skip the prevLogIndex/prevLogTerm check
//                   (log matching)
#ifndef FAULTLINE_PROTOCOLS_RAFT_H_
#define FAULTLINE_PROTOCOLS_RAFT_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"

namespace faultline {

inline constexpr int kRaftServersMax = 5;
inline constexpr int kRaftLogMax = 6;

enum class RaftBug { kNone, kNoLogCheck, kCommitOldTerm, kForgetVote, kNoPrevCheck };

struct RaftEntry {
  int8_t term = 0;
  int8_t value = 0;  // the command; 0 is a leader's no-op (term >= 1)
  auto operator<=>(const RaftEntry&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const RaftEntry& e) {
    return H::combine(std::move(h), e.term, e.value);
  }
};

// log[i - 1] is entry i (Raft indexes from 1); slots past the end are
// zero (term 0) so that equal logs are equal states.
using RaftLog = std::array<RaftEntry, kRaftLogMax>;

std::string RaftLogString(const RaftLog& log, int len);

struct RaftMsg {
  enum Kind : int8_t { kRequestVote, kVote, kAppend, kAppendReply };
  Kind kind;
  int8_t term;
  // RequestVote: lastLogIndex; Append: prevLogIndex; AppendReply: the match
  // index on success, the follower's log length on failure (a hint).
  int8_t index = 0;
  int8_t log_term = 0;  // RequestVote: lastLogTerm; Append: prevLogTerm
  int8_t commit = 0;    // Append: leaderCommit
  bool success = false;  // AppendReply
  int8_t count = 0;      // Append: entries carried
  RaftLog entries{};
  auto operator<=>(const RaftMsg&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const RaftMsg& m) {
    return H::combine(std::move(h), m.kind, m.term, m.index, m.log_term,
                      m.commit, m.success, m.count, m.entries);
  }
  std::string ToString() const;
};

struct RaftNode {
  enum Role : int8_t { kFollower, kCandidate, kLeader };
  // Persistent state (Figure 2).
  int8_t term = 0;
  int8_t voted_for = -1;
  int8_t log_len = 0;
  RaftLog log{};
  // Volatile state, rebuilt on recovery.
  Role role = kFollower;
  int8_t commit = 0;  // highest index known committed; applied at once
  uint8_t votes = 0;  // candidate: servers that granted (bit per id)
  std::array<int8_t, kRaftServersMax> next{};   // leader: nextIndex
  std::array<int8_t, kRaftServersMax> match{};  // leader: matchIndex

  const RaftEntry& At(int index) const { return log[index - 1]; }
  int8_t TermAt(int index) const { return index == 0 ? 0 : At(index).term; }
  int8_t LastTerm() const { return TermAt(log_len); }
  auto operator<=>(const RaftNode&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const RaftNode& n) {
    return H::combine(std::move(h), n.term, n.voted_for, n.log_len, n.log,
                      n.role, n.commit, n.votes, n.next, n.match);
  }
  std::string ToString() const;
};

// The Raft handlers, for a protocol P that derives from RaftCore<P> and adds
// Op, Obs, Requests(), OnRequest(), Properties() and two hooks:
//   void OnElected(const RaftNode&, O&) const;   // just became leader
//   void OnCommit(const RaftNode&, int index, O&) const;  // index committed
//                                                // here (leader or follower)
template <typename P>
class RaftCore {
 public:
  using Msg = RaftMsg;
  using Node = RaftNode;
  using O = Out<P>;
  static constexpr TimerId kElectionTimer = 0;
  static constexpr int8_t kNoOp = 0;  // the command of a leader's first entry

  int servers = 3;
  int max_term = 3;
  int candidates = 3;  // servers 0..candidates-1 may time out and stand
  RaftBug bug = RaftBug::kNone;

  int NodeCount() const { return servers; }
  std::string NodeName(NodeId n) const { return absl::StrCat("s", n); }
  Node Init(NodeId) const { return {}; }
  int Majority() const { return servers / 2 + 1; }

  void OnStart(Node& n, O& out) const { ArmElection(n, out); }
  void OnTimer(Node& n, TimerId id, O& out) const;
  void OnRecover(Node& n, O& out) const;
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const;

  // Messages whose delivery changes nothing, now or later (docs/stale.md):
  // those of an earlier term (OnMessage drops them; a term only grows and
  // is persisted whenever it does); a RequestVote to a server that voted
  // for another in its term (votedFor is persisted too, except in the
  // forget-vote variant, whose bug that is); a vote to a server that is no
  // candidate or already counts it (a server is a candidate of a term from
  // its start, and its vote set only grows); and an AppendEntries reply to
  // a follower (a follower never leads the term it follows in: standing
  // raises it).
  bool Stale(const Node& n, NodeId from, const Msg& m) const {
    if (m.term != n.term) return m.term < n.term;
    switch (m.kind) {
      case Msg::kRequestVote:
        return n.voted_for >= 0 && n.voted_for != from &&
               bug != RaftBug::kForgetVote;
      case Msg::kVote:
        return n.role != Node::kCandidate || ((n.votes >> from) & 1) != 0;
      case Msg::kAppendReply:
        return n.role == Node::kFollower;
      default:
        return false;
    }
  }

  // Symmetry hooks (harness/symmetry.h): votedFor, the vote set and the
  // leader's nextIndex/matchIndex hold server ids. Which servers are
  // interchangeable is the protocol's to declare (Raft does, RaftKv not).
  void PermuteNode(Node& n, const NodePermutation& p) const {
    n.voted_for = p.Id(n.voted_for);
    n.votes = static_cast<uint8_t>(p.Mask(n.votes));
    p.Slots(n.next);
    p.Slots(n.match);
  }
  uint64_t SymmetryKey(const Node& n) const {
    uint64_t slots = 0;  // a sum: the same in any order
    for (int s = 0; s < kRaftServersMax; ++s) {
      slots += MixPair(static_cast<uint8_t>(n.next[s]),
                       uint64_t{static_cast<uint8_t>(n.match[s])} << 8);
    }
    return FastHash(std::tuple(n.term, n.voted_for >= 0, n.log_len, n.log,
                                 n.role, n.commit, std::popcount(n.votes), slots));
  }

 protected:
  // Appends a command if n leads and its log has room; false otherwise.
  bool Append(Node& n, int8_t value, O& out) const;

 private:
  const P& self() const { return static_cast<const P&>(*this); }
  // A timer that can no longer start an election is left unarmed: firing it
  // would only add states.
  void ArmElection(const Node& n, O& out) const {
    if (n.term < max_term && out.self() < candidates) {
      out.SetTimer(kElectionTimer);
    } else {
      out.CancelTimer(kElectionTimer);
    }
  }
  bool LogUpToDate(const Node& n, const Msg& m) const {
    return m.log_term > n.LastTerm() ||
           (m.log_term == n.LastTerm() && m.index >= n.log_len);
  }
  void BecomeLeader(Node& n, O& out) const;
  void SendAppend(const Node& n, NodeId to, O& out) const;
  void AdvanceCommit(Node& n, O& out) const;
  void CommitTo(Node& n, int index, O& out) const;
  void OnRequestVote(Node& n, NodeId from, const Msg& m, O& out) const;
  void OnVote(Node& n, NodeId from, O& out) const;
  void OnAppend(Node& n, NodeId from, const Msg& m, O& out) const;
  bool MergeEntries(Node& n, const Msg& m) const;
  void OnAppendReply(Node& n, NodeId from, const Msg& m, O& out) const;
};

template <typename P>
void RaftCore<P>::OnTimer(Node& n, TimerId id, O& out) const {
  FL_CHECK(id == kElectionTimer);
  if (n.role == Node::kLeader || n.term >= max_term) return;
  ++n.term;
  n.role = Node::kCandidate;
  n.voted_for = static_cast<int8_t>(out.self());
  n.votes = static_cast<uint8_t>(1u << out.self());
  out.Persist();
  out.Broadcast({Msg::kRequestVote, n.term, n.log_len, n.LastTerm()});
  ArmElection(n, out);
  if (std::popcount(n.votes) >= Majority()) BecomeLeader(n, out);
}

template <typename P>
void RaftCore<P>::OnRecover(Node& n, O& out) const {
  // The disk holds the node as of its last Persist(); only the persistent
  // fields may be kept.
  const Node disk = n;
  n = Node{};
  n.term = disk.term;
  n.voted_for = bug == RaftBug::kForgetVote ? int8_t{-1} : disk.voted_for;
  n.log_len = disk.log_len;
  n.log = disk.log;
  ArmElection(n, out);
}

template <typename P>
void RaftCore<P>::OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
  if (m.term > n.term) {
    n.term = m.term;
    n.voted_for = -1;
    n.role = Node::kFollower;
    n.votes = 0;
    out.Persist();
    ArmElection(n, out);
  }
  if (m.term < n.term) return;  // stale: ignored, its reply "lost"
  switch (m.kind) {
    case Msg::kRequestVote: return OnRequestVote(n, from, m, out);
    case Msg::kVote: return OnVote(n, from, out);
    case Msg::kAppend: return OnAppend(n, from, m, out);
    case Msg::kAppendReply: return OnAppendReply(n, from, m, out);
  }
}

template <typename P>
bool RaftCore<P>::Append(Node& n, int8_t value, O& out) const {
  if (n.role != Node::kLeader || n.log_len >= kRaftLogMax) return false;
  n.log[n.log_len++] = {n.term, value};
  n.match[out.self()] = n.log_len;
  out.Persist();
  for (NodeId to = 0; to < servers; ++to) {
    if (to != out.self()) SendAppend(n, to, out);
  }
  AdvanceCommit(n, out);  // a one-server cluster commits at once
  return true;
}

template <typename P>
void RaftCore<P>::BecomeLeader(Node& n, O& out) const {
  FL_CHECK(n.role == Node::kCandidate);
  n.role = Node::kLeader;
  n.votes = 0;
  for (NodeId s = 0; s < servers; ++s) {
    n.next[s] = static_cast<int8_t>(n.log_len + 1);
    n.match[s] = 0;
  }
  out.CancelTimer(kElectionTimer);
  // The no-op of section 8: it lets the leader commit, and with it every
  // earlier entry, in its own term. Its AppendEntries is the heartbeat.
  if (!Append(n, kNoOp, out)) {
    for (NodeId to = 0; to < servers; ++to) {
      if (to != out.self()) SendAppend(n, to, out);
    }
  }
  self().OnElected(n, out);  // its log includes the no-op
}

// At most one entry per AppendEntries, as in Ongaro's TLA+ specification:
// a leader then can replicate an old entry without its current-term one,
// which is what Figure 8 needs.
template <typename P>
void RaftCore<P>::SendAppend(const Node& n, NodeId to, O& out) const {
  const int prev = n.next[to] - 1;
  FL_CHECK(prev >= 0 && prev <= n.log_len);
  Msg m{Msg::kAppend, n.term, static_cast<int8_t>(prev), n.TermAt(prev),
        n.commit};
  if (prev < n.log_len) m.entries[m.count++] = n.At(prev + 1);
  out.Send(to, m);
}

// Commits the highest index N stored by a majority whose entry is of the
// current term (Figure 2, "Rules for Servers", Leaders, last bullet).
// Followers learn it from the next AppendEntries; there is no broadcast.
template <typename P>
void RaftCore<P>::AdvanceCommit(Node& n, O& out) const {
  FL_CHECK(n.role == Node::kLeader);
  for (int index = n.log_len; index > n.commit; --index) {
    if (n.At(index).term != n.term && bug != RaftBug::kCommitOldTerm) break;
    int stored = 0;
    for (NodeId s = 0; s < servers; ++s) stored += n.match[s] >= index;
    if (stored < Majority()) continue;
    return CommitTo(n, index, out);
  }
}

template <typename P>
void RaftCore<P>::CommitTo(Node& n, int index, O& out) const {
  FL_CHECK(index <= n.log_len);
  while (n.commit < index) {
    ++n.commit;
    self().OnCommit(n, n.commit, out);
  }
}

template <typename P>
void RaftCore<P>::OnRequestVote(Node& n, NodeId from, const Msg& m,
                                O& out) const {
  FL_CHECK(m.term == n.term);
  const bool free = n.voted_for == -1 || n.voted_for == from;
  const bool log_ok = bug == RaftBug::kNoLogCheck || LogUpToDate(n, m);
  if (!free || !log_ok) return;  // a refusal is not sent
  n.voted_for = static_cast<int8_t>(from);
  out.Persist();
  out.Send(from, {Msg::kVote, n.term});
}

template <typename P>
void RaftCore<P>::OnVote(Node& n, NodeId from, O& out) const {
  if (n.role != Node::kCandidate) return;
  n.votes |= static_cast<uint8_t>(1u << from);
  if (std::popcount(n.votes) >= Majority()) BecomeLeader(n, out);
}

template <typename P>
void RaftCore<P>::OnAppend(Node& n, NodeId from, const Msg& m, O& out) const {
  // Two leaders of one term: only a buggy variant gets here, and election
  // safety has already failed.
  if (n.role == Node::kLeader) return;
  n.role = Node::kFollower;
  n.votes = 0;
  const bool consistent = m.index <= n.log_len &&
                          (n.TermAt(m.index) == m.log_term ||
                           bug == RaftBug::kNoPrevCheck);
  if (!consistent) {
    out.Send(from, {Msg::kAppendReply, n.term, n.log_len});
    return;
  }
  if (MergeEntries(n, m)) out.Persist();
  const int last_new = m.index + m.count;
  if (m.commit > n.commit) CommitTo(n, std::min<int>(m.commit, last_new), out);
  Msg reply{Msg::kAppendReply, n.term, static_cast<int8_t>(last_new)};
  reply.success = true;
  out.Send(from, reply);
}

// Deletes entries that conflict with the leader's and appends the new ones;
// entries that already match stay (the message may be stale). True if the
// log changed.
template <typename P>
bool RaftCore<P>::MergeEntries(Node& n, const Msg& m) const {
  bool changed = false;
  for (int k = 0; k < m.count; ++k) {
    const int index = m.index + 1 + k;
    if (index <= n.log_len && n.At(index) == m.entries[k]) continue;
    for (int i = index; i <= n.log_len; ++i) n.log[i - 1] = {};
    n.log_len = static_cast<int8_t>(index);
    n.log[index - 1] = m.entries[k];
    changed = true;
  }
  return changed;
}

template <typename P>
void RaftCore<P>::OnAppendReply(Node& n, NodeId from, const Msg& m,
                                O& out) const {
  if (n.role != Node::kLeader) return;
  if (m.success) {
    n.match[from] = std::max(n.match[from], m.index);
    n.next[from] = static_cast<int8_t>(std::max(n.next[from] + 0, n.match[from] + 1));
    AdvanceCommit(n, out);
    if (n.next[from] <= n.log_len) SendAppend(n, from, out);  // catch up
    return;
  }
  const int retry = std::min(n.next[from] - 1, m.index + 1);
  n.next[from] = static_cast<int8_t>(std::max({retry, n.match[from] + 1, 1}));
  SendAppend(n, from, out);
}

// The `raft` protocol: client request r puts command r + 1 at server
// r % servers if it leads then (a request at a follower is lost).
struct Raft : RaftCore<Raft> {
  struct Obs {
    enum Kind : int8_t { kElected, kAppended, kCommitted, kApplied };
    Kind kind;
    int8_t term;   // the observer's current term
    int8_t index;  // Appended, Committed, Applied: the log index
    RaftEntry entry;  // Appended, Committed, Applied: the entry
    RaftLog log{};    // Elected: the leader's log
    int8_t log_len = 0;
    auto operator<=>(const Obs&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Obs& o) {
      return H::combine(std::move(h), o.kind, o.term, o.index, o.entry, o.log,
                        o.log_len);
    }
    std::string ToString() const;
  };
  using Op = int;

  int requests = 2;

  std::vector<ClientRequest<Op>> Requests() const {
    std::vector<ClientRequest<Op>> out;
    for (int r = 0; r < requests; ++r) out.push_back({r % servers, r + 1});
    return out;
  }
  void OnRequest(Node& n, const Op& value, O& out) const {
    if (!Append(n, static_cast<int8_t>(value), out)) return;
    out.Observe({Obs::kAppended, n.term, n.log_len, n.At(n.log_len)});
  }
  void OnElected(const Node& n, O& out) const {
    out.Observe({Obs::kElected, n.term, 0, {}, n.log, n.log_len});
  }
  void OnCommit(const Node& n, int index, O& out) const {
    const auto kind = n.role == Node::kLeader ? Obs::kCommitted : Obs::kApplied;
    out.Observe({kind, n.term, static_cast<int8_t>(index), n.At(index)});
  }
  std::vector<Property<World<Raft>>> Properties() const;

  // Servers that may stand are interchangeable, and so are those that may
  // not; servers given different client requests are told apart by the
  // world (harness/world.h, RequestLabels).
  SymmetryClasses SymmetricNodes() const {
    SymmetryClasses classes(2);
    for (NodeId s = 0; s < servers; ++s) classes[s < candidates ? 0 : 1].push_back(s);
    return classes;
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_RAFT_H_
