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
#include <optional>
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

// Bounded liveness (TigerBeetle's VOPR): what the Eventually properties are
// owed along one run. An obligation starts at a trigger state where the goal
// does not hold (the initial state for Eventually, a p-state for LeadsTo; the
// state itself counts) and is paid at the first later state where the goal
// holds. Once the run is healed at step H, an obligation raised at step s is
// due by step max(s, H) + budget; triggers after step H + budget are not
// counted, so a run ends at most 2 * budget steps after the heal.
class Obligations {
 public:
  Obligations(size_t property_count, int64_t budget)
      : budget_(budget), since_(property_count, -1) {
    FL_CHECK(budget >= 1);
  }

  void SetHeal(int64_t step) {
    FL_CHECK(heal_ < 0 && step >= 0);
    heal_ = step;
  }
  int64_t heal() const { return heal_; }

  // Records the state reached after `step` steps (0: the initial state).
  template <typename S>
  void Observe(const std::vector<Property<S>>& properties, const S& s,
               int64_t step) {
    FL_CHECK(properties.size() == since_.size());
    const bool counted = heal_ < 0 || step <= heal_ + budget_;
    for (size_t k = 0; k < properties.size(); ++k) {
      const Property<S>& p = properties[k];
      if (p.kind != PropertyKind::kEventually) continue;
      if (p.holds(s)) {
        since_[k] = -1;
        continue;
      }
      const bool trigger = p.trigger ? p.trigger(s) : step == 0;
      if (trigger && counted && since_[k] < 0) since_[k] = step;
    }
  }

  // The step since which property k's goal is owed, or -1.
  int64_t since(size_t k) const { return since_[k]; }
  // Whether property k's obligation is past its deadline at `step`.
  bool Missed(size_t k, int64_t step) const {
    if (heal_ < 0 || since_[k] < 0) return false;
    return step >= std::max(since_[k], heal_) + budget_;
  }
  // The first property that missed its deadline at `step`, or -1.
  int FirstMissed(int64_t step) const {
    for (size_t k = 0; k < since_.size(); ++k) {
      if (Missed(k, step)) return static_cast<int>(k);
    }
    return -1;
  }
  // The first property whose goal is owed, or -1.
  int FirstPending() const {
    for (size_t k = 0; k < since_.size(); ++k) {
      if (since_[k] >= 0) return static_cast<int>(k);
    }
    return -1;
  }

 private:
  int64_t budget_;
  int64_t heal_ = -1;
  std::vector<int64_t> since_;  // per property; -1: nothing owed
};

template <typename M>
bool IsRepair(const M& model, const typename M::State& s,
              const typename M::Action& a) {
  if constexpr (requires { model.Repair(s, a); }) {
    return model.Repair(s, a);
  } else {
    return false;
  }
}

namespace internal {

// One heal and one recovery per node (world.h allows 64 nodes).
inline constexpr int kRepairsMax = 1 + 64;

// What one sampled run works with.
template <Model M>
struct RunContext {
  Executor<M>& ex;
  const ExploreOptions& options;
  PropertyTracker<typename M::State>& tracker;
  absl::flat_hash_set<uint64_t>& seen;
  Budget& budget;
  int64_t run;
  Outcome& out;
  Obligations* owed;  // bounded liveness only
};

// Counts the state just reached (after `depth` steps) and checks it; true on
// an Always violation.
template <Model M>
bool Visit(RunContext<M>& c, int64_t depth) {
  if (c.seen.insert(c.ex.Fingerprint()).second) ++c.out.states;
  c.out.depth = std::max(c.out.depth, depth);
  c.out.violated = c.tracker.Check(c.ex.state());
  if (c.out.violated >= 0) {
    c.out.stop = Stop::kViolation;
    return true;
  }
  if (c.owed) c.owed->Observe(c.ex.model().properties(), c.ex.state(), depth);
  return false;
}

// Applies one choice and visits the state it reaches; true if the search
// must stop (a violation or a bound).
template <Model M>
bool Step(RunContext<M>& c, uint32_t choice,
          const std::vector<typename M::Action>& actions, int64_t depth) {
  FL_CHECK(choice < actions.size());
  c.ex.Apply(choice, actions[choice]);
  ++c.out.transitions;
  if (Visit(c, depth)) return true;
  const Progress progress{c.out.states, c.out.transitions, c.out.depth, c.run, 0};
  return c.budget.Exceeded(progress, &c.out.stop);
}

// One sampled run from a reset executor, up to depth_max steps (the fault
// phase of a bounded-liveness run); true if the search must stop.
template <Model M, typename Chooser>
bool SampleRun(RunContext<M>& c, Chooser& chooser) {
  std::vector<typename M::Action> actions;
  if (Visit(c, 0)) return true;
  for (int64_t depth = 0;; ++depth) {
    c.ex.Actions(actions);
    if (actions.empty()) return false;
    if (depth >= c.options.limits.depth_max) {
      c.out.depth_cut = c.owed == nullptr;  // a fault phase ends here on purpose
      return false;
    }
    const uint32_t choice = chooser.Choose(c.ex.state(), actions, depth);
    if (choice == SwarmChooser<M>::kStop) return false;
    if (Step(c, choice, actions, depth + 1)) return true;
  }
}

template <Model M>
bool Miss(RunContext<M>& c, int property) {
  c.out.stop = Stop::kViolation;
  c.out.violated = property;
  c.out.heal_step = c.owed->heal();
  return true;
}

// The liveness phase of a bounded-liveness run: no new faults; first the
// repairs (heal the partition, recover crashed nodes under crash-recovery;
// under crash-stop they stay down), then uniform choice among the non-fault
// events until every owed goal is paid or one misses its deadline. True if
// the search must stop (a miss, a violation or a bound).
template <Model M>
bool LivenessPhase(RunContext<M>& c, Rng& rng) {
  const M& model = c.ex.model();
  std::vector<typename M::Action> actions;
  int64_t depth = static_cast<int64_t>(c.ex.tape().choices.size());
  for (int repairs = 0;; ++repairs) {
    FL_CHECK(repairs <= kRepairsMax);
    c.ex.Actions(actions);
    uint32_t repair = 0;
    while (repair < actions.size() && !IsRepair(model, c.ex.state(), actions[repair])) {
      ++repair;
    }
    if (repair == actions.size()) break;
    if (Step(c, repair, actions, ++depth)) return true;
  }
  c.owed->SetHeal(depth);
  const int64_t budget = c.options.liveness_steps;
  std::vector<uint32_t> calm;
  for (;; ++depth) {
    FL_CHECK(depth <= c.owed->heal() + 2 * budget);
    if (const int k = c.owed->FirstMissed(depth); k >= 0) return Miss(c, k);
    if (depth >= c.owed->heal() + budget && c.owed->FirstPending() < 0) return false;
    c.ex.Actions(actions);
    calm.clear();
    for (uint32_t i = 0; i < actions.size(); ++i) {
      if (FaultClassOf(model, c.ex.state(), actions[i]) < 0) calm.push_back(i);
    }
    if (calm.empty()) {  // the run stops: nothing will ever pay what is owed
      const int k = c.owed->FirstPending();
      return k >= 0 && Miss(c, k);
    }
    if (Step(c, calm[rng.Below(calm.size())], actions, depth + 1)) return true;
  }
}

// One run: the strategy's chooser, then (bounded liveness) the liveness
// phase; true if the search must stop.
template <Model M, typename Chooser>
bool FullRun(RunContext<M>& c, Chooser& chooser, Rng& rng) {
  if (SampleRun(c, chooser)) return true;
  return c.owed != nullptr && LivenessPhase(c, rng);
}

}  // namespace internal

// Runs up to runs_max sampled runs; run r draws everything from
// Rng(seed + r), so one run can be rerun alone (--runs 1 --seed S+r).
// With options.liveness_steps > 0 every run is a bounded-liveness run: the
// chooser drives the fault phase (depth_max steps), then LivenessPhase.
template <Model M, template <typename> class ChooserT>
Outcome SampleWalks(const M& model, const ExploreOptions& options,
                    const char* name) {
  Outcome out;
  internal::Budget budget(options);
  Executor<M> ex(model);
  PropertyTracker<typename M::State> tracker(model.properties(), options.properties_off);
  absl::flat_hash_set<uint64_t> seen;
  const bool bounded = options.liveness_steps > 0;
  out.stop = Stop::kRuns;
  out.liveness_steps = options.liveness_steps;
  for (int64_t run = 0; run < options.limits.runs_max; ++run) {
    const uint64_t seed = options.seed + static_cast<uint64_t>(run);
    Rng rng(seed);
    std::optional<Obligations> owed;
    if (bounded) owed.emplace(model.properties().size(), options.liveness_steps);
    internal::RunContext<M> c{ex, options, tracker, seen, budget, run, out,
                              owed ? &*owed : nullptr};
    // The swarm profile and PCT priorities are drawn after the initial state
    // so that random runs keep RandomWalks' sequence of draws.
    if constexpr (requires(ChooserT<M>& c) { c.Init(0); }) {
      ChooserT<M> chooser(model, options, rng);
      ex.Reset(static_cast<int>(chooser.Init(model.InitCount())));
      if (internal::FullRun(c, chooser, rng)) {
        out.found_by = absl::StrCat(name, " ", chooser.Profile());
      }
    } else {
      const int init = static_cast<int>(rng.Below(model.InitCount()));
      ChooserT<M> chooser(model, options, rng);
      ex.Reset(init);
      if (internal::FullRun(c, chooser, rng)) {
        const std::string profile = chooser.Profile();
        out.found_by = absl::StrCat(name, " seed=", seed, " (run ", run, " of seed ",
                                    options.seed, ")", profile.empty() ? "" : " ",
                                    profile);
      }
    }
    if (bounded && !out.found_by.empty()) {
      absl::StrAppend(&out.found_by, " fault-steps=", options.fault_steps,
                      " liveness-steps=", options.liveness_steps);
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

// Sampling; with options.liveness_steps > 0, bounded liveness: the fault
// phase is options.fault_steps long (it replaces depth_max, also for PCT's
// change points).
template <Model M>
Outcome Sample(const M& model, const ExploreOptions& given) {
  ExploreOptions options = given;
  if (options.liveness_steps > 0) {
    FL_CHECK(options.fault_steps >= 0);
    FL_CHECK(options.strategy != Strategy::kBytes);
    options.limits.depth_max = options.fault_steps;
  }
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
