// Byzantine generals with oral messages, OM(m), commander variant (Lamport,
// Shostak & Pease, "The Byzantine Generals Problem", TOPLAS 1982; lecture
// notes 001 "Byzantine generals, commander variant" and 004).
//
// The commander (node 0) sends its order to every lieutenant. In OM(m) a
// lieutenant that receives value v along a path p (commander first, then the
// lieutenants that relayed it) of length at most m relays v along p + self to
// every lieutenant not on the path; with the recursion unrolled, lieutenant i
// decides value([0]) where value(p) is what it received along p if |p| = m+1,
// and otherwise the majority of what it received along p and value(p + j) for
// every other lieutenant j not on p. A missing message and a tie count as
// the default, retreat (0). With n > 3m and at most m traitors:
//   IC1  all loyal lieutenants obey the same order;
//   IC2  if the commander is loyal, every loyal lieutenant obeys its order.
// With n = 3 and one traitor no algorithm works (the paper's 3m+1 bound);
// the explorer shows OM(1) failing IC2 there.
//
// System model: synchronous lock-step rounds (TimerModel::kRounds; a message
// along a path of length k belongs to round k-1 and is refused by a node
// already past that round, i.e. late), reliable authenticated links (A1-A2:
// every message arrives and its receiver knows the sender; the world stamps
// senders), absence of a message detectable (A3: the round timer), no
// signatures. Traitors: harness/byzantine.h; a mutation flips the value.
//
// Buggy variant (the entry oral-messages:n3): n = 3 with one traitor.
#ifndef FAULTLINE_PROTOCOLS_ORAL_MESSAGES_H_
#define FAULTLINE_PROTOCOLS_ORAL_MESSAGES_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/byzantine.h"
#include "harness/world.h"
#include "properties/history.h"

namespace faultline {

struct OralMessages {
  static constexpr int8_t kRetreat = 0;  // the default order
  static constexpr int8_t kAttack = 1;
  static const char* OrderName(int8_t v) {
    return v == kAttack ? "attack" : "retreat";
  }

  struct Msg {
    NodePath path;
    int8_t value;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.path, m.value);
    }
    std::string ToString() const {
      return absl::StrCat("Order(", OrderName(value), " via ", path.ToString(),
                          ")");
    }
  };
  struct Decision {
    int8_t value;
    auto operator<=>(const Decision&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Decision& d) {
      return H::combine(std::move(h), d.value);
    }
    std::string ToString() const {
      return absl::StrCat("obey(", OrderName(value), ")");
    }
  };
  struct Node {
    int8_t round = 0;
    bool decided = false;
    std::vector<Msg> received;  // sorted by path, one value per path
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.round, n.decided, n.received);
    }
    std::string ToString() const {
      std::string s = absl::StrCat("round=", round, decided ? " decided" : "");
      for (const Msg& m : received) absl::StrAppend(&s, " ", m.ToString());
      return s;
    }
  };
  using Op = int;
  using Obs = Decision;
  using O = Out<OralMessages>;

  int generals = 4;  // n, the commander included
  int m = 1;         // relay depth; tolerates m traitors when n > 3m
  int8_t order = kAttack;

  int NodeCount() const { return generals; }
  std::string NodeName(NodeId n) const {
    return n == 0 ? "C" : absl::StrCat("L", n);
  }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const { return {}; }

  void OnStart(Node&, O& out) const {
    if (out.self() == 0) {
      out.Broadcast({NodePath{}.Plus(0), order});
    } else {
      out.SetTimer(0);  // end of round 0
    }
  }
  void OnMessage(Node& n, NodeId from, const Msg& msg, O& out) const;
  void OnTimer(Node& n, TimerId round, O& out) const;
  void OnRequest(Node&, const Op&, O&) const {}
  void OnRecover(Node&, O&) const {}

  // ByzzFuzz-style mutation: the same message with the other order.
  std::vector<Msg> Mutations(const Msg& msg) const {
    return {{msg.path, static_cast<int8_t>(kAttack - msg.value)}};
  }

  std::vector<Property<World<OralMessages>>> Properties() const;

 private:
  bool Acceptable(const Node& n, NodeId self, NodeId from, const Msg& msg) const;
  int8_t Value(const Node& n, NodeId self, const NodePath& p) const;
};

inline bool OralMessages::Acceptable(const Node& n, NodeId self, NodeId from,
                                     const Msg& msg) const {
  const NodePath& p = msg.path;
  if (n.decided || p.len < 1 || p.len > m + 1 || p.at(0) != 0) return false;
  if (p.last() != from || p.Contains(self)) return false;  // A2: known sender
  if (p.len - 1 < n.round) return false;  // sent in a round already over
  for (int k = 1; k < p.len; ++k) {
    if (p.at(k) == 0 || p.at(k) >= generals) return false;
    for (int j = 0; j < k; ++j) {
      if (p.at(j) == p.at(k)) return false;
    }
  }
  return msg.value == kAttack || msg.value == kRetreat;
}

inline void OralMessages::OnMessage(Node& n, NodeId from, const Msg& msg,
                                    O& out) const {
  if (!Acceptable(n, out.self(), from, msg)) return;
  auto it = std::lower_bound(
      n.received.begin(), n.received.end(), msg,
      [](const Msg& a, const Msg& b) { return a.path < b.path; });
  if (it != n.received.end() && it->path == msg.path) return;  // first wins
  n.received.insert(it, msg);
  if (msg.path.len > m) return;
  // OM(m - len + 1) with self as commander: relay to the rest.
  const NodePath relayed = msg.path.Plus(out.self());
  for (NodeId to = 1; to < generals; ++to) {
    if (!relayed.Contains(to)) out.Send(to, {relayed, msg.value});
  }
}

inline void OralMessages::OnTimer(Node& n, TimerId round, O& out) const {
  FL_CHECK(round == n.round);
  FL_CHECK(!n.decided);
  n.round = static_cast<int8_t>(round + 1);
  if (n.round <= m) return out.SetTimer(n.round);
  n.decided = true;
  out.Observe({Value(n, out.self(), NodePath{}.Plus(0))});
}

// The value lieutenant `self` assigns to path p (the unrolled recursion).
inline int8_t OralMessages::Value(const Node& n, NodeId self,
                                  const NodePath& p) const {
  int8_t direct = kRetreat;
  for (const Msg& r : n.received) {
    if (r.path == p) direct = r.value;
  }
  if (p.len == m + 1) return direct;
  int attack = direct == kAttack ? 1 : 0;
  int votes = 1;
  for (NodeId j = 1; j < generals; ++j) {
    if (j == self || p.Contains(j)) continue;
    ++votes;
    if (Value(n, self, p.Plus(j)) == kAttack) ++attack;
  }
  return 2 * attack > votes ? kAttack : kRetreat;  // a tie: retreat
}

inline std::vector<Property<World<OralMessages>>> OralMessages::Properties()
    const {
  const int8_t commander_order = order;
  return {
      ObservationsAgree<OralMessages>("IC1"),
      Always<World<OralMessages>>(
          "IC2",
          [commander_order](const World<OralMessages>& w) {
            if (w.traitor(0)) return true;
            return std::all_of(w.history.begin(), w.history.end(),
                               [&](const auto& o) {
                                 return o.value.value == commander_order;
                               });
          }),
      SometimesObserved<OralMessages>("decided", 1),
  };
}

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_ORAL_MESSAGES_H_
