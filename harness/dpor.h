// Dynamic partial-order reduction (DPOR) for stateless search.
//
// Opaque nodes without a Fingerprint() cannot be deduplicated, so their
// state space is searched as a tree over the decision tape (executor.h).
// Sleep sets alone (por.h) still walk every Mazurkiewicz trace of every
// prefix; DPOR walks one execution per trace of *maximal* executions. It is
// source-DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014, Algorithm 1)
// with sleep sets: each tree node starts with one event to explore; after
// every step the new event is checked against the events before it on the
// path, and for each race (two dependent events not ordered through a
// third) an event that can start the reversed order is added to the
// backtrack set of the state before the first one.
//
// The events of the actor world are not threads with one "next" step each:
// a message event appears when its message is sent and can vanish when a
// conflicting event runs (a drop, a crash of its receiver). Three rules
// cover that (docs/por.md, "DPOR"):
//   - Enabling is causal: an event's "enabler" is the step after which its
//     key became enabled (and stayed so); it happens before the event.
//   - An event disabled by a step is added to the backtrack set of the state
//     it was disabled in (the two conflict; that is a race whose second
//     event never runs on this path).
//   - At the depth bound, every event still enabled stands for a future the
//     search does not see: it is treated as dependent with every event on
//     the path, so its races are reversed as far as the bound allows.
//
// Visibility: with PorOptions::observations_visible, an event that appends
// to the history (Footprint::observes) is treated as dependent with every
// event, not only with other observers, so that each observation splits
// every trace at the same point and each node's states are visited next to
// every history (docs/por.md, "Which states DPOR visits"). Without it the
// model's own rule applies: each node's states, and the history, are still
// visited, but not every pair of the two.
#ifndef FAULTLINE_HARNESS_DPOR_H_
#define FAULTLINE_HARNESS_DPOR_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "harness/por.h"

namespace faultline {
namespace internal {

// A set of step indices on the path (bit i: step i).
class StepSet {
 public:
  bool Has(size_t i) const {
    return i / 64 < words_.size() && (words_[i / 64] >> (i % 64) & 1) != 0;
  }
  void Add(size_t i) {
    if (words_.size() <= i / 64) words_.resize(i / 64 + 1, 0);
    words_[i / 64] |= uint64_t{1} << (i % 64);
  }
  void Union(const StepSet& o) {
    if (words_.size() < o.words_.size()) words_.resize(o.words_.size(), 0);
    for (size_t w = 0; w < o.words_.size(); ++w) words_[w] |= o.words_[w];
  }

 private:
  std::vector<uint64_t> words_;
};

template <PartialOrderModel M>
class DporSearch : TreeSearch<M> {
  using Base = TreeSearch<M>;
  FL_TREE_SEARCH_MEMBERS(Base);

 public:
  DporSearch(const M& model, const ExploreOptions& options, PorOptions por)
      : Base(model, options, std::move(por)) {}

  Outcome Run() {
    out_.reduced = true;
    out_.reduction = "dpor";
    this->FromEveryInit([this] { Enter(SleepSet<F>{}, 0); }, [this] { Loop(); });
    return out_;
  }

 private:
  // A state on the current path, and the step taken from it (once taken).
  struct Frame {
    Snapshot snapshot;
    int64_t depth = 0;
    std::vector<Action> actions;
    std::vector<uint64_t> keys;    // of `actions`, in order
    std::vector<uint64_t> sorted;  // `keys` sorted: what is enabled here
    std::vector<uint64_t> backtrack;  // to explore here; [0, next) taken
    size_t next = 0;
    SleepSet<F> sleep;  // asleep here; grows by the events taken
    // The step taken from here on the current path.
    uint64_t key = 0;
    F footprint{};
    int64_t enabler = -1;  // the step that enabled it, -1: enabled throughout
    StepSet before;        // the steps that happen before it
  };
  // A step for race analysis: taken, or pending at the depth bound.
  struct Probe {
    uint64_t key;
    const F* footprint;  // nullptr: dependent with every step (pending)
    int64_t enabler;
    StepSet before;
  };

  void Loop() {
    auto done = [this](const Frame& top) {
      if (top.next < top.backtrack.size()) return false;
      out_.pruned += static_cast<int64_t>(top.actions.size() - top.next);
      return true;
    };
    DepthFirst(stack_, tape_, budget_, out_, go_, done, [this](Frame& top) { Step(top); });
  }

  // Takes the frame's next backtrack event and enters the state it reaches.
  void Step(Frame& top) {
    const uint64_t key = top.backtrack[top.next++];
    const uint32_t choice = IndexOf(top, key);
    const Action& a = top.actions[choice];
    // An opaque state is restored by re-running its tape; the first step
    // from a frame just pushed starts where the executor already is.
    if (Executor<M>::kCopyable || !at_top_) ex_.Restore(top.snapshot);
    at_top_ = false;
    F f = model_.FootprintOf(ex_.state(), a);
    ex_.Apply(choice, a);
    model_.FinishFootprint(ex_.state(), f);
    ++out_.transitions;
    SleepSet<F> child;
    for (const Sleeper<F>& z : top.sleep) {
      if (!Dependent(&z.footprint, &f)) child.push_back(z);
    }
    AddSleeper(top.sleep, Sleeper<F>{key, f});
    top.key = key;
    top.footprint = std::move(f);
    const int64_t depth = top.depth + 1;  // `top` may move in Enter
    tape_.choices.push_back(choice);
    if (!Enter(std::move(child), depth)) tape_.choices.pop_back();
  }

  static uint32_t IndexOf(const Frame& f, uint64_t key) {
    const auto it = std::find(f.keys.begin(), f.keys.end(), key);
    FL_CHECK(it != f.keys.end());
    return static_cast<uint32_t>(it - f.keys.begin());
  }

  // Visits the executor's state, reached with sleep set `z` by the step of
  // the top frame (if any); pushes a frame if there is something to take.
  bool Enter(SleepSet<F> z, int64_t depth) {
    out_.depth = std::max(out_.depth, depth);
    ++out_.states;
    Frame f;
    f.depth = depth;
    ex_.Actions(f.actions);
    for (const Action& a : f.actions) f.keys.push_back(model_.ActionKey(ex_.state(), a));
    f.sorted = f.keys;
    std::sort(f.sorted.begin(), f.sorted.end());
    CheckKeys(f.keys, z);
    if (!stack_.empty()) AnalyzeLastStep(f.sorted);
    if (!JudgeState(tracker_, ex_.state(), options_.limits, tape_, out_)) {
      go_ = false;
      return false;
    }
    if (f.actions.empty()) {
      if (por_.on_final) por_.on_final(ex_.Digest());
      ++out_.executions;
      return false;
    }
    if (depth >= options_.limits.depth_max) {
      out_.depth_cut = true;
      ++out_.executions;
      ReverseRacesBeyondTheBound(f, z);
      return false;
    }
    const auto awake = std::find_if(f.keys.begin(), f.keys.end(),
                                    [&z](uint64_t k) { return !Asleep(z, k); });
    if (awake == f.keys.end()) {  // everything here was covered elsewhere
      out_.pruned += static_cast<int64_t>(f.actions.size());
      ++out_.executions;
      return false;
    }
    if (por_.verify) VerifyOrDie(model_, tape_);
    f.backtrack.push_back(*awake);
    f.sleep = std::move(z);
    f.snapshot = ex_.Take();
    stack_.push_back(std::move(f));
    at_top_ = true;
    return true;
  }

  // The conservative dependence DPOR uses: the model's, plus every
  // observing step is dependent with everything (visibility). A null
  // footprint (an event pending at the depth bound) is dependent with all.
  bool Dependent(const F* a, const F* b) const {
    if (a == nullptr || b == nullptr) return true;
    if constexpr (requires(const F& x) { x.observes; }) {
      if (por_.observations_visible && (a->observes || b->observes)) {
        return true;
      }
    }
    return !model_.Independent(*a, *b);
  }

  // The largest step index k < `end` after which `key` became enabled (it
  // was not enabled in the state step k was taken from), or -1.
  int64_t EnablerOf(uint64_t key, size_t end) const {
    for (size_t k = end; k-- > 0;) {
      const std::vector<uint64_t>& s = stack_[k].sorted;
      if (!std::binary_search(s.begin(), s.end(), key)) return static_cast<int64_t>(k);
    }
    return -1;
  }

  // Fills p.before: the steps before index `end` that happen before p.
  void Order(Probe& p, size_t end) const {
    for (size_t i = 0; i < end; ++i) {
      const Frame& e = stack_[i];
      if (static_cast<int64_t>(i) == p.enabler || Dependent(&e.footprint, p.footprint)) {
        p.before.Add(i);
        p.before.Union(e.before);
      }
    }
  }

  // The step just taken (from the frame below the new state): its causal
  // past, its races with earlier steps, and the events it disabled.
  void AnalyzeLastStep(const std::vector<uint64_t>& now) {
    const size_t j = stack_.size() - 1;
    Frame& last = stack_[j];
    Probe p{last.key, &last.footprint, EnablerOf(last.key, j), {}};
    Order(p, j);
    last.enabler = p.enabler;
    last.before = p.before;
    if (!por_.dpor_backtrack) return;
    ReverseRaces(p, j);
    for (uint64_t k : last.keys) {
      if (k != last.key && !std::binary_search(now.begin(), now.end(), k)) {
        AddBacktrack(last, k);  // disabled by the step: the other order
      }
    }
  }

  // Events still enabled at the depth bound: each is treated as a step
  // dependent with the whole path, standing for a future beyond the bound.
  void ReverseRacesBeyondTheBound(const Frame& f, const SleepSet<F>& z) {
    if (!por_.dpor_backtrack) return;
    const size_t end = stack_.size();
    for (uint64_t key : f.keys) {
      if (Asleep(z, key)) continue;
      Probe p{key, nullptr, EnablerOf(key, end), {}};
      Order(p, end);
      ReverseRaces(p, end);
    }
  }

  // Source-DPOR's race rule for step `p` at index `j`: for every earlier
  // step i it races with (dependent, not ordered through a step between,
  // not its enabler), the state before i must explore an event that can
  // start "the steps after i that do not depend on it, then p".
  void ReverseRaces(const Probe& p, size_t j) {
    for (size_t i = 0; i < j; ++i) {
      if (!p.before.Has(i) || static_cast<int64_t>(i) == p.enabler) continue;
      if (!Dependent(&stack_[i].footprint, p.footprint)) continue;
      bool through = false;
      for (size_t k = i + 1; k < j && !through; ++k) {
        through = p.before.Has(k) && stack_[k].before.Has(i);
      }
      if (!through) Reverse(i, p, j);
    }
  }

  // The keys that can start the reversed race (i, p): steps after i that
  // do not depend on i with nothing of that kind before them, then p if
  // nothing of that kind happens before it.
  void Reverse(size_t i, const Probe& p, size_t j) {
    std::vector<size_t> notdep;
    for (size_t k = i + 1; k < j; ++k) {
      if (!stack_[k].before.Has(i)) notdep.push_back(k);
    }
    std::vector<uint64_t> initials;
    auto initial = [&notdep](const StepSet& before) {
      return std::none_of(notdep.begin(), notdep.end(),
                          [&before](size_t y) { return before.Has(y); });
    };
    for (size_t x : notdep) {
      if (initial(stack_[x].before)) initials.push_back(stack_[x].key);
    }
    if (initial(p.before)) initials.push_back(p.key);
    Frame& at = stack_[i];
    for (uint64_t k : initials) {
      if (std::find(at.backtrack.begin(), at.backtrack.end(), k) != at.backtrack.end()) {
        return;
      }
    }
    for (uint64_t k : initials) {
      if (Asleep(at.sleep, k)) continue;
      if (std::binary_search(at.sorted.begin(), at.sorted.end(), k)) {
        AddBacktrack(at, k);
      } else {  // not expected; if it happens, explore everything there
        for (uint64_t all : at.keys) AddBacktrack(at, all);
      }
      return;
    }
  }

  static void AddBacktrack(Frame& f, uint64_t key) {
    if (Asleep(f.sleep, key)) return;
    if (std::find(f.backtrack.begin(), f.backtrack.end(), key) != f.backtrack.end()) return;
    f.backtrack.push_back(key);
  }

  std::vector<Frame> stack_;
  bool at_top_ = false;  // the executor holds the top frame's state
};

template <PartialOrderModel M>
Outcome RunDpor(const M& model, const ExploreOptions& options, PorOptions por) {
  return DporSearch<M>(model, options, std::move(por)).Run();
}

}  // namespace internal
}  // namespace faultline

#endif  // FAULTLINE_HARNESS_DPOR_H_
