// Liveness in exhaustive search: Eventually(goal) under weak fairness.
//
// While searching a model that has Eventually properties, the explorer records
// the state graph: every edge with its choice and, for fair actions, a label
// (the action's text, so "deliver Prepare(b=0) p0->a2" is the same label in
// every state where that message is deliverable). Once the search is complete
// an Eventually(goal) property is violated by a fair execution that never
// reaches the goal, which has one of two shapes:
//   - it stops: a state, reached through non-goal states, where no fair action
//     is enabled (nothing obliges the system to move on);
//   - it loops: a reachable strongly connected set C of non-goal states in
//     which every fair label enabled in all of C is also taken inside C. The
//     cycle through all of C is then weakly fair, and conversely if some label
//     is enabled throughout C but never taken inside it, no cycle in C is fair.
// Both are exact for weak fairness. The counterexample is a lasso: a shortest
// prefix to C and a loop that takes, or passes a state that disables, every
// fair label of C.
//
// Which actions are fair is the model's call (Model::Fair, optional; without
// it every action is fair). For actor worlds it is a per-check option:
// deliveries, timers, client requests, heals and recoveries (fault injections
// are never forced).
#ifndef FAULTLINE_HARNESS_LIVENESS_H_
#define FAULTLINE_HARNESS_LIVENESS_H_

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "harness/assert.h"
#include "harness/executor.h"
#include "harness/model.h"

namespace faultline {

template <typename M>
bool IsFair(const M& model, const typename M::State& s,
            const typename M::Action& a) {
  if constexpr (requires { model.Fair(s, a); }) {
    return model.Fair(s, a);
  } else {
    return true;
  }
}

template <typename M>
bool HasEventually(const M& model) {
  for (const auto& p : model.properties()) {
    if (p.kind == PropertyKind::kEventually) return true;
  }
  return false;
}

class LivenessGraph {
 public:
  static constexpr uint32_t kUnfair = std::numeric_limits<uint32_t>::max();
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  struct Edge {
    uint32_t from;
    uint32_t to;
    uint32_t choice;
    uint32_t label;  // kUnfair for actions fairness does not force
  };

  // A fair execution that never reaches the goal: a tape whose steps from
  // loop_start on return to the state after step loop_start (a lasso), or,
  // with loop_start < 0, end where no fair action is enabled.
  struct Violation {
    int property;
    Tape tape;
    int64_t loop_start;
  };

  // Registers a state; `goals[k]` says whether Eventually property k's goal
  // holds in it, `triggers[k]` whether the goal is owed from it (initial
  // states for Eventually, p-states for LeadsTo). Returns its index.
  uint32_t AddState(uint64_t fp, std::vector<bool> goals,
                    std::vector<bool> triggers, int init) {
    FL_CHECK(goals.size() == triggers.size());
    const auto [it, fresh] = index_.emplace(fp, static_cast<uint32_t>(goals_.size()));
    FL_CHECK(fresh);
    goals_.push_back(std::move(goals));
    triggers_.push_back(std::move(triggers));
    fair_enabled_.emplace_back();
    tree_parent_.push_back(kNone);
    init_of_.push_back(init);
    return it->second;
  }
  uint32_t IndexOf(uint64_t fp) const { return index_.at(fp); }

  // The fair labels enabled in state `s`, given as the actions' texts.
  void SetFairEnabled(uint32_t s, const std::vector<std::string>& texts) {
    std::vector<uint32_t>& out = fair_enabled_[s];
    for (const std::string& t : texts) out.push_back(Label(t));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  uint32_t Label(const std::string& text) {
    const auto [it, fresh] = labels_.emplace(text, static_cast<uint32_t>(labels_.size()));
    return it->second;
  }
  void AddEdge(const Edge& e) {
    // The first edge into a state discovered it: the search tree, used to
    // reach a LeadsTo trigger state from an initial state.
    if (tree_parent_[e.to] == kNone && init_of_[e.to] < 0) {
      tree_parent_[e.to] = static_cast<uint32_t>(edges_.size());
    }
    edges_.push_back(e);
  }

  // The first violation of any Eventually property, in property order.
  std::optional<Violation> FindViolation(const std::vector<int>& eventually) const;

  size_t states() const { return goals_.size(); }
  size_t edges() const { return edges_.size(); }

 private:
  struct Search;  // per-property working set, liveness.cc
  // A fair loop from `start` back to it inside component `c`.
  std::vector<uint32_t> LoopThrough(const Search& search,
                                    const std::vector<uint32_t>& c,
                                    uint32_t start) const;
  absl::flat_hash_map<uint64_t, uint32_t> index_;
  absl::flat_hash_map<std::string, uint32_t> labels_;  // ids in first-seen order
  std::vector<Edge> edges_;
  std::vector<std::vector<uint32_t>> fair_enabled_;
  std::vector<std::vector<bool>> goals_;
  std::vector<std::vector<bool>> triggers_;
  std::vector<uint32_t> tree_parent_;  // edge that discovered each state
  std::vector<int> init_of_;           // initial-state index, or -1
};

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_LIVENESS_H_
