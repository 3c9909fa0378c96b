// Vector clocks checked against ground-truth happens-before (Fidge 1988;
// Mattern 1989; lecture notes 002, "Vector Clocks", and 004, "Vector clocks
// guarantees").
//
// Node i keeps a VectorTimestamp V_i (protocols/clocks.h), initially zero.
// Before a local or send event it increments V_i[i]; a message carries V_i;
// on receiving V' it sets V_i = max(V_i, V') element-wise and increments
// V_i[i]. Each event is observed with V(e). The world runs with causality on,
// so the property compares every pair of events against the execution's own
// happens-before: a -> b iff V(a) < V(b) (componentwise <=, and different).
// Unlike Lamport clocks the law holds both ways, so concurrency is detected.
//
// System model and workload as in lamport_clock.h: asynchronous, reliable
// unordered links, no faults; the harness picks when each client request
// (a send to a fixed peer, or a local event) happens and when messages arrive.
//
// Buggy variants (pitfalls named in the literature):
//   kNoMerge        a receive only increments V_i[i] and never merges V':
//                   the receiver forgets what the sender knew (breaks =>)
//   kLexicographic  events are compared with the timestamps' operator<, which
//                   is lexicographic, not the causal order (breaks <=)
#ifndef FAULTLINE_PROTOCOLS_VECTOR_CLOCK_H_
#define FAULTLINE_PROTOCOLS_VECTOR_CLOCK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "protocols/clocks.h"
#include "protocols/lamport_clock.h"

namespace faultline {

struct VectorClocks {
  enum class Bug { kNone, kNoMerge, kLexicographic };

  struct Msg {
    VectorTimestamp time;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) { return H::combine(std::move(h), m.time); }
    std::string ToString() const { return absl::StrCat("M(V=", time.ToString(), ")"); }
  };
  struct Event {
    ClockEventKind kind;
    int8_t peer;
    VectorTimestamp time;  // V(e)
    auto operator<=>(const Event&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Event& e) {
      return H::combine(std::move(h), e.kind, e.peer, e.time);
    }
    std::string ToString() const {
      return absl::StrCat(ClockEventName(kind, peer), " V=", time.ToString());
    }
  };
  struct Node {
    VectorTimestamp clock;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) { return H::combine(std::move(h), n.clock); }
    std::string ToString() const { return absl::StrCat("V=", clock.ToString()); }
  };
  using Op = int;
  using Obs = Event;
  using O = Out<VectorClocks>;

  int nodes = 3;
  int sends = 1;
  int locals = 1;
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  Node Init(NodeId) const { return {VectorTimestamp(nodes)}; }
  std::vector<ClientRequest<Op>> Requests() const {
    return ClockWorkload(nodes, sends, locals);
  }

  void OnStart(Node&, O&) const {}
  void OnRequest(Node& n, const Op& to, O& out) const {
    n.clock.Tick(out.self());
    if (to < 0) {
      out.Observe({ClockEventKind::kLocal, -1, n.clock});
      return;
    }
    out.Send(to, {n.clock});
    out.Observe({ClockEventKind::kSend, static_cast<int8_t>(to), n.clock});
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    if (bug != Bug::kNoMerge) n.clock.Merge(m.time);
    n.clock.Tick(out.self());
    out.Observe({ClockEventKind::kReceive, static_cast<int8_t>(from), n.clock});
  }
  void OnTimer(Node&, TimerId, O&) const {}
  void OnRecover(Node&, O&) const {}

  // The clock's answer to "did a happen before b?".
  bool ClaimsBefore(const VectorTimestamp& a, const VectorTimestamp& b) const {
    return bug == Bug::kLexicographic ? a < b : Before(a, b);
  }

  std::vector<Property<World<VectorClocks>>> Properties() const {
    using W = World<VectorClocks>;
    const VectorClocks self = *this;
    return {
        Always<W>("strong-clock-condition",
                  [self](const W& w) {
                    return EveryPairOfEvents(w, [&](const auto& a, const auto& b) {
                      return HappenedBefore(a.stamp, b.stamp) ==
                             self.ClaimsBefore(a.value.time, b.value.time);
                    });
                  }),
        Sometimes<W>("concurrency-detected",
                     [self](const W& w) {
                       return !EveryPairOfEvents(w, [&](const auto& a, const auto& b) {
                         return a.node == b.node ||
                                self.ClaimsBefore(a.value.time, b.value.time) ||
                                self.ClaimsBefore(b.value.time, a.value.time);
                       });
                     }),
        Sometimes<W>("causal-chain",
                     [](const W& w) {
                       return !EveryPairOfEvents(w, [](const auto& a, const auto& b) {
                         return a.node == b.node || !HappenedBefore(a.stamp, b.stamp);
                       });
                     }),
    };
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_VECTOR_CLOCK_H_
