// Vote-counting consensus, the two protocols that frame the FLP theorem
// (Fischer, Lynch, Paterson, "Impossibility of Distributed Consensus with One
// Faulty Process", JACM 1985; lecture notes 001, "The FLP result").
//
// Every process holds a binary input. Its first step (the delivery of a Start
// message it sent itself, so that a process that crashes at once takes no step
// at all, as in FLP) broadcasts Vote(input). A process decides the majority
// of the votes it holds (its own included; a tie decides 0) once it holds
//   kWaitAll      all n votes: every process sees the same votes, so the
//                 decision is a function of the inputs (safe), but one crash
//                 before its vote leaves everyone waiting forever;
//   kFirstNMinus1 n-1 votes, so it survives one crash: it always terminates,
//                 and two processes that missed different votes disagree.
// FLP says no deterministic protocol has both; these two each give up one.
//
// System model: asynchronous, reliable unordered links, crash-stop; the
// inputs are part of the initial configuration (harness/flp.h enumerates the
// input vectors); a process's input is in its state from Init on and the
// handlers read it only from there.
#ifndef FAULTLINE_PROTOCOLS_FLP_VOTES_H_
#define FAULTLINE_PROTOCOLS_FLP_VOTES_H_

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/history.h"

namespace faultline {

struct FlpDecision {
  int8_t value;  // 0 or 1
  auto operator<=>(const FlpDecision&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const FlpDecision& d) {
    return H::combine(std::move(h), d.value);
  }
  std::string ToString() const { return absl::StrCat("decide(", value, ")"); }
};

struct VoteConsensus {
  enum class Rule { kWaitAll, kFirstNMinus1 };
  enum Kind : int8_t { kStart, kVote };

  struct Msg {
    Kind kind;
    int8_t value = 0;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.value);
    }
    std::string ToString() const {
      return kind == kStart ? "Start" : absl::StrCat("Vote(", value, ")");
    }
  };
  struct Node {
    int8_t input = 0;
    uint8_t heard = 0;  // bit j: holds process j's vote
    uint8_t ones = 0;   // processes whose vote it holds with value 1
    int8_t decided = -1;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.input, n.heard, n.ones, n.decided);
    }
    std::string ToString() const {
      std::string s = absl::StrCat("input=", input, " votes=", std::popcount(heard),
                                   " ones=", std::popcount(ones));
      if (decided >= 0) absl::StrAppend(&s, " decided=", decided);
      return s;
    }
  };
  using Op = int;
  using Obs = FlpDecision;
  using O = Out<VoteConsensus>;

  int nodes = 3;
  Rule rule = Rule::kWaitAll;
  uint32_t inputs = 0;  // bit n: process n's input (set per initial configuration)

  int NodeCount() const { return nodes; }
  int InputCount() const { return nodes; }
  std::string NodeName(NodeId n) const { return absl::StrCat("p", n); }
  Node Init(NodeId n) const { return {.input = static_cast<int8_t>((inputs >> n) & 1)}; }
  std::vector<ClientRequest<Op>> Requests() const { return {}; }

  void OnStart(Node&, O& out) const { out.Send(out.self(), {kStart}); }
  void OnTimer(Node&, TimerId, O&) const {}
  void OnRequest(Node&, const Op&, O&) const {}
  void OnRecover(Node&, O&) const {}
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    if (m.kind == kStart) {
      out.Broadcast({kVote, n.input});
      Count(n, out.self(), n.input, out);
    } else {
      Count(n, from, m.value, out);
    }
  }

  std::vector<Property<World<VoteConsensus>>> Properties() const {
    return {
        ObservationsAgree<VoteConsensus>("agreement"),
        EveryObservation<VoteConsensus>(
            "validity",
            [](const World<VoteConsensus>& w, const FlpDecision& d) {
              for (NodeId n = 0; n < w.node_count(); ++n) {
                if (w.node(n).input == d.value) return true;
              }
              return false;
            }),
        // Termination: every process that is up has decided.
        Eventually<World<VoteConsensus>>(
            "termination",
            [](const World<VoteConsensus>& w) {
              for (NodeId n = 0; n < w.node_count(); ++n) {
                if (w.up(n) && w.node(n).decided < 0) return false;
              }
              return true;
            }),
    };
  }

 private:
  void Count(Node& n, NodeId from, int8_t value, O& out) const {
    const uint8_t bit = uint8_t{1} << from;
    FL_CHECK((n.heard & bit) == 0);  // each process votes once
    n.heard |= bit;
    if (value == 1) n.ones |= bit;
    const int needed = rule == Rule::kWaitAll ? nodes : nodes - 1;
    if (n.decided >= 0 || std::popcount(n.heard) < needed) return;
    n.decided = 2 * std::popcount(n.ones) > std::popcount(n.heard) ? 1 : 0;
    out.Observe({n.decided});
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_FLP_VOTES_H_
