// Partial-order reduction: depth-first search with sleep sets, and DPOR
// (dpor.h) for stateless search.
//
// Events at different nodes commute: delivering a message to A and one to B
// in either order reaches the same world. A model that says which actions
// are independent (PartialOrderModel in model.h; the actor world does, from
// each event's footprint) lets the search skip the second order. The search
// is Godefroid's sleep-set DFS (thesis, 1996, ch. 5): after exploring t from
// s, t is "asleep" in the successors of s reached by actions independent of
// t, because each such path continued by t is equivalent to one that took t
// first. Sleep sets prune transitions, never states: every state reachable
// within the depth bound is still visited, so every Always invariant and
// every Sometimes goal is decided exactly as without reduction
// (docs/por.md has the argument).
//
//   - Stateful (Dedupable models, value nodes): a visited set maps each state
//     to the sleep set it was expanded with. A state reached again with a
//     smaller sleep set is re-expanded for the transitions that were asleep
//     the first time and are not now (Godefroid, Fig. 5.3); a state reached
//     again at a smaller depth after a depth cut is re-expanded in full.
//   - Stateless (opaque nodes without Fingerprint): no visited set; the
//     search is a tree over the decision tape, re-executed by the Executor.
//     When every checked Always and Sometimes property reads at most one
//     node and the history (PropertyReads, declared by HistoryProperty,
//     NodeProperty, NodeAndHistoryProperty), it runs dynamic partial-order
//     reduction (dpor.h: source-DPOR with sleep sets), which explores one
//     execution per trace of maximal executions. That cuts states: it keeps
//     final states, each node's states and each history (and, with
//     observations made visible, the two together), not every combination
//     of two nodes' states (docs/por.md, "DPOR"). Otherwise sleep sets cut
//     whole subtrees and every state is visited; Outcome::reduction_note
//     says why.
//
// Liveness is not preserved (a fair cycle may be cut), so a model with
// Eventually properties is searched unreduced; so is a model without the
// independence hook. Outcome::reduced says which happened.
//
//   ExploreOptions o;  o.por = true;
//   Outcome out = PorSearch(model, o);  // or Explore(model, o)
#ifndef FAULTLINE_HARNESS_POR_H_
#define FAULTLINE_HARNESS_POR_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/executor.h"
#include "harness/explore.h"
#include "harness/fingerprint_set.h"

namespace faultline {

struct PorOptions {
  bool reduce = true;  // false: the same search without sleep sets (baseline)
  // Checks every independence claim at every expanded state by running both
  // orders (VerifyIndependence); a false claim is an internal error. Slow.
  bool verify = false;
  // Search a tree (no visited set) even when the model's digest identifies
  // its states: how opaque nodes without Fingerprint() are searched.
  bool stateless = false;
  // Stateless search: dynamic partial-order reduction (dpor.h) instead of the
  // sleep-set tree. DPOR keeps final states and each node's states next to
  // the history, but can miss an Always property relating two nodes' states
  // at one instant (docs/por.md). kWhereSound runs it when every checked
  // Always and Sometimes property reads at most one node and the history
  // (PropertyReads), and the tree, which visits every state, otherwise.
  // kForced runs it regardless (tests of its limit).
  enum class Dpor : uint8_t { kWhereSound, kForced, kOff };
  Dpor dpor = Dpor::kWhereSound;
  // DPOR: an observing step is dependent with every step, not only with
  // other observers, so that each node's states are visited next to every
  // history (needed by kOneNodeAndHistory properties; costly where most
  // steps observe). kWhereSound sets it only when such a property is checked.
  bool observations_visible = true;
  // Testing only: false drops every backtrack point DPOR would add, which
  // must lose states (the canary for a degenerate DPOR).
  bool dpor_backtrack = true;
  // Called with the digest of every reached state where nothing is enabled.
  std::function<void(uint64_t)> on_final;
};

namespace internal {

// A transition asleep in a state: its key and what it touches.
template <typename F>
struct Sleeper {
  uint64_t key;
  F footprint;
};

template <typename F>
using SleepSet = std::vector<Sleeper<F>>;  // sorted by key

template <typename F>
bool Asleep(const SleepSet<F>& z, uint64_t key) {
  auto it = std::lower_bound(z.begin(), z.end(), key,
                             [](const Sleeper<F>& s, uint64_t k) { return s.key < k; });
  return it != z.end() && it->key == key;
}

template <typename F>
void AddSleeper(SleepSet<F>& z, Sleeper<F> s) {
  auto it = std::lower_bound(z.begin(), z.end(), s.key,
                             [](const Sleeper<F>& x, uint64_t k) { return x.key < k; });
  if (it != z.end() && it->key == s.key) return;
  z.insert(it, std::move(s));
}

// The sleepers of `a` whose keys are in the sorted `keys`.
template <typename F>
SleepSet<F> Intersect(const SleepSet<F>& a, const std::vector<uint64_t>& keys) {
  SleepSet<F> out;
  for (const Sleeper<F>& s : a) {
    if (std::binary_search(keys.begin(), keys.end(), s.key)) out.push_back(s);
  }
  return out;
}

// Keys name enabled actions uniquely, and everything asleep is enabled
// (an independent action never disables a sleeping one).
template <typename F>
void CheckKeys(const std::vector<uint64_t>& keys, const SleepSet<F>& z) {
  std::vector<uint64_t> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  FL_CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  for (const Sleeper<F>& s : z) {
    FL_CHECK(std::binary_search(sorted.begin(), sorted.end(), s.key));
  }
}

// Checks the properties on a newly reached state; false if the search must
// stop (a violation, recorded with `tape`, or the state bound).
template <typename State>
bool JudgeState(PropertyTracker<State>& tracker, const State& s,
                const Limits& limits, const Tape& tape, Outcome& out) {
  out.violated = tracker.Check(s);
  if (out.violated >= 0) {
    out.stop = Stop::kViolation;
    out.tape = tape;
    return false;
  }
  if (out.states >= limits.states_max) {
    out.stop = Stop::kStates;
    return false;
  }
  return true;
}

// The loop of both tree searches: while the budget lasts, pops the top
// frame when `done` with it (and its choice from the tape), else `step`s it.
template <typename Frame, typename Done, typename Take>
void DepthFirst(std::vector<Frame>& stack, Tape& tape, Budget& budget,
                Outcome& out, bool& go, Done done, Take step) {
  while (go && !stack.empty()) {
    Frame& top = stack.back();
    FL_CHECK(tape.choices.size() + 1 == stack.size());
    if (done(top)) {
      stack.pop_back();
      if (!stack.empty()) tape.choices.pop_back();
      continue;
    }
    const Progress progress{out.states, out.transitions, out.depth,
                            static_cast<int64_t>(stack.size()), 0};
    if (budget.Exceeded(progress, &out.stop)) {
      go = false;
      break;
    }
    step(top);
  }
  stack.clear();
}

}  // namespace internal

// Checks the model's independence claims in the state reached by `at`: for
// every two enabled actions a, b claimed independent, b is still enabled
// after a (and a after b) with the same footprint, and a;b and b;a reach the
// same digest. Also checks that action keys are distinct. An error names
// the pair.
template <PartialOrderModel M>
absl::Status VerifyIndependence(const M& model, const Tape& tape) {
  using F = typename M::Footprint;
  Executor<M> ex(model);
  ex.Reset(tape.init);
  std::vector<typename M::Action> scratch;
  for (uint32_t choice : tape.choices) {
    ex.Actions(scratch);
    FL_CHECK(choice < scratch.size());
    ex.Apply(choice, scratch[choice]);
  }
  const typename Executor<M>::Snapshot at = ex.Take();
  ex.Restore(at);
  std::vector<typename M::Action> actions;
  ex.Actions(actions);
  const size_t n = actions.size();
  std::vector<uint64_t> keys;
  std::vector<F> footprints;
  for (size_t i = 0; i < n; ++i) {
    ex.Restore(at);
    keys.push_back(model.ActionKey(ex.state(), actions[i]));
    footprints.push_back(model.FootprintOf(ex.state(), actions[i]));
    ex.Apply(static_cast<uint32_t>(i), actions[i]);
    model.FinishFootprint(ex.state(), footprints.back());
  }
  std::vector<uint64_t> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return absl::InternalError("two enabled actions share an action key");
  }
  // Runs first, then the action keyed `second`; its digest, or an error.
  auto both = [&](size_t first, size_t second, uint64_t* digest) {
    ex.Restore(at);
    ex.Apply(static_cast<uint32_t>(first), actions[first]);
    std::vector<typename M::Action> next;
    ex.Actions(next);
    for (uint32_t k = 0; k < next.size(); ++k) {
      if (model.ActionKey(ex.state(), next[k]) != keys[second]) continue;
      F f = model.FootprintOf(ex.state(), next[k]);
      ex.Apply(k, next[k]);
      model.FinishFootprint(ex.state(), f);
      *digest = ex.Digest();
      return f == footprints[second];
    }
    return false;
  };
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      if (!model.Independent(footprints[i], footprints[j])) continue;
      uint64_t ij = 0, ji = 0;
      const bool enabled = both(i, j, &ij) && both(j, i, &ji);
      if (!enabled || ij != ji) {
        ex.Restore(at);
        return absl::InternalError(absl::StrCat(
            "actions claimed independent do not commute: '",
            model.Describe(ex.state(), actions[i]), "' and '",
            model.Describe(ex.state(), actions[j]), "' (",
            enabled ? "different states" : "one disables or changes the other",
            ")"));
      }
    }
  }
  return absl::OkStatus();
}

namespace internal {

template <PartialOrderModel M>
Outcome RunDpor(const M& model, const ExploreOptions& options, PorOptions por);  // dpor.h

// PorOptions::verify at an expanded state: a false claim is an internal error.
template <PartialOrderModel M>
void VerifyOrDie(const M& model, const Tape& tape) {
  const absl::Status st = VerifyIndependence(model, tape);
  if (!st.ok()) std::fprintf(stderr, "faultline: %s\n", st.ToString().c_str());
  FL_CHECK(st.ok());
}

// What the sleep-set search and DPOR (dpor.h) share: the model, bounds,
// executor and properties, the tape to the state being entered, the outcome.
template <PartialOrderModel M>
class TreeSearch {
 protected:
  using F = typename M::Footprint;
  using Action = typename M::Action;
  using Snapshot = typename Executor<M>::Snapshot;

  TreeSearch(const M& model, const ExploreOptions& options, PorOptions por)
      : model_(model),
        options_(options),
        por_(std::move(por)),
        budget_(options),
        ex_(model),
        tracker_(model.properties(), options.properties_off) {}

  // Searches from every initial state: `root` enters it, `loop` runs the
  // stack it pushed.
  template <typename Root, typename Loop>
  void FromEveryInit(Root root, Loop loop) {
    for (int init = 0; init < model_.InitCount() && go_; ++init) {
      ex_.Reset(init);
      tape_ = Tape{init, {}};
      root();
      loop();
    }
    out_.sometimes_reached = tracker_.reached();
    out_.seconds = budget_.Seconds();
  }

  const M& model_;
  const ExploreOptions& options_;
  PorOptions por_;
  Budget budget_;
  Executor<M> ex_;
  PropertyTracker<typename M::State> tracker_;
  Tape tape_;  // the choices leading to the state being entered
  Outcome out_;
  bool go_ = true;
};

// The members of TreeSearch, for a derived class template.
#define FL_TREE_SEARCH_MEMBERS(Base) \
  using typename Base::F;            \
  using typename Base::Action;       \
  using typename Base::Snapshot;     \
  using Base::model_;                \
  using Base::options_;              \
  using Base::por_;                  \
  using Base::budget_;               \
  using Base::ex_;                   \
  using Base::tracker_;              \
  using Base::tape_;                 \
  using Base::out_;                  \
  using Base::go_

template <PartialOrderModel M>
class SleepSetSearch : TreeSearch<M> {
  using Base = TreeSearch<M>;
  FL_TREE_SEARCH_MEMBERS(Base);

 public:
  SleepSetSearch(const M& model, const ExploreOptions& options, PorOptions por)
      : Base(model, options, std::move(por)),
        cache_(model.Dedupable() && !por_.stateless) {
    if (cache_) visited_.KeepValues();
  }

  Outcome Run() {
    out_.reduced = por_.reduce;
    if (por_.reduce) out_.reduction = "sleep-sets";
    this->FromEveryInit([this] { Enter(SleepSet<F>{}, 0); }, [this] { Loop(); });
    out_.visited_bytes = visited_.bytes() + InternedBytes();
    return out_;
  }

 private:
  // What a visited state remembers: which of its actions were asleep (bit i:
  // the i-th action in the order Actions() lists them, which the state
  // fixes) and the smallest depth it was expanded at. Visits are interned,
  // and the visited set maps a fingerprint to its visit's index (a 12-byte
  // slot): few distinct visits recur over many states, so a state costs
  // about what the visited set of `check` costs (Paxos: 14.5 bytes; a hash
  // map from state to its sleep set's keys took 87).
  struct Visit {
    std::vector<uint64_t> asleep;  // bit i of word i / 64: action i asleep
    int64_t depth;
    bool operator==(const Visit&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Visit& v) {
      return H::combine(std::move(h), v.asleep, v.depth);
    }
    bool Asleep(size_t i) const {
      return i / 64 < asleep.size() && (asleep[i / 64] >> (i % 64) & 1) != 0;
    }
  };
  struct Frame {
    Snapshot snapshot;
    int64_t depth;
    std::vector<Action> actions;
    std::vector<uint64_t> keys;
    std::vector<uint32_t> todo;  // choices to explore here, in order
    size_t next = 0;
    SleepSet<F> sleep;  // asleep here; grows by the transitions explored
  };

  void Loop() {
    DepthFirst(
        stack_, tape_, budget_, out_, go_,
        [](const Frame& top) { return top.next == top.todo.size(); },
        [this](Frame& top) { Step(top); });
  }

  // Takes the frame's next transition and enters the state it reaches.
  void Step(Frame& top) {
    const uint32_t choice = top.todo[top.next++];
    const Action& a = top.actions[choice];
    ex_.Restore(top.snapshot);
    Sleeper<F> t{top.keys[choice], model_.FootprintOf(ex_.state(), a)};
    ex_.Apply(choice, a);
    model_.FinishFootprint(ex_.state(), t.footprint);
    ++out_.transitions;
    SleepSet<F> child;
    if (por_.reduce) {
      for (const Sleeper<F>& z : top.sleep) {
        if (model_.Independent(z.footprint, t.footprint)) child.push_back(z);
      }
      AddSleeper(top.sleep, std::move(t));
    }
    const int64_t depth = top.depth + 1;  // `top` may move in Enter
    tape_.choices.push_back(choice);
    if (!Enter(std::move(child), depth)) tape_.choices.pop_back();
  }

  // Visits the executor's current state with sleep set `z`; pushes a frame
  // if anything is left to explore there. False if nothing was pushed.
  bool Enter(SleepSet<F> z, int64_t depth) {
    out_.depth = std::max(out_.depth, depth);
    Frame f{Snapshot{}, depth, {}, {}, {}, 0, {}};
    ex_.Actions(f.actions);
    for (const Action& a : f.actions) {
      f.keys.push_back(model_.ActionKey(ex_.state(), a));
    }
    CheckKeys(f.keys, z);
    bool fresh = true;
    std::vector<uint32_t> todo;
    if (cache_) {
      fresh = Revisit(f, z, depth, todo);
    } else {
      ++out_.states;
    }
    if (fresh && !JudgeState(tracker_, ex_.state(), options_.limits, tape_, out_)) {
      go_ = false;
      return false;
    }
    if (fresh) {
      for (uint32_t i = 0; i < f.actions.size(); ++i) {
        if (!Asleep(z, f.keys[i])) todo.push_back(i);
      }
      out_.pruned += static_cast<int64_t>(f.actions.size() - todo.size());
      if (cache_) Remember(ex_.Fingerprint(), {Bits(f.keys, z), depth});
    }
    if (f.actions.empty() && fresh && por_.on_final) por_.on_final(ex_.Digest());
    if (todo.empty()) {
      ++out_.executions;
      return false;
    }
    if (depth >= options_.limits.depth_max) {
      out_.depth_cut = true;
      ++out_.executions;
      return false;
    }
    if (por_.verify) VerifyOrDie(model_, tape_);
    f.todo = std::move(todo);
    f.sleep = std::move(z);
    f.snapshot = ex_.Take();
    stack_.push_back(std::move(f));
    return true;
  }

  // Stateful search: whether the state is new (true) or what to explore again
  // at a known state (`todo`, and the frame's sleep set in `z`).
  bool Revisit(const Frame& f, SleepSet<F>& z, int64_t depth,
               std::vector<uint32_t>& todo) {
    const uint64_t fp = ex_.Fingerprint();
    uint32_t id = kNoValue;
    if (!visited_.Contains(fp, &id)) {
      ++out_.states;
      return true;
    }
    const Visit& v = visits_[id];
    if (depth < v.depth && out_.depth_cut) {  // its subtree may have been cut
      for (uint32_t i = 0; i < f.actions.size(); ++i) {
        if (!Asleep(z, f.keys[i])) todo.push_back(i);
      }
      z = Intersect(z, f.keys, v);
      Remember(fp, {Bits(f.keys, z), depth});
      return false;
    }
    for (uint32_t i = 0; i < f.actions.size(); ++i) {
      if (v.Asleep(i) && !Asleep(z, f.keys[i])) todo.push_back(i);
    }
    out_.pruned -= static_cast<int64_t>(todo.size());
    const int64_t kept = v.depth;  // `v` may move in Remember
    z = Intersect(z, f.keys, v);
    Remember(fp, {Bits(f.keys, z), kept});
    return false;
  }

  // Records `visit` as what state `fp` remembers (added to the set if new).
  void Remember(uint64_t fp, Visit visit) {
    auto [it, added] =
        interned_.try_emplace(visit, static_cast<uint32_t>(visits_.size()));
    if (added) {
      FL_CHECK(visits_.size() < kNoValue);
      visits_.push_back(std::move(visit));
    }
    FL_CHECK(visited_.Insert(fp) != InsertResult::kNoRoom);  // no allowance
    visited_.SetValue(fp, it->second);
  }

  int64_t InternedBytes() const {
    int64_t bytes = static_cast<int64_t>(
        visits_.capacity() * sizeof(Visit) +
        interned_.capacity() * (sizeof(std::pair<Visit, uint32_t>) + 1));
    for (const Visit& v : visits_) {
      bytes += static_cast<int64_t>(2 * v.asleep.capacity() * sizeof(uint64_t));
    }
    return bytes;
  }

  // Which of the actions keyed `keys` are asleep in `z`.
  static std::vector<uint64_t> Bits(const std::vector<uint64_t>& keys,
                                    const SleepSet<F>& z) {
    std::vector<uint64_t> bits((keys.size() + 63) / 64);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (Asleep(z, keys[i])) bits[i / 64] |= uint64_t{1} << (i % 64);
    }
    return bits;
  }

  // The sleepers of `z` that were asleep at the visit `v` too.
  static SleepSet<F> Intersect(const SleepSet<F>& z,
                               const std::vector<uint64_t>& keys,
                               const Visit& v) {
    std::vector<uint64_t> kept;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (v.Asleep(i)) kept.push_back(keys[i]);
    }
    std::sort(kept.begin(), kept.end());
    return internal::Intersect(z, kept);
  }

  const bool cache_;        // stateful: the model's digest identifies its state
  FingerprintSet visited_;  // fingerprint -> index in visits_
  std::vector<Visit> visits_;
  absl::flat_hash_map<Visit, uint32_t> interned_;
  std::vector<Frame> stack_;
};

// Whether DPOR may replace the sleep-set tree (PorOptions::Dpor), and with
// which visibility rule; if not because of a property, the reason goes to
// `why`.
template <Model M>
bool DporFits(const M& model, const ExploreOptions& options, PorOptions& por,
              std::string* why) {
  if (por.dpor != PorOptions::Dpor::kWhereSound) {
    return por.dpor == PorOptions::Dpor::kForced;
  }
  bool node_with_history = false;
  const auto& properties = model.properties();
  for (size_t i = 0; i < properties.size(); ++i) {
    if ((options.properties_off >> i & 1) != 0) continue;
    // Liveness is unchecked where DPOR could run (--por-safety).
    if (properties[i].kind == PropertyKind::kEventually) continue;
    if (properties[i].reads == PropertyReads::kState) {
      *why = absl::StrCat(
          "property ", properties[i].name,
          " may read two nodes at once, which DPOR can miss; searched "
          "the sleep-set tree, which visits every state");
      return false;
    }
    node_with_history |=
        properties[i].reads == PropertyReads::kOneNodeAndHistory;
  }
  por.observations_visible = node_with_history;
  return true;
}

}  // namespace internal

// Depth-first search with sleep sets (see the top of this file). Falls back
// to the unreduced Search when the model has no independence relation or
// has Eventually properties (unless options.por_safety_only, which leaves
// them unchecked); Outcome::reduced is then false.
template <Model M>
Outcome PorSearch(const M& model, const ExploreOptions& options,
                  PorOptions por = {}) {
  bool liveness = false;
  for (size_t i = 0; i < model.properties().size(); ++i) {
    liveness = liveness || (model.properties()[i].kind == PropertyKind::kEventually &&
                            (options.properties_off >> i & 1) == 0);
  }
  if constexpr (PartialOrderModel<M>) {
    const bool stateless = por.stateless || !model.Dedupable();
    if (!liveness || options.por_safety_only) {
      std::string why;  // why the tree instead of DPOR
      if (stateless && por.reduce &&
          internal::DporFits(model, options, por, &why)) {
        return internal::RunDpor(model, options, std::move(por));
      }
      Outcome out =
          internal::SleepSetSearch<M>(model, options, std::move(por)).Run();
      out.reduction_note = std::move(why);
      return out;
    }
  }
  // Unreduced, breadth-first: the default search, so the verdict is the one
  // the model gets without --por (DFS with a visited set can stop at the
  // depth bound where BFS completes).
  ExploreOptions plain = options;
  plain.por = false;
  plain.strategy = Strategy::kBfs;
  return Search(model, plain);
}

template <Model M>
Outcome PorExplore(const M& model, const ExploreOptions& options) {
  PorOptions por;
  por.verify = options.por_verify;
  return PorSearch(model, options, std::move(por));
}

}  // namespace faultline

#include "harness/dpor.h"  // RunDpor: DPOR for stateless search

#endif  // FAULTLINE_HARNESS_POR_H_
