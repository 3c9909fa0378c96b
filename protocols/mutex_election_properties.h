// Properties of mutual exclusion and of leader election, as lecture notes 001
// state them ("Mutual exclusion requirements", "Election algorithm
// requirement"), shared by the protocols of that group.
//
// Mutual exclusion is checked on observations: a node observes kRequest when
// it asks for the critical section (CS), kEnter and kExit. A node's k-th
// kEnter grants its k-th kRequest. The fairness properties need
// WorldOptions::causality: they compare the ground-truth happens-before of
// request events (observation stamps), not what a protocol's clocks claim.
//
//   mutual-exclusion  (always)     at most one node in the CS
//   no-starvation     (always)     no node enters twice while a request that
//                                  happened before the first of those entries
//                                  still waits
//   hb-order          (always)     if request a happened before request b,
//                                  b is not granted before a
//   granted           (eventually) every client request is issued, granted
//                                  and its CS left
//   contended, all-granted (sometimes) two requests wait at once; the
//                                  liveness goal is reachable
//
// no-starvation is measured causally because a request's message can be
// delayed arbitrarily in an asynchronous system: before anyone can know of a
// request, no algorithm can let it go first. Measured so, it is implied by
// hb-order (the second entry's request follows the first entry); it stays a
// property of its own because the notes name it and its failure is the
// easier one to read.
//
// Election (node state): P::Id(n) is node n's identifier and Node::elected
// the identifier it elected, -1 for none (the notes' bottom).
//   one-leader  (always)     the up nodes that elected a live leader agree
//                            (a node may still name a crashed leader while
//                            a new election runs: that is no second leader)
//   largest-id  (always)     nobody elects a leader while a node with a larger
//                            id is up (checked at every state, so at the
//                            moment of election)
//   elected     (eventually) every node elected a leader or crashed
//   all-elected (sometimes)  the liveness goal is reachable
#ifndef FAULTLINE_PROTOCOLS_MUTEX_ELECTION_PROPERTIES_H_
#define FAULTLINE_PROTOCOLS_MUTEX_ELECTION_PROPERTIES_H_

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/assert.h"
#include "harness/model.h"
#include "harness/world.h"

namespace faultline {

// What a mutual-exclusion node observes.
struct MutexObs {
  enum Kind : int8_t { kRequest, kEnter, kExit };
  Kind kind;
  auto operator<=>(const MutexObs&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const MutexObs& o) {
    return H::combine(std::move(h), o.kind);
  }
  std::string ToString() const {
    return kind == kRequest ? "request" : kind == kEnter ? "enter" : "exit";
  }
};

// A node's progress through the CS (Ricart & Agrawala's three states).
enum class CsState : int8_t { kReleased, kWanted, kHeld };

inline const char* CsStateName(CsState s) {
  return s == CsState::kReleased ? "released"
         : s == CsState::kWanted ? "wanted"
                                 : "held";
}

// The client requests of a mutex protocol: every node in [first, count) asks
// once, and the last one `again` more times (so bypass can be seen). A node
// asked while busy queues the request until it leaves the CS.
template <typename Op>
std::vector<ClientRequest<Op>> MutexRequests(int first, int count, int again) {
  FL_CHECK(first >= 0 && first < count);
  FL_CHECK(again >= 0);
  std::vector<ClientRequest<Op>> out;
  for (NodeId n = first; n < count; ++n) out.push_back({n, Op{}});
  for (int i = 0; i < again; ++i) out.push_back({count - 1, Op{}});
  return out;
}

namespace internal {

// For each history index holding a kRequest: the index of the kEnter that
// granted it, or -1 (not granted yet). Other indices hold -1.
template <typename P>
std::vector<int> GrantOf(const World<P>& w) {
  const auto& h = w.history;
  std::vector<int> grant(h.size(), -1);
  std::vector<std::vector<int>> asked(w.node_count());
  std::vector<size_t> granted(w.node_count(), 0);
  for (size_t i = 0; i < h.size(); ++i) {
    const NodeId n = h[i].node;
    if (h[i].value.kind == MutexObs::kRequest) {
      asked[n].push_back(static_cast<int>(i));
    } else if (h[i].value.kind == MutexObs::kEnter) {
      FL_CHECK(granted[n] < asked[n].size());  // entered without asking
      grant[asked[n][granted[n]++]] = static_cast<int>(i);
    }
  }
  return grant;
}

template <typename P>
bool AtMostOneInside(const World<P>& w) {
  int inside = 0;
  for (const auto& o : w.history) {
    if (o.value.kind == MutexObs::kEnter) ++inside;
    if (o.value.kind == MutexObs::kExit) --inside;
    FL_CHECK(inside >= 0);
    if (inside > 1) return false;
  }
  return true;
}

template <typename P>
bool HbOrdered(const World<P>& w) {
  const auto& h = w.history;
  const std::vector<int> grant = GrantOf(w);
  for (size_t a = 0; a < h.size(); ++a) {
    if (h[a].value.kind != MutexObs::kRequest) continue;
    FL_CHECK(!h[a].stamp.empty());  // needs WorldOptions::causality
    for (size_t b = a + 1; b < h.size(); ++b) {
      if (grant[b] < 0 || !HappenedBefore(h[a].stamp, h[b].stamp)) continue;
      if (grant[a] < 0 || grant[a] > grant[b]) return false;
    }
  }
  return true;
}

template <typename P>
bool NoBypassTwice(const World<P>& w) {
  const auto& h = w.history;
  const std::vector<int> grant = GrantOf(w);
  for (size_t a = 0; a < h.size(); ++a) {
    if (h[a].value.kind != MutexObs::kRequest) continue;
    FL_CHECK(!h[a].stamp.empty());  // needs WorldOptions::causality
    const size_t end = grant[a] < 0 ? h.size() : static_cast<size_t>(grant[a]);
    std::vector<int> entries(w.node_count(), 0);
    for (size_t e = a + 1; e < end; ++e) {
      if (h[e].value.kind != MutexObs::kEnter) continue;
      if (!HappenedBefore(h[a].stamp, h[e].stamp)) continue;
      if (++entries[h[e].node] >= 2) return false;
    }
  }
  return true;
}

template <typename P>
int Waiting(const World<P>& w) {
  int waiting = 0;
  for (const auto& o : w.history) {
    if (o.value.kind == MutexObs::kRequest) ++waiting;
    if (o.value.kind == MutexObs::kEnter) --waiting;
  }
  return waiting;
}

}  // namespace internal

// Every request issued, granted and left: the liveness goal.
template <typename P>
bool AllGranted(const World<P>& w, int request_count) {
  const uint64_t all = request_count == 64 ? ~uint64_t{0}
                                           : (uint64_t{1} << request_count) - 1;
  if (w.requested != all) return false;
  int exits = 0;
  for (const auto& o : w.history) exits += o.value.kind == MutexObs::kExit;
  FL_CHECK(exits <= request_count);
  return exits == request_count;
}

template <typename P>
std::vector<Property<World<P>>> MutexProperties(int request_count) {
  using W = World<P>;
  auto goal = [request_count](const W& w) { return AllGranted(w, request_count); };
  return {
      Always<W>("mutual-exclusion", internal::AtMostOneInside<P>),
      Always<W>("no-starvation", internal::NoBypassTwice<P>),
      Always<W>("hb-order", internal::HbOrdered<P>),
      Eventually<W>("granted", goal),
      Sometimes<W>("contended",
                   [](const W& w) { return internal::Waiting(w) >= 2; }),
      Sometimes<W>("all-granted", goal),
  };
}

// Every node elected a leader or crashed: the liveness goal of an election.
template <typename P>
bool AllElected(const World<P>& w) {
  for (NodeId n = 0; n < w.node_count(); ++n) {
    if (w.up(n) && w.node(n).elected < 0) return false;
  }
  return true;
}

// The node whose identifier is `id`; every elected id must exist.
template <typename P>
NodeId NodeWithId(const World<P>& w, const P& protocol, int id) {
  for (NodeId m = 0; m < w.node_count(); ++m) {
    if (protocol.Id(m) == id) return m;
  }
  FL_CHECK(false);  // elected an identifier nobody has
  return 0;
}

template <typename P>
std::vector<Property<World<P>>> ElectionProperties(const P& protocol) {
  using W = World<P>;
  auto one_leader = [protocol](const W& w) {
    int leader = -1;
    for (NodeId n = 0; n < w.node_count(); ++n) {
      const int e = w.node(n).elected;
      if (!w.up(n) || e < 0 || !w.up(NodeWithId(w, protocol, e))) continue;
      if (leader >= 0 && e != leader) return false;
      leader = e;
    }
    return true;
  };
  auto largest = [protocol](const W& w) {
    for (NodeId n = 0; n < w.node_count(); ++n) {
      const int e = w.node(n).elected;
      if (!w.up(n) || e < 0) continue;
      for (NodeId m = 0; m < w.node_count(); ++m) {
        if (protocol.Id(m) > e && w.up(m)) return false;
      }
    }
    return true;
  };
  return {
      Always<W>("one-leader", one_leader),
      Always<W>("largest-id", largest),
      Eventually<W>("elected", AllElected<P>),
      Sometimes<W>("all-elected", AllElected<P>),
  };
}

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_MUTEX_ELECTION_PROPERTIES_H_
