// Dolev-Strong authenticated Byzantine broadcast (Dolev & Strong,
// "Authenticated Algorithms for Byzantine Agreement", SIAM J. Comput. 1983;
// lecture notes 001, "Dolev-Strong algorithm: synchronous, f failures with
// f+1 rounds").
//
// The sender (node 0) signs its value and sends it to everyone in round 0.
// A node that, in round r, receives a value it has not extracted before,
// carried by a chain of r+1 distinct signatures starting with the sender's,
// extracts it and relays it with its own signature appended (a round r+1
// message). After round f a node decides the value it extracted if it
// extracted exactly one, and the default 0 otherwise. f+1 rounds are needed:
// a value a traitor reveals in the last round carries f+1 signatures, so some
// loyal node signed it earlier and relayed it to everyone in time. With any
// number n > f of nodes:
//   agreement  all loyal nodes decide the same value;
//   validity   if the sender is loyal, every loyal node decides its value.
//
// System model: synchronous lock-step rounds (TimerModel::kRounds; a chain of
// length k belongs to round k-1 and is refused by a node past that round),
// reliable authenticated links, unforgeable signatures (WorldOptions::
// signatures; with them off a traitor forges and validity fails). A
// signature signs the value and the chain before it. Mutation: the other value.
//
// Buggy variant:
//   kFRounds  decide after f rounds (rounds 0..f-1): a traitor sender that
//             reveals its value to one node in the last round splits them.
#ifndef FAULTLINE_PROTOCOLS_DOLEV_STRONG_H_
#define FAULTLINE_PROTOCOLS_DOLEV_STRONG_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/byzantine.h"
#include "harness/world.h"
#include "properties/history.h"

namespace faultline {

struct DolevStrong {
  enum class Bug { kNone, kFRounds };

  struct Msg {
    int8_t value;
    NodePath chain;  // signers in order, the sender first
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.value, m.chain);
    }
    std::string ToString() const {
      return absl::StrCat("Signed(", value, " by ", chain.ToString(), ")");
    }
  };
  struct Decision {
    int8_t value;
    auto operator<=>(const Decision&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Decision& d) {
      return H::combine(std::move(h), d.value);
    }
    std::string ToString() const { return absl::StrCat("decide(", value, ")"); }
  };
  struct Node {
    int8_t round = 0;
    uint8_t extracted = 0;  // bit v: value v extracted
    bool decided = false;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.round, n.extracted, n.decided);
    }
    std::string ToString() const {
      return absl::StrCat("round=", round, " extracted=", extracted,
                          decided ? " decided" : "");
    }
  };
  using Op = int;
  using Obs = Decision;
  using O = Out<DolevStrong>;
  static constexpr int8_t kDefault = 0;

  int nodes = 3;
  int f = 1;
  int8_t value = 1;  // the sender's input
  Bug bug = Bug::kNone;

  int NodeCount() const { return nodes; }
  std::string NodeName(NodeId n) const {
    return n == 0 ? "S" : absl::StrCat("n", n);
  }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const { return {}; }
  // Rounds 0..Rounds()-1; the decision comes at the end of the last.
  int Rounds() const { return bug == Bug::kFRounds ? f : f + 1; }

  void OnStart(Node& n, O& out) const {
    if (out.self() != 0) return out.SetTimer(0);
    n.extracted = uint8_t{1} << value;
    n.decided = true;
    out.Broadcast({value, NodePath{}.Plus(0)});
    out.Observe({value});
  }
  void OnMessage(Node& n, NodeId from, const Msg& msg, O& out) const;
  void OnTimer(Node& n, TimerId round, O& out) const;
  void OnRequest(Node&, const Op&, O&) const {}
  void OnRecover(Node&, O&) const {}

  std::vector<Msg> Mutations(const Msg& msg) const {
    return {{static_cast<int8_t>(1 - msg.value), msg.chain}};
  }
  // Signer k signs the value and the k signers before it.
  std::vector<Signature> Signatures(const Msg& msg) const {
    std::vector<Signature> out;
    for (int k = 0; k < msg.chain.len; ++k) {
      const uint64_t prefix = msg.chain.code & ((uint64_t{1} << (4 * k)) - 1);
      const uint64_t content = (prefix << 16) | (uint64_t(k) << 8) |
                               static_cast<uint8_t>(msg.value);
      out.push_back({msg.chain.at(k), content});
    }
    return out;
  }

  std::vector<Property<World<DolevStrong>>> Properties() const;

 private:
  bool Acceptable(const Node& n, NodeId self, NodeId from, const Msg& m) const;
};

inline bool DolevStrong::Acceptable(const Node& n, NodeId self, NodeId from,
                                    const Msg& msg) const {
  const NodePath& c = msg.chain;
  if (n.decided || c.len < 1 || c.at(0) != 0 || c.last() != from) return false;
  if (c.len - 1 < n.round) return false;  // too few signatures for this round
  if (c.Contains(self) || (msg.value != 0 && msg.value != 1)) return false;
  for (int k = 1; k < c.len; ++k) {
    if (c.at(k) >= nodes) return false;
    for (int j = 0; j < k; ++j) {
      if (c.at(j) == c.at(k)) return false;
    }
  }
  return true;
}

inline void DolevStrong::OnMessage(Node& n, NodeId from, const Msg& msg,
                                   O& out) const {
  if (!Acceptable(n, out.self(), from, msg)) return;
  const uint8_t bit = uint8_t{1} << msg.value;
  if (n.extracted & bit) return;
  n.extracted |= bit;
  // A relay is a round-(len) message: useless once no round is left.
  if (msg.chain.len >= Rounds()) return;
  const NodePath signed_chain = msg.chain.Plus(out.self());
  for (NodeId to = 0; to < nodes; ++to) {
    if (!signed_chain.Contains(to)) out.Send(to, {msg.value, signed_chain});
  }
}

inline void DolevStrong::OnTimer(Node& n, TimerId round, O& out) const {
  FL_CHECK(round == n.round);
  FL_CHECK(!n.decided);
  n.round = static_cast<int8_t>(round + 1);
  if (n.round < Rounds()) return out.SetTimer(n.round);
  n.decided = true;
  const bool one = n.extracted == 1 || n.extracted == 2;
  out.Observe({one ? static_cast<int8_t>(n.extracted == 2) : kDefault});
}

inline std::vector<Property<World<DolevStrong>>> DolevStrong::Properties()
    const {
  const int8_t input = value;
  return {
      ObservationsAgree<DolevStrong>("agreement"),
      Always<World<DolevStrong>>(
          "validity",
          [input](const World<DolevStrong>& w) {
            if (w.traitor(0)) return true;
            return std::all_of(
                w.history.begin(), w.history.end(),
                [&](const auto& o) { return o.value.value == input; });
          }),
      SometimesObserved<DolevStrong>("decided", 2),
  };
}

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_DOLEV_STRONG_H_
