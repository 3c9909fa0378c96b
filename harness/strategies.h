// Sampling strategies: choosers over the one stepping path.
//
// A sampling run resets an Executor, then at every step asks a chooser which
// of the enabled actions to apply; the executor records the choice on the
// tape. The strategies differ only in the chooser, so every run they find
// replays with `faultline replay` unchanged (a trace records choices, never
// the strategy):
//
//   random  uniform among the enabled actions (as RandomWalks)
//   swarm   each run draws its own fault profile from its seed (which fault
//           classes are on, how likely, how many), as TigerBeetle's VOPR does
//   pct     Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi,
//           Nagarakatte, ASPLOS 2010) over nodes: random node priorities and
//           d-1 priority change points (see PctChooser for the guarantee)
//   bytes   the input bytes of a fuzzer are the tape; when they run out the
//           harmless choice 0 is taken (deliver the oldest message, no fault)
//
//   ExploreOptions o;
//   o.strategy = Strategy::kSwarm;
//   o.seed = 7;
//   Outcome out = Explore(model, o);   // out.found_by names run and profile
//
// Optional model hooks (world.h's ActorModel has all three):
//   std::vector<std::string> FaultClassNames() const;  // e.g. drop, crash
//   int FaultClass(const State&, const Action&) const; // -1: not a fault
//   int ActorOf(const State&, const Action&) const;    // -1: environment
// Without them a model has no faults (swarm = random) and one actor (pct
// degenerates to uniform choice among that actor's actions).
#ifndef FAULTLINE_HARNESS_STRATEGIES_H_
#define FAULTLINE_HARNESS_STRATEGIES_H_

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/assert.h"
#include "harness/executor.h"
#include "harness/explore.h"
#include "harness/random.h"

namespace faultline {

inline constexpr int kFaultClassesMax = 16;

// One row per sampling strategy, in the order the CLI lists them.
struct SamplingStrategyInfo {
  Strategy strategy;
  const char* name;
};
inline constexpr SamplingStrategyInfo kSamplingStrategies[] = {
    {Strategy::kRandom, "random"},
    {Strategy::kSwarm, "swarm"},
    {Strategy::kPct, "pct"},
};

template <typename M>
std::vector<std::string> FaultClassNamesOf(const M& model) {
  if constexpr (requires { model.FaultClassNames(); }) {
    return model.FaultClassNames();
  } else {
    return {};
  }
}

template <typename M>
int FaultClassOf(const M& model, const typename M::State& s,
                 const typename M::Action& a) {
  if constexpr (requires { model.FaultClass(s, a); }) {
    const int c = model.FaultClass(s, a);
    FL_CHECK(c >= -1 && c < kFaultClassesMax);
    return c;
  } else {
    return -1;
  }
}

template <typename M>
int ActorOfAction(const M& model, const typename M::State& s,
                  const typename M::Action& a) {
  if constexpr (requires { model.ActorOf(s, a); }) {
    return model.ActorOf(s, a);
  } else {
    return 0;
  }
}

// Uniform choice: the chooser RandomWalks has always used.
template <Model M>
class RandomChooser {
 public:
  RandomChooser(const M&, const ExploreOptions&, Rng& rng) : rng_(rng) {}
  uint32_t Choose(const typename M::State&,
                  const std::vector<typename M::Action>& actions, int64_t) {
    return static_cast<uint32_t>(rng_.Below(actions.size()));
  }
  std::string Profile() const { return ""; }

 private:
  Rng& rng_;
};

// Swarm testing (Groce et al., ISSTA 2012; TigerBeetle's VOPR): instead of
// one fault mix for all runs, every run draws its own profile, so some runs
// have no drops at all and others drop often. Per fault class: on or off, a
// probability per step (1/50 .. 1/3) and a budget (1..3, below the world's
// own budget which still applies); and a reorder knob: how often an
// ordinary event other than the oldest is taken (never, 1/4, 1/2, always).
template <Model M>
class SwarmChooser {
 public:
  SwarmChooser(const M& model, const ExploreOptions&, Rng& rng)
      : model_(model), rng_(rng), names_(FaultClassNamesOf(model)) {
    FL_CHECK(names_.size() <= kFaultClassesMax);
    for (size_t c = 0; c < names_.size(); ++c) {
      Knob& k = knobs_[c];
      k.on = rng_.Chance(1, 2);
      k.one_in = kOneIn[rng_.Below(std::size(kOneIn))];
      k.budget = 1 + static_cast<int>(rng_.Below(3));
    }
    reorder_quarters_ = static_cast<int>(rng_.Below(5));
  }

  uint32_t Choose(const typename M::State& s,
                  const std::vector<typename M::Action>& actions, int64_t) {
    ordinary_.clear();
    for (auto& c : by_class_) c.clear();
    for (uint32_t i = 0; i < actions.size(); ++i) {
      const int c = FaultClassOf(model_, s, actions[i]);
      if (c < 0) {
        ordinary_.push_back(i);
      } else if (Allowed(c)) {
        by_class_[c].push_back(i);
      }
    }
    for (size_t c = 0; c < names_.size(); ++c) {
      if (by_class_[c].empty() || !rng_.Chance(1, knobs_[c].one_in)) continue;
      ++knobs_[c].used;
      return by_class_[c][rng_.Below(by_class_[c].size())];
    }
    if (!ordinary_.empty()) {
      if (ordinary_.size() == 1 || !rng_.Chance(reorder_quarters_, 4)) {
        return ordinary_[0];
      }
      return ordinary_[rng_.Below(ordinary_.size())];
    }
    for (size_t c = 0; c < names_.size(); ++c) {  // only faults are enabled
      if (by_class_[c].empty()) continue;
      ++knobs_[c].used;
      return by_class_[c][rng_.Below(by_class_[c].size())];
    }
    return kStop;  // only faults this profile forbids are enabled
  }

  // "drop=1/5x2 crash=off ... reorder=2/4": printed and recorded in traces.
  std::string Profile() const {
    std::vector<std::string> parts;
    for (size_t c = 0; c < names_.size(); ++c) {
      const Knob& k = knobs_[c];
      parts.push_back(k.on ? absl::StrCat(names_[c], "=1/", k.one_in, "x", k.budget)
                           : absl::StrCat(names_[c], "=off"));
    }
    parts.push_back(absl::StrCat("reorder=", reorder_quarters_, "/4"));
    return absl::StrJoin(parts, " ");
  }

  static constexpr uint32_t kStop = ~uint32_t{0};

 private:
  static constexpr uint64_t kOneIn[] = {3, 5, 10, 20, 50};
  struct Knob {
    bool on = false;
    uint64_t one_in = 1;
    int budget = 0;
    int used = 0;
  };
  bool Allowed(int c) const {
    FL_CHECK(c < static_cast<int>(names_.size()));
    return knobs_[c].on && knobs_[c].used < knobs_[c].budget;
  }

  const M& model_;
  Rng& rng_;
  std::vector<std::string> names_;
  Knob knobs_[kFaultClassesMax];
  int reorder_quarters_ = 0;
  std::vector<uint32_t> ordinary_;
  std::vector<uint32_t> by_class_[kFaultClassesMax];
};

// PCT over the nodes of a world: every actor (a node; all network faults and
// repairs together form one more actor, the environment) gets a random
// priority; at each step the enabled actor with the highest priority moves
// (a delivery is its receiver's step, a timer its owner's), choosing
// uniformly among its own enabled events. At d-1 change points, drawn
// uniformly from steps 1..depth_max, the actor that moves drops below every
// initial priority.
//
// Guarantee (Burckhardt et al. 2010, Theorem 9): for a bug of depth d (d
// ordering constraints between steps suffice to expose it), one run of n
// actors and at most k steps finds it with probability at least
// 1 / (n * k^(d-1)). It holds here for the order in which actors move; the
// uniform choice among one actor's own events (which message it receives
// first) is extra randomness the theorem does not account for, so the bound
// is for bugs whose ordering constraints are between actors.
template <Model M>
class PctChooser {
 public:
  PctChooser(const M& model, const ExploreOptions& options, Rng& rng)
      : model_(model), rng_(rng), depth_(options.pct_depth) {
    FL_CHECK(depth_ >= 1 && depth_ <= 64);
    const uint64_t steps = static_cast<uint64_t>(std::max<int64_t>(
        1, options.limits.depth_max));
    for (int i = 1; i < depth_; ++i) change_points_.push_back(1 + rng_.Below(steps));
  }

  uint32_t Choose(const typename M::State& s,
                  const std::vector<typename M::Action>& actions, int64_t step) {
    int best_actor = 0;
    uint64_t best = 0;
    bool found = false;
    for (uint32_t i = 0; i < actions.size(); ++i) {
      const int actor = ActorOfAction(model_, s, actions[i]);
      const uint64_t p = Priority(actor);
      if (!found || p > best || (p == best && actor < best_actor)) {
        best = p;
        best_actor = actor;
        found = true;
      }
    }
    FL_CHECK(found);
    mine_.clear();
    for (uint32_t i = 0; i < actions.size(); ++i) {
      if (ActorOfAction(model_, s, actions[i]) == best_actor) mine_.push_back(i);
    }
    for (size_t k = 0; k < change_points_.size(); ++k) {
      // Later change points give lower priorities, as in the paper.
      if (static_cast<uint64_t>(step + 1) == change_points_[k]) {
        Priority(best_actor) = static_cast<uint64_t>(depth_ - 1 - k);
      }
    }
    return mine_[rng_.Below(mine_.size())];
  }

  std::string Profile() const {
    return absl::StrCat("d=", depth_, " change-points=",
                        absl::StrJoin(change_points_, ","));
  }

 private:
  // Initial priorities are drawn lazily, at an actor's first enabled event,
  // from [2^32, 2^64): independent uniform keys give a uniformly random order
  // of the actors, above the change-point priorities 0..d-2.
  uint64_t& Priority(int actor) {
    for (auto& [a, p] : priority_) {
      if (a == actor) return p;
    }
    priority_.emplace_back(actor, (uint64_t{1} << 32) | rng_.Next());
    return priority_.back().second;
  }

  const M& model_;
  Rng& rng_;
  int depth_;
  std::vector<uint64_t> change_points_;
  std::vector<std::pair<int, uint64_t>> priority_;  // actor, priority
  std::vector<uint32_t> mine_;
};

// The fuzzer's chooser: bytes are the tape. A choice among n > 1 actions
// reads one byte (two if n > 256) modulo n; a forced choice reads nothing;
// once the bytes run out every choice is 0, the harmless one.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint32_t Below(size_t n) {
    FL_CHECK(n > 0);
    if (n == 1) return 0;
    uint32_t v = Byte();
    if (n > 256) v = v | (Byte() << 8);
    return static_cast<uint32_t>(v % n);
  }
  size_t consumed() const { return next_; }

 private:
  uint32_t Byte() { return next_ < bytes_.size() ? bytes_[next_++] : 0; }
  std::span<const uint8_t> bytes_;
  size_t next_ = 0;
};

template <Model M>
class BytesChooser {
 public:
  BytesChooser(const M&, const ExploreOptions& options, Rng&)
      : reader_(options.bytes) {}
  uint32_t Choose(const typename M::State&,
                  const std::vector<typename M::Action>& actions, int64_t) {
    return reader_.Below(actions.size());
  }
  uint32_t Init(int count) { return reader_.Below(static_cast<size_t>(count)); }
  std::string Profile() const {
    return absl::StrCat("bytes=", reader_.consumed());
  }

 private:
  ByteReader reader_;
};

namespace internal {

// One sampled run from a reset executor; true if the search must stop
// (a violation or a bound). Fills `out`'s counters.
template <Model M, typename Chooser>
bool SampleRun(Executor<M>& ex, Chooser& chooser, const ExploreOptions& options,
               PropertyTracker<typename M::State>& tracker,
               absl::flat_hash_set<uint64_t>& seen, Budget& budget,
               int64_t run, Outcome& out) {
  std::vector<typename M::Action> actions;
  for (int64_t depth = 0;; ++depth) {
    if (seen.insert(ex.Fingerprint()).second) ++out.states;
    out.depth = std::max(out.depth, depth);
    out.violated = tracker.Check(ex.state());
    if (out.violated >= 0) {
      out.stop = Stop::kViolation;
      return true;
    }
    ex.Actions(actions);
    if (actions.empty()) return false;
    if (depth >= options.limits.depth_max) {
      out.depth_cut = true;
      return false;
    }
    const uint32_t choice = chooser.Choose(ex.state(), actions, depth);
    if (choice == SwarmChooser<M>::kStop) return false;
    FL_CHECK(choice < actions.size());
    ex.Apply(choice, actions[choice]);
    ++out.transitions;
    const Progress progress{out.states, out.transitions, out.depth, run, 0};
    if (budget.Exceeded(progress, &out.stop)) return true;
  }
}

}  // namespace internal

// Runs up to runs_max sampled runs; run r draws everything from
// Rng(seed + r), so one run can be rerun alone (--runs 1 --seed S+r).
template <Model M, template <typename> class ChooserT>
Outcome SampleWalks(const M& model, const ExploreOptions& options,
                    const char* name) {
  Outcome out;
  internal::Budget budget(options);
  Executor<M> ex(model);
  PropertyTracker<typename M::State> tracker(model.properties());
  absl::flat_hash_set<uint64_t> seen;
  out.stop = Stop::kRuns;
  for (int64_t run = 0; run < options.limits.runs_max; ++run) {
    const uint64_t seed = options.seed + static_cast<uint64_t>(run);
    Rng rng(seed);
    int init = 0;
    // The swarm profile and PCT priorities are drawn after the initial state
    // so that random runs keep RandomWalks' sequence of draws.
    if constexpr (requires(ChooserT<M>& c) { c.Init(0); }) {
      ChooserT<M> chooser(model, options, rng);
      ex.Reset(static_cast<int>(chooser.Init(model.InitCount())));
      if (internal::SampleRun(ex, chooser, options, tracker, seen, budget, run, out)) {
        out.found_by = absl::StrCat(name, " ", chooser.Profile());
      }
    } else {
      init = static_cast<int>(rng.Below(model.InitCount()));
      ChooserT<M> chooser(model, options, rng);
      ex.Reset(init);
      if (internal::SampleRun(ex, chooser, options, tracker, seen, budget, run, out)) {
        const std::string profile = chooser.Profile();
        out.found_by = absl::StrCat(name, " seed=", seed, " (run ", run, " of seed ",
                                    options.seed, ")", profile.empty() ? "" : " ",
                                    profile);
      }
    }
    if (out.stop == Stop::kViolation || options.strategy == Strategy::kBytes) {
      out.tape = ex.tape();
    }
    if (out.stop != Stop::kRuns) break;
    if (options.strategy == Strategy::kBytes) break;  // one input, one run
    if (out.states >= options.limits.states_max) {
      out.stop = Stop::kStates;
      break;
    }
  }
  out.sometimes_reached = tracker.reached();
  out.seconds = budget.Seconds();
  out.visited_bytes = static_cast<int64_t>(seen.capacity() * 9);
  return out;
}

template <Model M>
Outcome RandomWalks(const M& model, const ExploreOptions& options) {
  return SampleWalks<M, RandomChooser>(model, options, "random");
}

template <Model M>
Outcome Sample(const M& model, const ExploreOptions& options) {
  switch (options.strategy) {
    case Strategy::kRandom: return SampleWalks<M, RandomChooser>(model, options, "random");
    case Strategy::kSwarm: return SampleWalks<M, SwarmChooser>(model, options, "swarm");
    case Strategy::kPct: return SampleWalks<M, PctChooser>(model, options, "pct");
    case Strategy::kBytes: return SampleWalks<M, BytesChooser>(model, options, "fuzz");
    default: FL_CHECK(false);
  }
  return {};
}

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_STRATEGIES_H_
