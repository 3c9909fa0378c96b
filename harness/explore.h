// Explorers: exhaustive search (BFS or DFS) and seeded random walks.
//
// All of them step through Executor::Apply, so a trace found by any explorer
// replays through the same code. BFS and DFS are one function that differs
// only in which end of the frontier it takes from: BFS finds a shortest
// counterexample, DFS reaches deep states with a smaller frontier.
//
// Every run is bounded (depth, distinct states, wall time, memory; runs for
// random walks). An outcome says which bound stopped it, so a bounded run is
// never mistaken for a complete one.
#ifndef FAULTLINE_HARNESS_EXPLORE_H_
#define FAULTLINE_HARNESS_EXPLORE_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "harness/executor.h"
#include "harness/liveness.h"

namespace faultline {

// kSwarm, kPct and kBytes (a fuzzer's input as the tape) are the sampling
// strategies of harness/strategies.h.
enum class Strategy { kBfs, kDfs, kRandom, kSwarm, kPct, kBytes };

struct Limits {
  int64_t depth_max = 100;
  int64_t states_max = 10'000'000;
  double seconds_max = 300;
  int64_t memory_mb_max = 8192;
  int64_t runs_max = 1000;  // random walks only
};

enum class Stop {
  kComplete,   // every reachable state (within depth_max) was explored
  kViolation,  // an Always property failed
  kStates,     // states_max reached
  kTime,       // seconds_max reached
  kMemory,     // memory_mb_max reached
  kRuns,       // random walks: runs_max walks done (sampling never completes)
};

inline const char* StopName(Stop s) {
  switch (s) {
    case Stop::kComplete: return "complete";
    case Stop::kViolation: return "violation";
    case Stop::kStates: return "states_max";
    case Stop::kTime: return "seconds_max";
    case Stop::kMemory: return "memory_mb_max";
    case Stop::kRuns: return "runs_max";
  }
  return "?";
}

struct Progress {
  int64_t states;
  int64_t transitions;
  int64_t depth;
  int64_t frontier;
  double seconds;
};

struct ExploreOptions {
  Strategy strategy = Strategy::kBfs;
  Limits limits;
  uint64_t seed = 0;
  std::function<void(const Progress&)> on_progress;  // about every 2 seconds
  int pct_depth = 3;                // pct: bug depth d (d-1 change points)
  std::span<const uint8_t> bytes;   // kBytes: the tape as bytes (not owned)
  // Partial-order reduction: depth-first search with sleep sets (por.h);
  // por_verify also checks every independence claim by running both orders.
  // por_safety_only reduces models with Eventually properties too, leaving
  // those unchecked (the verdict then cannot be pass).
  bool por = false;
  bool por_verify = false;
  bool por_safety_only = false;
  // Bounded liveness (sampling only, strategies.h): a fault phase of at most
  // fault_steps steps, then heal and require every owed Eventually goal
  // within liveness_steps steps. liveness_steps == 0: off (safety only).
  int64_t fault_steps = 0;
  int64_t liveness_steps = 0;
};

struct Outcome {
  Stop stop = Stop::kComplete;
  bool depth_cut = false;  // some state at depth_max had enabled actions
  int violated = -1;       // index into the model's properties
  Tape tape;               // the counterexample when stop == kViolation
  // Liveness counterexamples: the tape's steps from loop_start on return to
  // the state after step loop_start (a lasso); -1: the run stops where no fair
  // action is enabled; -2: not a liveness counterexample.
  int64_t loop_start = -2;
  bool liveness_checked = false;  // Eventually properties were decided
  std::vector<bool> sometimes_reached;
  int64_t states = 0;       // distinct states (fingerprints)
  int64_t transitions = 0;  // actions applied
  int64_t depth = 0;        // deepest step reached
  double seconds = 0;
  int64_t visited_bytes = 0;  // memory held by the visited set at the end
  // Sampling: the run that found the violation and what it drew (a swarm
  // profile, PCT change points); recorded in the trace's found-by line.
  std::string found_by;
  // Partial-order reduction (por.h): whether it was applied, the transitions
  // it skipped as asleep, and the maximal paths the search followed.
  bool reduced = false;
  int64_t pruned = 0;
  int64_t executions = 0;
  // Bounded liveness: the step after which the fault phase's damage was
  // repaired (heal, recoveries) when a run missed its goal; -1 otherwise.
  int64_t heal_step = -1;
  int64_t liveness_steps = 0;  // the budget the runs were held to (0: off)
};

namespace internal {

inline int64_t ResidentMegabytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long pages_total = 0, pages_resident = 0;
  const int read = std::fscanf(f, "%ld %ld", &pages_total, &pages_resident);
  std::fclose(f);
  return read == 2 ? pages_resident * 4096 / (1024 * 1024) : 0;
}

// Wall clock, progress reports and the time and memory bounds.
class Budget {
 public:
  explicit Budget(const ExploreOptions& o)
      : options_(o), start_(std::chrono::steady_clock::now()) {}

  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }

  // Called once per expanded state; looks at the clock every 1024 calls.
  bool Exceeded(const Progress& p, Stop* stop) {
    if ((++calls_ & 1023) != 0) return false;
    const double now = Seconds();
    if (now > options_.limits.seconds_max) {
      *stop = Stop::kTime;
      return true;
    }
    if (ResidentMegabytes() > options_.limits.memory_mb_max) {
      *stop = Stop::kMemory;
      return true;
    }
    if (options_.on_progress && now >= next_report_) {
      next_report_ = now + 2;
      Progress q = p;
      q.seconds = now;
      options_.on_progress(q);
    }
    return false;
  }

 private:
  const ExploreOptions& options_;
  std::chrono::steady_clock::time_point start_;
  uint64_t calls_ = 0;
  double next_report_ = 2;
};

}  // namespace internal

// Rebuilds the tape that reaches fingerprint `target` by following `parent`
// links back to an initial state, then replaying forward and picking, at each
// step, the action whose successor has the next fingerprint on the chain.
template <Model M>
Tape ReconstructTape(
    const M& model, const absl::flat_hash_map<uint64_t, uint64_t>& parent,
    uint64_t target) {
  std::vector<uint64_t> chain{target};
  for (uint64_t fp = target; parent.at(fp) != fp; fp = parent.at(fp)) {
    chain.push_back(parent.at(fp));
    FL_CHECK(chain.size() <= parent.size());
  }
  std::reverse(chain.begin(), chain.end());
  Executor<M> ex(model);
  int init = 0;
  for (; init < model.InitCount(); ++init) {
    ex.Reset(init);
    if (ex.Fingerprint() == chain[0]) break;
  }
  FL_CHECK(init < model.InitCount());
  Tape tape{init, {}};
  std::vector<typename M::Action> actions;
  for (size_t k = 1; k < chain.size(); ++k) {
    const auto snapshot = ex.Take();
    ex.Restore(snapshot);
    ex.Actions(actions);
    bool found = false;
    for (uint32_t i = 0; i < actions.size() && !found; ++i) {
      if (i > 0) ex.Restore(snapshot);
      ex.Apply(i, actions[i]);
      found = ex.Fingerprint() == chain[k];
      if (found) tape.choices.push_back(i);
    }
    FL_CHECK(found);
  }
  return tape;
}

// Labels the enabled actions of the current state for the liveness graph:
// fair ones by their text, the others as unfair.
template <Model M>
void LabelFairActions(const M& model, const Executor<M>& ex,
                      const std::vector<typename M::Action>& actions,
                      LivenessGraph& graph, uint32_t index,
                      std::vector<uint32_t>& labels) {
  labels.assign(actions.size(), LivenessGraph::kUnfair);
  std::vector<std::string> texts;
  for (size_t i = 0; i < actions.size(); ++i) {
    if (!IsFair(model, ex.state(), actions[i])) continue;
    texts.push_back(model.Describe(ex.state(), actions[i]));
    labels[i] = graph.Label(texts.back());
  }
  graph.SetFairEnabled(index, texts);
}

// Exhaustive search, breadth-first or depth-first.
template <Model M>
Outcome Search(const M& model, const ExploreOptions& options) {
  using Snapshot = typename Executor<M>::Snapshot;
  struct Item {
    Snapshot snapshot;
    uint64_t fp;
    int64_t depth;
    uint32_t index;  // in the liveness graph
  };
  Outcome out;
  internal::Budget budget(options);
  Executor<M> ex(model);
  PropertyTracker<typename M::State> tracker(model.properties());
  absl::flat_hash_map<uint64_t, uint64_t> parent;  // fingerprint -> parent's
  std::deque<Item> frontier;
  uint64_t violating_fp = 0;
  std::vector<int> eventually;  // indices of Eventually properties
  for (size_t i = 0; i < model.properties().size(); ++i) {
    if (model.properties()[i].kind == PropertyKind::kEventually) {
      eventually.push_back(static_cast<int>(i));
    }
  }
  LivenessGraph graph;  // recorded only when there is liveness to check

  // Records a newly reached state; false if the search must stop.
  auto visit = [&](uint64_t fp, uint64_t from, int64_t depth, int init) {
    if (!parent.emplace(fp, from).second) return true;
    ++out.states;
    out.depth = std::max(out.depth, depth);
    out.violated = tracker.Check(ex.state());
    if (out.violated >= 0) {
      out.stop = Stop::kViolation;
      violating_fp = fp;
      return false;
    }
    uint32_t index = 0;
    if (!eventually.empty()) {
      std::vector<bool> goals, triggers;
      for (int k : eventually) {
        const auto& p = model.properties()[k];
        goals.push_back(p.holds(ex.state()));
        triggers.push_back(p.trigger ? p.trigger(ex.state()) : init >= 0);
      }
      index = graph.AddState(fp, std::move(goals), std::move(triggers), init);
    }
    frontier.push_back({ex.Take(), fp, depth, index});
    return true;
  };

  bool go = true;
  for (int init = 0; init < model.InitCount() && go; ++init) {
    ex.Reset(init);
    const uint64_t fp = ex.Fingerprint();
    go = visit(fp, fp, 0, init);
  }
  std::vector<typename M::Action> actions;
  std::vector<uint32_t> labels;
  while (go && !frontier.empty()) {
    Item item = std::move(options.strategy == Strategy::kDfs
                              ? frontier.back()
                              : frontier.front());
    if (options.strategy == Strategy::kDfs) {
      frontier.pop_back();
    } else {
      frontier.pop_front();
    }
    const Progress progress{out.states, out.transitions, out.depth,
                            static_cast<int64_t>(frontier.size()), 0};
    if (budget.Exceeded(progress, &out.stop)) break;
    ex.Restore(item.snapshot);
    ex.Actions(actions);
    if (!actions.empty() && item.depth >= options.limits.depth_max) {
      out.depth_cut = true;
      continue;
    }
    if (!eventually.empty()) LabelFairActions(model, ex, actions, graph, item.index, labels);
    for (uint32_t i = 0; i < actions.size() && go; ++i) {
      if (i > 0) ex.Restore(item.snapshot);
      ex.Apply(i, actions[i]);
      ++out.transitions;
      const uint64_t fp = ex.Fingerprint();
      go = visit(fp, item.fp, item.depth + 1, -1);
      if (go && !eventually.empty()) {
        graph.AddEdge({item.index, graph.IndexOf(fp), i, labels[i]});
      }
      if (go && out.states >= options.limits.states_max) {
        out.stop = Stop::kStates;
        go = false;
      }
    }
  }
  out.sometimes_reached = tracker.reached();
  out.seconds = budget.Seconds();
  out.visited_bytes = static_cast<int64_t>(
      parent.capacity() * (sizeof(std::pair<uint64_t, uint64_t>) + 1));
  if (out.stop == Stop::kViolation) {
    out.tape = ReconstructTape(model, parent, violating_fp);
  } else if (!eventually.empty() && out.stop == Stop::kComplete && !out.depth_cut) {
    out.liveness_checked = true;
    if (auto v = graph.FindViolation(eventually)) {
      out.stop = Stop::kViolation;
      out.violated = v->property;
      out.tape = std::move(v->tape);
      out.loop_start = v->loop_start;
    }
    out.seconds = budget.Seconds();
  }
  return out;
}

// Seeded random walks from the initial states, each up to depth_max steps,
// until runs_max walks, a violation or another bound. Walk r draws from
// Rng(seed + r), so one walk can be rerun alone. The walk loop lives in
// strategies.h (SampleWalks with the uniform chooser).
template <Model M>
Outcome RandomWalks(const M& model, const ExploreOptions& options);

template <Model M>
Outcome Sample(const M& model, const ExploreOptions& options);  // strategies.h

template <Model M>
Outcome PorExplore(const M& model, const ExploreOptions& options);  // por.h

template <Model M>
Outcome Explore(const M& model, const ExploreOptions& options) {
  if (options.por) return PorExplore(model, options);
  if (options.strategy == Strategy::kBfs || options.strategy == Strategy::kDfs) {
    return Search(model, options);
  }
  return Sample(model, options);
}

}  // namespace faultline

#include "harness/strategies.h"  // Sample: random, swarm, pct, bytes
#include "harness/por.h"  // PorSearch: sleep-set DFS

#endif  // FAULTLINE_HARNESS_EXPLORE_H_
