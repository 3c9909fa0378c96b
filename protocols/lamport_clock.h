// Lamport clocks checked against ground-truth happens-before (Lamport 1978;
// lecture notes 002, "Lamport clocks Algorithm", and 004, "Lamport
// timestamps").
//
// Every node keeps a LamportClock (protocols/clocks.h). Client requests make
// events happen: request `to` >= 0 makes the node send a message to node
// `to`, request -1 is a local event. Before a local or send event a node ticks
// (t = t + 1) and a message carries t; on receiving (t_msg, m) it sets
// t = max(t, t_msg) + 1. Each event is observed with its timestamp L(e).
// The world runs with causality on, so every observation also carries the
// execution's own vector clock, and the property compares every pair of
// events: a -> b (ground truth) implies L(a) < L(b). The converse fails for
// concurrent events, which a Sometimes property shows.
//
// System model: asynchronous; reliable unordered links (no faults: clocks do
// not tolerate or detect anything, so faults add states but nothing to
// check); which events happen, and in which order messages arrive, is chosen
// by the harness. Workload: `sends` messages per node (node i's k-th goes to
// node i+1+k mod n) and `locals` local events per node.
//
// Buggy variant (a pitfall the notes warn against, the receive rule):
//   kNoMax  a receive only increments the local clock and ignores t_msg, so a
//           message can arrive "before" it was sent.
#ifndef FAULTLINE_PROTOCOLS_LAMPORT_CLOCK_H_
#define FAULTLINE_PROTOCOLS_LAMPORT_CLOCK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "protocols/clocks.h"

namespace faultline {

// The kind of an observed clock event and its peer, shared by both clocks.
enum class ClockEventKind : uint8_t { kLocal, kSend, kReceive };

inline std::string ClockEventName(ClockEventKind kind, int peer) {
  switch (kind) {
    case ClockEventKind::kLocal: return "local";
    case ClockEventKind::kSend: return absl::StrCat("send->n", peer);
    case ClockEventKind::kReceive: return absl::StrCat("receive<-n", peer);
  }
  return "?";
}

// The workload both clock protocols run: per node, `sends` sends and
// `locals` local events (op -1), each issued once at a time the harness picks.
inline std::vector<ClientRequest<int>> ClockWorkload(int nodes, int sends,
                                                     int locals) {
  FL_CHECK(sends < nodes);
  std::vector<ClientRequest<int>> out;
  for (NodeId n = 0; n < nodes; ++n) {
    for (int k = 0; k < sends; ++k) out.push_back({n, (n + 1 + k) % nodes});
    for (int k = 0; k < locals; ++k) out.push_back({n, -1});
  }
  return out;
}

// True if ok(a, b) holds for every ordered pair of distinct observations.
// Needs WorldOptions::causality: stamps are the ground truth.
template <typename P, typename Ok>
bool EveryPairOfEvents(const World<P>& w, Ok ok) {
  for (const auto& a : w.history) {
    FL_CHECK(!a.stamp.empty());  // the entry must turn causality on
    for (const auto& b : w.history) {
      if (&a != &b && !ok(a, b)) return false;
    }
  }
  return true;
}

struct LamportClocks {
  enum class Bug { kNone, kNoMax };

  struct Msg {
    uint32_t time;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) { return H::combine(std::move(h), m.time); }
    std::string ToString() const { return absl::StrCat("M(L=", time, ")"); }
  };
  struct Event {
    ClockEventKind kind;
    int8_t peer;
    uint32_t time;  // L(e)
    auto operator<=>(const Event&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Event& e) {
      return H::combine(std::move(h), e.kind, e.peer, e.time);
    }
    std::string ToString() const {
      return absl::StrCat(ClockEventName(kind, peer), " L=", time);
    }
  };
  struct Node {
    LamportClock clock;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) { return H::combine(std::move(h), n.clock); }
    std::string ToString() const { return clock.ToString(); }
  };
  using Op = int;
  using Obs = Event;
  using O = Out<LamportClocks>;

  int nodes = 3;
  int sends = 1;
  int locals = 1;
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const {
    return ClockWorkload(nodes, sends, locals);
  }

  void OnStart(Node&, O&) const {}
  void OnRequest(Node& n, const Op& to, O& out) const {
    const uint32_t t = n.clock.Tick();
    if (to < 0) {
      out.Observe({ClockEventKind::kLocal, -1, t});
      return;
    }
    out.Send(to, {t});
    out.Observe({ClockEventKind::kSend, static_cast<int8_t>(to), t});
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    const uint32_t t = bug == Bug::kNoMax ? n.clock.Tick() : n.clock.Receive(m.time);
    out.Observe({ClockEventKind::kReceive, static_cast<int8_t>(from), t});
  }
  void OnTimer(Node&, TimerId, O&) const {}
  void OnRecover(Node&, O&) const {}

  std::vector<Property<World<LamportClocks>>> Properties() const {
    using W = World<LamportClocks>;
    return {
        Always<W>("clock-condition",
                  [](const W& w) {
                    return EveryPairOfEvents(w, [](const auto& a, const auto& b) {
                      return !HappenedBefore(a.stamp, b.stamp) ||
                             a.value.time < b.value.time;
                    });
                  }),
        // The law is one-way: concurrent events get ordered timestamps too.
        Sometimes<W>("concurrent-yet-ordered",
                     [](const W& w) {
                       return !EveryPairOfEvents(w, [](const auto& a, const auto& b) {
                         return HappenedBefore(a.stamp, b.stamp) ||
                                HappenedBefore(b.stamp, a.stamp) ||
                                a.node == b.node || !(a.value.time < b.value.time);
                       });
                     }),
        // A chain across nodes exists (a message was received after a send).
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

#endif  // FAULTLINE_PROTOCOLS_LAMPORT_CLOCK_H_
