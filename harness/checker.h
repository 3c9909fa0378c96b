// Checker: one model, type-erased, with everything the CLI and tests do to it.
//
// Explorers and the executor are templates over a model; the command line and
// the registry are not. ModelChecker<M> is the bridge: explore, turn a tape
// into a trace (events in words, a digest per step), and replay a trace,
// optionally narrating every step for `faultline show`.
#ifndef FAULTLINE_HARNESS_CHECKER_H_
#define FAULTLINE_HARNESS_CHECKER_H_

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "harness/executor.h"
#include "harness/explore.h"
#include "harness/liveness.h"
#include "harness/model.h"
#include "harness/symmetry.h"
#include "harness/trace.h"
#include "harness/view.h"
#include "harness/world.h"

namespace faultline {

struct PropertyInfo {
  std::string name;
  PropertyKind kind;
};

struct ReplayResult {
  enum class Kind {
    kReproduced,   // every step matched and the property fails at the end
    kDiverged,     // a step's choice, event or digest differs
    kNotViolated,  // every step matched but the property holds at the end
  };
  Kind kind = Kind::kDiverged;
  std::string message;
};

class Checker {
 public:
  virtual ~Checker() = default;
  virtual std::vector<PropertyInfo> Properties() const = 0;
  virtual Outcome Explore(const ExploreOptions& options) const = 0;
  // Re-runs `tape` and writes its steps (choice, event, digest) into a trace.
  virtual Trace Record(const Tape& tape) const = 0;
  // Re-runs a trace, checking every step; with `narration`, describes each
  // step and the state it changed, as `faultline show` prints it.
  virtual ReplayResult Replay(const Trace& trace,
                              std::string* narration) const = 0;
  // Shrinking: re-runs the wanted event texts from initial state `init`,
  // skipping those not enabled, up to the first state where Always property
  // `property` fails; that run's tape, or nullopt (see RunWantedEvents).
  virtual std::optional<Tape> RunEvents(int init,
                                        const std::vector<std::string>& events,
                                        const std::string& property) const = 0;
  // The trace as structured steps for diagrams (harness/view.h); an error
  // naming the step if it does not replay.
  virtual absl::StatusOr<TraceView> View(const Trace& trace) const = 0;
  // Fingerprints against digests on up to `states_max` states reached by
  // breadth-first search from every initial state: each count of distinct
  // values. The visited set keys on fingerprints and traces on digests, so
  // the three counts must be equal (tests/fingerprint_test.cc).
  struct KeyAudit {
    int64_t digests = 0, fingerprints = 0, pairs = 0;
  };
  virtual KeyAudit AuditKeys(int64_t states_max) const = 0;
  // What `--symmetry` does here (harness/symmetry.h): on, or off and why.
  // By default off: a checker without a model that declares symmetry.
  virtual SymmetryStatus Symmetry() const {
    SymmetryStatus none;
    none.note = "off: this model declares no interchangeable nodes";
    return none;
  }
  // What `--prune-stale` does here (docs/stale.md): on, or off and why.
  virtual ReductionStatus StaleMessages() const {
    ReductionStatus none;
    none.note = "off: this model declares no stale messages";
    return none;
  }
};

// What a replayed liveness counterexample showed: the digests along it,
// whether the goal ever held, and on the loop, which fair events were enabled
// in every state and which were taken.
struct LoopWitness {
  std::vector<uint64_t> digests;  // after 0, 1, ... steps
  std::vector<bool> goals;        // the goal holds after 0, 1, ... steps
  std::vector<bool> triggers;     // the goal is owed from there on
  bool first = true;

  template <typename S>
  void Mark(const Property<S>& p, const S& s) {
    goals.push_back(p.holds(s));
    triggers.push_back(p.trigger ? p.trigger(s) : goals.size() == 1);
  }
  // A trigger after the last state where the goal held: the goal is owed
  // and never paid along the rest of the run.
  bool GoalOwedForever() const {
    size_t from = 0;
    for (size_t i = 0; i < goals.size(); ++i) {
      if (goals[i]) from = i + 1;
    }
    for (size_t i = from; i < triggers.size(); ++i) {
      if (triggers[i]) return true;
    }
    return false;
  }
  std::vector<std::string> always_enabled;  // sorted
  std::vector<std::string> taken;

  void Observe(std::vector<std::string> enabled, bool fair, const std::string& event) {
    std::sort(enabled.begin(), enabled.end());
    if (first) {
      always_enabled = std::move(enabled);
      first = false;
    } else {
      std::vector<std::string> both;
      std::set_intersection(always_enabled.begin(), always_enabled.end(),
                            enabled.begin(), enabled.end(), std::back_inserter(both));
      always_enabled = std::move(both);
    }
    if (fair) taken.push_back(event);
  }
};

// What a replayed bounded-liveness counterexample showed (strategies.h): the
// obligations along it, and whether its liveness phase was clean.
struct BoundedWitness {
  Obligations owed;
  int property = -1;            // the Eventually property the trace names
  int64_t fault_after_heal = 0;  // first step after the heal that is a fault
  bool repair_left = false;     // a heal or recovery still enabled at the heal
  bool calm_at_end = false;     // a non-fault event is enabled at the end
};

// Judges a replayed bounded-liveness counterexample.
ReplayResult ReplayBounded(const Trace& trace, const BoundedWitness& w,
                           std::string* narration);

// Judges a replayed liveness counterexample (see harness/liveness.h).
ReplayResult ReplayLiveness(const Trace& trace, const LoopWitness& loop,
                            const std::vector<std::string>& fair_at_end,
                            std::string* narration);

template <Model M>
Checker::KeyAudit AuditFingerprints(const M& model, int64_t states_max) {
  absl::flat_hash_set<uint64_t> digests, fingerprints;
  absl::flat_hash_set<std::pair<uint64_t, uint64_t>> pairs;
  std::deque<typename M::State> frontier;
  Executor<M> ex(model);
  std::vector<typename M::Action> actions;
  auto admit = [&] {
    if (!pairs.insert({ex.Digest(), ex.Fingerprint()}).second) return;
    digests.insert(ex.Digest());
    fingerprints.insert(ex.Fingerprint());
    frontier.push_back(ex.state());
  };
  for (int init = 0; init < model.InitCount(); ++init) {
    ex.Reset(init);
    admit();
  }
  while (!frontier.empty() && static_cast<int64_t>(pairs.size()) < states_max) {
    const typename M::State state = std::move(frontier.front());
    frontier.pop_front();
    ex.Restore(state);
    ex.Actions(actions);
    for (uint32_t c = 0; c < actions.size(); ++c) {
      ex.Restore(state);
      ex.Apply(c, actions[c]);
      admit();
    }
  }
  return {static_cast<int64_t>(digests.size()),
          static_cast<int64_t>(fingerprints.size()),
          static_cast<int64_t>(pairs.size())};
}

template <Model M>
class ModelChecker final : public Checker {
 public:
  explicit ModelChecker(std::unique_ptr<const M> model)
      : model_(std::move(model)) {}

  std::vector<PropertyInfo> Properties() const override {
    std::vector<PropertyInfo> out;
    for (const auto& p : model_->properties()) out.push_back({p.name, p.kind});
    return out;
  }

  SymmetryStatus Symmetry() const override {
    if constexpr (requires { model_->symmetry(); }) {
      return model_->symmetry();
    } else {
      return Checker::Symmetry();
    }
  }

  ReductionStatus StaleMessages() const override {
    if constexpr (requires { model_->stale(); }) {
      return model_->stale();
    } else {
      return Checker::StaleMessages();
    }
  }

  Outcome Explore(const ExploreOptions& options) const override {
    Outcome out = faultline::Explore(*model_, options);
    out.properties_off = options.properties_off;
    return out;
  }

  KeyAudit AuditKeys(int64_t states_max) const override {
    if constexpr (std::copyable<typename M::State>) {
      return AuditFingerprints(*model_, states_max);
    } else {
      return {};  // opaque nodes: tree search, keyed by the path
    }
  }

  Trace Record(const Tape& tape) const override {
    Trace trace;
    Executor<M> ex(*model_);
    ex.Reset(tape.init);
    trace.init = tape.init;
    trace.init_digest = ex.Digest();
    std::vector<typename M::Action> actions;
    for (uint32_t choice : tape.choices) {
      ex.Actions(actions);
      FL_CHECK(choice < actions.size());
      std::string event = model_->Describe(ex.state(), actions[choice]);
      ex.Apply(choice, actions[choice]);
      trace.steps.push_back({choice, ex.Digest(), std::move(event)});
    }
    return trace;
  }

  std::optional<Tape> RunEvents(int init,
                                const std::vector<std::string>& events,
                                const std::string& property) const override {
    const int index = AlwaysIndex(property);
    if (index < 0 || init < 0 || init >= model_->InitCount()) {
      return std::nullopt;
    }
    return RunWantedEvents(*model_, init, events, index);
  }

  absl::StatusOr<TraceView> View(const Trace& trace) const override {
    const ReplayResult replay = Replay(trace, nullptr);
    if (replay.kind == ReplayResult::Kind::kDiverged) {
      return absl::InvalidArgumentError(
          absl::StrCat("the trace does not replay: ", replay.message));
    }
    Tape tape{trace.init, {}};
    for (const TraceStep& step : trace.steps) tape.choices.push_back(step.choice);
    TraceView view = BuildView(*model_, tape, AlwaysIndex(trace.property));
    if (replay.kind == ReplayResult::Kind::kReproduced &&
        view.violated_step < 0) {  // a liveness lasso fails as a whole
      view.violated_step = static_cast<int>(view.steps.size()) - 1;
      view.steps.back().violated = true;
    }
    view.protocol = trace.protocol;
    view.property = trace.property;
    return view;
  }

  ReplayResult Replay(const Trace& trace,
                      std::string* narration) const override {
    const auto& properties = model_->properties();
    size_t property = 0;
    while (property < properties.size() &&
           properties[property].name != trace.property) {
      ++property;
    }
    if (property == properties.size() ||
        properties[property].kind == PropertyKind::kSometimes) {
      return Diverged(absl::StrCat("the trace names property '",
                                   trace.property,
                                   "', which this model does not have"));
    }
    if (trace.init >= model_->InitCount()) {
      return Diverged("the trace starts from an initial state this model "
                      "does not have");
    }
    Executor<M> ex(*model_);
    ex.Reset(trace.init);
    if (ex.Digest() != trace.init_digest) {
      return Diverged(absl::StrFormat(
          "the initial state differs (digest %016x, trace has %016x): the "
          "model or its configuration changed",
          ex.Digest(), trace.init_digest));
    }
    std::string before = model_->DescribeState(ex.state());
    if (narration) absl::StrAppend(narration, "initial state\n", before, "\n");
    const bool liveness = properties[property].kind == PropertyKind::kEventually;
    if (trace.bounded() && !liveness) {
      return {ReplayResult::Kind::kNotViolated,
              absl::StrCat("a bounded-liveness trace must name an eventually "
                           "property; ", trace.property, " is not one")};
    }
    BoundedWitness bounded{Obligations(properties.size(), std::max<int64_t>(
                                           trace.liveness_steps, 1)),
                           static_cast<int>(property)};
    if (trace.bounded()) {
      bounded.owed.SetHeal(trace.heal_step);
      bounded.owed.Observe(properties, ex.state(), 0);
    }
    LoopWitness loop;
    loop.digests.push_back(ex.Digest());
    if (liveness) loop.Mark(properties[property], ex.state());
    std::vector<typename M::Action> actions;
    for (size_t k = 0; k < trace.steps.size(); ++k) {
      const TraceStep& step = trace.steps[k];
      ex.Actions(actions);
      if (trace.bounded()) NoteBoundedStep(trace, k, actions, step.choice, ex, bounded);
      if (liveness && !trace.bounded() && static_cast<int64_t>(k) >= trace.loop_start &&
          step.choice < actions.size()) {
        loop.Observe(FairTexts(ex.state(), actions),
                     IsFair(*model_, ex.state(), actions[step.choice]), step.event);
      }
      if (step.choice >= actions.size()) {
        return Diverged(absl::StrCat("step ", k + 1, ": the trace takes choice ",
                                     step.choice, " but only ", actions.size(),
                                     " events are enabled"));
      }
      const std::string event = model_->Describe(ex.state(), actions[step.choice]);
      if (event != step.event) {
        return Diverged(absl::StrCat("step ", k + 1, ": event differs: trace has '",
                                     step.event, "', replay has '", event, "'"));
      }
      std::string effects;
      ex.Apply(step.choice, actions[step.choice], narration ? &effects : nullptr);
      if (ex.Digest() != step.digest) {
        return Diverged(absl::StrFormat(
            "step %d (%s): world digest differs (trace %016x, replay %016x): "
            "the implementation is nondeterministic or the code changed",
            k + 1, event, step.digest, ex.Digest()));
      }
      loop.digests.push_back(ex.Digest());
      if (liveness) loop.Mark(properties[property], ex.state());
      if (trace.bounded()) bounded.owed.Observe(properties, ex.state(), k + 1);
      if (narration) {
        std::string after = model_->DescribeState(ex.state());
        absl::StrAppend(narration, "step ", k + 1, ": ", event, "\n", effects,
                        ChangedLines(before, after));
        before = std::move(after);
      }
    }
    if (trace.bounded()) {
      ex.Actions(actions);
      NoteBoundedStep(trace, trace.steps.size(), actions, 0, ex, bounded);
      return ReplayBounded(trace, bounded, narration);
    }
    if (liveness) {
      ex.Actions(actions);
      return ReplayLiveness(trace, loop, FairTexts(ex.state(), actions), narration);
    }
    ReplayResult result;
    if (properties[property].holds(ex.state())) {
      result.kind = ReplayResult::Kind::kNotViolated;
      result.message = absl::StrCat("every step replayed, but ", trace.property,
                                    " holds at the end");
    } else {
      result.kind = ReplayResult::Kind::kReproduced;
      result.message = absl::StrCat(trace.property, " violated after step ",
                                    trace.steps.size());
      if (narration) {
        absl::StrAppend(narration, ">>> ", result.message, "\nfinal state\n",
                        model_->DescribeState(ex.state()), "\n");
      }
    }
    return result;
  }

 private:
  std::vector<std::string> FairTexts(const typename M::State& s,
                                     const std::vector<typename M::Action>& actions) const {
    std::vector<std::string> texts;
    for (const auto& a : actions) {
      if (IsFair(*model_, s, a)) texts.push_back(model_->Describe(s, a));
    }
    return texts;
  }

  // Bounded liveness: before step k+1 (k == steps: at the end), whether the
  // heal left something to repair, whether the step injects a fault after
  // the heal, and whether any non-fault event is enabled.
  void NoteBoundedStep(const Trace& trace, size_t k,
                       const std::vector<typename M::Action>& actions,
                       uint32_t choice, const Executor<M>& ex,
                       BoundedWitness& w) const {
    const auto& s = ex.state();
    const int64_t step = static_cast<int64_t>(k);
    if (step == trace.heal_step) {
      for (const auto& a : actions) w.repair_left |= IsRepair(*model_, s, a);
    }
    if (step >= trace.heal_step && k < trace.steps.size() && choice < actions.size() &&
        w.fault_after_heal == 0 && FaultClassOf(*model_, s, actions[choice]) >= 0) {
      w.fault_after_heal = step + 1;
    }
    if (k == trace.steps.size()) {
      for (const auto& a : actions) w.calm_at_end |= FaultClassOf(*model_, s, a) < 0;
    }
  }

  // Index of the Always property named `name`, or -1.
  int AlwaysIndex(const std::string& name) const {
    const auto& properties = model_->properties();
    for (size_t i = 0; i < properties.size(); ++i) {
      if (properties[i].name == name &&
          properties[i].kind == PropertyKind::kAlways) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  static ReplayResult Diverged(std::string message) {
    return {ReplayResult::Kind::kDiverged, std::move(message)};
  }

  // The lines of `after` that are not in `before`: what a step changed.
  static std::string ChangedLines(const std::string& before,
                                  const std::string& after) {
    std::vector<absl::string_view> old_lines = absl::StrSplit(before, '\n');
    std::string out;
    for (absl::string_view line : absl::StrSplit(after, '\n')) {
      if (std::find(old_lines.begin(), old_lines.end(), line) == old_lines.end()) {
        absl::StrAppend(&out, "  now", line, "\n");
      }
    }
    return out;
  }

  std::unique_ptr<const M> model_;
};

template <Model M>
std::unique_ptr<Checker> MakeChecker(std::unique_ptr<const M> model) {
  return std::make_unique<ModelChecker<M>>(std::move(model));
}

template <typename P>
std::unique_ptr<Checker> MakeActorChecker(P protocol, WorldOptions world) {
  return MakeChecker<ActorModel<P>>(
      std::make_unique<const ActorModel<P>>(std::move(protocol), world));
}

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_CHECKER_H_
