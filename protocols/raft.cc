// Raft's text forms and its properties (Figure 3 of the paper), checked over
// observations so that evidence survives crashes.
#include "protocols/raft.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace faultline {
namespace {

using RaftWorld = World<Raft>;
using Obs = Raft::Obs;

// Calls f(a, b) for every pair of observations of kinds ka and kb.
template <typename F>
bool AllPairs(const RaftWorld& w, Obs::Kind ka, Obs::Kind kb, F f) {
  for (const auto& a : w.history) {
    if (a.value.kind != ka) continue;
    for (const auto& b : w.history) {
      if (b.value.kind == kb && !f(a, b)) return false;
    }
  }
  return true;
}

// At most one leader per term.
bool ElectionSafety(const RaftWorld& w) {
  return AllPairs(w, Obs::kElected, Obs::kElected, [](const auto& a, const auto& b) {
    return a.value.term != b.value.term || a.node == b.node;
  });
}

// While it leads term t, a server keeps the log it was elected with and every
// entry it appended in t: it never overwrites or deletes (checked in every
// state it leads, which catches any deletion before it could matter).
bool LeaderAppendOnly(const RaftWorld& w) {
  for (NodeId s = 0; s < w.node_count(); ++s) {
    const RaftNode& n = w.node(s);
    if (!w.up(s) || n.role != RaftNode::kLeader) continue;
    for (const auto& o : w.history) {
      if (o.node != s || o.value.term != n.term) continue;
      if (o.value.kind == Obs::kElected) {
        if (o.value.log_len > n.log_len) return false;
        for (int i = 1; i <= o.value.log_len; ++i) {
          if (o.value.log[i - 1] != n.At(i)) return false;
        }
      }
      if (o.value.kind == Obs::kAppended &&
          (o.value.index > n.log_len || n.At(o.value.index) != o.value.entry)) {
        return false;
      }
    }
  }
  return true;
}

// Two logs with an entry of the same index and term agree up to it.
bool LogMatching(const RaftWorld& w) {
  for (NodeId a = 0; a < w.node_count(); ++a) {
    for (NodeId b = a + 1; b < w.node_count(); ++b) {
      if (!w.up(a) || !w.up(b)) continue;
      const RaftNode& x = w.node(a);
      const RaftNode& y = w.node(b);
      const int common = std::min(x.log_len, y.log_len);
      for (int i = common; i >= 1; --i) {
        if (x.TermAt(i) != y.TermAt(i)) continue;
        if (!std::equal(x.log.begin(), x.log.begin() + i, y.log.begin())) {
          return false;
        }
        break;  // agreement up to the highest such index covers the rest
      }
    }
  }
  return true;
}

// An entry committed in term t is in the log of every leader of a later term
// (as that leader was elected; append-only covers the rest of its term).
bool LeaderCompleteness(const RaftWorld& w) {
  return AllPairs(w, Obs::kCommitted, Obs::kElected, [](const auto& c, const auto& e) {
    if (e.value.term <= c.value.term) return true;
    return c.value.index <= e.value.log_len &&
           e.value.log[c.value.index - 1] == c.value.entry;
  });
}

// No two servers apply different entries at one index (a leader applies what
// it commits).
bool StateMachineSafety(const RaftWorld& w) {
  auto applied = [](const Obs& o) {
    return o.kind == Obs::kCommitted || o.kind == Obs::kApplied;
  };
  for (const auto& a : w.history) {
    if (!applied(a.value)) continue;
    for (const auto& b : w.history) {
      if (applied(b.value) && a.value.index == b.value.index &&
          a.value.entry != b.value.entry) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

std::string RaftLogString(const RaftLog& log, int len) {
  std::string s = "[";
  for (int i = 0; i < len; ++i) {
    absl::StrAppend(&s, i ? " " : "", "t", log[i].term, ":", log[i].value);
  }
  return s + "]";
}

std::string RaftMsg::ToString() const {
  switch (kind) {
    case kRequestVote:
      return absl::StrCat("RequestVote(t=", term, " last=", index, "/t", log_term, ")");
    case kVote: return absl::StrCat("Vote(t=", term, ")");
    case kAppend:
      return absl::StrCat("Append(t=", term, " prev=", index, "/t", log_term,
                          " ", RaftLogString(entries, count), " commit=", commit, ")");
    case kAppendReply:
      return absl::StrCat("AppendReply(t=", term, success ? " ok match=" : " fail len=",
                          index, ")");
  }
  return "?";
}

std::string RaftNode::ToString() const {
  static constexpr const char* kRoles[] = {"follower", "candidate", "leader"};
  std::string s = absl::StrCat(kRoles[role], " t=", term);
  if (voted_for >= 0) absl::StrAppend(&s, " voted=s", voted_for);
  absl::StrAppend(&s, " log=", RaftLogString(log, log_len), " commit=", commit);
  return s;
}

std::string Raft::Obs::ToString() const {
  const std::string e = absl::StrCat("[", index, "]=t", entry.term, ":", entry.value);
  switch (kind) {
    case kElected:
      return absl::StrCat("elected(t=", term, " log=", RaftLogString(log, log_len), ")");
    case kAppended: return absl::StrCat("appended(t=", term, " ", e, ")");
    case kCommitted: return absl::StrCat("committed(t=", term, " ", e, ")");
    case kApplied: return absl::StrCat("applied(", e, ")");
  }
  return "?";
}

std::vector<Property<World<Raft>>> Raft::Properties() const {
  return {
      Always<RaftWorld>("election-safety", ElectionSafety),
      Always<RaftWorld>("leader-append-only", LeaderAppendOnly),
      Always<RaftWorld>("log-matching", LogMatching),
      Always<RaftWorld>("leader-completeness", LeaderCompleteness),
      Always<RaftWorld>("state-machine-safety", StateMachineSafety),
      Sometimes<RaftWorld>("committed", [](const RaftWorld& w) {
        return std::any_of(w.history.begin(), w.history.end(), [](const auto& o) {
          return o.value.kind == Obs::kCommitted;
        });
      }),
  };
}

}  // namespace faultline
