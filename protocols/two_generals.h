// Two Generals with k messengers (Akkoyunlu, Ekanadham & Huber 1975; Gray
// 1978; lecture notes 001 and 004, "The 2 generals problem").
//
// General A wants to attack and sends messenger 1 to B; whoever receives
// messenger i sends messenger i+1 back, up to k messengers. At its deadline a
// general attacks iff every messenger addressed to it arrived (A expects the
// even ones, B the odd ones), and otherwise retreats. Over a reliable link
// both always attack. Over a lossy link no k works: losing the last messenger
// leaves its sender attacking and its receiver retreating, the notes' proof,
// and the explorer finds that execution for every k.
//
// System model: two nodes; synchronous timers (a deadline passes only once no
// messenger is still deliverable: deadlines are longer than any exchange);
// the link may lose messages (drops budget); no crashes.
#ifndef FAULTLINE_PROTOCOLS_TWO_GENERALS_H_
#define FAULTLINE_PROTOCOLS_TWO_GENERALS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/history.h"

namespace faultline {

struct TwoGenerals {
  struct Msg {
    int32_t seq;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) { return H::combine(std::move(h), m.seq); }
    std::string ToString() const { return absl::StrCat("Messenger(", seq, ")"); }
  };
  struct Decision {
    bool attack;
    auto operator<=>(const Decision&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Decision& d) { return H::combine(std::move(h), d.attack); }
    std::string ToString() const { return attack ? "attack" : "retreat"; }
  };
  struct Node {
    uint32_t received = 0;  // bit i: messenger i arrived
    bool decided = false;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.received, n.decided);
    }
    std::string ToString() const {
      std::string got;
      for (int i = 1; i < 32; ++i) {
        if ((received >> i) & 1) absl::StrAppend(&got, got.empty() ? "" : ",", i);
      }
      return absl::StrCat("received {", got, "}", decided ? " decided" : "");
    }
  };
  using Op = int;
  using Obs = Decision;
  using O = Out<TwoGenerals>;

  int messengers = 1;  // k

  int NodeCount() const { return 2; }
  std::string NodeName(NodeId n) const { return n == 0 ? "A" : "B"; }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const { return {}; }

  void OnStart(Node&, O& out) const {
    if (out.self() == 0) out.Send(1, {1});
    out.SetTimer(0);
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    if (n.decided) return;
    n.received |= uint32_t{1} << m.seq;
    if (m.seq < messengers) out.Send(from, {m.seq + 1});
  }
  void OnTimer(Node& n, TimerId, O& out) const {
    n.decided = true;
    out.Observe({(n.received & Expected(out.self())) == Expected(out.self())});
  }
  void OnRequest(Node&, const Op&, O&) const {}
  void OnRecover(Node&, O&) const {}

  // The messengers addressed to general `g`: A gets even, B odd ones.
  uint32_t Expected(NodeId g) const {
    uint32_t mask = 0;
    for (int i = 1; i <= messengers; ++i) {
      if ((i % 2 == 1) == (g == 1)) mask |= uint32_t{1} << i;
    }
    return mask;
  }

  std::vector<Property<World<TwoGenerals>>> Properties() const {
    return {ObservationsAgree<TwoGenerals>("agreement"),
            Sometimes<World<TwoGenerals>>(
                "both-attack", [](const World<TwoGenerals>& w) {
                  return w.history.size() == 2 && w.history[0].value.attack &&
                         w.history[1].value.attack;
                })};
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_TWO_GENERALS_H_
