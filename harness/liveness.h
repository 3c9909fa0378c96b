// Liveness in exhaustive search: Eventually(goal) under weak fairness.
//
// While searching a model that has Eventually properties, the explorer records
// the state graph: every edge with its choice and, for fair actions, a label
// (the action's text, so "deliver Prepare(b=0) p0->a2" is the same label in
// every state where that message is deliverable). Building that text for
// every fair action of every state costs more than the step itself, so for
// models with an ActionKey (actor worlds) the text is built once per key and
// the label found by key afterwards; labels stay the texts' (numbered in the
// order the texts are first met), so verdicts and lassos are those of the
// texts. Edges are stored without their choice (a state's edges are added
// together, in choice order) and goals as bit masks. Once the search is complete
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

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <span>
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

// Optional model hook used for fair labels: ActionKey (model.h, the
// partial-order reduction's name of an action across states). The explorer
// trusts that equal keys mean equal Describe texts, and checks it on a
// sample (LivenessGraph::kKeyCheckEvery).
template <typename M>
concept HasActionKey = requires(const M& m, const typename M::State& s,
                                const typename M::Action& a) {
  { m.ActionKey(s, a) } -> std::convertible_to<uint64_t>;
};

class LivenessGraph {
 public:
  static constexpr uint32_t kUnfair = std::numeric_limits<uint32_t>::max();
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  // One in this many fair actions found by key has its text compared with
  // the label's (the key -> text promise above, checked always-on).
  static constexpr uint32_t kKeyCheckEvery = 32;

  struct Edge {
    uint32_t from;
    uint32_t to;
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

  // Registers a state; bit k of `goals` says whether Eventually property k's
  // goal holds in it, bit k of `triggers` whether the goal is owed from it
  // (initial states for Eventually, p-states for LeadsTo). Returns its index,
  // which the explorer keeps beside the state's fingerprint in its visited
  // set (FingerprintSet::KeepValues): the graph has no fingerprint map.
  uint32_t AddState(uint64_t goals, uint64_t triggers, int init) {
    const uint32_t index = static_cast<uint32_t>(goals_.size());
    FL_CHECK(index < kNone);
    goals_.push_back(goals);
    triggers_.push_back(triggers);
    fair_at_.push_back(0);
    fair_count_.push_back(0);
    first_edge_.push_back(kNone);
    tree_parent_.push_back(kNone);
    init_of_.push_back(init);
    return index;
  }

  // Labels. A fair label is an action's text ("deliver Prepare(b=0)
  // p0->a2"), numbered in first-seen order; models with an ActionKey also
  // find it by key, without building the text.
  uint32_t Label(const std::string& text) {
    const auto [it, fresh] = labels_.emplace(text, static_cast<uint32_t>(texts_.size()));
    if (fresh) texts_.push_back(text);
    return it->second;
  }
  // kNone if no label has that key yet. Read-only: safe from several
  // threads while nobody binds keys.
  uint32_t LabelOfKey(uint64_t key) const {
    const auto it = label_of_key_.find(key);
    return it == label_of_key_.end() ? kNone : it->second;
  }
  // Records that actions with `key` have label `label`; a key met twice must
  // name the same text both times.
  void BindKey(uint64_t key, uint32_t label) {
    const auto [it, fresh] = label_of_key_.emplace(key, label);
    FL_CHECK(fresh || it->second == label);
  }
  const std::string& LabelText(uint32_t label) const { return texts_[label]; }
  size_t labels() const { return texts_.size(); }

  // The fair labels enabled in state `s` (any order, repeats allowed).
  void SetFairEnabled(uint32_t s, std::vector<uint32_t>& labels) {
    std::sort(labels.begin(), labels.end());
    labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
    fair_at_[s] = fair_pool_.size();
    fair_count_[s] = static_cast<uint32_t>(labels.size());
    fair_pool_.insert(fair_pool_.end(), labels.begin(), labels.end());
  }
  // The edges of one state go in together, in choice order: edge i of state
  // s is its choice i.
  void AddEdges(uint32_t from, const std::vector<Edge>& edges) {
    first_edge_[from] = static_cast<uint32_t>(edges_.size());
    for (const Edge& e : edges) {
      FL_CHECK(e.from == from);
      // The first edge into a state discovered it: the search tree, used to
      // reach a LeadsTo trigger state from an initial state.
      if (tree_parent_[e.to] == kNone && init_of_[e.to] < 0) {
        tree_parent_[e.to] = static_cast<uint32_t>(edges_.size());
      }
      edges_.push_back(e);
    }
    FL_CHECK(edges_.size() < kNone);
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
  std::span<const uint32_t> FairEnabled(uint32_t s) const {
    return {fair_pool_.data() + fair_at_[s], fair_count_[s]};
  }
  bool Enabled(uint32_t s, uint32_t label) const {
    const std::span<const uint32_t> f = FairEnabled(s);
    return std::binary_search(f.begin(), f.end(), label);
  }
  uint32_t Choice(uint32_t edge) const { return edge - first_edge_[edges_[edge].from]; }
  static bool Bit(uint64_t mask, size_t k) { return ((mask >> k) & 1) != 0; }

  absl::flat_hash_map<std::string, uint32_t> labels_;  // ids in first-seen order
  std::vector<std::string> texts_;                     // by label id
  absl::flat_hash_map<uint64_t, uint32_t> label_of_key_;
  std::vector<Edge> edges_;
  std::vector<uint32_t> fair_pool_;   // sorted fair labels, state after state
  std::vector<uint64_t> fair_at_;     // per state: where its labels start
  std::vector<uint32_t> fair_count_;  // and how many
  std::vector<uint64_t> goals_;       // bit per Eventually property
  std::vector<uint64_t> triggers_;
  std::vector<uint32_t> first_edge_;   // per state
  std::vector<uint32_t> tree_parent_;  // edge that discovered each state
  std::vector<int> init_of_;           // initial-state index, or -1
};

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_LIVENESS_H_
