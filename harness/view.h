// TraceView: a replayed trace as structured steps, for pictures of it.
//
// `faultline show` draws a space-time diagram, `faultline render` an HTML page
// and a ShiViz log; all three need more than the event texts of a trace: which
// node acted, which messages a step put in flight and which message a step
// delivered, and every node's state after the step. BuildView<M> re-runs a
// trace's tape and records that. For actor worlds (world.h) it follows the
// world's own events and envelopes; a plain transition system (a TLA+-style
// spec without nodes) becomes a single column whose state is DescribeState.
//
// Messages get ids in the order they are put in flight. The world keeps its
// network as a sorted multiset, so an id is recovered by matching the network
// before and after a step: the world inserts a new envelope after any equal
// ones already there, so a greedy in-order match gives old envelopes their old
// ids and leaves exactly the new ones unmatched.
#ifndef FAULTLINE_HARNESS_VIEW_H_
#define FAULTLINE_HARNESS_VIEW_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "harness/assert.h"
#include "harness/executor.h"
#include "harness/model.h"
#include "harness/show.h"
#include "harness/world.h"

namespace faultline {

enum class StepKind : uint8_t {
  kStart,  // the initial state: every node ran its start handler
  kAction,  // a step of a transition system without nodes
  kDeliver, kFire, kRequest, kDrop, kDuplicate, kCrash, kRecover,
  kPartition, kHeal,
};

inline const char* StepKindName(StepKind kind) {
  switch (kind) {
    case StepKind::kStart: return "start";
    case StepKind::kAction: return "action";
    case StepKind::kDeliver: return "deliver";
    case StepKind::kFire: return "timer";
    case StepKind::kRequest: return "request";
    case StepKind::kDrop: return "drop";
    case StepKind::kDuplicate: return "duplicate";
    case StepKind::kCrash: return "crash";
    case StepKind::kRecover: return "recover";
    case StepKind::kPartition: return "partition";
    case StepKind::kHeal: return "heal";
  }
  return "?";
}

struct MessageView {
  int from = 0;
  int to = 0;
  std::string text;       // Show(msg)
  int sent_at = 0;        // the step that put it in flight (0: start)
  int duplicate_of = -1;  // a Duplicate's copy: the id of the original
};

struct StepView {
  StepKind kind = StepKind::kAction;
  std::string event;    // as in the trace
  int node = -1;        // the node whose handler ran; -1: none or all
  int message = -1;     // Deliver, Drop, Duplicate: the message's id
  std::vector<int> sent;       // ids of messages this step put in flight
  std::string effects;         // timers, persists, observations (narration)
  std::vector<std::string> state;  // per column, after the step
  std::vector<bool> up;            // per column, after the step
  std::vector<int> group;          // partition block per node; empty: healed
  std::vector<int> in_flight;      // message ids in flight after the step
  bool violated = false;           // the property fails after this step
};

// steps[0] is the start; steps[k] is trace step k.
struct TraceView {
  bool actors = false;             // an actor world (else one column)
  std::vector<std::string> columns;  // node names, or {"model"}
  std::vector<StepView> steps;
  std::vector<MessageView> messages;
  std::string protocol;
  std::string property;
  int violated_step = -1;  // first step after which the property fails
  // Set when the trace is not a counterexample (an FLP adversary run): the
  // line that ends the diagram instead of "violated after step" / "holds".
  std::string verdict;
};

template <typename M>
concept ActorWorldModel = requires(const M& m, const typename M::State& w,
                                   const typename M::Action& a) {
  m.protocol();
  m.Name(NodeId{0});
  w.network;
  w.group;
  { a.kind } -> std::convertible_to<EventKind>;
};

namespace internal {

inline StepKind KindOf(EventKind k) {
  switch (k) {
    case EventKind::kDeliver: return StepKind::kDeliver;
    case EventKind::kFire: return StepKind::kFire;
    case EventKind::kRequest: return StepKind::kRequest;
    case EventKind::kDrop: return StepKind::kDrop;
    case EventKind::kDuplicate: return StepKind::kDuplicate;
    case EventKind::kCrash: return StepKind::kCrash;
    case EventKind::kRecover: return StepKind::kRecover;
    case EventKind::kPartition: return StepKind::kPartition;
    case EventKind::kHeal: return StepKind::kHeal;
    default: return StepKind::kAction;  // kinds added later draw as actions
  }
}

// Follows message identities through an actor world's network.
template <typename M>
class ActorTracker {
 public:
  using State = typename M::State;
  explicit ActorTracker(const M& model) : model_(model) {}

  void Start(const State& w, TraceView& view) {
    for (NodeId n = 0; n < w.node_count(); ++n) {
      view.columns.push_back(model_.Name(n));
    }
    StepView s;
    s.kind = StepKind::kStart;
    s.event = "start";
    s.sent = Match(w, {}, 0, -1, view);
    Fill(w, s);
    view.steps.push_back(std::move(s));
  }

  // Call with the state before the step, then After() with the state after.
  void Before(const State& w, const typename M::Action& e, StepView& s) {
    s.kind = KindOf(e.kind);
    s.node = e.node;
    old_ = w.network;
    old_ids_ = ids_;
    removed_ = -1;
    const bool on_message = e.kind == EventKind::kDeliver ||
                            e.kind == EventKind::kDrop ||
                            e.kind == EventKind::kDuplicate;
    if (on_message) {
      FL_CHECK(e.arg >= 0 && e.arg < static_cast<int>(ids_.size()));
      s.message = ids_[e.arg];
      s.node = e.kind == EventKind::kDeliver ? w.network[e.arg].to : -1;
      if (e.kind != EventKind::kDuplicate) removed_ = e.arg;
    }
    if (e.kind == EventKind::kPartition || e.kind == EventKind::kHeal) {
      s.node = -1;
    }
  }

  void After(const State& w, int step, StepView& s, TraceView& view) {
    if (removed_ >= 0) {
      old_.erase(old_.begin() + removed_);
      old_ids_.erase(old_ids_.begin() + removed_);
    }
    ids_ = old_ids_;
    const int copy_of = s.kind == StepKind::kDuplicate ? s.message : -1;
    s.sent = Match(w, old_, step, copy_of, view);
    Fill(w, s);
  }

 private:
  // Gives the envelopes of `w.network` that match `old` (in order) their old
  // ids and the others new ones; returns the new ids.
  std::vector<int> Match(const State& w, const decltype(State::network)& old,
                         int step, int copy_of, TraceView& view) {
    std::vector<int> ids, fresh;
    size_t j = 0;
    for (const auto& e : w.network) {
      // Searching ahead tolerates envelopes that left the network by a kind
      // of event this view does not know (they are skipped, not misnamed).
      size_t k = j;
      while (k < old.size() && !(old[k] == e)) ++k;
      if (k < old.size()) {
        ids.push_back(ids_[k]);
        j = k + 1;
        continue;
      }
      const int id = static_cast<int>(view.messages.size());
      view.messages.push_back({e.from, e.to, Show(e.msg), step, copy_of});
      ids.push_back(id);
      fresh.push_back(id);
    }
    ids_ = std::move(ids);
    return fresh;
  }

  void Fill(const State& w, StepView& s) const {
    for (NodeId n = 0; n < w.node_count(); ++n) {
      s.state.push_back(Show(w.node(n)));
      s.up.push_back(w.up(n));
    }
    for (uint8_t g : w.group) s.group.push_back(g);
    s.in_flight = ids_;
  }

  const M& model_;
  std::vector<int> ids_;  // parallel to the current network
  decltype(State::network) old_;
  std::vector<int> old_ids_;
  int removed_ = -1;
};

}  // namespace internal

// Re-runs `tape` (which must be valid for `model`) and describes every step.
// `property` indexes model.properties() (an Always) or is -1.
template <Model M>
TraceView BuildView(const M& model, const Tape& tape, int property) {
  TraceView view;
  Executor<M> ex(model);
  ex.Reset(tape.init);
  auto fails = [&] {
    return property >= 0 && !model.properties()[property].holds(ex.state());
  };
  auto note_violation = [&](StepView& s, int k) {
    s.violated = fails();
    if (s.violated && view.violated_step < 0) view.violated_step = k;
  };
  std::vector<typename M::Action> actions;
  if constexpr (ActorWorldModel<M>) {
    view.actors = true;
    internal::ActorTracker<M> tracker(model);
    tracker.Start(ex.state(), view);
    note_violation(view.steps.back(), 0);
    for (size_t k = 0; k < tape.choices.size(); ++k) {
      ex.Actions(actions);
      const uint32_t c = tape.choices[k];
      FL_CHECK(c < actions.size());
      StepView s;
      s.event = model.Describe(ex.state(), actions[c]);
      tracker.Before(ex.state(), actions[c], s);
      ex.Apply(c, actions[c], &s.effects);
      tracker.After(ex.state(), static_cast<int>(k + 1), s, view);
      note_violation(s, static_cast<int>(k + 1));
      view.steps.push_back(std::move(s));
    }
  } else {
    view.columns = {"model"};
    auto fill = [&](StepView& s) {
      s.state = {model.DescribeState(ex.state())};
      s.up = {true};
    };
    StepView start;
    start.kind = StepKind::kStart;
    start.event = "start";
    start.node = 0;
    fill(start);
    note_violation(start, 0);
    view.steps.push_back(std::move(start));
    for (size_t k = 0; k < tape.choices.size(); ++k) {
      ex.Actions(actions);
      const uint32_t c = tape.choices[k];
      FL_CHECK(c < actions.size());
      StepView s;
      s.kind = StepKind::kAction;
      s.node = 0;
      s.event = model.Describe(ex.state(), actions[c]);
      ex.Apply(c, actions[c], &s.effects);
      fill(s);
      note_violation(s, static_cast<int>(k + 1));
      view.steps.push_back(std::move(s));
    }
  }
  return view;
}


// Re-runs the wanted `events` (texts as Describe gives them) from initial
// state `init`: at each turn it takes the first enabled action whose text is
// the wanted event and skips a wanted event that is not enabled. Stops at the
// first state where Always property `property` fails and returns the tape
// that led there; nullopt if the property never fails.
template <Model M>
std::optional<Tape> RunWantedEvents(const M& model, int init,
                                    const std::vector<std::string>& events,
                                    int property) {
  FL_CHECK(property >= 0 &&
           property < static_cast<int>(model.properties().size()));
  const auto& holds = model.properties()[property].holds;
  Executor<M> ex(model);
  ex.Reset(init);
  if (!holds(ex.state())) return ex.tape();
  std::vector<typename M::Action> actions;
  for (const std::string& wanted : events) {
    ex.Actions(actions);
    for (uint32_t i = 0; i < actions.size(); ++i) {
      if (model.Describe(ex.state(), actions[i]) != wanted) continue;
      ex.Apply(i, actions[i]);
      if (!holds(ex.state())) return ex.tape();
      break;
    }
  }
  return std::nullopt;
}

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_VIEW_H_
