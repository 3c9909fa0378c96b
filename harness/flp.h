// FLP as executions: valence, bivalent initial configurations, and the
// adversary that keeps a consensus protocol undecided forever.
//
// Fischer, Lynch and Paterson (JACM 1985) prove that no deterministic protocol
// solves consensus in the asynchronous model if one process may crash. The
// proof is constructive, and this file follows it on a bounded model:
//   - ConsensusModel<P>: the initial configurations are the input vectors
//     (one ActorModel per vector; P's handlers must read a process's input
//     only from its node state, which Init sets). Decided(s) says which
//     values have been decided in s.
//   - ValenceOracle: the valence of a configuration is the set of decision
//     values reachable from it. Exhaustively: explore every reachable state
//     (crash events included, as the world's budget says), record the graph
//     and propagate decided values backwards to a fixpoint; exact when the
//     graph is complete. Past `graph_states_max` it samples instead: seeded
//     random walks from the state; a value found is reachable (sound), a
//     value not found may still be (so only bivalence is certified).
//   - Lemma 2: some initial configuration is bivalent (or two adjacent ones,
//     differing in one input, are 0- and 1-valent: then the protocol cannot
//     tolerate the crash of the process they differ in).
//   - Lemma 3, the adversary: from a bivalent configuration take the oldest
//     pending message e; find the shortest schedule s of other events (no
//     crash, e not delivered) such that delivering e after s leaves the
//     configuration bivalent and undecided; apply s, then e; repeat. Every
//     message is delivered in the phase where it is the oldest, so the run
//     is admissible (fair, no crash), and nobody ever decides.
// The adversary stops when it has taken `steps_max` steps (a fair bivalent
// prefix), or when no schedule within `schedule_states_max` keeps the result
// bivalent and undecided (the protocol forces a decision: then FLP says it is
// unsafe or blocks under a crash).
//
// Costs: the graph holds one copy of every reachable world while it is
// built; a walk query costs walks * walk_steps steps.
#ifndef FAULTLINE_HARNESS_FLP_H_
#define FAULTLINE_HARNESS_FLP_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "harness/assert.h"
#include "harness/checker.h"
#include "harness/random.h"
#include "harness/view.h"
#include "harness/world.h"

namespace faultline {

// Decision values as a bitmask: bit v set when v is decided or reachable.
using Valence = uint8_t;
inline constexpr Valence kBivalent = 3;

// "{0,1}", "{0}", "{1}", "{}"; inexact answers (sampled) get a leading ">=".
std::string ValenceText(Valence v, bool exact);

template <typename P>
class ConsensusModel {
 public:
  using State = World<P>;
  using Action = Event;

  ConsensusModel(P protocol, WorldOptions world) {
    const int k = protocol.InputCount();
    FL_CHECK(k >= 1 && k <= 8);
    for (uint32_t v = 0; v < (uint32_t{1} << k); ++v) {
      P p = protocol;
      p.inputs = v;
      models_.push_back(std::make_unique<const ActorModel<P>>(std::move(p), world));
    }
  }
  ConsensusModel(const ConsensusModel&) = delete;
  ConsensusModel& operator=(const ConsensusModel&) = delete;

  int InitCount() const { return static_cast<int>(models_.size()); }
  State Init(int index) const {
    FL_CHECK(index >= 0 && index < InitCount());
    return models_[index]->Init(0);
  }
  // Every model differs only in Init, so model 0 steps them all.
  void Actions(const State& s, std::vector<Event>& out) const { base().Actions(s, out); }
  void Step(State& s, const Event& e, std::string* narration) const {
    base().Step(s, e, narration);
  }
  std::string Describe(const State& s, const Event& e) const { return base().Describe(s, e); }
  std::string DescribeState(const State& s) const { return base().DescribeState(s); }
  uint64_t Digest(const State& s) const { return base().Digest(s); }
  bool Dedupable() const { return base().Dedupable(); }
  const std::vector<Property<State>>& properties() const { return base().properties(); }
  bool Fair(const State& s, const Event& e) const { return base().Fair(s, e); }
  std::vector<std::string> FaultClassNames() const { return base().FaultClassNames(); }
  int FaultClass(const State& s, const Event& e) const { return base().FaultClass(s, e); }
  int ActorOf(const State& s, const Event& e) const { return base().ActorOf(s, e); }
  const P& protocol() const { return base().protocol(); }
  std::string Name(NodeId n) const { return base().Name(n); }

  // The values decided in `s` (its observations; a crashed process's
  // decision counts: it was output).
  Valence Decided(const State& s) const {
    Valence v = 0;
    for (const auto& o : s.history) {
      FL_CHECK(o.value.value == 0 || o.value.value == 1);
      v |= Valence{1} << o.value.value;
    }
    return v;
  }
  // "p0=0 p1=1 ..." for initial configuration `index`.
  std::string Inputs(int index) const {
    std::string s;
    for (int n = 0; n < protocol().InputCount(); ++n) {
      absl::StrAppend(&s, n == 0 ? "" : " ", Name(n), "=", (index >> n) & 1);
    }
    return s;
  }

 private:
  const ActorModel<P>& base() const { return *models_[0]; }
  std::vector<std::unique_ptr<const ActorModel<P>>> models_;
};

struct FlpOptions {
  int64_t graph_states_max = 1'000'000;  // exact valence up to this many states
  int walks = 64;                        // sampled valence: walks per query
  int walk_steps = 400;                  // and steps per walk
  int64_t steps_max = 60;                // adversary: length of the run
  int64_t schedule_states_max = 20'000;  // adversary: Lemma 3 search per phase
};

bool IsFault(const Event& e);

// The valence of any reachable state of a ConsensusModel (see the top).
template <typename P>
class ValenceOracle {
 public:
  using M = ConsensusModel<P>;
  using State = typename M::State;
  struct Answer {
    Valence valence = 0;
    bool exact = false;
  };

  ValenceOracle(const M& model, const FlpOptions& options)
      : model_(model), options_(options) {
    complete_ = options.graph_states_max > 0 && Explore();
    explored_ = static_cast<int64_t>(valence_.size());
    if (!complete_) {  // a partial graph is dropped: walks answer every query
      index_.clear();
      valence_.clear();
    }
  }

  bool exact() const { return complete_; }
  // States explored for the graph (complete or not) and its edges.
  int64_t states() const { return explored_; }
  int64_t edges() const { return edges_; }

  Answer Of(const State& s) const {
    if (complete_) {
      const auto it = index_.find(model_.Digest(s));
      FL_CHECK(it != index_.end());  // every reachable state is in the graph
      return {valence_[it->second], true};
    }
    return {Sample(s), false};
  }

 private:
  // Builds the graph and propagates; false if it outgrew graph_states_max.
  bool Explore() {
    std::deque<std::pair<State, uint32_t>> queue;
    std::vector<std::pair<uint32_t, uint32_t>> edges;  // (from, to)
    auto add = [&](State s) -> std::optional<uint32_t> {
      const auto [it, fresh] =
          index_.emplace(model_.Digest(s), static_cast<uint32_t>(valence_.size()));
      if (!fresh) return it->second;
      if (static_cast<int64_t>(valence_.size()) >= options_.graph_states_max) {
        return std::nullopt;
      }
      valence_.push_back(model_.Decided(s));
      queue.emplace_back(std::move(s), it->second);
      return it->second;
    };
    for (int i = 0; i < model_.InitCount(); ++i) {
      if (!add(model_.Init(i))) return false;
    }
    std::vector<Event> actions;
    while (!queue.empty()) {
      auto [s, from] = std::move(queue.front());
      queue.pop_front();
      model_.Actions(s, actions);
      for (const Event& e : actions) {
        State t = s;
        model_.Step(t, e, nullptr);
        const std::optional<uint32_t> to = add(std::move(t));
        if (!to) return false;
        edges.emplace_back(from, *to);
      }
    }
    edges_ = static_cast<int64_t>(edges.size());
    Propagate(edges);
    return true;
  }

  // valence(s) = decided(s) | valence of every successor, to a fixpoint:
  // a backward search per value over the reversed edges.
  void Propagate(const std::vector<std::pair<uint32_t, uint32_t>>& edges) {
    const size_t n = valence_.size();
    std::vector<uint32_t> begin(n + 1, 0), from(edges.size());
    for (const auto& e : edges) ++begin[e.second + 1];
    for (size_t i = 0; i < n; ++i) begin[i + 1] += begin[i];
    std::vector<uint32_t> fill(begin.begin(), begin.end() - 1);
    for (const auto& e : edges) from[fill[e.second]++] = e.first;
    for (Valence bit : {Valence{1}, Valence{2}}) {
      std::vector<uint32_t> work;
      for (uint32_t s = 0; s < n; ++s) {
        if (valence_[s] & bit) work.push_back(s);
      }
      while (!work.empty()) {
        const uint32_t s = work.back();
        work.pop_back();
        for (uint32_t i = begin[s]; i < begin[s + 1]; ++i) {
          if (valence_[from[i]] & bit) continue;
          valence_[from[i]] |= bit;
          work.push_back(from[i]);
        }
      }
    }
  }

  // Seeded random walks over fault-free events; the seed is the state's
  // digest, so the answer is a function of the state.
  Valence Sample(const State& start) const {
    Valence found = model_.Decided(start);
    std::vector<Event> actions, ok;
    for (int w = 0; w < options_.walks && found != kBivalent; ++w) {
      Rng rng(model_.Digest(start) + static_cast<uint64_t>(w));
      State s = start;
      for (int k = 0; k < options_.walk_steps && found != kBivalent; ++k) {
        model_.Actions(s, actions);
        ok.clear();
        for (const Event& e : actions) {
          if (!IsFault(e)) ok.push_back(e);
        }
        if (ok.empty()) break;
        model_.Step(s, ok[rng.Below(ok.size())], nullptr);
        found |= model_.Decided(s);
      }
    }
    return found;
  }

  const M& model_;
  FlpOptions options_;
  bool complete_ = false;
  int64_t explored_ = 0;
  absl::flat_hash_map<uint64_t, uint32_t> index_;  // digest -> state
  std::vector<Valence> valence_;
  int64_t edges_ = 0;
};

// The valence of every initial configuration (Lemma 2).
struct InitialValence {
  int init;
  std::string inputs;
  Valence valence;
  bool exact;
};

template <typename P>
std::vector<InitialValence> InitialValences(const ConsensusModel<P>& model,
                                            const ValenceOracle<P>& oracle) {
  std::vector<InitialValence> out;
  for (int i = 0; i < model.InitCount(); ++i) {
    const auto a = oracle.Of(model.Init(i));
    out.push_back({i, model.Inputs(i), a.valence, a.exact});
  }
  return out;
}

// What the adversary did.
struct AdversaryRun {
  Tape tape;
  bool completed = false;  // took steps_max steps, bivalent and undecided
  std::string stopped;     // otherwise why it stopped
  int64_t phases = 0;      // oldest messages delivered
  int64_t delayed = 0;     // phases that needed a non-empty schedule first
  int64_t delay_max = 0;   // the longest such schedule
  std::vector<Valence> valences;  // after 0, 1, ... steps
  bool exact = false;             // valences from a complete graph
};

namespace internal {

// The messages pending in a run, oldest first. Messages sent by one step
// enter in the world's network order.
template <typename Msg>
class AgeQueue {
 public:
  using Env = Envelope<Msg>;
  void Start(const std::vector<Env>& network) { pending_ = network; }
  const Env* Oldest() const { return pending_.empty() ? nullptr : &pending_.front(); }
  // `delivered` left the network (nullptr: none) and `after` is the network now.
  void Step(const Env* delivered, const std::vector<Env>& after) {
    if (delivered != nullptr) {
      const auto it = std::find(pending_.begin(), pending_.end(), *delivered);
      FL_CHECK(it != pending_.end());
      pending_.erase(it);
    }
    std::vector<Env> old = pending_;
    std::sort(old.begin(), old.end());
    for (const Env& e : after) {  // the multiset difference after - old
      const auto it = std::lower_bound(old.begin(), old.end(), e);
      if (it != old.end() && *it == e) {
        old.erase(it);
      } else {
        pending_.push_back(e);
      }
    }
    FL_CHECK(old.empty());  // nothing left the network but `delivered`
  }

 private:
  std::vector<Env> pending_;
};

template <typename P>
int DeliveryOf(const ConsensusModel<P>& model, const World<P>& w,
               const Envelope<typename P::Msg>& e, std::vector<Event>& actions) {
  model.Actions(w, actions);
  for (size_t i = 0; i < actions.size(); ++i) {
    if (actions[i].kind == EventKind::kDeliver && w.network[actions[i].arg] == e) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace internal

// Lemma 3 once: the shortest schedule (choices) of fault-free events that
// neither deliver `e` nor decide, after which delivering `e` leaves the
// world bivalent and undecided; nullopt if none within the bound.
template <typename P>
std::optional<std::vector<uint32_t>> KeepBivalent(
    const ConsensusModel<P>& model, const ValenceOracle<P>& oracle,
    const World<P>& start, const Envelope<typename P::Msg>& e,
    int64_t states_max) {
  struct Node {
    World<P> w;
    std::vector<uint32_t> path;
  };
  std::deque<Node> queue;
  absl::flat_hash_map<uint64_t, bool> seen;
  queue.push_back({start, {}});
  seen[model.Digest(start)] = true;
  std::vector<Event> actions;
  while (!queue.empty()) {
    Node n = std::move(queue.front());
    queue.pop_front();
    const int d = internal::DeliveryOf(model, n.w, e, actions);
    FL_CHECK(d >= 0);  // e stays deliverable: no crash, nobody consumed it
    World<P> after = n.w;
    model.Step(after, actions[d], nullptr);
    if (model.Decided(after) == 0 && oracle.Of(after).valence == kBivalent) {
      return std::move(n.path);
    }
    for (uint32_t i = 0; i < actions.size(); ++i) {
      const Event& a = actions[i];
      if (IsFault(a) || static_cast<int>(i) == d) continue;
      if (a.kind == EventKind::kDeliver && n.w.network[a.arg] == e) continue;
      World<P> next = n.w;
      model.Step(next, a, nullptr);
      if (model.Decided(next) != 0) continue;
      if (!seen.emplace(model.Digest(next), true).second) continue;
      if (static_cast<int64_t>(seen.size()) > states_max) return std::nullopt;
      std::vector<uint32_t> path = n.path;
      path.push_back(i);
      queue.push_back({std::move(next), std::move(path)});
    }
  }
  return std::nullopt;
}

// Lemma 3 repeated from initial configuration `init` (which should be
// bivalent): the adversary's run.
template <typename P>
AdversaryRun RunAdversary(const ConsensusModel<P>& model,
                          const ValenceOracle<P>& oracle, int init,
                          const FlpOptions& options) {
  AdversaryRun run;
  run.exact = oracle.exact();
  run.tape.init = init;
  World<P> w = model.Init(init);
  internal::AgeQueue<typename P::Msg> ages;
  ages.Start(w.network);
  run.valences.push_back(oracle.Of(w).valence);
  if (run.valences.back() != kBivalent || model.Decided(w) != 0) {
    run.stopped = "the initial configuration is not bivalent";
    return run;
  }
  std::vector<Event> actions;
  auto apply = [&](uint32_t choice) {
    model.Actions(w, actions);
    FL_CHECK(choice < actions.size());
    const Event e = actions[choice];
    FL_CHECK(!IsFault(e));
    std::optional<Envelope<typename P::Msg>> delivered;
    if (e.kind == EventKind::kDeliver) delivered = w.network[e.arg];
    model.Step(w, e, nullptr);
    ages.Step(delivered ? &*delivered : nullptr, w.network);
    run.tape.choices.push_back(choice);
    run.valences.push_back(oracle.Of(w).valence);
  };
  while (static_cast<int64_t>(run.tape.choices.size()) < options.steps_max) {
    const auto* oldest = ages.Oldest();
    if (oldest == nullptr) {
      run.stopped = "no message is pending: the run stops undecided";
      return run;
    }
    const Envelope<typename P::Msg> e = *oldest;
    const auto schedule =
        KeepBivalent(model, oracle, w, e, options.schedule_states_max);
    if (!schedule) {
      run.stopped = absl::StrCat(
          "after ", run.tape.choices.size(), " steps no schedule (within ",
          options.schedule_states_max,
          " states) delivers the oldest message and stays bivalent and undecided");
      return run;
    }
    for (uint32_t c : *schedule) apply(c);
    const int d = internal::DeliveryOf(model, w, e, actions);
    FL_CHECK(d >= 0);
    apply(static_cast<uint32_t>(d));
    ++run.phases;
    run.delayed += !schedule->empty();
    run.delay_max = std::max<int64_t>(run.delay_max, schedule->size());
  }
  run.completed = true;
  return run;
}

// The adversary that ignores valence: delivers the oldest pending message,
// `steps` times (or until none is pending). Returns the tape.
template <typename P>
Tape OldestFirst(const ConsensusModel<P>& model, int init, size_t steps) {
  World<P> w = model.Init(init);
  internal::AgeQueue<typename P::Msg> ages;
  ages.Start(w.network);
  Tape tape{init, {}};
  std::vector<Event> actions;
  while (tape.choices.size() < steps && ages.Oldest() != nullptr) {
    const Envelope<typename P::Msg> e = *ages.Oldest();
    const int d = internal::DeliveryOf(model, w, e, actions);
    FL_CHECK(d >= 0);
    model.Step(w, actions[d], nullptr);
    ages.Step(&e, w.network);
    tape.choices.push_back(static_cast<uint32_t>(d));
  }
  return tape;
}

// A trace of an adversary run or any other trace of a consensus entry, with
// valence: replay judges kFlpProperty traces (see traces/README.md) and
// delegates the others; View marks every state with its valence.
template <typename P>
class FlpChecker final : public Checker {
 public:
  FlpChecker(P protocol, WorldOptions world, FlpOptions options)
      : options_(options) {
    auto model = std::make_unique<const ConsensusModel<P>>(std::move(protocol), world);
    model_ = model.get();
    inner_ = std::make_unique<ModelChecker<ConsensusModel<P>>>(std::move(model));
  }

  const ConsensusModel<P>& model() const { return *model_; }
  const FlpOptions& options() const { return options_; }
  // Built on first use: exploring the graph is the expensive part.
  const ValenceOracle<P>& oracle() const {
    if (!oracle_) oracle_ = std::make_unique<ValenceOracle<P>>(*model_, options_);
    return *oracle_;
  }

  std::vector<PropertyInfo> Properties() const override { return inner_->Properties(); }
  Outcome Explore(const ExploreOptions& o) const override { return inner_->Explore(o); }
  Trace Record(const Tape& tape) const override { return inner_->Record(tape); }
  KeyAudit AuditKeys(int64_t states_max) const override {
    return inner_->AuditKeys(states_max);
  }
  std::optional<Tape> RunEvents(int init, const std::vector<std::string>& events,
                                const std::string& property) const override {
    return inner_->RunEvents(init, events, property);
  }

  ReplayResult Replay(const Trace& trace, std::string* narration) const override {
    if (trace.property != kFlpProperty) return inner_->Replay(trace, narration);
    return ReplayAdversary(trace, narration);
  }

  absl::StatusOr<TraceView> View(const Trace& trace) const override {
    TraceView view;
    if (trace.property == kFlpProperty) {
      const ReplayResult r = Replay(trace, nullptr);
      if (r.kind == ReplayResult::Kind::kDiverged) {
        return absl::InvalidArgumentError(
            absl::StrCat("the trace does not replay: ", r.message));
      }
      view = BuildView(*model_, TapeOf(trace), -1);
      view.protocol = trace.protocol;
      view.property = trace.property;
      if (r.kind != ReplayResult::Kind::kReproduced) {
        return absl::InvalidArgumentError(
            absl::StrCat("not an FLP adversary run: ", r.message));
      }
      // Not a counterexample: say what the run shows instead.
      view.verdict = absl::StrCat("FLP adversary: bivalent and undecided after every one of ",
                                  trace.steps.size(),
                                  " steps, no crash; each phase delivers the then-oldest message");
    } else {
      FL_ASSIGN_OR_RETURN(view, inner_->View(trace));
    }
    MarkValences(trace, view);
    return view;
  }

 private:
  static Tape TapeOf(const Trace& trace) {
    Tape tape{trace.init, {}};
    for (const TraceStep& s : trace.steps) tape.choices.push_back(s.choice);
    return tape;
  }

  void MarkValences(const Trace& trace, TraceView& view) const {
    Executor<ConsensusModel<P>> ex(*model_);
    ex.Reset(trace.init);
    std::vector<Event> actions;
    for (size_t k = 0; k < view.steps.size(); ++k) {
      if (k > 0) {
        ex.Actions(actions);
        ex.Apply(trace.steps[k - 1].choice, actions[trace.steps[k - 1].choice]);
      }
      const auto a = oracle().Of(ex.state());
      absl::StrAppend(&view.steps[k].event, "  valence ", ValenceText(a.valence, a.exact));
    }
  }

  ReplayResult ReplayAdversary(const Trace& trace, std::string* narration) const;

  FlpOptions options_;
  const ConsensusModel<P>* model_;
  std::unique_ptr<ModelChecker<ConsensusModel<P>>> inner_;
  mutable std::unique_ptr<ValenceOracle<P>> oracle_;
};

// Judges an adversary trace: it must replay step for step (digests), take no
// fault event, leave every state undecided and bivalent, and deliver, in
// every phase, the message that was oldest when the phase began.
template <typename P>
ReplayResult FlpChecker<P>::ReplayAdversary(const Trace& trace,
                                            std::string* narration) const {
  const ReplayResult replayed = inner_->Replay(
      [&] {
        Trace t = trace;  // the steps alone, judged as a safety trace
        t.property = "agreement";
        t.loop_start = Trace::kSafety;
        return t;
      }(),
      narration);
  if (replayed.kind == ReplayResult::Kind::kDiverged) return replayed;
  auto fail = [](std::string m) {
    return ReplayResult{ReplayResult::Kind::kNotViolated, std::move(m)};
  };
  if (trace.loop_start != Trace::kSafety) {
    return fail("an FLP adversary trace is a prefix and has no loop line");
  }
  World<P> w = model_->Init(trace.init);
  internal::AgeQueue<typename P::Msg> ages;
  ages.Start(w.network);
  std::optional<Envelope<typename P::Msg>> phase_oldest;
  int64_t phases = 0, delay = 0, delay_max = 0;
  std::vector<Event> actions;
  for (size_t k = 0; k <= trace.steps.size(); ++k) {
    const auto a = oracle().Of(w);
    if (model_->Decided(w) != 0) return fail(absl::StrCat("a process decides after step ", k));
    if (a.valence != kBivalent) {
      return fail(absl::StrCat("the state after step ", k, " is not bivalent (valence ",
                               ValenceText(a.valence, a.exact), ")"));
    }
    if (k == trace.steps.size()) break;
    model_->Actions(w, actions);
    const Event e = actions[trace.steps[k].choice];
    if (IsFault(e)) return fail(absl::StrCat("step ", k + 1, " is a fault: ", trace.steps[k].event));
    if (!phase_oldest) phase_oldest = *ages.Oldest();
    std::optional<Envelope<typename P::Msg>> delivered;
    if (e.kind == EventKind::kDeliver) delivered = w.network[e.arg];
    model_->Step(w, e, nullptr);
    ages.Step(delivered ? &*delivered : nullptr, w.network);
    if (delivered && *delivered == *phase_oldest) {
      ++phases;
      delay_max = std::max(delay_max, delay);
      delay = 0;
      phase_oldest.reset();
    } else {
      ++delay;
    }
  }
  if (phase_oldest) {
    return fail("the run ends inside a phase: its oldest message is not delivered");
  }
  ReplayResult r{ReplayResult::Kind::kReproduced,
                 absl::StrCat(kFlpProperty, ": ", trace.steps.size(),
                              " steps without a crash or a decision, every state bivalent ",
                              oracle().exact() ? "(exact valence)" : "(sampled valence)",
                              "; ", phases, " phases each deliver the oldest pending message, "
                              "after at most ", delay_max, " other steps")};
  if (narration) absl::StrAppend(narration, ">>> ", r.message, "\n");
  return r;
}

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_FLP_H_
