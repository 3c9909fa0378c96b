// A replicated key-value store on multi-decree Raft (Ongaro & Ousterhout
// 2014, sections 5 and 8; lecture notes 001 on replication and 004 on Raft).
//
// Every client operation, reads included, is a command in the Raft log
// (raft.h). The leader that receives it appends it and answers the client
// once it has committed it in the same term, with the value the key-value
// map gives after applying the log up to that entry. A server that does not
// lead refuses at once (the operation had no effect; the client would retry
// elsewhere). Invocations and answers are observations, and the history is
// checked for linearizability against a map (properties/linearizability.h).
// Section 8 explains why reads must not be answered from a leader's local
// state: a deposed leader that has not heard of its successor still thinks it
// leads, and would answer from a stale map.
//
// System model: as raft.h (asynchronous, unordered links, crash-recovery,
// nondeterministic election timeouts, terms bounded by `max_term`). A
// partition needs no special event here: a message may be delayed for ever,
// which is what a partition does to the deposed leader.
//
// Buggy variant:
//   kStaleRead  a leader answers reads from its own applied state without
//               confirming it still leads: not linearizable
#ifndef FAULTLINE_PROTOCOLS_RAFT_KV_H_
#define FAULTLINE_PROTOCOLS_RAFT_KV_H_

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "properties/linearizability.h"
#include "protocols/raft.h"

namespace faultline {

struct RaftKv : RaftCore<RaftKv> {
  enum class KvBug { kNone, kStaleRead };
  struct Obs {
    enum Kind : int8_t { kInvoke, kResponse };
    Kind kind;
    int8_t request;     // index into Requests()
    int8_t result = 0;  // kResponse: the output (0 for a put)
    auto operator<=>(const Obs&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Obs& o) {
      return H::combine(std::move(h), o.kind, o.request, o.result);
    }
    std::string ToString() const {
      return kind == kInvoke ? absl::StrCat("invoke(r", request, ")")
                             : absl::StrCat("response(r", request, ")=", result);
    }
  };
  using Op = KvInput;

  int requests = 2;
  KvBug kv_bug = KvBug::kNone;

  // put(k0=1) at s1, get(k0) at s0, put(k0=2) at s0: the first `requests`.
  std::vector<ClientRequest<Op>> Requests() const {
    const std::vector<ClientRequest<Op>> all = {
        {1, {KvInput::kPut, 0, 1}}, {0, {KvInput::kGet, 0}}, {0, {KvInput::kPut, 0, 2}}};
    FL_CHECK(requests >= 0 && requests <= static_cast<int>(all.size()));
    return {all.begin(), all.begin() + requests};
  }

  void OnRequest(Node& n, const Op& op, O& out) const {
    if (n.role != Node::kLeader || n.log_len >= kRaftLogMax) return;  // refused
    const int r = RequestIndex(op);
    out.Observe({Obs::kInvoke, static_cast<int8_t>(r)});
    if (kv_bug == KvBug::kStaleRead && op.kind == KvInput::kGet) {
      out.Observe({Obs::kResponse, static_cast<int8_t>(r),
                   Read(n, n.commit + 1, op.key)});
      return;
    }
    FL_CHECK(Append(n, static_cast<int8_t>(r + 1), out));
  }
  void OnElected(const Node&, O&) const {}
  // The leader that appended a command answers it when it commits it.
  void OnCommit(const Node& n, int index, O& out) const {
    const RaftEntry& e = n.At(index);
    if (n.role != Node::kLeader || e.term != n.term || e.value == kNoOp) return;
    const int r = e.value - 1;
    const Op op = Requests()[r].op;
    const int8_t result = op.kind == KvInput::kGet ? Read(n, index, op.key) : 0;
    out.Observe({Obs::kResponse, static_cast<int8_t>(r), result});
  }
  std::vector<Property<World<RaftKv>>> Properties() const;

 private:
  int RequestIndex(const Op& op) const {
    const auto all = Requests();
    for (size_t r = 0; r < all.size(); ++r) {
      if (all[r].op == op) return static_cast<int>(r);
    }
    FL_CHECK(false);
    return -1;
  }
  // The value of `key` after applying entries 1 .. before-1 of n's log.
  int8_t Read(const Node& n, int before, int key) const {
    const auto all = Requests();
    int8_t value = 0;
    for (int i = 1; i < before; ++i) {
      const RaftEntry& e = n.At(i);
      if (e.value == kNoOp) continue;
      const Op& op = all[e.value - 1].op;
      if (op.kind == KvInput::kPut && op.key == key) value = op.value;
    }
    return value;
  }
};

// The operations of a world's history, timed by their positions in it.
inline std::vector<Operation<KvSpec>> KvOperations(const World<RaftKv>& w,
                                                   const RaftKv& kv) {
  const auto requests = kv.Requests();
  std::vector<Operation<KvSpec>> ops;
  std::vector<int> op_of(requests.size(), -1);
  for (size_t p = 0; p < w.history.size(); ++p) {
    const RaftKv::Obs& o = w.history[p].value;
    if (o.kind == RaftKv::Obs::kInvoke) {
      op_of[o.request] = static_cast<int>(ops.size());
      ops.push_back({requests[o.request].op, 0, static_cast<int64_t>(p)});
      continue;
    }
    FL_CHECK(op_of[o.request] >= 0);  // answered after it was asked
    Operation<KvSpec>& op = ops[op_of[o.request]];
    FL_CHECK(op.response == kPending);  // answered once
    op.response = static_cast<int64_t>(p);
    op.output = o.result;
  }
  return ops;
}

inline std::vector<Property<World<RaftKv>>> RaftKv::Properties() const {
  const RaftKv kv = *this;
  // Many states share one history: remember each history's verdict (keyed
  // by the history itself, so no collision can change a verdict).
  using History = decltype(World<RaftKv>::history);
  auto verdicts = std::make_shared<absl::flat_hash_map<History, bool>>();
  return {
      Always<World<RaftKv>>("linearizable",
                            [kv, verdicts](const World<RaftKv>& w) {
                              auto it = verdicts->find(w.history);
                              if (it != verdicts->end()) return it->second;
                              const bool ok = IsLinearizable(KvSpec{}, KvOperations(w, kv));
                              verdicts->emplace(w.history, ok);
                              return ok;
                            }),
      Sometimes<World<RaftKv>>("read-answered",
                               [kv](const World<RaftKv>& w) {
                                 const auto requests = kv.Requests();
                                 return std::any_of(
                                     w.history.begin(), w.history.end(), [&](const auto& o) {
                                       return o.value.kind == Obs::kResponse &&
                                              requests[o.value.request].op.kind ==
                                                  KvInput::kGet;
                                     });
                               }),
  };
}

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_RAFT_KV_H_
