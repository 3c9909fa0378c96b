// The one interface every explorer walks: a transition system.
//
// A model has initial states, lists the actions enabled in a state in a
// deterministic order, and applies one action to a state in place. This is how
// TLA+ specs are written, and it is also what the actor world (world.h) turns a
// protocol into, so BFS, DFS, random walks and replay share one stepping path.
//
// A model type M provides:
//   using State, Action;
//   int InitCount() const;                      // number of initial states
//   State Init(int index) const;                // the index-th initial state
//   void Actions(const State&, std::vector<Action>&) const;  // fills, in order
//   void Step(State&, const Action&, std::string* narration) const;
//   std::string Describe(const State&, const Action&) const; // one line
//   std::string DescribeState(const State&) const;           // for `show`
//   uint64_t Digest(const State&) const;        // stable (see stable_hash.h)
//   bool Dedupable() const;                      // Digest identifies the state
//   const std::vector<Property<State>>& properties() const;
//
// State need not be copyable: when it is not (opaque nodes), explorers reach a
// state by re-executing the choices that led to it (see executor.h).
#ifndef FAULTLINE_HARNESS_MODEL_H_
#define FAULTLINE_HARNESS_MODEL_H_

#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace faultline {

enum class PropertyKind {
  kAlways,      // holds in every reachable state (safety, history checks)
  kSometimes,   // holds in at least one reachable state (guards vacuity)
  kEventually,  // holds at some point of every fair execution (liveness)
};

inline const char* KindName(PropertyKind kind) {
  switch (kind) {
    case PropertyKind::kAlways: return "always";
    case PropertyKind::kSometimes: return "sometimes";
    case PropertyKind::kEventually: return "eventually";
  }
  return "?";
}

// Whether a reduction asked for is used, and if not, why (one line: "on"
// or "off: ...").
struct ReductionStatus {
  bool requested = false;
  bool active = false;
  std::string note;
};

// What a property reads, as far as a reduction needs to know. DPOR (dpor.h)
// visits every state of each node, every history, and (when it treats
// observing steps as dependent with everything) every state of a node next
// to the history, but not every combination of two nodes' states. Anything
// but kState is set only by builders whose function cannot see more
// (HistoryProperty, NodeProperty, NodeAndHistoryProperty in world.h): a
// declaration the type enforces, not a promise.
enum class PropertyReads : uint8_t {
  kState,
  kHistory,
  kOneNode,
  kOneNodeAndHistory
};

template <typename S>
struct Property {
  PropertyKind kind;
  std::string name;
  std::function<bool(const S&)> holds;  // the invariant, state or goal
  // Eventually only: from which states the goal is owed. Empty: from the
  // initial states (Eventually); set: from every state where it holds (LeadsTo).
  std::function<bool(const S&)> trigger = nullptr;
  PropertyReads reads = PropertyReads::kState;
};

template <typename S>
Property<S> Always(std::string name, std::function<bool(const S&)> holds) {
  return {PropertyKind::kAlways, std::move(name), std::move(holds)};
}

template <typename S>
Property<S> Sometimes(std::string name, std::function<bool(const S&)> holds) {
  return {PropertyKind::kSometimes, std::move(name), std::move(holds)};
}

// Liveness: every fair execution reaches a state where `goal` holds. Checked
// by exhaustive search as the absence of a reachable fair cycle (or a final
// state) on which the goal never holds; see harness/liveness.h.
template <typename S>
Property<S> Eventually(std::string name, std::function<bool(const S&)> goal) {
  return {PropertyKind::kEventually, std::move(name), std::move(goal)};
}

// Leads-to, Always(p => Eventually q): from every reachable state where `p`
// holds, every fair continuation reaches a state where `q` holds (the state
// itself counts).
template <typename S>
Property<S> LeadsTo(std::string name, std::function<bool(const S&)> p,
                    std::function<bool(const S&)> q) {
  return {PropertyKind::kEventually, std::move(name), std::move(q), std::move(p)};
}

template <typename M>
concept Model = requires(const M& m, typename M::State& s,
                         const typename M::Action& a,
                         std::vector<typename M::Action>& actions,
                         std::string* narration) {
  { m.InitCount() } -> std::convertible_to<int>;
  { m.Init(0) } -> std::same_as<typename M::State>;
  m.Actions(s, actions);
  m.Step(s, a, narration);
  { m.Describe(s, a) } -> std::convertible_to<std::string>;
  { m.DescribeState(s) } -> std::convertible_to<std::string>;
  { m.Digest(s) } -> std::convertible_to<uint64_t>;
  { m.Dedupable() } -> std::convertible_to<bool>;
  { m.properties() } -> std::convertible_to<
      const std::vector<Property<typename M::State>>&>;
};

// Optional: an independence relation for partial-order reduction
// (harness/por.h, docs/por.md). A model without it is explored unreduced.
//   using Footprint;                     // what one action reads and writes
//   uint64_t ActionKey(const State&, const Action&) const;
//       // names an action so it is recognised in a later state after
//       // independent actions ran; distinct among the actions enabled in a state
//   Footprint FootprintOf(const State& before, const Action&) const;
//   void FinishFootprint(const State& after, Footprint&) const;
//   bool Independent(const Footprint&, const Footprint&) const;
//       // true only if, in the state both were taken from, neither action
//       // disables the other and both orders reach the same state
template <typename M>
concept PartialOrderModel =
    Model<M> && requires(const M& m, const typename M::State& s,
                         const typename M::Action& a,
                         typename M::Footprint& f) {
      { m.ActionKey(s, a) } -> std::convertible_to<uint64_t>;
      { m.FootprintOf(s, a) } -> std::same_as<typename M::Footprint>;
      m.FinishFootprint(s, f);
      { m.Independent(f, f) } -> std::convertible_to<bool>;
    };

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_MODEL_H_
